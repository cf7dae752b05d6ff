import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { absoluteInit, absoluteModel, absoluteSource, issueLines } from '@tensorfleet/core';
import { trainConfigSchema, type TrainConfig } from './train-config.js';
import { absoluteHashes } from './config-data.js';
import { absoluteLauncherPaths } from './launchers.js';

/** A configuration problem, phrased for the person who wrote the file: which field, what was expected. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads a YAML or JSON file (YAML is a superset of JSON) into a plain mapping, with errors that name the file. */
export function readConfigFile(path: string, what = 'config file'): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${what} ${path}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${what} ${path} is not valid YAML/JSON: ${(err as Error).message}`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`${what} ${path} must hold a mapping of fields, got ${Array.isArray(value) ? 'a list' : typeof value}`);
  }
  return value as Record<string, unknown>;
}

/** Deep-merges overrides onto a mapping (objects merge, everything else replaces; undefined leaves are skipped). */
export function mergeConfig(base: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const prior = merged[key];
    const bothObjects =
      typeof value === 'object' && value !== null && !Array.isArray(value) &&
      typeof prior === 'object' && prior !== null && !Array.isArray(prior);
    merged[key] = bothObjects ? mergeConfig(prior as Record<string, unknown>, value as Record<string, unknown>) : value;
  }
  return merged;
}

/** Every problem of a raw config as `field: message` lines, or [] when it is valid. */
export function trainConfigProblems(raw: Record<string, unknown>): string[] {
  const result = trainConfigSchema.safeParse(raw);
  return result.success ? [] : issueLines(result.error);
}

/**
 * Validates a raw configuration and fills in defaults; throws ConfigError listing every bad field. Relative paths
 * (data files, model files) are made absolute against `baseDir`, the config file's folder, so the result means the
 * same files in every process.
 * @example
 * const config = resolveTrainConfig(readConfigFile('job.yaml'), 'job.yaml', configBaseDir('job.yaml'));
 */
export function resolveTrainConfig(raw: Record<string, unknown>, source = 'configuration', baseDir = process.cwd()): TrainConfig {
  const result = trainConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(`invalid configuration in ${source}:\n${issueLines(result.error).map((l) => `  ${l}`).join('\n')}`);
  }
  return absoluteConfigPaths(result.data as unknown as Record<string, unknown>, baseDir) as unknown as TrainConfig;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Applies `absolute` when the value is well-formed enough for it; a malformed one is left for the schema to name. */
function tryAbsolute<T>(value: T, absolute: (v: T) => T): T {
  try {
    return absolute(value);
  } catch {
    return value;
  }
}

/**
 * A config (parsed, or raw as written) with every path it names made absolute against `baseDir`: data source files,
 * data.sha256 keys, the model file, init.from and the launcher's files (hostfile, ssh key, known_hosts). A study's base goes through this with the spec's folder, so its
 * trials, run from their own folders, read the same files.
 * @example
 * absoluteConfigPaths({ data: { source: { csv: { path: 'iris.csv' } } } }, '/jobs'); // path: '/jobs/iris.csv'
 */
export function absoluteConfigPaths(config: Record<string, unknown>, baseDir: string): Record<string, unknown> {
  const ctx = { baseDir };
  const out = { ...config };
  if (isMap(config.data)) {
    const data = { ...config.data };
    if (data.source !== undefined) data.source = tryAbsolute<unknown>(data.source, (s) => absoluteSource(s as never, ctx));
    if (isMap(data.sha256)) data.sha256 = absoluteHashes(data.sha256 as Record<string, string>, baseDir);
    out.data = data;
  }
  if (isMap(config.model)) out.model = tryAbsolute(config.model, (m) => absoluteModel(m, ctx));
  if (isMap(config.init)) out.init = tryAbsolute(config.init, (i) => absoluteInit(i as never, ctx) as never);
  if (config.launcher !== undefined) out.launcher = absoluteLauncherPaths(config.launcher, baseDir);
  return out;
}

/** The folder a config's relative paths resolve against: the config file's own, or the cwd without a file. */
export function configBaseDir(file: string | undefined): string {
  return file ? dirname(resolve(file)) : process.cwd();
}
