// `npm run bench -- comm [--cli PATH]... [--rounds R] [--epochs E] [--workers N] [--threads T] [--json]`
// Where the default run's communication goes, and a before/after comparison of builds in one run: runs
// `tensorfleet train` (README defaults, step profile on) with each --cli (default: this checkout's), alternating them
// R times (ABBA order), and prints per build the medians of compute and communication ms per step, the communication share
// `commMsPerStep / (compute + comm)` and every step phase. The machine is shared: alternating the builds spreads the
// others' load over both, and the medians drop the runs it hit hardest; each run's load average is printed.
// Before/after: `git worktree add --detach ../base main`, build it, then
//   npm run bench -- comm --cli ../base/apps/cli/dist/bin.js --cli apps/cli/dist/bin.js --rounds 4
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { STEP_PROFILE_ENV, stepPhases } from '@tensorfleet/protocol';
import { formatCriticalPath, median, readCriticalPath, readStepBreakdown, stepTimes } from './lib/step-breakdown.js';

const require = createRequire(import.meta.url);
const ownCli = join(dirname(require.resolve('tensorfleet')), 'bin.js');

function parseArgs(args) {
  const o = { clis: [], rounds: 3, epochs: 2, workers: undefined, threads: undefined, json: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const int = () => {
      const v = Number(args[++i]);
      if (!Number.isInteger(v) || v < 1) throw new Error(`comm bench: ${a} expects a positive integer, got ${JSON.stringify(args[i])}`);
      return v;
    };
    if (a === '--cli') {
      if (!args[i + 1]) throw new Error('comm bench: --cli expects the path of a tensorfleet bin.js');
      o.clis.push(resolve(args[++i]));
    } else if (a === '--rounds') o.rounds = int();
    else if (a === '--epochs') o.epochs = int();
    else if (a === '--workers') o.workers = int();
    else if (a === '--threads') o.threads = int();
    else if (a === '--json') o.json = true;
    else throw new Error(`comm bench: unknown option ${a} (known: --cli PATH, --rounds R, --epochs E, --workers N, --threads T, --json)`);
  }
  if (o.clis.length === 0) o.clis.push(ownCli);
  return o;
}

/** One `tensorfleet train` run of `cli`: summary.json's step times and the step profile's phases. */
function runOnce(cli, out, o) {
  const args = [cli, 'train', '--out', out, '--json', '--epochs', String(o.epochs)];
  if (o.workers) args.push('--workers', String(o.workers));
  if (o.threads) args.push('--threads', String(o.threads));
  const load = loadavg()[0];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, [STEP_PROFILE_ENV]: '1' } });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !last.endsWith('summary.json')) return reject(new Error(`${cli} train exited with ${code}:\n${stdout.slice(-2000)}`));
      const times = stepTimes(JSON.parse(readFileSync(last, 'utf8')));
      resolvePromise({ load, ...times, breakdown: readStepBreakdown(out), critical: readCriticalPath(out) });
    });
  });
}

/** The worker's step phases that are communication: after its compute, until the new parameters are in its model. */
const COMM_PHASES = ['serialize', 'send', 'wait', 'assign'];


/** One critical path for a build's rounds: per segment, the median of the rounds' medians and of their means. */
function criticalOverRounds(paths) {
  if (paths.length === 0) return null;
  const over = (pick) => ({ median: median(paths.map((c) => pick(c).median)), mean: median(paths.map((c) => pick(c).mean)) });
  return {
    steps: paths.reduce((n, c) => n + c.steps, 0),
    segments: paths[0].segments.map((s, k) => ({ name: s.name, about: s.about, ...over((c) => c.segments[k]) })),
    total: over((c) => c.total),
  };
}

export async function run(args) {
  const o = parseArgs(args);
  const workDir = mkdtempSync(join(tmpdir(), 'tf-bench-comm-'));
  const runs = o.clis.map(() => []);
  try {
    for (let r = 0; r < o.rounds; r++) {
      // ABBA: every other round runs the builds in reverse, so neither always runs first (or last) in a round.
      const order = o.clis.map((_, k) => k);
      if (r % 2 === 1) order.reverse();
      for (const k of order) {
        const cli = o.clis[k];
        const result = await runOnce(cli, join(workDir, `run-${r}-${k}`), o);
        runs[k].push(result);
        console.error(`round ${r + 1}, ${cli}: compute ${result.computeMs.toFixed(1)} ms, comm ${result.commMs.toFixed(1)} ms (${(100 * result.commShare).toFixed(1)}%), load ${result.load.toFixed(1)}`);
      }
    }
    const rows = o.clis.map((cli, k) => {
      const rs = runs[k];
      const phase = (side, p) => median(rs.map((x) => x.breakdown?.[side][p] ?? 0));
      return {
        cli,
        computeMs: median(rs.map((x) => x.computeMs)),
        commMs: median(rs.map((x) => x.commMs)),
        commShare: median(rs.map((x) => x.commShare)),
        // What the worker's phases between its compute and its next compute add up to (the same sum on every build).
        commPhasesMs: median(rs.map((x) => COMM_PHASES.reduce((s, p) => s + (x.breakdown?.worker[p] ?? 0), 0))),
        loads: rs.map((x) => Number(x.load.toFixed(1))),
        worker: Object.fromEntries(stepPhases.worker.map((p) => [p, phase('worker', p)])),
        ps: Object.fromEntries(stepPhases.ps.map((p) => [p, phase('ps', p)])),
        critical: criticalOverRounds(rs.map((x) => x.critical).filter(Boolean)),
      };
    });
    if (o.json) {
      console.log(JSON.stringify({ rounds: o.rounds, epochs: o.epochs, builds: rows }, null, 2));
      return;
    }
    const f = (v) => v.toFixed(2);
    console.log(`medians over ${o.rounds} alternating runs of \`tensorfleet train --epochs ${o.epochs}\` (ms per step; worker phases: mean over ranks)`);
    const head = ['build', 'compute', 'comm', 'comm %', `Σ ${COMM_PHASES.join('+')}`, ...stepPhases.worker.map((p) => `w.${p}`), ...stepPhases.ps.map((p) => `ps.${p}`), 'load averages'];
    const body = rows.map((r) => [
      r.cli, f(r.computeMs), f(r.commMs), (100 * r.commShare).toFixed(1), f(r.commPhasesMs),
      ...stepPhases.worker.map((p) => f(r.worker[p])), ...stepPhases.ps.map((p) => f(r.ps[p])), r.loads.join(' '),
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
    for (const line of [head, ...body]) console.log(line.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
    for (const r of rows) {
      if (!r.critical) continue;
      console.log(`\n${r.cli}`);
      for (const line of formatCriticalPath(r.critical)) console.log(line);
    }
    if (rows.length > 1) {
      const [a, b] = [rows[0], rows.at(-1)];
      console.log(`last / first: comm ${(b.commMs / a.commMs).toFixed(2)}×, compute ${(b.computeMs / a.computeMs).toFixed(2)}×, step ${((b.computeMs + b.commMs) / (a.computeMs + a.commMs)).toFixed(2)}×`);
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
