import { z } from 'zod';
import { resolveAugment, type AugmentConfig } from '../data/augment-config.js';
import { validateRatios } from '../data/split.js';
import { checkedBy } from './checked.js';
import { dataSourceSchema } from './data-sources.js';

/** Split fractions (train, val, test, ...), checked by core's splitter. */
export const splitRatiosSchema = checkedBy(z.array(z.number()), (r) => validateRatios(r, 'ratios'), 'ratios').describe(
  'fractions of the data for train, val, test (stratified by class)',
);

/** Training-split augmentation: core's AugmentConfig, checked by core's resolver (names, ranges, the label guard's force flags). */
export const augmentSchema = checkedBy(z.record(z.string(), z.unknown()), (a) => resolveAugment(a, 'augment'), 'augment').describe(
  'augmentation of the training split: randomShift, randomHorizontalFlip, randomVerticalFlip, randomBrightness, randomErasing',
) as unknown as z.ZodType<AugmentConfig>;

/**
 * Core's DatasetSpec as a schema: where the samples come from, how they are split and normalized, and how the
 * training split is augmented. `loadDatasetSpec` and every config parse it.
 * @example
 * datasetSpecSchema.parse({ source: 'mnist-digits', split: { ratios: [0.6, 0.2, 0.2], seed: 3 } });
 */
export const datasetSpecSchema = z
  .object({
    source: dataSourceSchema,
    split: z
      .object({
        ratios: splitRatiosSchema,
        seed: z.number().int().min(0).default(0).describe('seed of the split'),
        stratify: z.boolean().default(true).describe('keep class proportions in every split'),
      })
      .strict()
      .default({ ratios: [0.8, 0.1, 0.1], seed: 0, stratify: true }),
    normalize: z.boolean().default(true).describe('per-channel normalization with statistics of the whole training split'),
    augment: augmentSchema.optional(),
  })
  .strict();
