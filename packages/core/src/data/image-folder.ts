import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { decodeImage, resizeBilinear } from './image-decode.js';
import { allocPixels, UNIT_LEVELS } from './pixels.js';
import type { ImageDataset, TransformName } from './types.js';

/** Options of {@link loadImageFolder}. */
export interface ImageFolderSource {
  /** The root folder: one sub-folder per class, each holding that class's PNG / JPEG files (sub-folders included). */
  path: string;
  /** [height, width] every image is resized to (bilinear). */
  size: [number, number];
  /** 3 (RGB, the default, as torchvision's ImageFolder and Keras) or 1 (luminance). */
  channels?: 1 | 3;
  /** Dataset name for logs and the augmentation guard; default the folder's name. */
  name?: string;
  /** Overrides the label-preserving transforms (default: all, or those known for `name`). */
  allowedTransforms?: TransformName[];
}

/** File name endings read as images (case-insensitive); other files are skipped, as torchvision's ImageFolder does. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'] as const;

const isImageName = (name: string) => IMAGE_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext));

function entries(dir: string): { name: string; path: string; isDir: boolean }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new Error(`${dir}: cannot read image folder (${(e as Error).message})`);
  }
  return names
    .sort()
    .map((name) => {
      const path = join(dir, name);
      return { name, path, isDir: statSync(path).isDirectory() }; // stat follows symlinks, as os.walk(followlinks=True)
    });
}

/** The class's image files, depth first in sorted order (torchvision: sorted(os.walk(...)), sorted file names). */
function imageFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of entries(dir)) {
    if (e.isDir) out.push(...imageFiles(e.path));
    else if (isImageName(e.name)) out.push(e.path);
  }
  return out;
}

function checkOptions(source: ImageFolderSource): { size: [number, number]; channels: 1 | 3 } {
  const { size, channels = 3 } = source;
  if (!Array.isArray(size) || size.length !== 2 || size.some((d) => !Number.isInteger(d) || d < 1 || d > 4096)) {
    throw new Error(`imageFolder.size: expected [height, width], integers in [1, 4096], got ${JSON.stringify(size)}`);
  }
  if (channels !== 1 && channels !== 3) throw new Error(`imageFolder.channels: expected 1 or 3, got ${JSON.stringify(channels)}`);
  return { size, channels };
}

/**
 * The layout of an image folder: class names (sorted sub-folders) and each class's image files in load order. Throws
 * naming the folder or file when it is not one: missing, a file, an image outside the class folders, fewer than two
 * classes, or a class without images.
 *
 * @example
 * const { classes, files } = scanImageFolder('pets'); // ['cat', 'dog'], [['pets/cat/1.jpg', ...], [...]]
 */
export function scanImageFolder(root: string): { classes: string[]; files: string[][] } {
  let isDir: boolean;
  try {
    isDir = statSync(root).isDirectory();
  } catch (e) {
    throw new Error(`${root}: cannot read image folder (${(e as Error).message})`);
  }
  if (!isDir) throw new Error(`${root}: expected a folder of class sub-folders, found a file`);
  const top = entries(root);
  const stray = top.find((e) => !e.isDir && isImageName(e.name));
  if (stray) throw new Error(`${stray.path}: an image outside any class folder (expected ${root}/CLASS/${stray.name})`);
  const classDirs = top.filter((e) => e.isDir);
  if (classDirs.length < 2) {
    throw new Error(`${root}: expected one sub-folder per class (at least 2) of ${IMAGE_EXTENSIONS.join('/')} images, found ${classDirs.length}`);
  }
  const files = classDirs.map((c) => {
    const list = imageFiles(c.path);
    if (list.length === 0) throw new Error(`${c.path}: class "${c.name}" holds no ${IMAGE_EXTENSIONS.join(', ')} image`);
    return list;
  });
  return { classes: classDirs.map((c) => c.name), files };
}

/**
 * Loads a folder of labelled images in the layout torchvision's `ImageFolder` and Keras'
 * `image_dataset_from_directory` read: `path/CLASS/…/IMAGE.png|jpg|jpeg`. Class names are the sub-folders' names in
 * sorted order and label k is the k-th of them; samples run class by class, files in sorted order. Every image is
 * decoded (PNG or JPEG, told by its bytes), converted to RGB or luminance and resized bilinearly to `size`, so images
 * of mixed sizes and formats make one dataset, held as one byte per value (k / 255).
 * A file that does not decode, an image outside a class folder, an empty class or fewer than two classes throws an
 * error naming the file or folder.
 *
 * @example
 * const pets = loadImageFolder({ path: 'pets', size: [64, 64] }); // pets/cat/*.jpg, pets/dog/*.jpg
 * pets.classNames; // ['cat', 'dog']
 */
export function loadImageFolder(source: ImageFolderSource): ImageDataset {
  const { size, channels } = checkOptions(source);
  const root = source.path;
  const { classes, files } = scanImageFolder(root);
  const count = files.reduce((n, list) => n + list.length, 0);
  const [height, width] = size;
  const sampleSize = height * width * channels;
  const images = allocPixels('uint8', count * sampleSize) as Uint8Array;
  const labels = new Int32Array(count);
  let sample = 0;
  files.forEach((list, label) => {
    for (const file of list) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (e) {
        throw new Error(`${file}: cannot read image (${(e as Error).message})`);
      }
      resizeBilinear(decodeImage(bytes, file, channels), height, width, images, sample * sampleSize);
      labels[sample++] = label;
    }
  });
  return {
    images,
    levels: UNIT_LEVELS,
    labels,
    count,
    height,
    width,
    channels,
    numClasses: classes.length,
    name: source.name ?? (basename(resolve(root)) || 'imageFolder'),
    classNames: classes,
    ...(source.allowedTransforms ? { allowedTransforms: source.allowedTransforms } : {}),
  };
}
