// Shared by this package's tests: specs whose trials are the simulated trial script.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulatedTrialScript } from '../simulate/index.js';
import { parseStudySpec } from '../spec/load.js';
import type { StudySpec } from '../spec/schema.js';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `tf-${prefix}-`));
}

/** A study spec running simulated trials (raw fields; `base.sim.epochMs` sets the speed). */
export function simulatedSpec(raw: Record<string, unknown>): StudySpec {
  return parseStudySpec({
    trial: { command: [process.execPath, simulatedTrialScript, '--config', '{config}', '--out', '{dir}'], stopGraceMs: 2000 },
    ...raw,
  });
}

/** The JSON lines of a log file. */
export function logLines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}
