import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { trainConfigSchema, type TrainConfig } from './schema.js';

/** A configuration problem, phrased for the person who wrote the file: which field, what was expected. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

function describeIssues(error: z.ZodError, source: string): string {
  const lines = error.issues.map((issue) => {
    const field = issue.path.length ? issue.path.join('.') : '(top level)';
    return `  ${field}: ${issue.message}`;
  });
  return `invalid configuration in ${source}:\n${lines.join('\n')}`;
}

/** Reads a YAML or JSON file (YAML is a superset of JSON) into a plain object, with errors that name the file. */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid YAML/JSON: ${(err as Error).message}`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`config file ${path} must hold a mapping of fields, got ${Array.isArray(value) ? 'a list' : typeof value}`);
  }
  return value as Record<string, unknown>;
}

/** Deep-merges command-line overrides onto the file's fields (objects merge, everything else replaces). */
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

/** Validates a raw configuration and fills in defaults; throws ConfigError listing every bad field. */
export function resolveTrainConfig(raw: Record<string, unknown>, source = 'configuration'): TrainConfig {
  const result = trainConfigSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(describeIssues(result.error, source));
  return result.data;
}
