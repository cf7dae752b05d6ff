import { randomBytes } from 'node:crypto';

/** Tokens estimated below this many bits are refused (unless explicitly allowed): 2^128 guesses is out of reach. */
export const MIN_TOKEN_BITS = 128;

// Character classes and their sizes. A token drawn at random from a class alphabet of size A has log2(A) bits a
// character; the estimate credits a token with the alphabet of the classes it uses. Hex gets its own 16-letter class,
// so a 32-character hex token (16 random bytes) is credited with exactly 128 bits.
const CLASSES: readonly { size: number; test: RegExp }[] = [
  { size: 10, test: /[0-9]/ },
  { size: 26, test: /[a-z]/ },
  { size: 26, test: /[A-Z]/ },
  { size: 33, test: /[ -/:-@[-`{-~]/ }, // printable ASCII punctuation and space
  { size: 128, test: /[^\x20-\x7e]/ }, // anything else, generously
];

/**
 * Estimated entropy of a secret in bits: length × log2(alphabet), the alphabet being the union of the character
 * classes the token uses (digits 10, lower 26, upper 26, punctuation 33, other 128; all-hex tokens 16). This is what
 * a token drawn at random from that alphabet has, so it never under-credits a random token; to catch obviously
 * non-random ones it falls to log2(distinct²) a character when the token shows far fewer distinct characters than a
 * random one would ('aaaa…', 'abab…'). A memorable phrase is over-credited, which is why `tensorfleet token` exists.
 * @example
 * estimateTokenBits('0123456789abcdef0123456789abcdef') // 128
 * estimateTokenBits('s3cret') // ≈ 31
 */
export function estimateTokenBits(token: string): number {
  const chars = [...token];
  if (chars.length === 0) return 0;
  const hex = /^[0-9a-f]+$/.test(token) || /^[0-9A-F]+$/.test(token);
  const alphabet = hex ? 16 : CLASSES.reduce((sum, c) => sum + (chars.some((ch) => c.test.test(ch)) ? c.size : 0), 0);
  const distinct = new Set(chars).size;
  return chars.length * Math.log2(Math.min(alphabet, distinct * distinct));
}

/**
 * Why a token is refused, or null when it is strong enough (or weak tokens are allowed). Never includes the token.
 * @example
 * const problem = tokenProblem(process.env.TENSORFLEET_TOKEN ?? '', { allowWeak: false });
 * if (problem) throw new Error(problem);
 */
export function tokenProblem(token: string, { allowWeak = false }: { allowWeak?: boolean } = {}): string | null {
  if (token === '') return 'the token is empty';
  if (allowWeak) return null;
  const bits = estimateTokenBits(token);
  if (bits >= MIN_TOKEN_BITS) return null;
  return `the token has about ${Math.floor(bits)} bits of entropy, fewer than ${MIN_TOKEN_BITS} (an offline or online guesser could find it); make one with \`tensorfleet token\` or pass --allow-weak-token`;
}

/**
 * A fresh random token: 32 bytes (256 bits) from the OS's CSPRNG, base64url (43 characters, shell-safe).
 * @example
 * const token = generateToken(); // e.g. 'mV3w0pH0aQ…'
 */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}
