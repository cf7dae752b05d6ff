// TEMPORARY adapter: tfjs built-ins standing in for core/layers (being written concurrently). To be replaced by
// imports from ../layers/index.js.
import * as tf from '@tensorflow/tfjs';

export function batchNorm(o: { momentum?: number; rho?: number; epsilon?: number; name?: string }): tf.layers.Layer {
  const momentum = o.rho ?? 1 - (o.momentum ?? 0.1);
  return tf.layers.batchNormalization({ momentum, epsilon: o.epsilon ?? 1e-5, name: o.name });
}
export function dropout(o: { rate: number; seed?: number; name?: string }): tf.layers.Layer {
  return tf.layers.dropout({ rate: o.rate, seed: o.seed, name: o.name });
}
export function spatialDropout2d(_o: { rate: number; seed?: number; name?: string }): tf.layers.Layer {
  throw new Error('spatialDropout2d not available yet');
}
export function dropConnectDense(_o: Record<string, unknown>): tf.layers.Layer {
  throw new Error('dropConnectDense not available yet');
}
