export type { DatasetInfo, ImageDataset, TransformName } from './types.js';
export { allocPixels, compactValues, pixelValues, readPixels, UNIT_LEVELS, type PixelArray } from './pixels.js';
export { loadMnistDigits } from './mnist.js';
export { DataFormatError } from './errors.js';
export { loadIdx, parseIdx, type IdxSource } from './idx.js';
export { loadCifar10, CIFAR10_CLASSES } from './cifar10.js';
export { loadCsv, type CsvSource } from './csv.js';
export { loadImageFolder, scanImageFolder, IMAGE_EXTENSIONS, type ImageFolderSource } from './image-folder.js';
export { decodeImage, resizeBilinear, type DecodedImage } from './image-decode.js';
export { subsetDataset } from './subset.js';
export { fileDigest } from './file-digest.js';
export { splitDataset, type SplitOptions } from './split.js';
export {
  computeNormalization,
  normalize,
  normalizePixels,
  parseNormalizationStats,
  type NormalizationStats,
} from './normalization.js';
export { normalizeTensor } from './normalize-tensor.js';
export { resolveAugment, type AugmentConfig, type ResolvedAugment } from './augment-config.js';
export { assertLabelPreserving, allowedTransformsOf, knownAllowedTransforms } from './label-guard.js';
export { shiftFlip, randomErasingBox, eraseBox, type EraseBox, type ImageShape } from './transforms.js';
export { SamplePipeline, defaultAugment, type PipelineOptions } from './pipeline.js';
export { shardIndices, epochOrder, consumedPositions, type ShardOptions } from './shard.js';
export {
  makeBatches,
  makeRawBatches,
  BatchLoader,
  type Batch,
  type RawBatch,
  type BatchOptions,
  type BatchLoaderOptions,
} from './batches.js';
export { writePreviewPng, type PreviewOptions } from './preview.js';
export { loadDatasetSpec, validateDatasetSpec, type DatasetSpec, type PreparedDataset } from './spec.js';
export { Mt19937, Sfc32, mulberry32, type RandomSource } from './rng.js';
