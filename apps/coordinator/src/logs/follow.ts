import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { studyLayout } from '../study/layout.js';
import { AppendedLines } from './appended-lines.js';

/** Every log file of a study folder: coordinator.log, then each trial's trial.log in trial order. */
export function studyLogFiles(studyDir: string): string[] {
  const files = [studyLayout.coordinatorLog(studyDir)];
  const trials = studyLayout.trialsDir(studyDir);
  if (existsSync(trials)) {
    for (const name of readdirSync(trials).sort()) files.push(studyLayout.trialLog(join(trials, name)));
  }
  return files.filter((f) => existsSync(f));
}

export interface FollowLogsOptions {
  /** The files to read; called again on every poll, so trial logs that appear later are picked up. */
  files: () => string[];
  onLine: (line: string, file: string) => void;
  /** Keep polling for new lines until the signal aborts (default: read what is there and return). */
  follow?: boolean;
  intervalMs?: number;
  signal?: AbortSignal;
}

const timeOf = (line: string) => {
  const match = /"time":(\d+)/.exec(line);
  return match ? Number(match[1]) : 0;
};

/**
 * Reads log files line by line: first everything already written, merged across files by each pino line's `time`;
 * then, when following, new lines as they are appended (also from files that appear later).
 *
 * @example
 * const ac = new AbortController();
 * await followLogs({ files: () => studyLogFiles(dir), onLine: (l) => console.log(l), follow: true, signal: ac.signal });
 */
export async function followLogs(options: FollowLogsOptions): Promise<void> {
  const readers = new Map<string, AppendedLines>();
  const readNew = (): { line: string; file: string }[] => {
    const out: { line: string; file: string }[] = [];
    for (const file of options.files()) {
      const reader = readers.get(file) ?? new AppendedLines();
      readers.set(file, reader);
      for (const line of reader.read(file)) if (line.trim()) out.push({ line, file });
    }
    return out;
  };
  const first = readNew();
  first.sort((a, b) => timeOf(a.line) - timeOf(b.line));
  for (const { line, file } of first) options.onLine(line, file);
  if (!options.follow) return;
  while (!options.signal?.aborted) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.intervalMs ?? 250);
      options.signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
    for (const { line, file } of readNew()) options.onLine(line, file);
  }
}
