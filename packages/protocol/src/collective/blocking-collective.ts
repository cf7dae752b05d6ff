import { Worker } from 'node:worker_threads';
import { createSlot, readError, type SharedSlot } from './shared-slot.js';
import type { CollectiveRequest, CollectiveThreadData } from './thread-messages.js';

/** Options of {@link openBlockingCollective}. */
export interface BlockingCollectiveOptions {
  /** ws:// or wss:// address of the parameter server (which sums the contributions of all ranks). */
  url: string;
  token: string;
  /** This worker's rank and run (the server pairs the collective connection with the worker's slot). */
  rank: number;
  runId: string;
  name?: string;
  tls?: { ca?: string | Buffer; rejectUnauthorized?: boolean };
  /** An allreduce not answered within this many ms throws (a peer died or stalled). Default 30 s. */
  timeoutMs?: number;
}

/**
 * A synchronous allreduce (core's `BatchNormCollective`) for SyncBatchNorm inside tfjs ops: a worker_threads
 * communication thread owns a connection to the parameter server; `allreduceSum` posts the contribution to it and
 * blocks the calling thread on `Atomics.wait` until the thread writes the sum into a SharedArrayBuffer. Calls are
 * numbered per training step (`beginStep`), so the server matches the k-th call of every rank. One round trip to the
 * server per call. Never call it from the thread that runs the parameter server: that thread could not answer.
 * @example
 * const collective = await openBlockingCollective({ url, token, rank: 0, runId });
 * collective.beginStep(7);
 * const sums = collective.allreduceSum(new Float32Array([1, 2, 3])); // blocks; elementwise sums over all ranks
 */
export class BlockingCollective {
  private seq = 0;
  private step = 0;
  private call = 0;
  private closed = false;

  /** @internal use {@link openBlockingCollective} */
  constructor(
    private readonly thread: Worker,
    private slot: SharedSlot,
    readonly timeoutMs: number,
  ) {}

  /** Starts numbering the calls of training step `step` from 0. */
  beginStep(step: number): void {
    this.step = step;
    this.call = 0;
  }

  /**
   * Elementwise sum of `values` over all ranks; blocks until it arrives. Throws naming the step and call when the
   * connection failed or no answer came within `timeoutMs` (never hangs).
   */
  allreduceSum(values: Float32Array): Float32Array {
    const where = `step ${this.step}, call ${this.call}, ${values.length} values`;
    if (this.closed) throw new Error(`collective allreduce (${where}): the collective is closed`);
    const request: CollectiveRequest = { kind: 'allreduce', seq: ++this.seq, step: this.step, call: this.call++, values: values.slice() };
    if (values.length > this.slot.result.length) {
      this.slot = createSlot(Math.max(values.length, 2 * this.slot.result.length));
      request.sab = this.slot.sab;
    }
    const control = this.slot.control;
    this.thread.postMessage(request);
    const deadline = performance.now() + this.timeoutMs;
    for (;;) {
      const answered = Atomics.load(control, 0);
      if (answered === request.seq) break;
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new Error(
          `collective allreduce (${where}): no answer within ${this.timeoutMs} ms — a peer worker died or stalled, or the parameter server is unreachable`,
        );
      }
      Atomics.wait(control, 0, answered, left);
    }
    if (control[1] !== 0) throw new Error(`collective allreduce (${where}): ${readError(this.slot)}`);
    return this.slot.result.slice(0, control[2]);
  }

  /** Says bye on the collective connection and stops the thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const exited = new Promise<void>((resolve) => this.thread.once('exit', () => resolve()));
    this.thread.postMessage({ kind: 'close' });
    const timer = setTimeout(() => void this.thread.terminate(), 1000);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * Starts the communication thread, connects and authenticates it (role 'collective'); resolves when it is ready.
 * @example
 * const collective = await openBlockingCollective({ url: job.psUrl, token, rank: job.rank, runId: job.runId });
 * model.layers.forEach((l) => { if (l instanceof SyncBatchNorm) l.collective = collective; });
 * collective.beginStep(step); trainer.computeGradients(x, labels);
 */
export async function openBlockingCollective(o: BlockingCollectiveOptions): Promise<BlockingCollective> {
  const timeoutMs = o.timeoutMs ?? 30_000;
  if (!(timeoutMs > 0)) throw new Error(`openBlockingCollective: option "timeoutMs": expected a positive number, got ${timeoutMs}`);
  const slot = createSlot(1024);
  const workerData: CollectiveThreadData = {
    url: o.url, token: o.token, rank: o.rank, runId: o.runId, name: o.name ?? `collective-${o.rank}`, sab: slot.sab,
    ...(o.tls ? { tls: o.tls } : {}),
  };
  const thread = new Worker(new URL('./collective-thread.js', import.meta.url), { workerData });
  await new Promise<void>((resolve, reject) => {
    const onMessage = (m: { kind: string; message?: string }) => {
      cleanup();
      if (m.kind === 'ready') resolve();
      else reject(new Error(`collective thread could not connect to ${o.url}: ${m.message}`));
    };
    const onError = (e: Error) => (cleanup(), reject(new Error(`collective thread failed: ${e.message}`)));
    const onExit = (code: number) => (cleanup(), reject(new Error(`collective thread exited with code ${code} before connecting`)));
    const cleanup = () => {
      thread.off('message', onMessage);
      thread.off('error', onError);
      thread.off('exit', onExit);
    };
    thread.on('message', onMessage);
    thread.on('error', onError);
    thread.on('exit', onExit);
  });
  thread.on('error', () => {}); // a later crash shows as the next allreduce's timeout
  return new BlockingCollective(thread, slot, timeoutMs);
}
