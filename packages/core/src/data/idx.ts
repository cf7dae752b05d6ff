import { DataFormatError } from './errors.js';
import { readMaybeGzip } from './read-file.js';
import { knownAllowedTransforms } from './label-guard.js';
import { allocPixels, UNIT_LEVELS } from './pixels.js';
import type { ImageDataset, TransformName } from './types.js';

/** Where an IDX dataset lives: an images file and a labels file, raw or gzipped (MNIST / Fashion-MNIST layout). */
export interface IdxSource {
  images: string;
  labels: string;
  /** Dataset name for logs and the augmentation guard, e.g. 'mnist' or 'fashion-mnist'. Default 'idx'. */
  name?: string;
  /** Number of classes; default the largest label + 1 (at least 10 for names 'mnist' / 'fashion-mnist'). */
  numClasses?: number;
  /** Overrides the label-preserving transforms known for `name`. */
  allowedTransforms?: TransformName[];
}

const UBYTE = 0x08;

interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Parses an unsigned-byte IDX array: magic 0 0 0x08 ndim, ndim big-endian uint32 sizes, then the bytes. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4) {
    throw new DataFormatError(file, { offset: bytes.length }, 'a 4-byte IDX magic number', `end of file after ${bytes.length} bytes`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataFormatError(file, { offset: 0 }, 'IDX magic bytes 0x00 0x00', `0x${hex(bytes[0]!)} 0x${hex(bytes[1]!)}`);
  }
  if (bytes[2] !== UBYTE) {
    throw new DataFormatError(file, { offset: 2 }, 'IDX data type 0x08 (unsigned byte)', `0x${hex(bytes[2]!)}`);
  }
  const ndim = bytes[3]!;
  if (ndim < 1) throw new DataFormatError(file, { offset: 3 }, 'at least 1 dimension', '0');
  const headerEnd = 4 + 4 * ndim;
  if (bytes.length < headerEnd) {
    throw new DataFormatError(file, { offset: bytes.length }, `${ndim} 4-byte dimension sizes ending at byte ${headerEnd}`, 'end of file');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let d = 0; d < ndim; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const size = dims.reduce((a, b) => a * b, 1);
  const end = headerEnd + size;
  if (bytes.length < end) {
    throw new DataFormatError(
      file,
      { offset: bytes.length },
      `${size} data bytes for dimensions [${dims.join(', ')}] (file end at byte ${end})`,
      `end of file (truncated by ${end - bytes.length} bytes)`,
    );
  }
  if (bytes.length > end) {
    throw new DataFormatError(file, { offset: end }, `end of file after dimensions [${dims.join(', ')}]`, `${bytes.length - end} extra bytes`);
  }
  return { dims, data: bytes.subarray(headerEnd, end) };
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}

/**
 * Loads an IDX image/label pair (MNIST, Fashion-MNIST, EMNIST...), raw or .gz, into an ImageDataset with pixels
 * in [0, 1] (k / 255), held as one byte each. Images are [N, H, W] (one channel) or [N, H, W, C]; labels are [N]. A truncated or malformed file
 * throws a {@link DataFormatError} naming the file, the byte offset and what was expected.
 *
 * @example
 * const train = loadIdx({ images: 'train-images-idx3-ubyte.gz', labels: 'train-labels-idx1-ubyte.gz', name: 'fashion-mnist' });
 */
export function loadIdx(source: IdxSource): ImageDataset {
  const images = parseIdx(readMaybeGzip(source.images), source.images);
  const labels = parseIdx(readMaybeGzip(source.labels), source.labels);
  if (images.dims.length !== 3 && images.dims.length !== 4) {
    throw new DataFormatError(source.images, { offset: 3 }, 'an image array of 3 dimensions [N, H, W] or 4 [N, H, W, C]', `${images.dims.length} dimensions`);
  }
  if (labels.dims.length !== 1) {
    throw new DataFormatError(source.labels, { offset: 3 }, 'a label array of 1 dimension [N]', `${labels.dims.length} dimensions`);
  }
  const [count, height, width, channels = 1] = images.dims as [number, number, number, number?];
  if (labels.dims[0] !== count) {
    throw new Error(`${source.labels}: has ${labels.dims[0]} labels but ${source.images} has ${count} images`);
  }
  const name = source.name ?? 'idx';
  const out = allocPixels('uint8', images.data.length);
  out.set(images.data);
  const labelArray = Int32Array.from(labels.data);
  let maxLabel = -1;
  for (const l of labelArray) if (l > maxLabel) maxLabel = l;
  const minClasses = name === 'mnist' || name === 'fashion-mnist' ? 10 : 0;
  const numClasses = source.numClasses ?? Math.max(maxLabel + 1, minClasses);
  if (maxLabel >= numClasses) {
    const at = labelArray.indexOf(maxLabel);
    const headerBytes = 8;
    throw new DataFormatError(source.labels, { offset: headerBytes + at }, `a label below numClasses ${numClasses}`, String(maxLabel));
  }
  const allowedTransforms = source.allowedTransforms ?? knownAllowedTransforms(name);
  return {
    images: out,
    levels: UNIT_LEVELS,
    labels: labelArray,
    count,
    height,
    width,
    channels,
    numClasses,
    name,
    ...(allowedTransforms ? { allowedTransforms } : {}),
  };
}
