import { readFileSync } from 'node:fs';
import { DataFormatError } from './errors.js';
import { PixelBuilder, scaledLevels } from './pixels.js';
import type { ImageDataset, TransformName } from './types.js';

/** Options of {@link loadCsv}. */
export interface CsvSource {
  path: string;
  /**
   * The label column, by header name or 0-based index (negative counts from the end). Default: the column named
   * "label" when there is a header that has one, else the last column.
   */
  labelColumn?: string | number;
  /** Whether the first line is a header; 'auto' (default) treats it as one when any feature cell is not a number. */
  header?: boolean | 'auto';
  /** Field separator, default ','. */
  delimiter?: string;
  /** [height, width, channels] of each row's features (e.g. [28, 28, 1]); default [1, 1, features]. */
  shape?: [number, number, number];
  /** Multiplies every feature, e.g. 1/255 for 8-bit pixels. Default 1. */
  scale?: number;
  name?: string;
  /** Number of classes; default the largest label + 1 (or the number of distinct string labels). */
  numClasses?: number;
  /** Label-preserving transforms; default none for tabular rows ([1, 1, F]), all for image rows. */
  allowedTransforms?: TransformName[];
}

function splitLine(line: string, delimiter: string): string[] {
  return line.split(delimiter).map((cell) => {
    const t = cell.trim();
    return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
  });
}

const isNumber = (s: string): boolean => s !== '' && Number.isFinite(Number(s));

/**
 * Loads a CSV file of numeric feature columns and one label column. Labels are non-negative integers or strings
 * (strings become ids in sorted order and are kept as `classNames`). Quoted cells may not contain the delimiter.
 * Features that are all integers in [0, 255] (pixels) are held as one byte each, others as float32.
 * A malformed row throws a {@link DataFormatError} naming the file, the line and what was expected.
 *
 * @example
 * const iris = loadCsv({ path: 'iris.csv', labelColumn: 'species' });            // 1×1×4 "images", per-feature normalization
 * const digits = loadCsv({ path: 'mnist_train.csv', labelColumn: 0, shape: [28, 28, 1], scale: 1 / 255 });
 */
export function loadCsv(source: CsvSource): ImageDataset {
  const file = source.path;
  const delimiter = source.delimiter ?? ',';
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read dataset file (${(e as Error).message})`);
  }
  const lines = text.split(/\r?\n/);
  const rows: { cells: string[]; line: number }[] = [];
  lines.forEach((l, i) => {
    if (l.trim() !== '') rows.push({ cells: splitLine(l, delimiter), line: i + 1 });
  });
  if (rows.length === 0) throw new DataFormatError(file, { line: 1 }, 'a header or data row', 'an empty file');
  const columns = rows[0]!.cells.length;
  if (columns < 2) {
    throw new DataFormatError(file, { line: rows[0]!.line }, `at least 2 columns separated by "${delimiter}"`, `${columns}`);
  }

  const first = rows[0]!.cells;
  let hasHeader: boolean;
  if (source.header === undefined || source.header === 'auto') {
    // A header has some non-numeric cell besides a possible string label: with labels unknown yet, any two
    // non-numeric cells, or one in a row whose other rows are all numeric there, mean a header.
    const nonNumeric = first.map((c, i) => (isNumber(c) ? -1 : i)).filter((i) => i >= 0);
    const second = rows[1]?.cells;
    hasHeader = nonNumeric.length > 1 || (nonNumeric.length === 1 && second !== undefined && isNumber(second[nonNumeric[0]!] ?? ''));
    if (nonNumeric.length === 1 && typeof source.labelColumn === 'string') hasHeader = true;
  } else {
    hasHeader = source.header;
  }
  const headerNames = hasHeader ? first : undefined;
  const dataRows = hasHeader ? rows.slice(1) : rows;
  if (dataRows.length === 0) throw new DataFormatError(file, { line: rows[0]!.line + 1 }, 'at least one data row', 'end of file');

  let labelIndex: number;
  const requested = source.labelColumn;
  if (typeof requested === 'string') {
    if (!headerNames) throw new Error(`${file}: labelColumn "${requested}" is a name but the file has no header row; give a column index`);
    labelIndex = headerNames.indexOf(requested);
    if (labelIndex < 0) throw new Error(`${file}: labelColumn "${requested}" is not in the header (${headerNames.join(', ')})`);
  } else if (typeof requested === 'number') {
    if (!Number.isInteger(requested) || requested >= columns || requested < -columns) {
      throw new Error(`${file}: labelColumn ${requested} is out of range for ${columns} columns`);
    }
    labelIndex = requested < 0 ? columns + requested : requested;
  } else if (requested === undefined) {
    labelIndex = headerNames?.includes('label') ? headerNames.indexOf('label') : columns - 1;
  } else {
    throw new Error(`${file}: labelColumn must be a column name or index, got ${JSON.stringify(requested)}`);
  }

  const features = columns - 1;
  const shape = source.shape ?? [1, 1, features];
  if (!Array.isArray(shape) || shape.length !== 3 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(`${file}: shape must be [height, width, channels] of positive integers, got ${JSON.stringify(shape)}`);
  }
  if (shape[0] * shape[1] * shape[2] !== features) {
    throw new Error(`${file}: shape [${shape.join(', ')}] holds ${shape[0] * shape[1] * shape[2]} values but each row has ${features} feature columns`);
  }
  const scale = source.scale ?? 1;
  if (!Number.isFinite(scale)) throw new Error(`${file}: scale must be a finite number, got ${scale}`);

  const count = dataRows.length;
  const pixels = new PixelBuilder(count * features, scaledLevels(scale));
  const rawLabels: string[] = new Array(count);
  dataRows.forEach(({ cells, line }, r) => {
    if (cells.length !== columns) {
      throw new DataFormatError(file, { line }, `${columns} columns separated by "${delimiter}"`, `${cells.length}`);
    }
    let k = r * features;
    for (let c = 0; c < columns; c++) {
      if (c === labelIndex) continue;
      const cell = cells[c]!;
      if (!isNumber(cell)) {
        const col = headerNames ? `"${headerNames[c]}"` : `${c}`;
        throw new DataFormatError(file, { line }, `a number in column ${col}`, JSON.stringify(cell));
      }
      const raw = Number(cell);
      pixels.set(k++, raw, raw * scale);
    }
    const label = cells[labelIndex]!;
    if (label === '') throw new DataFormatError(file, { line }, 'a label', 'an empty cell');
    rawLabels[r] = label;
  });

  const labels = new Int32Array(count);
  let classNames: string[] | undefined;
  if (rawLabels.every(isNumber)) {
    rawLabels.forEach((l, r) => {
      const v = Number(l);
      if (!Number.isInteger(v) || v < 0) {
        throw new DataFormatError(file, { line: dataRows[r]!.line }, 'a non-negative integer label (or string class names)', l);
      }
      labels[r] = v;
    });
  } else {
    classNames = [...new Set(rawLabels)].sort();
    const ids = new Map(classNames.map((n, i) => [n, i]));
    rawLabels.forEach((l, r) => (labels[r] = ids.get(l)!));
  }
  let maxLabel = 0;
  for (const l of labels) if (l > maxLabel) maxLabel = l;
  const numClasses = source.numClasses ?? Math.max(maxLabel + 1, classNames?.length ?? 0);
  if (maxLabel >= numClasses) {
    const r = labels.indexOf(maxLabel);
    throw new DataFormatError(file, { line: dataRows[r]!.line }, `a label below numClasses ${numClasses}`, String(maxLabel));
  }
  const tabular = shape[0] === 1 && shape[1] === 1;
  return {
    ...pixels.finish(),
    labels,
    count,
    height: shape[0],
    width: shape[1],
    channels: shape[2],
    numClasses,
    name: source.name ?? 'csv',
    ...(source.allowedTransforms ? { allowedTransforms: source.allowedTransforms } : tabular ? { allowedTransforms: [] } : {}),
    ...(classNames ? { classNames } : {}),
  };
}
