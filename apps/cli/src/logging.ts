import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

/**
 * The CLI's logger: pino JSON lines on stdout (one object per line, with `role` and friends), or pino-pretty when
 * stdout is a terminal and the user did not ask for --json. Machines read the JSON; people read the pretty form.
 */
export function createCliLogger(bindings: Record<string, unknown>, { json = false, level = 'info' } = {}): Logger {
  if (!json && process.stdout.isTTY) {
    return pino({ level, base: bindings }, pretty({ colorize: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss' }));
  }
  return pino({ level, base: bindings }, pino.destination({ fd: 1, sync: true }));
}

/** Pretty-prints JSON log lines coming from a child process (a worker) onto our terminal, or passes them through. */
export function forwardLines(lines: NodeJS.ReadableStream, { json = false } = {}): void {
  const sink = !json && process.stdout.isTTY ? pretty({ colorize: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss' }) : process.stdout;
  lines.pipe(sink as NodeJS.WritableStream, { end: false });
}
