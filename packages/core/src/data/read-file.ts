import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DataFormatError } from './errors.js';

/** Reads a file, transparently gunzipping it when it starts with the gzip magic bytes (whatever its name). */
export function readMaybeGzip(file: string): Uint8Array {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (e) {
    throw new Error(`${file}: cannot read dataset file (${(e as Error).message})`);
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return gunzipSync(raw);
    } catch (e) {
      throw new DataFormatError(file, { offset: 0 }, 'a complete gzip stream', `a broken one (${(e as Error).message})`);
    }
  }
  return raw;
}

/** A dataset file to read piece by piece: its (decompressed) length and its bytes in chunks. */
export interface DataFileReader {
  readonly length: number;
  /** The bytes in consecutive pieces of `chunkBytes` (the last one shorter); each piece is valid until the next. */
  chunks(chunkBytes: number): Generator<{ offset: number; bytes: Uint8Array }>;
}

/**
 * Opens a dataset file for reading in pieces, so a loader converting it holds one piece rather than the whole file
 * next to its result: raw files are read from disk chunk by chunk; gzipped ones (told by their magic bytes) are
 * decompressed in memory first.
 *
 * @example
 * const reader = openDataFile('data_batch_1.bin');
 * for (const { offset, bytes } of reader.chunks(3073 * 1000)) convert(offset, bytes);
 */
export function openDataFile(file: string): DataFileReader {
  let fd: number;
  let length: number;
  const head = Buffer.alloc(2);
  try {
    fd = openSync(file, 'r');
    length = fstatSync(fd).size;
    readSync(fd, head, 0, 2, 0);
  } catch (e) {
    throw new Error(`${file}: cannot read dataset file (${(e as Error).message})`);
  }
  if (length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    closeSync(fd);
    const bytes = readMaybeGzip(file);
    return {
      length: bytes.length,
      *chunks(chunkBytes) {
        for (let offset = 0; offset < bytes.length; offset += chunkBytes) yield { offset, bytes: bytes.subarray(offset, offset + chunkBytes) };
      },
    };
  }
  closeSync(fd);
  return {
    length,
    *chunks(chunkBytes) {
      const fd = openSync(file, 'r');
      const buf = Buffer.allocUnsafe(chunkBytes);
      try {
        for (let offset = 0; offset < length; offset += chunkBytes) {
          const want = Math.min(chunkBytes, length - offset);
          let got = 0;
          for (let n; got < want && (n = readSync(fd, buf, got, want - got, offset + got)) > 0; ) got += n;
          if (got !== want) throw new DataFormatError(file, { offset: offset + got }, `${length} bytes (the file's size when opened)`, 'end of file');
          yield { offset, bytes: buf.subarray(0, want) };
        }
      } finally {
        closeSync(fd);
      }
    },
  };
}
