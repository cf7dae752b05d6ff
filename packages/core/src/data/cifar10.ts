import { DataFormatError } from './errors.js';
import { openDataFile } from './read-file.js';
import { knownAllowedTransforms } from './label-guard.js';
import { allocPixels, UNIT_LEVELS } from './pixels.js';
import type { ImageDataset } from './types.js';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const RECORD = 1 + 3 * PLANE;

/** CIFAR-10's class names by label. */
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;

/**
 * Loads CIFAR-10 binary batches (data_batch_1.bin ... test_batch.bin; raw or gzipped), each a run of 3,073-byte
 * records: one label byte, then the 32×32 red, green and blue planes. Pixels become NHWC bytes standing for k / 255
 * (one byte each: 60,000 images take 184 MB, not the 737 MB of floats). Several
 * files are concatenated in the order given. A truncated record or a label above 9 throws a {@link DataFormatError}.
 *
 * @example
 * const train = loadCifar10(['data_batch_1.bin', 'data_batch_2.bin']);
 */
export function loadCifar10(files: readonly string[]): ImageDataset {
  if (!Array.isArray(files) || files.length === 0 || files.some((f) => typeof f !== 'string')) {
    throw new Error(`loadCifar10: expected a non-empty array of file paths, got ${JSON.stringify(files)}`);
  }
  // Each file is read in pieces of whole records (raw files are never held whole next to the result).
  const readers = files.map((file) => {
    const reader = openDataFile(file);
    const { length } = reader;
    if (length === 0) throw new DataFormatError(file, { offset: 0 }, `${RECORD}-byte records`, 'an empty file');
    if (length % RECORD !== 0) {
      const lastStart = length - (length % RECORD);
      throw new DataFormatError(
        file,
        { offset: length },
        `a complete ${RECORD}-byte record (1 label byte + 3×32×32 pixels) starting at byte ${lastStart}`,
        `end of file after ${length % RECORD} bytes of it`,
      );
    }
    return { file, reader };
  });
  const count = readers.reduce((n, { reader }) => n + reader.length / RECORD, 0);
  const images = allocPixels('uint8', count * 3 * PLANE);
  const labels = new Int32Array(count);
  let sample = 0;
  for (const { file, reader } of readers) {
    for (const { offset, bytes } of reader.chunks(RECORD * 1024)) {
      for (let r = 0; r < bytes.length; r += RECORD, sample++) {
        if (bytes[r]! > 9) throw new DataFormatError(file, { offset: offset + r }, 'a label byte in 0..9', String(bytes[r]));
        labels[sample] = bytes[r]!;
        const out = sample * 3 * PLANE;
        // planar CHW on disk -> interleaved HWC in memory
        for (let p = 0; p < PLANE; p++) {
          images[out + 3 * p] = bytes[r + 1 + p]!;
          images[out + 3 * p + 1] = bytes[r + 1 + PLANE + p]!;
          images[out + 3 * p + 2] = bytes[r + 1 + 2 * PLANE + p]!;
        }
      }
    }
  }
  return {
    images,
    levels: UNIT_LEVELS,
    labels,
    count,
    height: SIDE,
    width: SIDE,
    channels: 3,
    numClasses: 10,
    name: 'cifar10',
    allowedTransforms: knownAllowedTransforms('cifar10')!,
    classNames: CIFAR10_CLASSES,
  };
}
