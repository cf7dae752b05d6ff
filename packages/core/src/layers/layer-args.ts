import type * as tf from '@tensorflow/tfjs';

/** tfjs-layers' base options every layer accepts (name, inputShape, batchInputShape, trainable, dtype, ...). */
export type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** The keyword arguments tfjs-layers passes to `call` (e.g. `{ training: true }`). */
export type CallKwargs = Record<string, unknown>;

/** Prefix of every class name we register, so ours never replace tfjs's own classes (e.g. its `Dropout`). */
export const CLASS_PREFIX = 'Tensorfleet';
