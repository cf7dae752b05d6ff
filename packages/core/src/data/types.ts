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
}
