import { accessSync, constants } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';
import { fileDigest, loadDatasetSpec, sourceFiles, type DatasetSpec, type PreparedDataset } from '@tensorfleet/core';
import { ConfigError } from './load-config.js';

/**
 * The config field that names `file`: the path inside `data.source` whose string is the file (or the folder holding
 * it, for an image folder), e.g. `data.source.idx.images` or `data.source.cifar10[1]`; `data.source` when none is.
 */
export function sourceFieldOf(source: unknown, file: string): string {
  const walk = (v: unknown, at: string): string | null => {
    if (typeof v === 'string') return v === file || file.startsWith(v + sep) ? at : null;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const found = walk(v[i], `${at}[${i}]`);
        if (found) return found;
      }
      return null;
    }
    if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        const found = walk(x, `${at}.${k}`);
        if (found) return found;
      }
    }
    return null;
  };
  return walk(source, 'data.source') ?? 'data.source';
}

/** `data.sha256` with its keys (file paths) made absolute against `baseDir`, like the source's paths. */
export function absoluteHashes(hashes: Record<string, string>, baseDir: string): Record<string, string> {
  return Object.fromEntries(Object.entries(hashes).map(([path, hash]) => [isAbsolute(path) ? path : resolve(baseDir, path), hash]));
}

/**
 * Checks, before anything is served, that every file a resolved config's data source reads is there and readable,
 * and that each file `hashes` (data.sha256, absolute keys) names has that content; a ConfigError names the field and
 * the problem.
 *
 * @example
 * checkDataFiles(config.data.source, config.data.sha256);
 */
export function checkDataFiles(source: unknown, hashes: Record<string, string> = {}): void {
  let files: string[];
  try {
    files = sourceFiles(source, { baseDir: process.cwd() }); // paths are absolute already
  } catch (e) {
    throw new ConfigError(`data.source: ${(e as Error).message}`);
  }
  for (const [path, expected] of Object.entries(hashes)) {
    if (!files.includes(path)) throw new ConfigError(`data.sha256["${path}"]: the data source does not read this file (it reads ${files.join(', ') || 'no files'})`);
    let actual: string;
    try {
      actual = fileDigest(path).sha256;
    } catch (e) {
      throw new ConfigError(`${sourceFieldOf(source, path)}: ${(e as Error).message}`);
    }
    if (actual !== expected) throw new ConfigError(`data.sha256["${path}"]: the file has sha256 ${actual}, not ${expected}`);
  }
  for (const file of files) {
    try {
      accessSync(file, constants.R_OK);
    } catch (e) {
      throw new ConfigError(`${sourceFieldOf(source, file)}: ${file}: cannot read dataset file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
}

/**
 * Loads a resolved config's dataset; a file that does not parse or decode becomes a ConfigError naming the config
 * field that names it (bad input, not a failed run).
 *
 * @example
 * const data = loadConfigData(dataset); // throws ConfigError 'data.source.imageFolder.path: …/x.jpg: cannot decode …'
 */
export function loadConfigData(dataset: DatasetSpec, baseDir: string): PreparedDataset {
  try {
    return loadDatasetSpec(dataset, { baseDir });
  } catch (e) {
    const message = (e as Error).message;
    const file = message.match(/^(\/[^:]+):/)?.[1];
    throw new ConfigError(`${file ? sourceFieldOf(dataset.source, file) : 'data.source'}: ${message}`);
  }
}
