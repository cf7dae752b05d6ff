import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { AppendedLines } from '../../logs/appended-lines.js';

type Stream = 'stdout' | 'stderr';
const streams = ['stdout', 'stderr'] as const;

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
  private readonly readers: Record<Stream, AppendedLines>;

  /** `from`: the offsets file's positions (adopting a job), or the files' current ends (a new run of the trial). */
  constructor(private readonly paths: Record<Stream, string>, private readonly offsetsPath: string, from: 'saved' | 'end') {
    const offsets: Record<Stream, number> = { stdout: 0, stderr: 0 };
    if (from === 'end') {
      for (const s of streams) offsets[s] = existsSync(paths[s]) ? statSync(paths[s]).size : 0;
    } else if (existsSync(offsetsPath)) {
      try {
        const saved = JSON.parse(readFileSync(offsetsPath, 'utf8')) as Partial<Record<Stream, number>>;
        for (const s of streams) if (typeof saved[s] === 'number') offsets[s] = saved[s];
      } catch {
        // unreadable: start from the beginning (lines may then appear twice in the trial's log, never lost)
      }
    }
    this.readers = { stdout: new AppendedLines(offsets.stdout), stderr: new AppendedLines(offsets.stderr) };
  }

  /** Hands every complete new line to `onLine`, stdout first; `final` also hands over a last line without newline. */
  read(onLine: (stream: Stream, text: string) => void, final = false): void {
    let moved = false;
    for (const stream of streams) {
      const lines = this.readers[stream].read(this.paths[stream], final);
      moved ||= lines.length > 0;
      for (const line of lines) onLine(stream, line);
    }
    if (moved) writeFileSync(this.offsetsPath, JSON.stringify({ stdout: this.readers.stdout.resumeOffset, stderr: this.readers.stderr.resumeOffset }));
  }
}
