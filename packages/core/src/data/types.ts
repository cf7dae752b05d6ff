/** The augmentations the pipeline knows, by their option names in {@link AugmentConfig}. */
export type TransformName =
  | 'randomShift'
  | 'randomHorizontalFlip'
  | 'randomVerticalFlip'
  | 'randomBrightness'
  | 'randomErasing';

/**
 * A set of labelled images held as one flat NHWC Float32Array (row-major: sample, row, column, channel) and integer
 * class labels. Every loader and transform in core speaks this shape.
 */
export interface ImageDataset {
  /** count × height × width × channels pixels, NHWC. */
  images: Float32Array;
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
