import { epochMetrics as readMetrics, logMessages, readEpochLine } from '@tensorfleet/protocol';

/** Levels used for lines a trial wrote that were not pino JSON. */
const levelOf = { stdout: 30, stderr: 40 } as const;

/**
 * Turns one line a trial printed into a pino JSON line carrying `study` and `trial` (pino lines keep their fields;
 * other text becomes `msg`). Returns the parsed object too, so the caller parses each line once.
 *
 * @example
 * tagLogLine('{"level":30,"msg":"epoch","epoch":1}', 'stdout', { study: 's', trial: 3 }).line;
 * // '{"level":30,"msg":"epoch","epoch":1,"study":"s","trial":3}'
 */
export function tagLogLine(
  text: string,
  stream: 'stdout' | 'stderr',
  tags: { study: string; trial: number },
): { line: string; record: Record<string, unknown> | null } {
  let record: Record<string, unknown> | null = null;
  if (text.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) record = parsed as Record<string, unknown>;
    } catch {
      record = null;
    }
  }
  const tagged = record
    ? { ...record, study: record.study ?? tags.study, trial: record.trial ?? tags.trial }
    : { level: levelOf[stream], time: Date.now(), role: 'trial', study: tags.study, trial: tags.trial, stream, msg: text };
  return { line: JSON.stringify(tagged), record };
}

/** The metrics of an epoch line (the run-report contract; JSON's null for NaN/Infinity becomes NaN), or null for other lines. */
export function epochMetrics(record: Record<string, unknown>): { epoch: number; metrics: Record<string, number> } | null {
  const line = readEpochLine(record);
  return line ? { epoch: line.epoch, metrics: readMetrics(line) } : null;
}

/**
 * One line a trial printed: appended to the trial's log with `study` and `trial` set, and read for what the
 * coordinator acts on (an epoch's metrics, the epoch a divergence line names). Null for blank lines.
 * @example
 * const seen = readTrialLine(text, 'stdout', tags, logFile);
 * if (seen?.epoch) handlers.onEpoch(seen.epoch);
 */
export function readTrialLine(
  text: string,
  stream: 'stdout' | 'stderr',
  tags: { study: string; trial: number },
  log: { write(chunk: string): unknown },
): { epoch: ReturnType<typeof epochMetrics>; divergedEpoch: number | null } | null {
  if (!text.trim()) return null;
  const { line, record } = tagLogLine(text, stream, tags);
  log.write(line + '\n');
  if (!record) return { epoch: null, divergedEpoch: null };
  const divergedEpoch = record.msg === logMessages.diverged && typeof record.epoch === 'number' ? record.epoch : null;
  return { epoch: epochMetrics(record), divergedEpoch };
}
