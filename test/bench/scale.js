// `npm run bench -- scale [--quick] [--compute-ms MS] [--steps N] [--workers 1,2,..] [--sizes 0.1,1.5,11] [--shards 1,2,4]
//                          [--transport auto,ws] [--svg FILE] [--json]`
// How the parameter server scales with the number of workers. For each model size (an MLP whose hidden width gives
// 0.1M, 1.5M or 11M parameters), PS shard count K and worker count W: the real `tensorfleet ps` process (and its K−1
// shard processes) trains one epoch of sync steps for W emulated workers. An emulated worker speaks the real protocol
// over real loopback sockets with real gradient sizes (the push frames are the ones a worker sends), but its compute
// is a fixed sleep, so the compute-only ideal step time is that sleep and efficiency = ideal / measured step time.
// All emulated workers live in this one process (a 2-core machine cannot run 64 worker processes without measuring
// the OS scheduler instead of the PS); the output reports how busy this process was, so a row limited by the
// emulator is told apart from one limited by the PS. Bytes per step (W pushes in, W parameter sets out) are set
// against the loopback bandwidth the wire bench's protocol path measures here; PS CPU is the PS processes' CPU time
// over the measured steps; PS RSS is the primary's (and the largest shard's) resident memory at the end.
// --transport runs each row with the config's `transport` (default auto: the emulated workers share the PS's host, so
// they take its shared-memory offer and only notes cross the socket; ws keeps the tensors on the wire): a list gives
// both side by side.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectProtocolClient, encodeMessage, generateToken, transportNames } from '@tensorfleet/protocol';
import { benchProtocol } from './wire.js';

const require = createRequire(import.meta.url);
const cli = join(dirname(require.resolve('tensorfleet')), 'bin.js');
const TRAIN_SAMPLES = 8000; // the 10k MNIST digits' default 0.8 train split: steps per epoch = that / (W × batch)
const IN_FLIGHT_BUDGET = 1 << 30; // W × parameter bytes held at once (by the PS, and again here): larger rows are skipped
const EFFICIENT = 0.9;

/** Where the plot goes without --svg: the checkout's runs/ folder (ignored by git), whatever the working directory. */
const DEFAULT_SVG = fileURLToPath(new URL('../../runs/bench/scale.svg', import.meta.url));

function parseArgs(args) {
  const o = { quick: false, computeMs: 100, steps: undefined, workers: undefined, sizes: undefined, shards: undefined, transports: ['auto'], svg: DEFAULT_SVG, json: false };
  const list = (a, v, parse) => {
    const items = String(v ?? '').split(',').map(parse);
    if (items.length === 0 || items.some((x) => !(x > 0))) throw new Error(`scale bench: ${a} expects a comma-separated list of positive numbers, got ${JSON.stringify(v)}`);
    return items;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--json') o.json = true;
    else if (a === '--compute-ms') o.computeMs = list(a, args[++i], Number)[0];
    else if (a === '--steps') o.steps = list(a, args[++i], Number)[0];
    else if (a === '--workers') o.workers = list(a, args[++i], Number);
    else if (a === '--sizes') o.sizes = list(a, args[++i], Number);
    else if (a === '--shards') o.shards = list(a, args[++i], Number);
    else if (a === '--svg') o.svg = args[++i];
    else if (a === '--transport') {
      o.transports = String(args[++i] ?? '').split(',');
      const bad = o.transports.find((t) => !transportNames.includes(t));
      if (bad !== undefined) throw new Error(`scale bench: --transport expects a comma-separated list of ${transportNames.join(', ')}, got ${JSON.stringify(bad)}`);
    } else throw new Error(`scale bench: unknown option ${a} (known: --quick, --compute-ms MS, --steps N, --workers LIST, --sizes LIST (millions of parameters), --shards LIST, --transport LIST, --svg FILE, --json)`);
  }
  o.workers ??= o.quick ? [1, 4, 16, 64] : [1, 2, 4, 8, 16, 32, 64];
  o.sizes ??= [0.1, 1.5, 11];
  o.shards ??= o.quick ? [1, 4] : [1, 2, 4];
  o.steps ??= o.quick ? 8 : 16;
  return o;
}

/** flatten → dense(h) → relu → dense(10): 795·h + 10 parameters, h chosen for `millions` of them. */
function mlpSpec(millions) {
  const hidden = Math.max(1, Math.round((millions * 1e6 - 10) / 795));
  const parameters = 795 * hidden + 10;
  return {
    spec: {
      name: `mlp_${parameters}`, inputShape: [28, 28, 1], numClasses: 10, kernelInitializer: 'heNormal',
      layers: [{ type: 'flatten' }, { type: 'dense', units: hidden, useBias: true }, { type: 'relu' }, { type: 'dense', units: 10 }, { type: 'softmax' }],
    },
    parameters,
  };
}

/** utime + stime (ms) and RSS (bytes) of a process and of its children (the PS's shard processes). */
function processStats(pid) {
  const one = (p) => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0) * 1024;
      return { cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / 100, rss };
    } catch {
      return null;
    }
  };
  let children = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {}
  return { primary: one(pid), shards: children.map(one).filter(Boolean) };
}

/**
 * One emulated worker: the real protocol client to the PS (and one per shard), the PS's push frames, a sleep for compute.
 * `pushFrames(server, step)` gives the encoded push (the same bytes for every rank: encoded once per step).
 */
class EmulatedWorker {
  constructor(index, o) {
    this.index = index;
    this.o = o;
    this.job = null;
    this.steps = []; // newest params step per server: [primary, shard 1, ...]
    this.phase = null;
    this.end = 0;
    this.computing = false;
    this.pushed = -1;
    this.reported = -1;
    this.clients = [];
  }

  async connect(url) {
    const client = await connectProtocolClient({
      url, token: this.o.token, name: `emulated-${this.index}`, reconnect: false,
      identity: () => (this.job ? { rank: this.job.rank, runId: this.job.runId } : { rank: -1, runId: '' }),
    });
    this.clients.push(client);
    this.steps.push(-1);
    client.on('message', (m) => void this.onMessage(0, m).catch((e) => this.o.fail(e)));
    client.on('failed', (e) => this.o.fail(e));
  }

  async onMessage(server, m) {
    if (m.type === 'job') {
      if (this.job) return;
      this.job = m;
      this.clients[0].shapes = { parameterShapes: m.owned.map((i) => m.parameterShapes[i]), stateShapes: m.stateShapes };
      this.o.layout(m);
      await Promise.all(m.shards.map(async (shard, k) => {
        const client = await connectProtocolClient({
          url: shard.url, token: this.o.token, name: `emulated-${this.index}`, reconnect: false, identity: () => ({ rank: m.rank, runId: m.runId }),
        });
        client.shapes = { parameterShapes: shard.parameters.map((i) => m.parameterShapes[i]), stateShapes: [] };
        this.clients[k + 1] = client;
        this.steps[k + 1] = -1;
        client.on('message', (x) => void this.onMessage(k + 1, x).catch((e) => this.o.fail(e)));
        client.on('failed', (e) => this.o.fail(e));
      }));
      this.maybeCompute();
      return;
    }
    if (m.type === 'params') {
      this.steps[server] = m.step;
      if (m.step > this.reported && this.steps.every((s) => s >= m.step)) {
        this.reported = m.step;
        this.o.arrived(m.step);
      }
      this.maybeCompute();
      return;
    }
    if (m.type !== 'barrier') return;
    if (m.action === 'train') {
      this.phase = 'train';
      this.end = (m.epoch + 1) * this.job.stepsPerEpoch;
      this.maybeCompute();
    } else if (m.action === 'validate' || m.action === 'test') {
      this.phase = null;
      this.clients[0].send({ type: 'metrics', step: m.step, epoch: m.epoch, split: m.action === 'validate' ? 'val' : 'test', loss: 1, top1: 0.1, top5: 0.5, count: 1 });
    } else if (m.action === 'stop') {
      this.phase = null;
      this.o.stopped();
    }
  }

  /** Starts the next step's "compute" once every server's parameters are at it. */
  maybeCompute() {
    const s = this.steps[0];
    if (this.phase !== 'train' || this.computing || !this.job || s >= this.end || s <= this.pushed) return;
    if (this.steps.length < this.job.shards.length + 1 || this.steps.some((x) => x < s)) return;
    this.computing = true;
    setTimeout(() => {
      this.computing = false;
      this.pushed = s;
      this.clients.forEach((c, k) => c.sendFrame(this.o.pushFrame(k, s)));
    }, this.o.computeMs);
  }

  close() {
    for (const c of this.clients) c.close('done');
  }
}

/** Trains one epoch of one configuration; resolves with its measurements. */
async function runConfig({ millions, shards, workers, transport, computeMs, steps, workDir }) {
  const { spec, parameters } = mlpSpec(millions);
  const batchSize = Math.max(1, Math.floor(Math.floor(TRAIN_SAMPLES / workers) / (steps + 2)));
  const dir = mkdtempSync(join(workDir, `w${workers}-k${shards}-`));
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({
    model: { spec, bn: false }, batchSize, psShards: shards, transport, epochs: 1, scheduler: { name: 'none' }, data: { augment: {} }, accuracyTargets: [0.9],
  }));
  const token = generateToken();
  const ps = spawn(process.execPath, [cli, 'ps', '--config', config, '--workers', String(workers), '--host', '127.0.0.1', '--port', '0', '--metrics-port', '0', '--out', join(dir, 'out'), '--json'], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TENSORFLEET_TOKEN: token },
  });
  let stderr = '';
  ps.stderr.setEncoding('utf8').on('data', (c) => (stderr = (stderr + c).slice(-4000)));
  const exited = new Promise((resolve) => ps.on('close', resolve));
  const emulated = [];
  try {
    const url = await new Promise((resolve, reject) => {
      let out = '';
      ps.stdout.setEncoding('utf8').on('data', (chunk) => {
        out += chunk;
        stderr = (stderr + chunk).slice(-4000);
        const line = out.split('\n').find((l) => l.includes('"parameter server listening"'));
        if (line) resolve(JSON.parse(line).url);
      });
      void exited.then((code) => reject(new Error(`tensorfleet ps exited with ${code} before listening:\n${stderr}`)));
    });
    let fail;
    const failed = new Promise((_, reject) => (fail = reject));
    let stop;
    const allStopped = new Promise((resolve) => (stop = resolve));
    let stoppedCount = 0;
    // Push frames: the same bytes for every rank, encoded once per (server, step) from the job's layout.
    let grads = null;
    const frames = new Map();
    const layout = (job) => {
      if (grads) return;
      const part = (indices) => indices.map((i) => Float32Array.from({ length: job.parameterShapes[i].reduce((a, b) => a * b, 1) }, (_, j) => 1e-4 * Math.sin(j)));
      grads = [part(job.owned), ...job.shards.map((s) => part(s.parameters))];
    };
    const pushFrame = (server, step) => {
      const key = `${server}:${step}`;
      let frame = frames.get(key);
      if (!frame) {
        frame = encodeMessage({ type: 'push', step, loss: 1, count: batchSize, correct: 0, computeMs, commMs: 0, grads: grads[server], states: [] });
        frames.set(key, frame);
        frames.delete(`${server}:${step - 2}`);
      }
      return frame;
    };
    // Step s is complete when the last emulated worker holds every server's parameters of step s.
    const arrivals = new Map();
    const completed = new Map();
    const window = { first: 2, last: null, t0: 0, t1: 0, elu0: null, elu: 0, stats0: null, stats1: null, sharedMemory: false };
    const arrived = (step) => {
      const n = (arrivals.get(step) ?? 0) + 1;
      arrivals.set(step, n);
      if (n !== workers) return;
      arrivals.delete(step);
      completed.set(step, performance.now());
      if (step === window.first) {
        window.t0 = performance.now();
        window.elu0 = performance.eventLoopUtilization();
        window.stats0 = processStats(ps.pid);
        // Whether every emulated worker's every connection took the shared-memory offer (no tensor crosses the wire).
        window.sharedMemory = emulated.every((w) => w.clients.every((c) => c.sharingMemory));
      }
      if (window.last !== null && step === window.last) {
        window.t1 = performance.now();
        window.elu = performance.eventLoopUtilization(window.elu0).utilization;
        window.stats1 = processStats(ps.pid);
      }
    };
    const o = {
      token, computeMs, layout, pushFrame, arrived, fail: (e) => fail(e),
      stopped: () => ++stoppedCount === workers && stop(),
    };
    for (let i = 0; i < workers; i++) emulated.push(new EmulatedWorker(i, o));
    const joined = Promise.all(emulated.map((w) => w.connect(url)));
    await Promise.race([joined, failed]);
    // The job tells the epoch's length; the window is steps [2, stepsPerEpoch].
    for (const deadline = performance.now() + 120_000; !emulated[0].job; await new Promise((r) => setTimeout(r, 10))) {
      if (performance.now() > deadline || ps.exitCode !== null) throw new Error(`no job from the PS within 120 s:\n${stderr}`);
    }
    window.last = emulated[0].job.stepsPerEpoch;
    if (window.last - window.first < 2) throw new Error(`only ${window.last} steps per epoch at W=${workers}: too few to measure`);
    await Promise.race([allStopped, failed, exited.then((code) => Promise.reject(new Error(`tensorfleet ps exited with ${code}:\n${stderr}`)))]);
    await exited;
    if (!window.t1) throw new Error(`the epoch ended before step ${window.last} completed`);
    const measured = window.last - window.first;
    const stepMs = (window.t1 - window.t0) / measured;
    const cpuOf = (a, b) => (a && b ? (b.cpuMs - a.cpuMs) / (window.t1 - window.t0) : null);
    const s0 = window.stats0, s1 = window.stats1;
    const shardCpu = s1.shards.map((sh, k) => cpuOf(s0.shards[k], sh)).filter((x) => x !== null);
    const bytesPerStep = 2 * workers * 4 * parameters;
    const sharedMemory = window.sharedMemory;
    return {
      millions, parameters, shards, workers, transport, sharedMemory, batchSize, steps: measured, computeMs, stepMs, efficiency: computeMs / stepMs, bytesPerStep,
      psCpu: cpuOf(s0.primary, s1.primary), shardCpuMax: shardCpu.length ? Math.max(...shardCpu) : null,
      psRss: s1.primary?.rss ?? null, shardRssMax: s1.shards.length ? Math.max(...s1.shards.map((x) => x.rss)) : null, emulatorBusy: window.elu,
    };
  } finally {
    for (const w of emulated) w.close();
    if (ps.exitCode === null) {
      ps.kill('SIGTERM');
      const timer = setTimeout(() => ps.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What holds a row below 90%: the PS's CPU, this emulator's, the wire, or neither (latency of the round trip). */
function limit(row, bandwidthBps) {
  if (row.efficiency >= EFFICIENT) return '';
  const overheadMs = row.stepMs - row.computeMs;
  const wireMs = row.sharedMemory ? 0 : (1000 * row.bytesPerStep) / bandwidthBps;
  const psBusy = Math.max(row.psCpu ?? 0, row.shardCpuMax ?? 0);
  if (wireMs >= 0.5 * overheadMs) return `bandwidth (${wireMs.toFixed(0)} of ${overheadMs.toFixed(0)} ms over ideal)`;
  if (psBusy >= 0.8) return `PS CPU (${(100 * psBusy).toFixed(0)}% of a core)`;
  if (row.emulatorBusy >= 0.8) return `emulator CPU (${(100 * row.emulatorBusy).toFixed(0)}% busy)`;
  return `latency (${overheadMs.toFixed(0)} ms over ideal)`;
}

async function plot(rows, file) {
  mkdirSync(dirname(file), { recursive: true });
  const { compile } = await import('vega-lite');
  const vega = await import('vega');
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'tensorfleet PS scaling: efficiency = compute-only step time / measured step time',
    data: {
      values: rows.filter((r) => r.efficiency !== undefined).map((r) => ({
        ...r, model: `${r.millions}M params`, path: `${r.shards} shard${r.shards > 1 ? 's' : ''}, ${r.sharedMemory ? 'shared memory' : 'ws'}`, series: `${r.millions}M ${r.shards} ${r.transport}`,
      })),
    },
    width: 520, height: 320,
    layer: [
      {
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'workers', type: 'quantitative', scale: { type: 'log', base: 2 }, title: 'workers (W)' },
          y: { field: 'efficiency', type: 'quantitative', title: 'scaling efficiency', scale: { domain: [0, 1.05] } },
          color: { field: 'model', type: 'nominal', title: 'model' },
          strokeDash: { field: 'path', type: 'nominal', title: 'PS shards, transport' },
          detail: { field: 'series' },
        },
      },
      { mark: { type: 'rule', strokeDash: [4, 4], color: 'gray' }, encoding: { y: { datum: EFFICIENT } } },
    ],
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    writeFileSync(file, await view.toSVG());
  } finally {
    view.finalize();
  }
}

export async function run(args) {
  const o = parseArgs(args);
  const workDir = mkdtempSync(join(tmpdir(), 'tf-bench-scale-'));
  const machine = { cpus: cpus().length, loadAverageAtStart: Number(loadavg()[0].toFixed(2)) };
  try {
    // The loopback reference: the wire bench's protocol path (encode, send, decode, validate) on 4 MiB push frames.
    await benchProtocol(1 << 20, 5);
    const bandwidthBps = (20 * 4 * (1 << 20)) / ((await benchProtocol(1 << 20, 20)) / 1000);
    const rows = [];
    for (const millions of o.sizes) {
      for (const shards of o.shards) {
        for (const workers of o.workers) for (const transport of o.transports) {
          const { parameters } = mlpSpec(millions);
          const base = { millions, parameters, shards, workers, transport, computeMs: o.computeMs, bytesPerStep: 2 * workers * 4 * parameters };
          if (workers * 4 * parameters > IN_FLIGHT_BUDGET) {
            rows.push({ ...base, skipped: `${((workers * 4 * parameters) / 2 ** 30).toFixed(1)} GiB of gradients in flight per step > the bench's 1 GiB budget` });
            continue;
          }
          process.stderr.write(`scale: ${millions}M params, ${shards} shard(s), W=${workers}, ${transport} ...`);
          const row = await runConfig({ millions, shards, workers, transport, computeMs: o.computeMs, steps: o.steps, workDir }).catch((e) => ({ ...base, skipped: `failed: ${e.message.replace(/\s+/g, ' ').slice(0, 300)}` }));
          process.stderr.write(row.skipped ? ` ${row.skipped}\n` : ` ${(100 * row.efficiency).toFixed(0)}%\n`);
          rows.push(row);
        }
      }
    }
    for (const r of rows) if (!r.skipped) r.limit = limit(r, bandwidthBps);
    if (o.json) {
      console.log(JSON.stringify({ machine, computeMs: o.computeMs, loopbackMBps: bandwidthBps / 1e6, rows }, null, 2));
    } else {
      const mb = (b) => (b / 1e6).toFixed(1);
      const pct = (x) => (x === null || x === undefined ? '—' : `${(100 * x).toFixed(0)}%`);
      const table = rows.map((r) => ({
        params: `${r.millions}M`, shards: r.shards, W: r.workers, transport: r.skipped ? r.transport : r.sharedMemory ? 'shm' : r.transport === 'auto' ? 'ws (offer declined)' : 'ws',
        ...(r.skipped ? { 'step ms': '—', efficiency: '—', note: r.skipped } : {
          'step ms': r.stepMs.toFixed(1), efficiency: pct(r.efficiency), 'MB/step': mb(r.bytesPerStep),
          'wire ms': r.sharedMemory ? '—' : ((1000 * r.bytesPerStep) / bandwidthBps).toFixed(1), 'PS CPU': pct(r.psCpu), 'shard CPU': pct(r.shardCpuMax),
          'emulator busy': pct(r.emulatorBusy), 'PS RSS MB': r.psRss ? mb(r.psRss) : '—', 'shard RSS MB': r.shardRssMax ? mb(r.shardRssMax) : '—', note: r.limit,
        }),
      }));
      console.table(table);
      console.log(`compute-only ideal: ${o.computeMs} ms per step (a sleep in each emulated worker); efficiency = ideal / measured step time over ${o.steps} steps.`);
      console.log(`loopback bandwidth (wire bench's protocol path, 4 MiB frames): ${(bandwidthBps / 1e6).toFixed(0)} MB/s; wire ms = bytes per step (W pushes + W parameter sets) at that rate, one stream (— on shm rows: their tensors go through /dev/shm, only notes cross the socket).`);
      console.log(`emulated workers: all ${Math.max(...o.workers)} (at most) in this one process over real loopback sockets and the real protocol, so the step measures the PS, not the OS scheduling ${Math.max(...o.workers)} processes on ${machine.cpus} cores; "emulator busy" is this process's event-loop utilization.`);
      console.log(`PS: the real \`tensorfleet ps\` process (+ K−1 shard processes); PS CPU = its CPU time over the measured steps / wall time (100% = one core).`);
      for (const millions of o.sizes) {
        const below = rows.filter((r) => r.millions === millions && !r.skipped && r.efficiency < EFFICIENT);
        const firstBelow = (shards, transport) => below.filter((r) => r.shards === shards && r.transport === transport).sort((a, b) => a.workers - b.workers)[0];
        const notes = o.shards.flatMap((k) => o.transports.map((t) => {
          const r = firstBelow(k, t);
          const label = o.transports.length > 1 ? `K=${k} ${t}` : `K=${k}`;
          return r ? `${label}: below 90% from W=${r.workers} (${r.limit})` : `${label}: ≥ 90% at every W measured`;
        }));
        console.log(`${millions}M params: ${notes.join('; ')}`);
      }
      console.log(`machine: ${machine.cpus} cores, 1-minute load average ${machine.loadAverageAtStart} at the start.`);
    }
    await plot(rows, o.svg);
    console.error(`plot written to ${o.svg}`);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
