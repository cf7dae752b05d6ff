// Decoding with pngjs and jpeg-js: both pure JavaScript from the npm registry (no native build, no download step),
// long-lived and widely used (pngjs ~30M, jpeg-js ~20M weekly downloads); core already used pngjs for previews. A
// native decoder (sharp) would be faster but downloads libvips at install, which this project must not need.
import { decode as decodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';

/** A decoded image: `channels` (1 or 3) interleaved 8-bit values per pixel, row-major. */
export interface DecodedImage {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];

const startsWith = (bytes: Uint8Array, signature: number[]) => signature.every((b, i) => bytes[i] === b);

/** Which decoder reads `bytes`, by their signature (not the file name's extension), or null. */
export function imageFormat(bytes: Uint8Array): 'png' | 'jpeg' | null {
  return startsWith(bytes, PNG_SIGNATURE) ? 'png' : startsWith(bytes, JPEG_SIGNATURE) ? 'jpeg' : null;
}

function decodeRgba(bytes: Uint8Array, file: string): { width: number; height: number; rgba: Uint8Array } {
  const format = imageFormat(bytes);
  if (!format) {
    const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new Error(`${file}: not a PNG or JPEG image (it starts with bytes ${head || 'none: the file is empty'})`);
  }
  try {
    if (format === 'png') {
      // pngjs expands gray, palette and 16-bit images to 8-bit RGBA
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, rgba: png.data };
    }
    // tolerantDecoding off: a truncated or corrupt JPEG is an error, not a half-grey image
    const img = decodeJpeg(bytes, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false });
    return { width: img.width, height: img.height, rgba: img.data };
  } catch (e) {
    throw new Error(`${file}: cannot decode this ${format.toUpperCase()} image (${(e as Error).message})`);
  }
}

/**
 * Decodes a PNG or JPEG file's bytes to 1 (luminance) or 3 (RGB) 8-bit channels, as PIL's `convert('L')` /
 * `convert('RGB')` do (alpha is dropped; L = (19595 R + 38470 G + 7471 B + 2^15) >> 16, PIL's integer formula).
 * An undecodable file throws an error naming it.
 *
 * @example
 * const img = decodeImage(readFileSync('cat.jpg'), 'cat.jpg', 3); // { width, height, channels: 3, data }
 */
export function decodeImage(bytes: Uint8Array, file: string, channels: 1 | 3): DecodedImage {
  const { width, height, rgba } = decodeRgba(bytes, file);
  if (!(width > 0 && height > 0)) throw new Error(`${file}: image has no pixels (${width}×${height})`);
  const n = width * height;
  const data = new Uint8Array(n * channels);
  if (channels === 3) {
    for (let p = 0; p < n; p++) {
      data[3 * p] = rgba[4 * p]!;
      data[3 * p + 1] = rgba[4 * p + 1]!;
      data[3 * p + 2] = rgba[4 * p + 2]!;
    }
  } else {
    for (let p = 0; p < n; p++) {
      data[p] = (19595 * rgba[4 * p]! + 38470 * rgba[4 * p + 1]! + 7471 * rgba[4 * p + 2]! + 0x8000) >>> 16;
    }
  }
  return { width, height, channels, data };
}

/**
 * Bilinear resize of 8-bit interleaved pixels with half-pixel centres and no antialiasing (tf.image.resize's
 * default, which Keras' image_dataset_from_directory uses; torch's interpolate(mode='bilinear',
 * align_corners=False)), rounded to the nearest byte, written at `out[offset ...]`. The same size copies exactly.
 *
 * @example
 * resizeBilinear(img, 32, 32, out, sample * 32 * 32 * 3);
 */
export function resizeBilinear(img: DecodedImage, height: number, width: number, out: Uint8Array, offset: number): void {
  const { width: W, height: H, channels: C, data } = img;
  const fy = H / height, fx = W / width;
  const x0s = new Int32Array(width), x1s = new Int32Array(width), wxs = new Float64Array(width);
  for (let x = 0; x < width; x++) {
    const sx = Math.min(Math.max((x + 0.5) * fx - 0.5, 0), W - 1);
    x0s[x] = Math.floor(sx);
    x1s[x] = Math.min(x0s[x]! + 1, W - 1);
    wxs[x] = sx - x0s[x]!;
  }
  for (let y = 0; y < height; y++) {
    const sy = Math.min(Math.max((y + 0.5) * fy - 0.5, 0), H - 1);
    const y0 = Math.floor(sy), y1 = Math.min(y0 + 1, H - 1), wy = sy - y0;
    const r0 = y0 * W * C, r1 = y1 * W * C;
    for (let x = 0; x < width; x++) {
      const a = x0s[x]! * C, b = x1s[x]! * C, wx = wxs[x]!;
      const o = offset + (y * width + x) * C;
      for (let k = 0; k < C; k++) {
        const top = data[r0 + a + k]! + (data[r0 + b + k]! - data[r0 + a + k]!) * wx;
        const bottom = data[r1 + a + k]! + (data[r1 + b + k]! - data[r1 + a + k]!) * wx;
        out[o + k] = Math.round(top + (bottom - top) * wy);
      }
    }
  }
}
