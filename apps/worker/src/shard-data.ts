import * as tf from '@tensorflow/tfjs';
import { SamplePipeline, shardIndices, type ImageDataset, type PreparedDataset } from '@tensorfleet/core';

/**
 * This worker's view of the data: the epoch's shard of the training split (DistributedSampler order), addressable by
 * step so a run can resume or rejoin in the middle of an epoch, and its share of an evaluation split.
 */
export class ShardData {
  private epochCache: { epoch: number; shard: Int32Array; pipeline: SamplePipeline } | null = null;

  constructor(
    readonly data: PreparedDataset,
    readonly rank: number,
    readonly worldSize: number,
    readonly batchSize: number,
    readonly dataSeed: number,
  ) {}

  /** The training batch of this rank for position `k` (0-based) of `epoch`. The caller disposes the tensors. */
  trainBatch(epoch: number, k: number): { x: tf.Tensor4D; labels: tf.Tensor1D } {
    if (this.epochCache?.epoch !== epoch) {
      const train = this.data.train;
      this.epochCache = {
        epoch,
        shard: shardIndices({ count: train.count, rank: this.rank, worldSize: this.worldSize, epoch, seed: this.dataSeed }),
        pipeline: new SamplePipeline(train, {
          ...(this.data.augment ? { augment: this.data.augment } : {}),
          ...(this.data.normalization ? { normalization: this.data.normalization } : {}),
          seed: this.dataSeed,
          epoch,
        }),
      };
    }
    const { shard, pipeline } = this.epochCache;
    const indices = shard.subarray(k * this.batchSize, (k + 1) * this.batchSize);
    if (indices.length !== this.batchSize) {
      throw new Error(`rank ${this.rank}: epoch ${epoch} batch ${k} is past the end of a ${shard.length}-sample shard`);
    }
    return toTensors(this.data.train, pipeline.writeBatch(indices));
  }

  /** Indices of `split` this rank evaluates: every worldSize-th sample from rank (no padding, so counts add up). */
  evalIndices(split: ImageDataset): Int32Array {
    const n = Math.max(0, Math.ceil((split.count - this.rank) / this.worldSize));
    return Int32Array.from({ length: n }, (_, i) => this.rank + i * this.worldSize);
  }

  /** Evaluation batches (normalized, never augmented) of this rank's share of `split`. */
  *evalBatches(split: ImageDataset, batchSize: number): Generator<{ x: tf.Tensor4D; labels: tf.Tensor1D }> {
    const pipeline = new SamplePipeline(split, this.data.normalization ? { normalization: this.data.normalization } : {});
    const indices = this.evalIndices(split);
    for (let i = 0; i < indices.length; i += batchSize) yield toTensors(split, pipeline.writeBatch(indices.subarray(i, i + batchSize)));
  }
}

function toTensors(ds: ImageDataset, raw: { x: Float32Array; labels: Int32Array }): { x: tf.Tensor4D; labels: tf.Tensor1D } {
  const n = raw.labels.length;
  return { x: tf.tensor4d(raw.x, [n, ds.height, ds.width, ds.channels]), labels: tf.tensor1d(raw.labels, 'int32') };
}
