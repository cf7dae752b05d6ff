import { readFileSync } from 'node:fs';
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
