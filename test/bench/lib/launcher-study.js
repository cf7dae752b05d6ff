// One simulated study (lib/simulated-study.js, FIFO: every trial runs all its epochs) run through the real
// coordinator as a user runs it, `tensorfleet hpo run SPEC --json`, with the trial launcher the caller names. The
// launch bench runs it once with `local` and once with `{slurm: ...}` and compares what a user gets: wall time and
// trials/hour.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, startCli } from '../../e2e/helpers/cli.js';
import { exitWithin, readStudy } from '../../e2e/helpers/slurm-study.js';
import { simulatedStudySpec } from './simulated-study.js';

/**
 * Runs the study `name` in `dir`: `o.trials` trials of `o.epochs` epochs (`o.epochMs` each) asking `o.gpus` GPUs each,
 * all submitted at once (`maxConcurrent` = trials: the GPUs there are bound how many run, the inventory's for local,
 * Slurm's GRES for slurm). `env` is the CLI's extra environment (SLURM_CONF for slurm). Throws when the CLI fails or
 * takes longer than `timeoutMs` (it is killed then, and its local trials with it). While it runs, `stops` holds a
 * function that kills it (the caller's cleanup on a signal).
 * @returns {Promise<{ wall: number, trialsPerHour: number, epochs: number, states: Record<string, number> }>}
 * @example
 * const local = await runLauncherStudy({ name: 'local', launcher: 'local', inventory, o, dir, timeoutMs: 240_000 });
 */
export async function runLauncherStudy({ name, launcher, inventory, o, dir, env = {}, timeoutMs, stops = [] }) {
  const spec = {
    ...simulatedStudySpec(name, { name: 'fifo' }, { ...o, concurrency: o.trials }),
    resources: { workers: 1, gpusPerWorker: o.gpus },
    launcher,
    ...(inventory ? { inventory } : {}),
    out: join(dir, name),
  };
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(spec, null, 2));
  const storage = join(dir, `${name}.sqlite`);
  const t0 = performance.now();
  const cli = startCli(['hpo', 'run', path, '--storage', storage, '--json'], { env });
  const kill = () => cli.child.kill('SIGKILL');
  stops.push(kill);
  let result;
  try {
    result = await exitWithin(cli, timeoutMs);
  } finally {
    stops.splice(stops.indexOf(kill), 1);
  }
  const wall = (performance.now() - t0) / 1000;
  if (result.code !== 0) throw new Error(`tensorfleet hpo run (${name}) exited ${result.signal ?? result.code}\n${describe(result)}`);
  const { trials } = readStudy({ spec: { name }, storage });
  const states = {};
  for (const t of trials) states[t.state] = (states[t.state] ?? 0) + 1;
  return { wall, trialsPerHour: (trials.length * 3600) / wall, epochs: trials.reduce((s, t) => s + t.epochs, 0), states };
}
