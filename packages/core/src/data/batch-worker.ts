// Worker thread of BatchLoader: prepares batches ahead of the training loop. The parent sends credits (how many
// more batches it may prepare); each batch's buffers are transferred back on `port`, not copied.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { SamplePipeline, type PipelineOptions } from './pipeline.js';
import type { ImageDataset } from './types.js';

const data = workerData as {
  images: ImageDataset['images'];
  labels: Int32Array;
  meta: Omit<ImageDataset, 'images' | 'labels'>;
  indices: Int32Array;
  options: PipelineOptions & { batchSize: number; dropLast?: boolean };
  port: MessagePort;
};
const ds: ImageDataset = { ...data.meta, images: data.images, labels: data.labels };
const pipeline = new SamplePipeline(ds, data.options);
const { batchSize, dropLast = false } = data.options;
const batches = dropLast ? Math.floor(data.indices.length / batchSize) : Math.ceil(data.indices.length / batchSize);
let next = 0;

parentPort!.on('message', (credits: number) => {
  for (let c = 0; c < credits && next < batches; c++, next++) {
    const indices = data.indices.slice(next * batchSize, (next + 1) * batchSize);
    const { x, labels } = pipeline.writeBatch(indices);
    data.port.postMessage({ x, labels, indices }, [x.buffer as ArrayBuffer, labels.buffer as ArrayBuffer, indices.buffer as ArrayBuffer]);
    parentPort!.postMessage(0); // wakes a consumer that is waiting
  }
});
