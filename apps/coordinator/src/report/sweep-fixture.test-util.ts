// A study written straight into a real SQLite file, shaped like the regularization sweep: an optimizer choice whose
// SGD branch fixes momentum, a log-uniform lr that decides the objective, l2 and a label-smoothing grid that barely
// matter, and ASHA stopping the worse half at epoch 1. Deterministic, so report tests can assert exact structure.
import { join } from 'node:path';
import { parseStudySpec } from '../spec/load.js';
import { SqliteStudyStore } from '../storage/sqlite-store.js';
import { tempDir } from '../study/test-helpers.js';

export interface SweepFixture {
  storage: string;
  study: string;
  dir: string;
  /** objective of each trial number, for assertions. */
  objectives: Map<number, number>;
}

/** Trial i's lr: spread over [1e-4, 1e-1] by the golden ratio, so every decade gets trials. */
const lrOf = (i: number) => 10 ** (-4 + 3 * ((i * 0.618034) % 1));
/** valAccuracy peaks at lr = 3e-3 and falls off with the squared log distance; the other parameters add < 0.5%. */
const accuracyOf = (i: number, epoch: number, l2: number, smoothing: number) =>
  0.97 - 0.05 * (Math.log10(lrOf(i)) + 2.5) ** 2 - 0.04 / epoch + 2 * l2 - 0.01 * smoothing;

/**
 * Writes the study; `trials` of them (default 12), `running` of the last ones left running at epoch 1 (a study in
 * progress, as the dashboard sees it); with `started: false` every trial is still pending, without a result.
 */
export function writeSweepFixture({ trials = 12, running = 0, started = true, name = 'sweep-fixture' } = {}): SweepFixture {
  const dir = tempDir('sweep');
  const storage = join(dir, 'studies.sqlite');
  const spec = parseStudySpec({
    name, searcher: 'random', seed: 7, objective: { metric: 'valAccuracy' },
    budget: { trials, maxConcurrent: 2, maxEpochs: 3 },
    scheduler: { name: 'asha', reductionFactor: 2, minEpochs: 1 },
    space: {
      optimizer: { type: 'choice', values: [{ name: 'sgd', momentum: 0.9, lr: { type: 'loguniform', low: 1e-4, high: 1e-1 } }, { name: 'adam', lr: { type: 'loguniform', low: 1e-4, high: 1e-1 } }] },
      l2: { type: 'loguniform', low: 5e-5, high: 5e-3 },
      labelSmoothing: [0, 0.05, 0.1, 0.2],
    },
  });
  const store = new SqliteStudyStore(storage);
  const objectives = new Map<number, number>();
  try {
    const study = store.createStudy({ name, spec, specHash: 'fixture', outDir: join(dir, name), trialsPlanned: trials });
    const rungOne: number[] = [];
    for (let i = 0; i < trials; i++) {
      const sgd = i % 3 === 0;
      const lr = lrOf(i);
      const l2 = 5e-5 * 100 ** ((i * 0.754878 + 0.3) % 1);
      const smoothing = [0, 0.05, 0.1, 0.2][i % 4]!;
      const optimizer = sgd ? { name: 'sgd', momentum: 0.9, lr } : { name: 'adam', lr };
      const assignment = { optimizer, l2, labelSmoothing: smoothing };
      const params = [
        { name: 'optimizer.name', value: optimizer.name, kind: 'choice' },
        { name: 'optimizer.lr', value: lr, kind: 'loguniform' },
        ...(sgd ? [{ name: 'optimizer.momentum', value: 0.9, kind: 'choice' }] : []),
        { name: 'l2', value: l2, kind: 'loguniform' },
        { name: 'labelSmoothing', value: smoothing, kind: 'grid' },
      ];
      const trial = store.createTrial(study.id, { number: i, assignment, config: { optimizer, l2, labelSmoothing: smoothing, epochs: 3 }, params });
      if (!started) continue;
      const attempt = store.startTrial(trial.id, { pid: 1000 + i, start: null }, { trialId: trial.id, workers: [{ rank: 0, node: 'local', host: '127.0.0.1', gpus: [] }] }, 'fixture');
      const metricsAt = (epoch: number) => {
        const valAccuracy = accuracyOf(i, epoch, l2, smoothing);
        return { loss: 2.3 * (1 - valAccuracy), accuracy: valAccuracy - 0.01, valLoss: 2.2 * (1 - valAccuracy), valAccuracy, valTop5: Math.min(1, valAccuracy + 0.02), lr };
      };
      store.recordEpoch(trial.id, attempt, 1, 0, metricsAt(1), metricsAt(1).valAccuracy);
      if (i >= trials - running) continue;
      // ASHA (η = 2) at rung 0, epoch 1: keep a trial when it is in the top half of the results seen so far.
      const value = metricsAt(1).valAccuracy;
      rungOne.push(value);
      const rank = rungOne.filter((v) => v > value).length + 1;
      const keep = Math.max(1, Math.floor(rungOne.length / 2));
      const decision = rank <= keep ? 'continue' : 'stop';
      store.recordRung({ trialId: trial.id, rung: 0, epoch: 1, value, seen: rungOne.length, keep, rank, decision });
      if (decision === 'stop') {
        objectives.set(i, value);
        continue;
      }
      for (const epoch of [2, 3]) store.recordEpoch(trial.id, attempt, epoch, 0, metricsAt(epoch), metricsAt(epoch).valAccuracy);
      objectives.set(i, metricsAt(3).valAccuracy);
      store.finishTrial(trial.id, { state: 'completed', detail: 'fixture', objective: metricsAt(3).valAccuracy, summary: { epochs: 3 } });
    }
  } finally {
    store.close();
  }
  return { storage, study: name, dir, objectives };
}
