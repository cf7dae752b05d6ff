import * as tf from '@tensorflow/tfjs';

import { BatchNorm, type BatchMoments, type GradientSums, type RowSum } from './batch-norm.js';
import type { BatchNormArgs } from './batch-norm-options.js';
import { CLASS_PREFIX } from './layer-args.js';
import { findNonFinite } from '../numeric/find-non-finite.js';

/**
 * A synchronous sum over all replicas: every replica calls it with an array of the same length at the same point of
 * its step and receives the elementwise sum. tfjs ops are synchronous, so this must block rather than await (e.g. a
 * communication thread and Atomics.wait), and should throw a clear error on timeout instead of hanging.
 */
export interface BatchNormCollective {
  allreduceSum(values: Float32Array): Float32Array;
}

/**
 * The one-replica collective: the sum over a single replica is its own contribution.
 * `syncBatchNorm({ collective: localCollective })` behaves exactly like {@link BatchNorm}.
 * @example
 * ```ts
 * const bn = syncBatchNorm({ collective: localCollective });
 * ```
 */
export const localCollective: BatchNormCollective = {
  allreduceSum: (values) => values,
};

/** Options of {@link SyncBatchNorm}. */
export interface SyncBatchNormArgs extends BatchNormArgs {
  /** Where batch statistics are summed across replicas; default {@link localCollective}. */
  collective?: BatchNormCollective;
}

/**
 * BatchNorm whose batch statistics are those of the global batch over all replicas (torch `SyncBatchNorm`
 * semantics), obtained from an injected synchronous {@link BatchNormCollective}:
 * - forward: allreduce of [Σx (C), Σx² (C), count] → global mean and biased variance E[x²] − mean²; the running
 *   statistics are updated from them (variance made unbiased with the global count), so every replica keeps the same;
 * - backward: allreduce of [Σdy (C), Σdy·x̂ (C)] → dx = γ/σ·(dy − Σdy/n − x̂·Σ(dy·x̂)/n) with the global n.
 * dγ and dβ are the replica's local sums, as in torch: data-parallel training averages them with the other weights.
 * Two collective calls per training step, each on 2C(+1) floats. Inference uses the running statistics, no
 * communication. With {@link localCollective} it equals {@link BatchNorm}.
 *
 * The collective is a live object, not part of the saved config: a loaded model gets {@link localCollective};
 * assign `layer.collective` to reconnect it. The variance comes from E[x²] − mean², which loses precision when
 * |mean| ≫ std per channel (inputs of a BN are usually centred, e.g. conv outputs).
 *
 * @example
 * ```ts
 * const bn = syncBatchNorm({ momentum: 0.1, collective: myWorkerCollective });
 * const y = bn.apply(localBatch, { training: true }) as tf.Tensor;
 * ```
 */
export class SyncBatchNorm extends BatchNorm {
  static override className = `${CLASS_PREFIX}SyncBatchNorm`;
  /** The replica group's collective; replace it to (re)connect a built or loaded layer. */
  collective: BatchNormCollective;

  constructor(args: SyncBatchNormArgs = {}) {
    super(args);
    const collective = args.collective ?? localCollective;
    if (typeof collective?.allreduceSum !== 'function') {
      throw new Error('syncBatchNorm collective: expected an object with an allreduceSum(values: Float32Array) method');
    }
    this.collective = collective;
  }

  protected override kind(): string {
    return 'syncBatchNorm';
  }

  protected override batchMoments(x2d: tf.Tensor2D, sumRows: RowSum): BatchMoments {
    const channels = x2d.shape[1];
    const local = new Float32Array(2 * channels + 1);
    tf.tidy(() => {
      local.set(sumRows(x2d).dataSync(), 0);
      local.set(sumRows(tf.square(x2d)).dataSync(), channels);
    });
    local[2 * channels] = x2d.shape[0];
    const global = this.allreduce(local, 'forward [Σx, Σx², count]');
    const count = global[2 * channels]!;
    const mean = new Float32Array(channels);
    const variance = new Float32Array(channels);
    for (let c = 0; c < channels; c++) {
      // Float64 arithmetic on the float32 sums; clamp the tiny negatives E[x²] − mean² can round to.
      const mu = global[c]! / count;
      mean[c] = mu;
      variance[c] = Math.max(global[channels + c]! / count - mu * mu, 0);
    }
    return { mean: tf.tensor1d(mean), variance: tf.tensor1d(variance), count };
  }

  protected override reduceGradientSums(local: GradientSums): GradientSums {
    const channels = local.sumDy.shape[0];
    const sums = new Float32Array(2 * channels);
    sums.set(local.sumDy.dataSync(), 0);
    sums.set(local.sumDyXhat.dataSync(), channels);
    const global = this.allreduce(sums, 'backward [Σdy, Σdy·x̂]');
    return { sumDy: tf.tensor1d(global.subarray(0, channels)), sumDyXhat: tf.tensor1d(global.subarray(channels)) };
  }

  private allreduce(values: Float32Array, phase: string): Float32Array {
    const result: unknown = this.collective.allreduceSum(values);
    if (!(result instanceof Float32Array) || result.length !== values.length) {
      const got = result instanceof Float32Array ? `a Float32Array of length ${result.length}` : String(result);
      throw new Error(`syncBatchNorm collective.allreduceSum (${phase}): expected a Float32Array of length ${values.length}, got ${got}`);
    }
    const i = findNonFinite(result);
    if (i >= 0) throw new Error(`syncBatchNorm collective.allreduceSum (${phase}): non-finite value ${result[i]} at index ${i}`);
    return result;
  }
}
tf.serialization.registerClass(SyncBatchNorm);

/**
 * Creates a {@link SyncBatchNorm} layer.
 * @example
 * ```ts
 * const bn = syncBatchNorm({ rho: 0.9, collective: localCollective });
 * ```
 */
export function syncBatchNorm(args: SyncBatchNormArgs = {}): SyncBatchNorm {
  return new SyncBatchNorm(args);
}
