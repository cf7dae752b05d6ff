import { createInterface } from 'node:readline';
import { pino, type Logger } from 'pino';
import { TerminalView, type Verbosity } from './output/terminal-view.js';
import type { RunLogFiles } from './output/run-files.js';
import type { EpochProgressBar } from './commands/progress.js';

/** How a command prints: JSON lines (with --json, or when stdout is not a terminal) or the terminal view. */
export interface OutputMode extends Verbosity {
  json: boolean;
}

/** The output mode the flags and the terminal ask for. */
export function outputMode(flags: { json?: unknown; quiet?: unknown; verbose?: unknown }): OutputMode {
  return { json: flags.json === true || !process.stdout.isTTY, quiet: flags.quiet === true, verbose: flags.verbose === true };
}

/**
 * Where every log line of a run goes — the command's own pino loggers write to it, and lines from child processes
 * (workers, shards) are fed to it: OUT/log.jsonl and metrics.csv (once the run folder is known), and stdout (JSON
 * lines as written) or the terminal view.
 *
 * @example
 * const router = new LogRouter(outputMode(flags), bar);
 * const log = router.logger({ role: 'cli', run });
 * router.attach(new RunLogFiles(out, { append: false }));
 */
export class LogRouter {
  private files: RunLogFiles | null = null;
  private readonly view: TerminalView | null;
  private pending = '';

  constructor(readonly mode: OutputMode, bar: EpochProgressBar) {
    this.view = mode.json ? null : new TerminalView(mode, bar);
  }

  /** A pino logger writing into the router (debug and up with --verbose, info otherwise). */
  logger(bindings: Record<string, unknown> = {}, level: 'debug' | 'info' = this.mode.verbose ? 'debug' : 'info'): Logger {
    return pino({ level, base: bindings }, { write: (chunk: string) => this.write(chunk) });
  }

  /** From now on every line also goes to these files. */
  attach(files: RunLogFiles): void {
    this.files = files;
  }

  /** Detaches and closes the files. */
  closeFiles(): void {
    this.files?.close();
    this.files = null;
  }

  /** Takes one or more newline-terminated lines (a partial last line waits for the rest). */
  write(chunk: string): void {
    const lines = (this.pending + chunk).split('\n');
    this.pending = lines.pop() ?? '';
    for (const text of lines) if (text.trim()) this.line(text);
  }

  /** Routes one log line (no newline). */
  line(text: string): void {
    let record: Record<string, unknown> | null = null;
    if (text.startsWith('{')) {
      try {
        record = JSON.parse(text) as Record<string, unknown>;
      } catch {
        record = null;
      }
    }
    this.files?.write(text, record);
    if (this.view) this.view.show(record, text);
    else process.stdout.write(`${text}\n`);
  }

  /** Feeds the lines of a child process's stream (its pino JSON) into the router. */
  forward(stream: NodeJS.ReadableStream): void {
    createInterface({ input: stream }).on('line', (text) => {
      if (text.trim()) this.line(text);
    });
  }
}

/**
 * A one-process command's logger (worker, ps-shard): pino JSON lines on stdout, or the terminal view's one-line
 * form when stdout is a terminal and --json was not given.
 */
export function createCliLogger(bindings: Record<string, unknown>, mode: Partial<OutputMode> = {}): Logger {
  // A lone process has no epoch lines to show: its terminal gets every info line, one line each.
  const full: OutputMode = { json: mode.json === true || !process.stdout.isTTY, quiet: false, verbose: true };
  return new LogRouter(full, noBar).logger(bindings, mode.verbose === true ? 'debug' : 'info');
}

const noBar: EpochProgressBar = { update: () => {}, suspend: () => {}, stop: () => {} };
