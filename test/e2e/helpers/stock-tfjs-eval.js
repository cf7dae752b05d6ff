#!/usr/bin/env node
// Loads a checkpoint with stock tfjs only (no tensorfleet import, so no custom layer is registered in this process),
// normalizes the given images with the checkpoint's normalization.json, and prints {"accuracy", "count"} as JSON.
// Usage: stock-tfjs-eval.js MODEL_DIR IMAGES.f32 LABELS.json   (images: raw little-endian float32, NHWC, in [0, 1])
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

/** A `file://`-style IO handler for plain tfjs: model.json + its weight files read from `dir`, served from memory. */
function fileHandler(dir) {
  const modelJson = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const weightSpecs = modelJson.weightsManifest.flatMap((group) => group.weights);
  const buffers = modelJson.weightsManifest.flatMap((group) => group.paths.map((p) => readFileSync(join(dir, p))));
  const bytes = Buffer.concat(buffers);
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
  return tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData });
}

const [modelDir, imagesPath, labelsPath] = process.argv.slice(2);
if (!modelDir || !imagesPath || !labelsPath) {
  console.error('usage: stock-tfjs-eval.js MODEL_DIR IMAGES.f32 LABELS.json');
  process.exit(2);
}
const model = await tf.loadLayersModel(fileHandler(modelDir));
const { mean, std } = JSON.parse(readFileSync(join(modelDir, 'normalization.json'), 'utf8'));
const labels = JSON.parse(readFileSync(labelsPath, 'utf8'));
const raw = readFileSync(imagesPath);
const images = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
const [, h, w, c] = model.inputs[0].shape;
if (images.length !== labels.length * h * w * c) {
  throw new Error(`${imagesPath}: ${images.length} floats for ${labels.length} images of ${h}x${w}x${c}`);
}
const correct = tf.tidy(() => {
  const x = tf.tensor4d(images, [labels.length, h, w, c]).sub(tf.tensor1d(mean)).div(tf.tensor1d(std));
  const predicted = model.predict(x, { batchSize: 250 }).argMax(-1);
  return predicted.equal(tf.tensor1d(labels, 'int32')).sum().arraySync();
});
console.log(JSON.stringify({ accuracy: correct / labels.length, count: labels.length, backend: tf.getBackend() }));
