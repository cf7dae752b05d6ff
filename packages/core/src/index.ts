/**
 * @tensorfleet/core — the lecture's training toolkit for TensorFlow.js, usable on its own inside plain tfjs.
 * Each area's folder has an index.ts that is its whole public face; this file re-exports them.
 */
export * from './data/index.js';
