import { chmodSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../commands/write-file-atomic.js';

/** What rank 0 tells the other tasks: where its parameter server listens and the job's token. */
export interface Rendezvous {
  url: string;
  token: string;
}

/**
 * The meeting point of a cluster's tasks: a file in the run folder, as torch.distributed's FileStore (`file://`
 * init). A cluster's run folder is on storage every node sees — it has to be, for a requeued job to resume from its
 * checkpoints on other nodes. The folder is private to the user (0700): the file holds the token.
 *
 * @example
 * const point = new FileRendezvous('runs/job', task.id);
 * point.publish({ url: 'ws://10.0.0.5:41234', token }); // rank 0
 * const { url, token } = await point.wait(120_000);     // every other rank
 */
export class FileRendezvous {
  readonly path: string;

  constructor(out: string, id: string) {
    if (!/^[A-Za-z0-9._-]+$/.test(id)) throw new Error(`rendezvous id "${id}": letters, digits, '.', '_' and '-' only`);
    this.path = join(resolve(out), '.rendezvous', `${id}.json`);
  }

  publish(point: Rendezvous): void {
    const dir = join(this.path, '..');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    writeFileAtomic(this.path, JSON.stringify(point));
  }

  /** Polls for rank 0's file until `timeoutMs` passes (or `signal` aborts); rejects saying where it looked. */
  async wait(timeoutMs: number, signal?: AbortSignal): Promise<Rendezvous> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const point = this.read();
      if (point) return point;
      if (signal?.aborted) throw new Error('stopped while waiting for rank 0 to publish its parameter server');
      if (Date.now() >= deadline) {
        throw new Error(`rank 0 did not publish its parameter server in ${Math.round(timeoutMs / 1000)} s (${this.path}); is the run folder on storage every node shares?`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Removes the file (rank 0, when its run is over). */
  remove(): void {
    rmSync(this.path, { force: true });
  }

  private read(): Rendezvous | null {
    try {
      const point = JSON.parse(readFileSync(this.path, 'utf8')) as Partial<Rendezvous>;
      return typeof point.url === 'string' && typeof point.token === 'string' ? { url: point.url, token: point.token } : null;
    } catch {
      return null; // not there yet
    }
  }
}
