import * as tf from '@tensorflow/tfjs';
import { resolveRates, weightPenalty, type PenaltyRates } from './penalty.js';

/** tfjs' abstract Regularizer type (not exported by name from '@tensorflow/tfjs'). */
export type Regularizer = ReturnType<typeof tf.regularizers.l1l2>;

// tfjs-layers accepts a kernelRegularizer only if it is `instanceof` its own Regularizer class, which the package
// root does not export; take it from the loaded tfjs itself so we extend the very class tfjs checks against.
const RegularizerBase = Object.getPrototypeOf(tf.regularizers.l1l2({ l1: 0, l2: 0 }).constructor) as abstract new () => Regularizer;

/**
 * Weight penalty λ₁·Σ|w| + (λ₂/2)·Σw², a tfjs Regularizer (usable as `kernelRegularizer`, serializable as
 * 'L1L2Penalty').
 *
 * Differs from tfjs/Keras `tf.regularizers.l2({l2: λ})`, which adds λ·Σw² (gradient 2λ·w): ours halves the L2 term
 * so its gradient λ·w equals torch SGD `weight_decay=λ`. Keras' l2(λ) is therefore our l2(2λ).
 * Note the lecture's "L1" example penalizes |input − target| with `nn.L1Loss`: that is a loss on outputs, not weight
 * regularization. This class penalizes weights.
 *
 * @example
 * ```ts
 * tf.layers.dense({ units: 10, kernelRegularizer: new L1L2Penalty({ l1: 1e-5, l2: 1e-4 }) });
 * ```
 */
export class L1L2Penalty extends RegularizerBase {
  static className = 'L1L2Penalty';
  readonly l1: number;
  readonly l2: number;

  constructor(rates: PenaltyRates = {}) {
    super();
    const { l1, l2 } = resolveRates(rates, 'L1L2Penalty');
    this.l1 = l1;
    this.l2 = l2;
  }

  apply(x: tf.Tensor): tf.Scalar {
    return weightPenalty(x, this.l1, this.l2);
  }

  getConfig(): tf.serialization.ConfigDict {
    return { l1: this.l1, l2: this.l2 };
  }

  static fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls({ l1: config['l1'], l2: config['l2'] });
  }
}
tf.serialization.registerClass(L1L2Penalty);

/**
 * L1 weight regularizer λ·Σ|w| (gradient λ·sign(w)); same as Keras `l1(λ)`. It penalizes weights, unlike the
 * lecture's "L1" code, which is `nn.L1Loss` on |input − target| (a loss on outputs).
 * @example
 * ```ts
 * tf.layers.dense({ units: 10, kernelRegularizer: l1(1e-5) });
 * ```
 */
export function l1(lambda: number): L1L2Penalty {
  return new L1L2Penalty({ l1: lambda });
}

/**
 * L2 weight regularizer (λ/2)·Σw², gradient λ·w = torch SGD `weight_decay=λ` (Keras' `l2(λ)` is λ·Σw²).
 * @example
 * ```ts
 * tf.layers.conv2d({ filters: 32, kernelSize: 3, kernelRegularizer: l2(5e-4) });
 * ```
 */
export function l2(lambda: number): L1L2Penalty {
  return new L1L2Penalty({ l2: lambda });
}

/**
 * Combined λ₁·Σ|w| + (λ₂/2)·Σw² (elastic net on weights).
 * @example
 * ```ts
 * tf.layers.dense({ units: 10, kernelRegularizer: l1l2({ l1: 1e-5, l2: 1e-4 }) });
 * ```
 */
export function l1l2(rates: PenaltyRates): L1L2Penalty {
  return new L1L2Penalty(rates);
}
