import * as tf from '@tensorflow/tfjs';

import { type BatchNormArgs, resolveBatchNormOptions } from './batch-norm-options.js';
import { batchNormPasses, type BatchMoments, type GradientSums, type RowSum } from './batch-norm-passes.js';
import { type CallKwargs, CLASS_PREFIX } from './layer-args.js';
import { isTraining } from './seed-stream.js';

export type { BatchMoments, GradientSums, RowSum } from './batch-norm-passes.js';

/**
 * Row sums as matrix products with a ones row. tfjs's Sum over axis 0 first transposes to put the reduced axis last;
 * the product skips that copy and measured 10–25× faster on the wasm and cpu backends for a 64×28×28×16 activation.
 * The rows are summed in `groups` blocks (one per sample for NHWC input), then the block sums: float32 accumulation
 * error then grows with H·W and N, not N·H·W (on wasm ~4× closer to a float64 reference at that size).
 */
function rowSumBy(groups: number): RowSum {
  return (t) => {
    const [rows, channels] = t.shape;
    const perGroup = rows / groups;
    const blockSums = tf.matMul(tf.ones([1, 1, perGroup]), tf.reshape(t, [groups, perGroup, channels]));
    const total = groups === 1 ? blockSums : tf.matMul(tf.ones([1, groups]), tf.reshape(blockSums, [groups, channels]));
    return tf.reshape(total, [channels]);
  };
}

/**
 * Batch normalization over the last axis of [N, C] or NHWC [N, H, W, C] inputs (torch `BatchNorm1d`/`BatchNorm2d`
 * semantics, channels-last layout). Any rank ≥ 2 works; statistics are taken over every axis but the last.
 *
 * Training (`apply(x, { training: true })`, `model.fit`, a trainer step): normalizes with the batch mean and the
 * biased batch variance, then updates the running statistics once per forward, with momentum m (torch convention):
 * running_mean ← (1 − m)·running_mean + m·mean, running_var ← (1 − m)·running_var + m·var·n/(n − 1) (unbiased, as
 * torch keeps it). The lecture writes the same update with ρ = 1 − m as the weight of the old average; pass either
 * `momentum` (default 0.1) or `rho` (0.9 is the same layer). Inference normalizes with the running statistics.
 *
 * Weights, in Keras' order and names: gamma, beta (trainable), moving_mean, moving_variance (not trainable), so the
 * weights load into a stock Keras/tfjs `BatchNormalization` (whose `momentum` is our `rho`).
 *
 * The backward pass is the closed form dx = γ/σ·(dy − mean(dy) − x̂·mean(dy·x̂)), dγ = Σdy·x̂, dβ = Σdy, built from
 * broadcasting elementwise ops and row sums of an [N·H·W, C] view (no Tile, unlike tfjs-layers' BatchNormalization
 * gradient), or, on core's native path, from fused kernels that make each pass one sweep (see batch-norm-passes.ts). Measured on a 64×28×28×16 activation, plain wasm backend: forward+backward ≈ 30 ms against ≈ 110 ms
 * for tfjs-layers' BatchNormalization, whose gradient spends half of that in Tile.
 *
 * @example
 * ```ts
 * const model = tf.sequential({ layers: [
 *   tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, useBias: false }),
 *   batchNorm({ rho: 0.9 }),          // same as batchNorm({ momentum: 0.1 })
 *   tf.layers.reLU(),
 * ] });
 * ```
 */
export class BatchNorm extends tf.layers.Layer {
  static className = `${CLASS_PREFIX}BatchNorm`;
  /** torch convention: weight of the new batch in the running-statistics update. */
  readonly momentum: number;
  readonly epsilon: number;
  protected gamma: tf.LayerVariable | undefined;
  protected beta: tf.LayerVariable | undefined;
  protected movingMean: tf.LayerVariable | undefined;
  protected movingVariance: tf.LayerVariable | undefined;
  /**
   * A frozen layer (fine-tuning) normalizes with its running statistics and never updates them, in training too, as
   * Keras' BatchNormalization does with `trainable = false`. Set by core's trainer for the layers it freezes.
   */
  frozen = false;

  constructor(args: BatchNormArgs = {}) {
    super(args);
    const resolved = resolveBatchNormOptions(args, this.kind());
    this.momentum = resolved.momentum;
    this.epsilon = resolved.epsilon;
  }

  /** The lecture's convention: weight of the old running average, 1 − momentum. */
  get rho(): number {
    return 1 - this.momentum;
  }

  /** Layer kind used in error messages. */
  protected kind(): string {
    return 'batchNorm';
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = shape[shape.length - 1];
    if (shape.length < 2 || typeof channels !== 'number') {
      throw new Error(
        `${this.kind()}: expected an input of rank >= 2 ([N, C] or NHWC) with a known channel (last) dimension, ` +
          `got [${shape.map(String).join(', ')}]`,
      );
    }
    this.gamma = this.addWeight('gamma', [channels], 'float32', tf.initializers.ones(), undefined, true);
    this.beta = this.addWeight('beta', [channels], 'float32', tf.initializers.zeros(), undefined, true);
    this.movingMean = this.addWeight('moving_mean', [channels], 'float32', tf.initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight('moving_variance', [channels], 'float32', tf.initializers.ones(), undefined, false);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const channels = this.gamma!.shape[0]!;
    if (x.rank < 2 || x.shape[x.rank - 1] !== channels) {
      throw new Error(`${this.kind()}: expected an input [..., ${channels}] of rank >= 2, got [${x.shape.join(', ')}]`);
    }
    return isTraining(kwargs) && !this.frozen ? this.trainingForward(x) : this.inferenceForward(x);
  }

  private inferenceForward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      // torch's eval transform: y = x·α + (β − μ·α) with α = γ/√(σ² + ε).
      const alpha = tf.mul(this.gamma!.read(), tf.rsqrt(tf.add(this.movingVariance!.read(), this.epsilon)));
      const shift = tf.sub(this.beta!.read(), tf.mul(this.movingMean!.read(), alpha));
      return tf.add(tf.mul(x, alpha), shift);
    });
  }

  private trainingForward(x: tf.Tensor): tf.Tensor {
    const channels = x.shape[x.rank - 1]!;
    const rows = x.size / channels;
    const sumRows = rowSumBy(x.rank > 2 ? x.shape[0]! : 1);
    const passes = batchNormPasses();
    const normalize = tf.customGrad(((xIn: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, save: tf.GradSaveFunc) => {
      const x2d = tf.reshape(xIn, [rows, channels]) as tf.Tensor2D;
      const moments = this.batchMoments(x2d, sumRows);
      const count = moments.count;
      if (!(count > 1)) {
        throw new Error(
          `${this.kind()}: expected more than 1 value per channel when training, got input shape ` +
            `[${x.shape.join(', ')}] (${count} value(s) per channel)`,
        );
      }
      const invStd = tf.rsqrt(tf.add(moments.variance, this.epsilon)) as tf.Tensor1D;
      const alpha = tf.mul(gamma, invStd) as tf.Tensor1D;
      const { y, saved } = passes.normalize(x2d, moments, invStd, alpha, tf.sub(beta, tf.mul(moments.mean, alpha)) as tf.Tensor1D);
      save([...saved, alpha]);
      // Last, after everything that can throw: a failed forward leaves the running statistics untouched.
      this.updateMovingStatistics(moments);
      return {
        value: tf.reshape(y, xIn.shape),
        gradFunc: (dy: tf.Tensor | tf.Tensor[], kept: tf.Tensor[]) => {
          const forBackward = kept.slice(0, -1);
          const savedAlpha = kept[kept.length - 1] as tf.Tensor1D;
          const dy2d = tf.reshape(Array.isArray(dy) ? dy[0]! : dy, [rows, channels]) as tf.Tensor2D;
          const local = passes.gradientSums(dy2d, forBackward, sumRows);
          const total = this.reduceGradientSums(local);
          // dx = γ/σ·(dy − Σdy/n − x̂·Σ(dy·x̂)/n); n and the sums are global for SyncBatchNorm.
          const meanDy = tf.div(total.sumDy, count) as tf.Tensor1D;
          const meanDyXhat = tf.div(total.sumDyXhat, count) as tf.Tensor1D;
          const dx = passes.inputGradient(dy2d, forBackward, savedAlpha, meanDy, meanDyXhat);
          // γ and β gradients stay local: data-parallel training averages them like every other weight.
          return [tf.reshape(dx, xIn.shape), local.sumDyXhat, local.sumDy];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    return normalize(x, this.gamma!.read(), this.beta!.read());
  }

  /**
   * Batch mean and biased variance per channel of an [rows, C] view (this replica's, from the backend's passes).
   * SyncBatchNorm overrides this to reduce over replicas through its collective.
   */
  protected batchMoments(x2d: tf.Tensor2D, sumRows: RowSum): BatchMoments {
    return batchNormPasses().moments(x2d, sumRows);
  }

  /** Gradient sums of the backward pass; identity here, an allreduce in SyncBatchNorm. */
  protected reduceGradientSums(local: GradientSums): GradientSums {
    return local;
  }

  private updateMovingStatistics({ mean, variance, count }: BatchMoments): void {
    tf.tidy(() => {
      const m = this.momentum;
      const unbiased = tf.mul(variance, count / (count - 1));
      this.movingMean!.write(tf.add(tf.mul(this.movingMean!.read(), 1 - m), tf.mul(mean, m)));
      this.movingVariance!.write(tf.add(tf.mul(this.movingVariance!.read(), 1 - m), tf.mul(unbiased, m)));
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon, axis: -1 };
  }
}
tf.serialization.registerClass(BatchNorm);

/**
 * Creates a {@link BatchNorm} layer.
 * @example
 * ```ts
 * const bn = batchNorm({ momentum: 0.1 });   // torch default; batchNorm({ rho: 0.9 }) is the same layer
 * const y = bn.apply(x, { training: true }) as tf.Tensor;
 * ```
 */
export function batchNorm(args: BatchNormArgs = {}): BatchNorm {
  return new BatchNorm(args);
}
