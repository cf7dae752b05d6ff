import { resolveAugment, type AugmentConfig } from './augment-config.js';
import type { CsvSource } from './csv.js';
import type { IdxSource } from './idx.js';
import type { ImageFolderSource } from './image-folder.js';
import { assertLabelPreserving } from './label-guard.js';
import { computeNormalization, type NormalizationStats } from './normalization.js';
import { splitDataset } from './split.js';
import { issueLines } from '../spec/checked.js';
import { loadSource, type SourceContext } from '../spec/data-sources.js';
import { datasetSpecSchema } from '../spec/dataset.js';
import type { DatasetInfo, ImageDataset } from './types.js';

/**
 * A dataset described as plain data (JSON / YAML), so a trainer, a worker or an HPO trial can carry it and rebuild
 * exactly the same splits anywhere.
 */
export interface DatasetSpec {
  source: 'mnist-digits' | { idx: IdxSource } | { cifar10: string[] } | { csv: CsvSource } | { imageFolder: ImageFolderSource } | string | Record<string, unknown>;
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

/**
 * Validates a dataset spec without loading files: returns it with defaults filled in, or throws naming the field.
 *
 * @example
 * validateDatasetSpec({ source: 'mnist-digits', split: { ratios: [0.6, 0.2, 0.2], seed: 3 } });
 */
export function validateDatasetSpec(spec: unknown): PreparedDataset['spec'] {
  const result = datasetSpecSchema.safeParse(spec);
  if (!result.success) throw new Error(issueLines(result.error, ['spec']).join('; '));
  return result.data as PreparedDataset['spec'];
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
export function loadDatasetSpec(spec: DatasetSpec, { baseDir = process.cwd(), locate }: { baseDir?: string; locate?: SourceContext['locate'] } = {}): PreparedDataset {
  const valid = validateDatasetSpec(spec);
  const source = loadSource(valid.source, { baseDir, ...(locate ? { locate } : {}) });
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
