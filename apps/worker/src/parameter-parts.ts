import { connectProtocolClient, type JobMessage, type ProtocolClient, type ProtocolError, type ServerMessage } from '@tensorfleet/protocol';

/**
 * A worker's connections to the parameter shards of a sharded run (the primary's own part comes with its params
 * messages): the newest part from each shard, waiting until all are at a given step, and pushing each shard its part.
 */
export class ParameterParts {
  private readonly latest: ({ step: number; params: Float32Array[] } | null)[];
  private waiters: (() => void)[] = [];
  private failure: Error | null = null;

  private constructor(
    readonly job: JobMessage,
    private readonly clients: ProtocolClient[],
  ) {
    this.latest = clients.map(() => null);
  }

  /** Connects to every shard of the job (none without sharding). */
  static async connect(job: JobMessage, o: { token: string; name: string; sharedMemory: boolean; tls?: { ca?: string | Buffer; rejectUnauthorized?: boolean } }): Promise<ParameterParts> {
    const clients = await Promise.all(
      job.shards.map(async (shard) => {
        const client = await connectProtocolClient({
          url: shard.url, token: o.token, name: o.name, sharedMemory: o.sharedMemory, identity: () => ({ rank: job.rank, runId: job.runId }), ...(o.tls ? { tls: o.tls } : {}),
        });
        client.shapes = { parameterShapes: shard.parameters.map((i) => job.parameterShapes[i]!), stateShapes: [] };
        return client;
      }),
    );
    const parts = new ParameterParts(job, clients);
    clients.forEach((client, k) => {
      client.on('message', (m: ServerMessage) => {
        if (m.type !== 'params') return;
        parts.latest[k] = { step: m.step, params: m.params.map((p) => new Float32Array(p)) };
        parts.wake();
      });
      client.on('failed', (e: ProtocolError) => {
        parts.failure ??= new Error(`parameter shard ${job.shards[k]!.url}: ${e.message}`);
        parts.wake();
      });
    });
    return parts;
  }

  get sharded(): boolean {
    return this.clients.length > 0;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Waits until every shard's part is at `step`; returns all parameters, with `primary` (the primary's part) filled in. */
  async assemble(step: number, primary: Float32Array[]): Promise<Float32Array[]> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.latest.every((p) => p !== null && p.step >= step)) break;
      await new Promise<void>((r) => this.waiters.push(r));
    }
    const all: Float32Array[] = new Array(this.job.parameterShapes.length);
    this.job.owned.forEach((i, j) => (all[i] = primary[j]!));
    this.job.shards.forEach((shard, k) => shard.parameters.forEach((i, j) => (all[i] = this.latest[k]!.params[j]!)));
    return all;
  }

  /** Sends shard k (0-based) its part's push frame; `onWritten` as ProtocolClient.sendFrame's (called here if not sent). */
  sendFrame(k: number, frame: Uint8Array, onWritten: () => void): void {
    if (!this.clients[k]!.sendFrame(frame, onWritten)) onWritten();
  }

  close(reason: string): void {
    for (const c of this.clients) c.close(reason);
  }
}
