import { logMessages, readEpochLine } from '@tensorfleet/protocol';
import type { EpochProgressBar } from '../commands/progress.js';
import { kerasEpochLine } from './keras-line.js';
import { duration, metric } from './numbers.js';
import { prettyLogLine } from './pretty-line.js';

/** How much the terminal shows: `quiet` errors only, `verbose` every line (pretty, one line each). */
export interface Verbosity {
  quiet: boolean;
  verbose: boolean;
}

type Line = Record<string, unknown>;

const levels = { debug: 20, info: 30, warn: 40, error: 50 } as const;

/** Who wrote a line, for a person: `ps`, `worker 1`, `worker local-0`. */
function who(line: Line): string {
  const role = typeof line.role === 'string' ? line.role : '';
  if (role === 'worker') return typeof line.rank === 'number' ? `worker ${line.rank}` : typeof line.name === 'string' ? `worker ${line.name}` : 'worker';
  return role;
}

/**
 * What a person sees of a run on a terminal: a short backend line, one Keras line per epoch, warnings and errors one
 * line each, and the test result; everything else only with --verbose. It reads the very log lines that go to
 * OUT/log.jsonl (the run-report contract), so the terminal never says something the log does not.
 *
 * @example
 * const view = new TerminalView({ quiet: false, verbose: false }, bar);
 * view.show(JSON.parse(line), line);
 */
export class TerminalView {
  private cliBackend: string | null = null;
  private readonly recent = new Map<string, number>();
  private readonly pretty = prettyLogLine(true);

  constructor(
    private readonly verbosity: Verbosity,
    private readonly bar: EpochProgressBar,
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly err: NodeJS.WritableStream = process.stderr,
  ) {}

  /** Shows one log line (parsed, and as written). */
  show(line: Line | null, text: string): void {
    const printed = line ? this.render(line, text) : this.verbosity.verbose ? { stream: this.err, text } : null;
    if (!printed) return;
    this.bar.suspend();
    printed.stream.write(printed.text.endsWith('\n') ? printed.text : `${printed.text}\n`);
  }

  private render(line: Line, text: string): { stream: NodeJS.WritableStream; text: string } | null {
    const level = typeof line.level === 'number' ? line.level : levels.info;
    const msg = String(line.msg ?? '');
    if (level >= levels.warn) return this.problem(line, level, msg);
    if (this.verbosity.quiet) return null;
    const epoch = readEpochLine(line);
    if (epoch) return { stream: this.out, text: kerasEpochLine(epoch) };
    if (msg === logMessages.backendSelected) {
      const backend = String(line.backend ?? '?');
      if (line.role === 'cli') {
        this.cliBackend = backend;
        const workers = typeof line.workers === 'number' ? ` · ${line.workers} worker${line.workers === 1 ? '' : 's'}` : '';
        return { stream: this.out, text: `backend ${backend}${workers}${typeof line.out === 'string' ? ` · ${line.out}` : ''}` };
      }
      // A lone worker names its backend once; under `train` a worker's is news only when it differs from the command's.
      if (this.cliBackend === null || backend !== this.cliBackend) return { stream: this.out, text: `${who(line)}: backend ${backend}` };
      return null;
    }
    if (msg === logMessages.finished && line.role === 'cli') return { stream: this.out, text: testLine(line) };
    return this.verbosity.verbose ? { stream: this.err, text: this.pretty(text) } : null;
  }

  /** A warning or an error on one line; the same message from several processes within 5 s is shown once. */
  private problem(line: Line, level: number, msg: string): { stream: NodeJS.WritableStream; text: string } | null {
    if (level < levels.error && this.verbosity.quiet) return null;
    if (msg === logMessages.retrying) {
      // One line per attempt, each with its cause and delay: the person sees what is tried and when.
      const text = `warning [${who(line)}]: ${String(line.url)}: ${String(line.error)}; retry ${String(line.attempt)}/${String(line.of)} in ${String(line.delayMs)} ms`;
      return { stream: this.err, text };
    }
    const detail = typeof line.err === 'string' ? line.err : typeof line.reason === 'string' && line.reason ? line.reason : '';
    const key = `${level}|${msg}|${detail}`;
    const now = Date.now();
    if (!this.verbosity.verbose && now - (this.recent.get(key) ?? -Infinity) < 5000) return null;
    this.recent.set(key, now);
    const source = who(line);
    const text = `${level >= levels.error ? 'error' : 'warning'}${source ? ` [${source}]` : ''}: ${msg}${detail ? `: ${detail}` : ''}`;
    return { stream: this.err, text };
  }
}

/** `Test: loss: 0.0712 - acc: 0.9780 - top5: 0.9990 (1m31s, 1904 samples/s)` */
function testLine(line: Line): string {
  const num = (k: string) => (typeof line[k] === 'number' ? (line[k] as number) : null);
  const parts = [`loss: ${metric(num('testLoss'))}`, `acc: ${metric(num('testAccuracy'))}`];
  if (num('testTop5') !== null) parts.push(`top5: ${metric(num('testTop5'))}`);
  const wall = num('wallSeconds');
  const speed = num('samplesPerSec');
  return `Test: ${parts.join(' - ')}${wall !== null ? ` (${duration(wall)}${speed !== null ? `, ${Math.round(speed)} samples/s` : ''})` : ''}`;
}
