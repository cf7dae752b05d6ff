import * as tf from '@tensorflow/tfjs';

/** tfjs' Initializer type (not exported by name from '@tensorflow/tfjs'). */
export type Initializer = ReturnType<typeof tf.initializers.ones>;
/** tfjs' Regularizer type (not exported by name from '@tensorflow/tfjs'). */
export type Regularizer = ReturnType<typeof tf.regularizers.l1l2>;
/** An activation name tfjs-layers knows ('relu', 'softmax', 'linear', ...). */
export type ActivationIdentifier = Parameters<typeof tf.layers.activation>[0]['activation'];

/** What an option that holds a tfjs initializer/regularizer may be given as. */
export type SerializableOption<T> = string | T | tf.serialization.ConfigDict;

function isSerializable(value: unknown): value is tf.serialization.Serializable {
  return typeof value === 'object' && value !== null && typeof (value as { getClassName?: unknown }).getClassName === 'function';
}

/** Keras-style `{ className, config }` for a tfjs Serializable, as tfjs-layers writes it into model JSON. */
export function toKerasObject(value: tf.serialization.Serializable): tf.serialization.ConfigDict {
  return { className: value.getClassName(), config: value.getConfig() };
}

function fromKerasObject<T>(dict: tf.serialization.ConfigDict, what: string): T {
  const rawName = dict['className'];
  const config = (dict['config'] ?? {}) as tf.serialization.ConfigDict;
  if (typeof rawName !== 'string') throw new Error(`${what}: expected { className, config }, got ${JSON.stringify(dict)}`);
  // tfjs registers custom classes as "Package>Name" in model JSON but keys its class map by the bare name.
  const className = rawName.includes('>') ? rawName.slice(rawName.lastIndexOf('>') + 1) : rawName;
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (!entry) throw new Error(`${what}: unknown class "${rawName}" (is the package that registers it imported?)`);
  const [cls, fromConfig] = entry;
  return fromConfig(cls, config) as T;
}

/**
 * Turns an initializer option (a tfjs identifier such as 'glorotUniform', an Initializer, or a serialized
 * `{ className, config }`) into an Initializer, resolving identifiers exactly as tfjs's own Dense layer does.
 */
export function resolveInitializer(value: SerializableOption<Initializer>, what: string): Initializer {
  if (typeof value === 'string') {
    const probe = tf.layers.dense({ units: 1, kernelInitializer: value });
    return fromKerasObject(probe.getConfig()['kernelInitializer'] as tf.serialization.ConfigDict, what);
  }
  if (isSerializable(value)) return value as Initializer;
  return fromKerasObject(value as tf.serialization.ConfigDict, what);
}

/** Like {@link resolveInitializer}, for regularizers (e.g. 'l1l2', core's `l2(1e-4)`, or a serialized one). */
export function resolveRegularizer(value: SerializableOption<Regularizer> | undefined, what: string): Regularizer | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    const probe = tf.layers.dense({ units: 1, kernelRegularizer: value });
    return fromKerasObject(probe.getConfig()['kernelRegularizer'] as tf.serialization.ConfigDict, what);
  }
  if (isSerializable(value)) return value as Regularizer;
  return fromKerasObject(value as tf.serialization.ConfigDict, what);
}
