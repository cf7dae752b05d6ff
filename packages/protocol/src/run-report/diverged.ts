import type { ProtocolErrorCode } from '../errors.js';

/**
 * The word every layer uses for a non-finite value: protocol validation's error code (`non-finite`), SyncBN's
 * collective check, and therefore every message that crosses a process boundary as text ("worker local-1:
 * remote-error: server said non-finite: ...").
 */
export const nonFiniteCode = 'non-finite' satisfies ProtocolErrorCode;

/**
 * A run diverged: a loss, gradient or statistic became NaN or ±Infinity. `tensorfleet train` exits with
 * exitCodes.diverged and logs a `diverged` line; the coordinator records the trial as crashed at `epoch`.
 *
 * @example
 * if (!Number.isFinite(loss)) throw new DivergedError(`loss is ${loss}`, epoch);
 */
export class DivergedError extends Error {
  override readonly name = 'DivergedError';
  constructor(
    message: string,
    /** The 0-based epoch it happened in, when known. */
    readonly epoch: number | null = null,
  ) {
    super(message);
  }
}

/**
 * Whether a failure is a divergence: a DivergedError, or an error (or its message, as it arrives from another
 * process) that carries the non-finite code.
 *
 * @example
 * isDivergence('worker local-1: remote-error: server said non-finite: "push".grads[3][0] is NaN'); // true
 */
export function isDivergence(failure: unknown): boolean {
  if (failure instanceof DivergedError) return true;
  const text = failure instanceof Error ? failure.message : typeof failure === 'string' ? failure : '';
  return text.includes(nonFiniteCode);
}
