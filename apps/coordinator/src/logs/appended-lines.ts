import { closeSync, openSync, readSync, statSync } from 'node:fs';

/**
 * Reads what was appended to one file since the last read and hands over complete lines; an unfinished last line
 * waits for its newline. What following a log file needs, whether it is a trial's log or a Slurm job's --output file.
 *
 * @example
 * const reader = new AppendedLines(); // or new AppendedLines(savedOffset) to go on where a predecessor stopped
 * setInterval(() => reader.read('trial.log').forEach((line) => console.log(line)), 250);
 */
export class AppendedLines {
  private partial = '';

  /** `offset`: the byte offset to start reading at. */
  constructor(private offset = 0) {}

  /**
   * The complete lines appended since the last read (none when the file does not exist yet); `final` also hands over
   * an unfinished last line. A file that shrank was truncated: it is read again from its start.
   */
  read(path: string, final = false): string[] {
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      return [];
    }
    if (size < this.offset) [this.offset, this.partial] = [0, ''];
    let text = this.partial;
    if (size > this.offset) {
      const buffer = Buffer.alloc(size - this.offset);
      const fd = openSync(path, 'r');
      try {
        readSync(fd, buffer, 0, buffer.length, this.offset);
      } finally {
        closeSync(fd);
      }
      this.offset = size;
      text += buffer.toString('utf8');
    }
    const lines = text.split('\n');
    this.partial = final ? '' : (lines.pop() ?? '');
    return final && lines.at(-1) === '' ? lines.slice(0, -1) : lines;
  }

  /** The offset of the first byte not handed over as a line: where a successor resumes. */
  get resumeOffset(): number {
    return this.offset - Buffer.byteLength(this.partial);
  }
}
