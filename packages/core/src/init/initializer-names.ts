/**
 * The kernel initializers {@link initializer} builds, by name (the lecture: He for ReLU nets, Xavier for tanh/sigmoid).
 * In a file of its own, without tfjs, so the model spec's schema and validation can name them without loading tfjs.
 *
 * @example
 * if (!initializerNames.includes(name)) throw new Error(`unknown initializer ${name}`);
 */
export const initializerNames = ['xavierUniform', 'xavierNormal', 'heUniform', 'heNormal', 'zeros', 'ones'] as const;
export type InitializerName = (typeof initializerNames)[number];
