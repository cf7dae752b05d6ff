import * as tf from '@tensorflow/tfjs';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { SamplePipeline, type PipelineOptions } from './pipeline.js';
import { allocLike, type PixelArray } from './pixels.js';
import type { ImageDataset } from './types.js';

/** Options of {@link makeBatches} and {@link BatchLoader}. */
export interface BatchOptions extends PipelineOptions {
  batchSize: number;
  /** Drop a last batch smaller than batchSize (default false). */
  dropLast?: boolean;
}

/** One batch: NHWC inputs, int32 class ids, and the sample indices they came from. The caller disposes x and labels. */
export interface Batch {
  x: tf.Tensor4D;
  labels: tf.Tensor1D;
  indices: Int32Array;
}

/** A batch as plain typed arrays (what a worker thread sends, and what a message can carry). */
export interface RawBatch {
  x: Float32Array;
  labels: Int32Array;
  indices: Int32Array;
}

function batchBounds(indices: ArrayLike<number>, { batchSize, dropLast = false }: BatchOptions): number {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  return dropLast ? Math.floor(indices.length / batchSize) : Math.ceil(indices.length / batchSize);
}

function toBatch(ds: ImageDataset, raw: RawBatch): Batch {
  const n = raw.labels.length;
  return {
    x: tf.tensor4d(raw.x, [n, ds.height, ds.width, ds.channels]),
    labels: tf.tensor1d(raw.labels, 'int32'),
    indices: raw.indices,
  };
}

/**
 * Raw batches of `indices` (in order) through the pipeline, prepared lazily in this thread.
 *
 * @example
 * for (const { x, labels } of makeRawBatches(train, shard, { batchSize: 64 })) send(x, labels);
 */
export function* makeRawBatches(ds: ImageDataset, indices: ArrayLike<number>, options: BatchOptions): Generator<RawBatch> {
  const batches = batchBounds(indices, options);
  const pipeline = new SamplePipeline(ds, options);
  const all = Int32Array.from(indices);
  for (let b = 0; b < batches; b++) {
    const idx = all.slice(b * options.batchSize, (b + 1) * options.batchSize);
    const { x, labels } = pipeline.writeBatch(idx);
    yield { x, labels, indices: idx };
  }
}

/**
 * tfjs batches of `indices` (in order, e.g. a shard from {@link shardIndices}), prepared in this thread when
 * asked for. Use {@link BatchLoader} to prepare them on a worker thread while the current batch trains.
 *
 * @example
 * for (const { x, labels } of makeBatches(train, shardIndices({ count: train.count, rank, worldSize, epoch }),
 *      { batchSize: 64, augment: defaultAugment(train), normalization: stats, seed: 1, epoch })) {
 *   trainer.computeGradients(x, labels); x.dispose(); labels.dispose();
 * }
 */
export function* makeBatches(ds: ImageDataset, indices: ArrayLike<number>, options: BatchOptions): Generator<Batch> {
  for (const raw of makeRawBatches(ds, indices, options)) yield toBatch(ds, raw);
}

/** Options of {@link BatchLoader}. */
export interface BatchLoaderOptions extends BatchOptions {
  /** Batches prepared ahead on a worker thread (default 2); 0 prepares each batch in this thread when asked. */
  prefetch?: number;
}

// Datasets copied into shared memory once, so every loader's worker thread reads them without another copy. Core's
// loaders and splits already allocate shared memory; this is for datasets built by hand.
const shared = new WeakMap<PixelArray, { images: PixelArray; labels: Int32Array }>();

function sharedCopy(ds: ImageDataset): { images: PixelArray; labels: Int32Array } {
  if (ds.images.buffer instanceof SharedArrayBuffer && ds.labels.buffer instanceof SharedArrayBuffer) {
    return { images: ds.images, labels: ds.labels };
  }
  let s = shared.get(ds.images);
  if (!s || s.labels.length !== ds.labels.length) {
    const images = allocLike(ds, ds.images.length);
    images.set(ds.images);
    const labels = new Int32Array(new SharedArrayBuffer(ds.labels.byteLength));
    labels.set(ds.labels);
    s = { images, labels };
    shared.set(ds.images, s);
  }
  return s;
}

/**
 * Asynchronous batches with prefetch: a worker thread prepares the next `prefetch` batches' Float32Arrays
 * (augmentation, normalization) while the current batch trains, and hands them over without copying. Deterministic:
 * the same batches as {@link makeBatches} with the same options. Breaking out of the loop stops the thread.
 *
 * @example
 * const loader = new BatchLoader(train, shard, { batchSize: 64, augment, normalization: stats, seed: 7, epoch });
 * for await (const { x, labels } of loader) { trainer.computeGradients(x, labels); tf.dispose([x, labels]); }
 */
export class BatchLoader implements AsyncIterable<Batch> {
  readonly length: number;
  /**
   * Batches after the first that were not ready when the consumer asked for them in the last pass: 0 means
   * data preparation never held training up.
   */
  stalls = 0;
  private readonly indices: Int32Array;

  constructor(
    readonly ds: ImageDataset,
    indices: ArrayLike<number>,
    readonly options: BatchLoaderOptions,
  ) {
    this.length = batchBounds(indices, options);
    this.indices = Int32Array.from(indices);
    // validate options (guard, stats, seeds) here, where the error belongs, not later in the thread
    new SamplePipeline(ds, options);
    const prefetch = options.prefetch ?? 2;
    if (!Number.isInteger(prefetch) || prefetch < 0) throw new Error(`prefetch must be a non-negative integer, got ${prefetch}`);
  }

  /** Raw typed-array batches (no tensors), e.g. to send over the wire. */
  async *raw(): AsyncGenerator<RawBatch> {
    if ((this.options.prefetch ?? 2) === 0 || this.length === 0) {
      yield* makeRawBatches(this.ds, this.indices, this.options);
      return;
    }
    yield* this.fromThread();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Batch> {
    for await (const raw of this.raw()) yield toBatch(this.ds, raw);
  }

  private async *fromThread(): AsyncGenerator<RawBatch> {
    const { ds, options } = this;
    const { images, labels } = sharedCopy(ds);
    const { images: _i, labels: _l, ...meta } = ds;
    const { prefetch = 2, ...pipelineOptions } = options;
    // Batches come back on their own channel, read with receiveMessageOnPort: a batch that arrived while a
    // synchronous training step blocked this thread is taken at once, without waiting for the event loop.
    const { port1, port2 } = new MessageChannel();
    const workerData = { images, labels, meta, indices: this.indices, options: pipelineOptions, port: port2 };
    const here = import.meta.url;
    // From TypeScript sources (the dev loop under tsx) the thread must register tsx itself before loading the script.
    const worker = here.endsWith('.ts')
      ? new Worker(
          `import('tsx/esm/api').then((m) => m.register()).then(() => import(${JSON.stringify(new URL('./batch-worker.ts', here).href)}))`,
          { eval: true, workerData, transferList: [port2] },
        )
      : new Worker(new URL('./batch-worker.js', here), { workerData, transferList: [port2] });
    worker.unref();
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    const wakeUp = () => wake?.();
    worker.on('message', wakeUp); // "a batch is on the channel"
    worker.on('error', (e) => ((failure = e), wakeUp()));
    worker.on('exit', (code) => ((failure ??= new Error(`batch worker thread exited early with code ${code}`)), wakeUp()));
    const take = () => receiveMessageOnPort(port1)?.message as RawBatch | undefined;
    try {
      worker.postMessage(prefetch);
      this.stalls = 0;
      for (let b = 0; b < this.length; b++) {
        let batch = take();
        if (!batch && b > 0) this.stalls++;
        while (!batch) {
          if (failure) throw failure;
          await new Promise<void>((r) => (wake = r));
          batch = take();
        }
        if (b + prefetch < this.length) worker.postMessage(1); // one more credit: keep `prefetch` batches in flight
        yield batch;
      }
    } finally {
      port1.close();
      await worker.terminate();
    }
  }
}
