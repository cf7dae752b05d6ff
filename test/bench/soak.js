// `npm run bench -- soak [--minutes M] [--workers N] [--backend B] [--json]`
// A long run on loopback: `tensorfleet ps` (mlp preset) and N `tensorfleet worker` processes (default 32) for M
// minutes (default 10). Prints the parameter server's resident memory (VmRSS) at the end of every minute, its peak
// over the minute (sampled twice a second) and the steps done; the PS's memory is bounded when the last minute's peak
// is within 10% of the second minute's (the first minute is startup). Exits 1 when it is not, or when a process fails.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const cli = join(dirname(require.resolve('tensorfleet')), 'bin.js');
const BOUND = 0.1;

function parseArgs(args) {
  const o = { minutes: 10, workers: 32, backend: 'wasm', json: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const positive = () => {
      const v = Number(args[++i]);
      if (!(Number.isFinite(v) && v > 0)) throw new Error(`soak bench: ${a} expects a positive number, got ${JSON.stringify(args[i])}`);
      return v;
    };
    if (a === '--minutes') o.minutes = positive();
    else if (a === '--workers') o.workers = Math.round(positive());
    else if (a === '--backend') o.backend = args[++i];
    else if (a === '--json') o.json = true;
    else throw new Error(`soak bench: unknown option ${a} (known: --minutes M, --workers N, --backend B, --json)`);
  }
  if (o.minutes < 2) throw new Error('soak bench: --minutes must be at least 2 (minute 1 is startup; the bound compares minute 2 with the last)');
  return o;
}

const rssMb = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

function start(args, env, onLine = () => {}) {
  const child = spawn(process.execPath, [cli, ...args, '--json'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let pending = '';
  let tail = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    pending += chunk;
    tail = (tail + chunk).slice(-4000);
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.startsWith('{')) {
        try {
          onLine(JSON.parse(line));
        } catch {
          // not a log line
        }
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk) => (tail = (tail + chunk).slice(-4000)));
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, exited, tail: () => tail };
}

export async function run(args) {
  const o = parseArgs(args);
  const root = mkdtempSync(join(tmpdir(), 'tf-bench-soak-'));
  const env = { TENSORFLEET_TOKEN: randomBytes(32).toString('hex') };
  const progress = { step: 0, epoch: 0, listening: null, training: false };
  const log = (text) => !o.json && process.stderr.write(`${text}\n`);
  log(`soak: ${o.workers} workers (${o.backend}), mlp, ${o.minutes} min on loopback; ${cpus().length} cores, load ${loadavg()[0].toFixed(1)}`);
  const ps = start(['ps', '--host', '127.0.0.1', '--port', '0', '--workers', String(o.workers), '--preset', 'mlp', '--epochs', '100000', '--batch-size', '32', '--out', join(root, 'run')], env, (l) => {
    if (l.msg === 'parameter server listening') progress.listening = l.url;
    if (l.msg === 'all workers joined; training') progress.training = true;
    if (l.msg === 'epoch') Object.assign(progress, { step: l.step, epoch: l.epoch + 1 });
  });
  const workers = [];
  let failure = null;
  const watch = (p, name) => p.exited.then(({ code, signal }) => {
    if (!stopping) failure ??= `${name} exited early (${signal ?? code})\n${p.tail()}`;
  });
  let stopping = false;
  watch(ps, 'the parameter server');
  try {
    while (!progress.listening && !failure) await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; i < o.workers && !failure; i++) {
      const w = start(['worker', '--ps', progress.listening, '--backend', o.backend, '--name', `soak${i}`], env);
      workers.push(w);
      watch(w, `worker ${i}`);
    }
    while (!progress.training && !failure) await new Promise((r) => setTimeout(r, 100));
    if (failure) throw new Error(failure);
    log(`soak: all ${o.workers} workers joined; PS pid ${ps.child.pid}, RSS ${rssMb(ps.child.pid).toFixed(1)} MB`);
    const minutes = [];
    const t0 = Date.now();
    for (let m = 1; m <= Math.ceil(o.minutes) && !failure; m++) {
      const end = t0 + Math.min(m, o.minutes) * 60_000;
      let peak = 0;
      while (Date.now() < end && !failure) {
        peak = Math.max(peak, rssMb(ps.child.pid));
        await new Promise((r) => setTimeout(r, 500));
      }
      if (failure) break;
      const row = { minute: m, rssMb: Number(rssMb(ps.child.pid).toFixed(1)), peakRssMb: Number(peak.toFixed(1)), step: progress.step, epochs: progress.epoch };
      minutes.push(row);
      log(`soak: minute ${String(m).padStart(2)}  PS RSS ${row.rssMb.toFixed(1).padStart(7)} MB, peak ${row.peakRssMb.toFixed(1).padStart(7)} MB  (${row.epochs} epochs, ${row.step} steps done)`);
    }
    if (failure) throw new Error(failure);
    // The minute's peak, not one sample: V8 frees its heap in bursts, so one reading swings by a third either way
    // with the moment it lands on; a leak shows as peaks that keep rising.
    const second = minutes[1].peakRssMb;
    const last = minutes.at(-1).peakRssMb;
    const ratio = last / second;
    const bounded = Math.abs(ratio - 1) <= BOUND;
    const result = { workers: o.workers, minutes, secondMinuteRssMb: second, lastMinuteRssMb: last, lastOverSecond: Number(ratio.toFixed(3)), bounded };
    if (o.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else log(`soak: last/second minute peak RSS = ${last.toFixed(1)}/${second.toFixed(1)} MB = ${ratio.toFixed(3)} -> ${bounded ? 'bounded' : `NOT bounded (more than ${BOUND * 100}% apart)`}`);
    if (!bounded) process.exitCode = 1;
  } catch (err) {
    process.stderr.write(`soak: ${err.message}\n`);
    process.exitCode = 1;
  } finally {
    stopping = true;
    for (const p of [...workers, ps]) p.child.kill('SIGKILL');
    await Promise.all([...workers, ps].map((p) => p.exited));
    rmSync(root, { recursive: true, force: true });
  }
}
