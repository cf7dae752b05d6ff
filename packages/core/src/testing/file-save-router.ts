import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

let registered = false;

/**
 * Registers a `file://` save router for the pure-JS `@tensorflow/tfjs` package, which has none (only tfjs-node does),
 * so tests can call the stock `model.save('file://dir')`. It writes what tfjs-node's file handler writes:
 * `dir/model.json` (topology, format, weights manifest naming `weights.bin`) and `dir/weights.bin`.
 * @example
 * registerFileSaveRouter();
 * await model.save(`file://${dir}`);
 */
export function registerFileSaveRouter(): void {
  if (registered) return;
  registered = true;
  tf.io.registerSaveRouter((url: string | string[]) => {
    if (typeof url !== 'string' || !url.startsWith('file://')) return null as unknown as tf.io.IOHandler; // not ours
    const dir = url.slice('file://'.length);
    return tf.io.withSaveHandler(async (artifacts) => {
      mkdirSync(dir, { recursive: true });
      const data = artifacts.weightData ? new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData)) : new Uint8Array(0);
      writeFileSync(join(dir, 'weights.bin'), data);
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: ['./weights.bin'], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
      };
      writeFileSync(join(dir, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: data.byteLength } };
    });
  });
}
