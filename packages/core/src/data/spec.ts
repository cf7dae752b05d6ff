import { isAbsolute, resolve } from 'node:path';
import { resolveAugment, type AugmentConfig } from './augment-config.js';
import { loadCifar10 } from './cifar10.js';
import { loadCsv, type CsvSource } from './csv.js';
import { loadIdx, type IdxSource } from './idx.js';
import { loadImageFolder, type ImageFolderSource } from './image-folder.js';
import { assertLabelPreserving } from './label-guard.js';
import { loadMnistDigits } from './mnist.js';
import { computeNormalization, type NormalizationStats } from './normalization.js';
import { splitDataset, validateRatios } from './split.js';
import type { DatasetInfo, ImageDataset } from './types.js';

/**
 * A dataset described as plain data (JSON / YAML), so a trainer, a worker or an HPO trial can carry it and rebuild
 * exactly the same splits anywhere.
 */
export interface DatasetSpec {
  source: 'mnist-digits' | { idx: IdxSource } | { cifar10: string[] } | { csv: CsvSource } | { imageFolder: ImageFolderSource };
  /** Default { ratios: [0.8, 0.1, 0.1], seed: 0, stratify: true }; splits are named train, val, test (then split3...). */
  split?: { ratios: number[]; seed?: number; stratify?: boolean };
  /** Per-channel normalization with statistics of the training split. Default true. */
  normalize?: boolean;
  /** Augmentation of the training split (only). */
  augment?: AugmentConfig;
}

/** A loaded spec: the splits (raw pixels), the training split's statistics, and the validated augmentation. */
export interface PreparedDataset {
  /** The spec with every default filled in (JSON-serializable). */
  spec: Required<Omit<DatasetSpec, 'augment'>> & { augment?: AugmentConfig };
  /** The loaded source's shape, classes and traits; its samples live in the splits only (held once, not twice). */
  source: DatasetInfo;
  train: ImageDataset;
  val?: ImageDataset;
  test?: ImageDataset;
  /** Every split by name: train, val, test, split3, ... */
  splits: Record<string, ImageDataset>;
  /** From the whole training split (never a shard); null when normalize is false. Save it with the model. */
  normalization: NormalizationStats | null;
  /** For the training split's batches; null when none. Already checked by the label-preserving guard. */
  augment: AugmentConfig | null;
}

function fail(where: string, expected: string, got: unknown): never {
  throw new Error(`${where}: expected ${expected}, got ${JSON.stringify(got)}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function paths(value: unknown, where: string, baseDir: string): string {
  if (typeof value !== 'string' || value === '') fail(where, 'a file path', value);
  return isAbsolute(value as string) ? (value as string) : resolve(baseDir, value as string);
}

function loadSource(source: unknown, baseDir: string): ImageDataset {
  if (source === 'mnist-digits') return loadMnistDigits();
  if (!isObject(source) || Object.keys(source).length !== 1) {
    fail('spec.source', '"mnist-digits" or one of {idx: {images, labels}}, {cifar10: [files]}, {csv: {path, ...}}, {imageFolder: {path, size}}', source);
  }
  const [kind, body] = Object.entries(source)[0]!;
  switch (kind) {
    case 'idx': {
      if (!isObject(body)) fail('spec.source.idx', '{images, labels, name?, numClasses?}', body);
      return loadIdx({
        ...(body as unknown as IdxSource),
        images: paths(body['images'], 'spec.source.idx.images', baseDir),
        labels: paths(body['labels'], 'spec.source.idx.labels', baseDir),
      });
    }
    case 'cifar10': {
      if (!Array.isArray(body) || body.length === 0) fail('spec.source.cifar10', 'a non-empty array of batch files', body);
      return loadCifar10((body as unknown[]).map((f, i) => paths(f, `spec.source.cifar10[${i}]`, baseDir)));
    }
    case 'csv': {
      if (!isObject(body)) fail('spec.source.csv', '{path, labelColumn?, header?, delimiter?, shape?, scale?}', body);
      return loadCsv({ ...(body as unknown as CsvSource), path: paths(body['path'], 'spec.source.csv.path', baseDir) });
    }
    case 'imageFolder': {
      if (!isObject(body)) fail('spec.source.imageFolder', '{path, size: [height, width], channels?, name?}', body);
      return loadImageFolder({ ...(body as unknown as ImageFolderSource), path: paths(body['path'], 'spec.source.imageFolder.path', baseDir) });
    }
    default:
      fail('spec.source', 'one of the kinds idx, cifar10, csv, imageFolder', kind);
  }
}

/**
 * Validates a dataset spec without loading files: returns it with defaults filled in, or throws naming the field.
 *
 * @example
 * validateDatasetSpec({ source: 'mnist-digits', split: { ratios: [0.6, 0.2, 0.2], seed: 3 } });
 */
export function validateDatasetSpec(spec: unknown): PreparedDataset['spec'] {
  if (!isObject(spec)) fail('spec', 'an object {source, split?, normalize?, augment?}', spec);
  for (const k of Object.keys(spec)) {
    if (!['source', 'split', 'normalize', 'augment'].includes(k)) throw new Error(`spec: unknown field "${k}" (known: source, split, normalize, augment)`);
  }
  const source = spec['source'];
  const sourceOk =
    source === 'mnist-digits' ||
    (isObject(source) && Object.keys(source).length === 1 && ['idx', 'cifar10', 'csv', 'imageFolder'].includes(Object.keys(source)[0]!));
  if (!sourceOk) fail('spec.source', '"mnist-digits" or one of {idx: {images, labels}}, {cifar10: [files]}, {csv: {path, ...}}, {imageFolder: {path, size}}', source);
  const split = spec['split'] ?? { ratios: [0.8, 0.1, 0.1] };
  if (!isObject(split)) fail('spec.split', '{ratios, seed?, stratify?}', split);
  for (const k of Object.keys(split)) if (!['ratios', 'seed', 'stratify'].includes(k)) throw new Error(`spec.split: unknown field "${k}"`);
  const ratios = validateRatios(split['ratios'], 'spec.split.ratios');
  const seed = split['seed'] ?? 0;
  if (!Number.isInteger(seed) || (seed as number) < 0) fail('spec.split.seed', 'a non-negative integer', seed);
  const stratify = split['stratify'] ?? true;
  if (typeof stratify !== 'boolean') fail('spec.split.stratify', 'a boolean', stratify);
  const normalize = spec['normalize'] ?? true;
  if (typeof normalize !== 'boolean') fail('spec.normalize', 'a boolean', normalize);
  if (spec['augment'] !== undefined) resolveAugment(spec['augment'], 'spec.augment');
  return {
    source: spec['source'] as DatasetSpec['source'],
    split: { ratios, seed: seed as number, stratify },
    normalize,
    ...(spec['augment'] !== undefined ? { augment: spec['augment'] as AugmentConfig } : {}),
  };
}

/**
 * Loads a dataset spec: the source, the seeded (stratified) splits, normalization statistics from the whole
 * training split, and the augmentation checked against the dataset's label-preserving transforms. Every process that
 * loads the same spec gets the same splits and statistics; shard the training split afterwards with shardIndices.
 *
 * @example
 * const data = loadDatasetSpec({ source: 'mnist-digits', split: { ratios: [0.8, 0.1, 0.1], seed: 1 },
 *                                augment: { randomShift: {}, randomErasing: {} } });
 * const loader = new BatchLoader(data.train, shard, { batchSize: 64, augment: data.augment ?? undefined,
 *                                normalization: data.normalization ?? undefined, seed: 1, epoch });
 */
export function loadDatasetSpec(spec: DatasetSpec, { baseDir = process.cwd() }: { baseDir?: string } = {}): PreparedDataset {
  const valid = validateDatasetSpec(spec);
  const source = loadSource(valid.source, baseDir);
  const parts = splitDataset(source, { ratios: valid.split.ratios, seed: valid.split.seed ?? 0, stratify: valid.split.stratify ?? true });
  const names = ['train', 'val', 'test'];
  const splits: Record<string, ImageDataset> = {};
  parts.forEach((p, i) => (splits[names[i] ?? `split${i}`] = { ...p, name: `${source.name}/${names[i] ?? `split${i}`}` }));
  const train = splits['train']!;
  if (valid.augment) assertLabelPreserving(source, resolveAugment(valid.augment, 'spec.augment'));
  const { images: _images, levels: _levels, labels: _labels, ...info } = source;
  return {
    spec: valid,
    source: info,
    train,
    ...(splits['val'] ? { val: splits['val'] } : {}),
    ...(splits['test'] ? { test: splits['test'] } : {}),
    splits,
    normalization: valid.normalize ? computeNormalization(train) : null,
    augment: valid.augment ?? null,
  };
}
