import type { LayerArgs } from './layer-args.js';

/** Options of {@link BatchNorm}. Give `momentum` (torch) or `rho` (the lecture), not both unless they agree. */
export interface BatchNormArgs extends LayerArgs {
  /**
   * PyTorch convention: weight of the NEW batch statistic, running ← (1 − momentum)·running + momentum·batch.
   * Default 0.1. Note Keras' `momentum` is the opposite (weight of the old average, i.e. our `rho`).
   */
  momentum?: number;
  /** The lecture's ρ: weight of the OLD running average, running ← ρ·running + (1 − ρ)·batch; ρ = 1 − momentum. */
  rho?: number;
  /** Added to the variance before the square root. Default 1e-5 (torch). */
  epsilon?: number;
  /** Channel axis; only the last axis (-1, i.e. [N, C] or NHWC [N, H, W, C]) is supported. Default -1. */
  axis?: number;
}

/** The validated, single-convention form of {@link BatchNormArgs}. */
export interface ResolvedBatchNormOptions {
  momentum: number;
  epsilon: number;
}

// Agreement tolerance for momentum vs 1 − rho: float round-off (1 − 0.9 = 0.09999999999999998), not a real mismatch.
const CONVENTION_TOLERANCE = 1e-9;

function checkUnitInterval(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new Error(`${what}: expected a number in [0, 1], got ${String(value)}`);
  }
  return value;
}

/** Validates BatchNorm options and reduces the two momentum conventions to torch's. `layer` names the layer kind. */
export function resolveBatchNormOptions(args: BatchNormArgs, layer: string): ResolvedBatchNormOptions {
  const { momentum, rho, epsilon = 1e-5, axis = -1 } = args;
  if (momentum !== undefined) checkUnitInterval(momentum, `${layer} momentum (torch convention, weight of the new batch)`);
  if (rho !== undefined) checkUnitInterval(rho, `${layer} rho (lecture convention, weight of the old average)`);
  if (momentum !== undefined && rho !== undefined && Math.abs(momentum - (1 - rho)) > CONVENTION_TOLERANCE) {
    throw new Error(
      `${layer}: momentum ${momentum} (torch: weight of the new batch) and rho ${rho} (lecture: weight of the old ` +
        `average) disagree; they must satisfy momentum = 1 − rho. Give only one of them.`,
    );
  }
  if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || epsilon <= 0) {
    throw new Error(`${layer} epsilon: expected a positive number, got ${String(epsilon)}`);
  }
  if (axis !== -1) {
    throw new Error(`${layer} axis: only -1 (channels last: [N, C] or NHWC) is supported, got ${String(axis)}`);
  }
  return { momentum: momentum ?? (rho !== undefined ? 1 - rho : 0.1), epsilon };
}
