import * as tf from '@tensorflow/tfjs';
import { BatchNorm, SyncBatchNorm, type BatchNormCollective } from '@tensorfleet/core';

function renameClasses(node: unknown, from: string, to: string): unknown {
  if (Array.isArray(node)) return node.map((n) => renameClasses(n, from, to));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === 'class_name' && v === from ? to : renameClasses(v, from, to);
  return out;
}

/**
 * The same model with every BatchNorm replaced by a SyncBatchNorm wired to `collective` (same layer names, weights
 * copied), built through the model's JSON topology. Disposes the input model. Returns it unchanged when it has no BN.
 * @example
 * const model = await withSyncBatchNorm(buildModel(spec.model), collective);
 */
export async function withSyncBatchNorm(model: tf.LayersModel, collective: BatchNormCollective): Promise<tf.LayersModel> {
  if (!model.layers.some((l) => l instanceof BatchNorm)) return model;
  const topology = renameClasses(model.toJSON(undefined, false), BatchNorm.className, SyncBatchNorm.className);
  const synced = await tf.models.modelFromJSON({ modelTopology: topology as tf.io.ModelJSON['modelTopology'] });
  const weights = model.getWeights();
  synced.setWeights(weights);
  model.dispose();
  for (const layer of synced.layers) if (layer instanceof SyncBatchNorm) layer.collective = collective;
  return synced;
}
