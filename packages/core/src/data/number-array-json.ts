// No tfjs import here: the data loaders run in every process of a run, at its start.

/** 10^k for k ≤ 22: every one is exact in float64, which makes m / 10^k correctly rounded (see below). */
const POW10 = Float64Array.from({ length: 23 }, (_, k) => 10 ** k);

const SPACE = 0x20, TAB = 0x09, LF = 0x0a, CR = 0x0d;
const COMMA = 0x2c, MINUS = 0x2d, DOT = 0x2e, ZERO = 0x30, NINE = 0x39;
const OPEN = 0x5b, CLOSE = 0x5d;

/**
 * The numbers of a JSON array of plain decimals (`-12`, `0.012`: no exponent, digits that make an integer below 2^53) that starts at byte
 * `start` of `bytes`, as float32 (what `Float32Array.from(JSON.parse(text))` gives, bit for bit), and the index after
 * its `]`; or null when anything else is there (the caller falls back to JSON.parse).
 *
 * Why: the bundled MNIST digits are 21 MB of such JSON, 7.8M numbers, and every process of a run loads them.
 * JSON.parse builds a JS array of each file first; reading the bytes straight into floats takes about a third of
 * the time and no garbage. Exactness: a decimal d = m / 10^k with m < 2^53 and k ≤ 22 has both parts exact in float64,
 * so the one division rounds the true quotient correctly, as JSON.parse rounds the decimal; the float32 store then
 * rounds that double as Float32Array.set does.
 *
 * @example
 * const bytes = new TextEncoder().encode('{"data": [0, 0.5, -2]}');
 * readNumberArrayJson(bytes, bytes.indexOf(0x5b)); // { values: Float32Array [0, 0.5, -2], end: 21 }
 */
export function readNumberArrayJson(bytes: Uint8Array, start: number): { values: Float32Array; end: number } | null {
  if (bytes[start] !== OPEN) return null;
  // A count first (commas bound it), so the floats go into one array of the right size.
  let capacity = 1;
  for (let i = start; i < bytes.length && bytes[i] !== CLOSE; i++) if (bytes[i] === COMMA) capacity++;
  const values = new Float32Array(capacity);
  let count = 0;
  let i = skipSpace(bytes, start + 1);
  if (bytes[i] === CLOSE) return { values: values.subarray(0, 0), end: i + 1 };
  for (;;) {
    let c = bytes[i]!;
    if (c <= SPACE) c = bytes[(i = skipSpace(bytes, i))]!;
    // Most pixels are a bare 0: one comparison each (the array starts zeroed).
    if (c === ZERO && bytes[i + 1] === COMMA) {
      count++;
      i += 2;
      continue;
    }
    const negative = c === MINUS;
    if (negative) c = bytes[++i]!;
    if (!(c >= ZERO && c <= NINE)) return null;
    const first = i;
    let mantissa = 0;
    do {
      mantissa = mantissa * 10 + (c - ZERO);
      c = bytes[++i]!;
    } while (c >= ZERO && c <= NINE);
    if (bytes[first] === ZERO && i - first > 1) return null; // a leading zero is not JSON
    let fraction = 0;
    if (c === DOT) {
      const point = ++i;
      c = bytes[i]!;
      while (c >= ZERO && c <= NINE) {
        mantissa = mantissa * 10 + (c - ZERO);
        c = bytes[++i]!;
      }
      fraction = i - point;
      if (fraction === 0) return null; // "1." is not JSON
    }
    // Past 2^53 the mantissa is no longer exact (and a rounded one stays past it), past 10^22 the power: JSON.parse decides.
    if (mantissa > Number.MAX_SAFE_INTEGER || fraction > 22) return null;
    const value = fraction > 0 ? mantissa / POW10[fraction]! : mantissa;
    values[count++] = negative ? -value : value;
    if (c === COMMA) {
      i++;
      continue;
    }
    i = skipSpace(bytes, i);
    if (bytes[i] === COMMA) {
      i++;
      continue;
    }
    if (bytes[i] === CLOSE) return { values: values.subarray(0, count), end: i + 1 };
    return null; // an exponent, a string, a nested value, or the end of the input
  }
}

function skipSpace(bytes: Uint8Array, i: number): number {
  let c = bytes[i];
  while (c === SPACE || c === LF || c === CR || c === TAB) c = bytes[++i];
  return i;
}
