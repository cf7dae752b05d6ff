import { closeSync, existsSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';

type Stream = 'stdout' | 'stderr';

/**
 * Reads a Slurm job's two output files (--output and --error, opened in append mode so every run of a requeued job
 * adds to them) from where the last read stopped, and hands over complete lines. The offsets are kept in a small
 * file next to them, so a coordinator that adopts the job after its predecessor died reads on from there instead of
 * copying every line into the trial's log a second time.
 *
 * @example
 * const files = new OutputFiles({ stdout: 'slurm.out', stderr: 'slurm.err' }, 'slurm-offsets.json', 'saved');
 * files.read((stream, text) => console.log(stream, text));
 */
export class OutputFiles {
  private readonly offsets: Record<Stream, number>;
  private readonly partial: Record<Stream, string> = { stdout: '', stderr: '' };

  /** `from`: the offsets file's positions (adopting a job), or the files' current ends (a new run of the trial). */
  constructor(private readonly paths: Record<Stream, string>, private readonly offsetsPath: string, from: 'saved' | 'end') {
    this.offsets = { stdout: 0, stderr: 0 };
    if (from === 'end') {
      for (const s of ['stdout', 'stderr'] as const) this.offsets[s] = existsSync(paths[s]) ? statSync(paths[s]).size : 0;
    } else if (existsSync(offsetsPath)) {
      try {
        const saved = JSON.parse(readFileSync(offsetsPath, 'utf8')) as Partial<Record<Stream, number>>;
        for (const s of ['stdout', 'stderr'] as const) if (typeof saved[s] === 'number') this.offsets[s] = saved[s];
      } catch {
        // unreadable: start from the beginning (lines may then appear twice in the trial's log, never lost)
      }
    }
  }

  /** Hands every complete new line to `onLine`, stdout first; `final` also hands over a last line without newline. */
  read(onLine: (stream: Stream, text: string) => void, final = false): void {
    let moved = false;
    for (const stream of ['stdout', 'stderr'] as const) {
      const text = this.partial[stream] + this.readNew(stream);
      if (text === this.partial[stream] && !final) continue;
      moved = true;
      const lines = text.split('\n');
      this.partial[stream] = final ? '' : (lines.pop() ?? '');
      for (const line of lines) onLine(stream, line);
    }
    if (moved) writeFileSync(this.offsetsPath, JSON.stringify({ stdout: this.offsets.stdout - Buffer.byteLength(this.partial.stdout), stderr: this.offsets.stderr - Buffer.byteLength(this.partial.stderr) }));
  }

  private readNew(stream: Stream): string {
    const path = this.paths[stream];
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      return ''; // not created yet: the job has not started
    }
    const from = this.offsets[stream];
    if (size <= from) return '';
    const buffer = Buffer.alloc(size - from);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, buffer, 0, buffer.length, from);
    } finally {
      closeSync(fd);
    }
    this.offsets[stream] = size;
    return buffer.toString('utf8');
  }
}
