import type { PixelArray } from './pixels.js';

/** The augmentations the pipeline knows, by their option names in {@link AugmentConfig}. */
export type TransformName =
  | 'randomShift'
  | 'randomHorizontalFlip'
  | 'randomVerticalFlip'
  | 'randomBrightness'
  | 'randomErasing';

/**
 * A set of labelled images held as one flat NHWC array (row-major: sample, row, column, channel) and integer class
 * labels. Every loader and transform in core speaks this shape. Pixels are stored compactly where the source allows
 * (see {@link PixelArray}): 8-bit codes with a value table, converted to floats per batch by the pipeline.
 */
export interface ImageDataset {
  /** count × height × width × channels stored values, NHWC: 8-bit codes (with `levels`) or float32 values. */
  images: PixelArray;
  /** Present exactly when `images` is a Uint8Array: the float value of each code (256 entries), e.g. k / 255. */
  levels?: Float32Array;
  /** count class indices in [0, numClasses). */
  labels: Int32Array;
  count: number;
  height: number;
  width: number;
  channels: number;
  numClasses: number;
  /** A short name for logs and error messages. */
  name: string;
  /**
   * The transforms that keep this dataset's labels true (the augmentation guard refuses the others unless forced).
   * Absent: looked up by `name` for known datasets, otherwise every transform is allowed.
   */
  allowedTransforms?: readonly TransformName[];
  /** Class names by label, when the source had them (e.g. string labels of a CSV file). */
  classNames?: readonly string[];
}

/**
 * What a dataset is, without its samples: shape, classes and traits (e.g. a loaded source whose pixels were released
 * once split, so a worker holds each sample once).
 */
export type DatasetInfo = Omit<ImageDataset, 'images' | 'levels' | 'labels'>;
