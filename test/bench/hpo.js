// `npm run bench -- hpo [--trials N] [--epochs E] [--concurrency C] [--epoch-ms MS] [--seed S] [--json]`: ASHA versus
// FIFO random search on simulated trials (known learning curves, no training; each trial is a real child process
// run by the local launcher). Same seed, so both draw the same trials. Prints, side by side with ratios: compute
// spent (epochs), best objective found (and the best any trial would reach with all its epochs), wall time, and slot
// utilization while trials were waiting for a slot.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyAssignment, parseStudySpec, RandomSearcher, runStudy, simulatedEpoch } from '@tensorfleet/coordinator';
import { simulatedStudySpec } from './lib/simulated-study.js';

function arg(args, name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

/** Busy slots / capacity, averaged over the time some trial was waiting (and over the whole run). */
function utilization(events) {
  let waitingTime = 0, waitingBusy = 0, allTime = 0, allBusy = 0;
  for (let i = 0; i + 1 < events.length; i++) {
    const e = events[i];
    const dt = events[i + 1].at - e.at;
    const share = e.usedSlots / e.capacity;
    allTime += dt;
    allBusy += share * dt;
    if (e.waiting > 0) {
      waitingTime += dt;
      waitingBusy += share * dt;
    }
  }
  return { whileWaiting: waitingTime ? waitingBusy / waitingTime : 1, overall: allTime ? allBusy / allTime : 0 };
}

async function measure(name, scheduler, o, dir) {
  const spec = parseStudySpec(simulatedStudySpec(name, scheduler, o));
  const events = [];
  const t0 = performance.now();
  const result = await runStudy({ spec, storage: join(dir, `${name}.sqlite`), onEvent: (e) => events.push(e) });
  const wall = (performance.now() - t0) / 1000;
  const scored = result.trials.filter((t) => t.objective !== null && t.state !== 'crashed' && t.state !== 'failed');
  const best = scored.reduce((b, t) => (t.objective > b.objective ? t : b), { objective: -Infinity, number: -1 });
  const bestFull = result.trials.filter((t) => t.state === 'completed').reduce((b, t) => Math.max(b, t.objective), -Infinity);
  const states = {};
  for (const t of result.trials) states[t.state] = (states[t.state] ?? 0) + 1;
  return {
    name, wall, epochs: result.trials.reduce((s, t) => s + t.epochs, 0), best: best.objective, bestTrial: best.number,
    bestFull, states, ...utilization(events),
  };
}

export async function run(args) {
  const o = {
    trials: arg(args, '--trials', 27), epochs: arg(args, '--epochs', 9), concurrency: arg(args, '--concurrency', 2),
    epochMs: arg(args, '--epoch-ms', 40), seed: arg(args, '--seed', 7),
  };
  const dir = mkdtempSync(join(tmpdir(), 'tf-bench-hpo-'));
  try {
    // The truth: every trial's accuracy after all epochs (the curves are known), for the regret of each search.
    const spec = parseStudySpec(simulatedStudySpec('oracle', { name: 'fifo' }, o));
    const searcher = new RandomSearcher(spec.space, spec.seed);
    const truth = Array.from({ length: o.trials }, (_, i) => {
      const config = applyAssignment(spec.base, searcher.suggest(i));
      const curve = Array.from({ length: o.epochs }, (_, e) => simulatedEpoch(config, e + 1));
      return curve.some((c) => !Number.isFinite(c.loss)) ? -Infinity : curve[o.epochs - 1].valAccuracy;
    });
    const oracle = Math.max(...truth);
    const fifo = await measure('fifo', { name: 'fifo' }, o, dir);
    const asha = await measure('asha', { name: 'asha', reductionFactor: 3, minEpochs: 1 }, o, dir);
    if (args.includes('--json')) {
      console.log(JSON.stringify({ options: o, oracle, fifo, asha }));
      return;
    }
    const pct = (v) => (Number.isFinite(v) ? `${(v * 100).toFixed(2)}%` : '-');
    const rows = [
      ['compute spent (epochs)', fifo.epochs, asha.epochs, (asha.epochs / fifo.epochs).toFixed(3)],
      ['best objective found', pct(fifo.best), pct(asha.best), (asha.best / fifo.best).toFixed(4)],
      ['best after all epochs', pct(fifo.bestFull), pct(asha.bestFull), (asha.bestFull / fifo.bestFull).toFixed(4)],
      ['regret vs best trial', pct(oracle - fifo.bestFull), pct(oracle - asha.bestFull), ''],
      ['wall time (s)', fifo.wall.toFixed(2), asha.wall.toFixed(2), (asha.wall / fifo.wall).toFixed(3)],
      ['slot use while trials wait', pct(fifo.whileWaiting), pct(asha.whileWaiting), (asha.whileWaiting / fifo.whileWaiting).toFixed(3)],
      ['slot use overall', pct(fifo.overall), pct(asha.overall), (asha.overall / fifo.overall).toFixed(3)],
      ['trials by state', JSON.stringify(fifo.states), JSON.stringify(asha.states), ''],
    ];
    console.log(`hpo bench: random search, ${o.trials} simulated trials (seed ${o.seed}), ≤ ${o.epochs} epochs, ${o.concurrency} at once, ${o.epochMs} ms/epoch; ASHA η=3, min 1 epoch`);
    console.log(`best trial with all epochs (oracle over the same ${o.trials} draws): ${pct(oracle)}`);
    const widths = [28, 30, 30, 10];
    const fmt = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join(' ');
    console.log(fmt(['', 'FIFO', 'ASHA', 'ASHA/FIFO']));
    for (const r of rows) console.log(fmt(r));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
