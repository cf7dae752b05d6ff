import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { LineHandler } from './types.js';

/**
 * Hands every non-blank line of a child's stdout and stderr to `onLine`; resolves when both streams have ended, so
 * an exit is reported only after the last line.
 *
 * @example
 * await streamLines(child.stdout, child.stderr, 'worker 0', (l) => console.log(l.stream, l.text));
 */
export function streamLines(stdout: Readable, stderr: Readable, label: string, onLine: LineHandler): Promise<void> {
  const read = (input: Readable, stream: 'stdout' | 'stderr') =>
    new Promise<void>((resolve) => {
      const lines = createInterface({ input, crlfDelay: Infinity });
      lines.on('line', (text) => {
        if (text.trim()) onLine({ stream, text, label });
      });
      lines.on('close', resolve);
    });
  return Promise.all([read(stdout, 'stdout'), read(stderr, 'stderr')]).then(() => undefined);
}
