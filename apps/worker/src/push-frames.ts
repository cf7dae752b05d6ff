import { TensorFrameWriter, type FrameInProgress, type JobMessage, type ScalarFields } from '@tensorfleet/protocol';

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** One step's push frames being filled: where each gradient goes, and the sealing of every server's frame. */
export interface StepPush {
  /** gradInto[i]: the view of parameter i's gradient inside the frame of the server that owns it. */
  readonly gradInto: Float32Array[];
  /** The primary's frame's BatchNorm-state views. */
  readonly stateInto: Float32Array[];
  /** Seals every server's frame (index 0: the primary, k: shard k) with the same scalar fields. */
  seal(fields: ScalarFields<'push'>): { frame: Buffer; hold: () => () => void }[];
  /** This step is done with its frames (each is reused once its sends are written). */
  done(): void;
}

/**
 * A worker's push frames, laid out once from the job: one {@link TensorFrameWriter} per server (the primary owns
 * `job.owned` and the states, shard k its parameters), so the trainer writes each gradient straight into the frame
 * that carries it and a step allocates no frame.
 * @example
 * const push = pushFrames.begin();
 * trainer.computeGradients(x, labels, push.gradInto);
 * push.seal({ step, loss, count, correct, computeMs, commMs }).forEach(({ frame, hold }, k) => send(k, frame, hold()));
 * push.done();
 */
export class PushFrames {
  private readonly writers: TensorFrameWriter<'push'>[];

  constructor(private readonly job: JobMessage) {
    const sizes = (indices: number[]) => indices.map((i) => sizeOf(job.parameterShapes[i]!));
    this.writers = [
      new TensorFrameWriter('push', { grads: sizes(job.owned), states: job.stateShapes.map(sizeOf) }),
      ...job.shards.map((shard) => new TensorFrameWriter('push', { grads: sizes(shard.parameters), states: [] })),
    ];
  }

  begin(): StepPush {
    const frames: FrameInProgress<'push'>[] = this.writers.map((w) => w.begin());
    const gradInto = new Array<Float32Array>(this.job.parameterShapes.length);
    this.job.owned.forEach((i, j) => (gradInto[i] = frames[0]!.tensors.grads![j]!));
    this.job.shards.forEach((shard, k) => shard.parameters.forEach((i, j) => (gradInto[i] = frames[k + 1]!.tensors.grads![j]!)));
    return {
      gradInto,
      stateInto: frames[0]!.tensors.states!,
      seal: (fields) => frames.map((f) => ({ frame: f.seal(fields), hold: () => f.hold() })),
      done: () => frames.forEach((f) => f.done()),
    };
  }
}
