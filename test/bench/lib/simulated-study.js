// The study spec of the benches that run simulated trials (known learning curves, no training): each trial is a real
// child process, apps/coordinator's simulated-trial script, that prints the train command's epoch lines after
// sleeping `epochMs` per epoch. Used by the hpo bench (ASHA vs FIFO) and the launch bench (local vs Slurm).
import { simulatedTrialScript } from '@tensorfleet/coordinator';

/**
 * A random search over optimizer, l2 and dropouts: `o.trials` trials of at most `o.epochs` epochs, `o.concurrency` at
 * once, drawn from `o.seed` (the same seed draws the same trials, whatever runs them).
 * @example
 * parseStudySpec(simulatedStudySpec('fifo', { name: 'fifo' }, { trials: 9, epochs: 3, concurrency: 2, epochMs: 40, seed: 7 }));
 */
export function simulatedStudySpec(name, scheduler, o) {
  return {
    name, seed: o.seed, objective: { metric: 'valAccuracy', mode: 'max' },
    budget: { trials: o.trials, maxConcurrent: o.concurrency, maxEpochs: o.epochs },
    scheduler,
    space: {
      optimizer: { type: 'choice', values: [
        { name: 'sgd', momentum: 0.9, lr: { type: 'loguniform', low: 1e-4, high: 1e-1 } },
        { name: 'adam', lr: { type: 'loguniform', low: 1e-5, high: 1e-2 } },
      ] },
      l2: { type: 'loguniform', low: 5e-5, high: 5e-3 },
      'model.dropoutFc': { type: 'uniform', low: 0.2, high: 0.8 },
      'model.dropoutConv': { type: 'uniform', low: 0, high: 0.15 },
      labelSmoothing: [0, 0.05, 0.1, 0.2],
    },
    base: { sim: { epochMs: o.epochMs } },
    trial: { command: [process.execPath, simulatedTrialScript, '--config', '{config}', '--out', '{dir}'], stopGraceMs: 2000 },
  };
}
