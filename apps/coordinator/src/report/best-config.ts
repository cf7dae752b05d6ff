import { stringify as toYaml } from 'yaml';
import type { TrialRow } from '../storage/types.js';
import type { ReportRow } from './rows.js';

/**
 * The best trial's train config as a ready-to-run YAML file (`tensorfleet train --config best-config.yaml`): the best
 * trial that ran all its epochs, else the best one with a result. Null when no trial has a result.
 *
 * @example
 * writeFileSync('best-config.yaml', bestConfigYaml(rows, trials, 'regularization-sweep', 'valAccuracy')!);
 */
export function bestConfigYaml(rows: ReportRow[], trials: TrialRow[], study: string, metric: string): string | null {
  const byNumber = new Map(trials.map((t) => [t.number, t]));
  const scored = rows.filter((r) => r.objective !== null);
  const best = scored.find((r) => r.state === 'completed') ?? scored[0];
  if (!best) return null;
  const trial = byNumber.get(best.trial)!;
  const config = structuredClone(trial.config);
  config.out = `runs/${study}-best`;
  const header = [
    `# best configuration of study ${study}: trial ${best.trial} (${best.state}, ${best.epochs} epochs), ${metric} = ${best.objective}`,
    `# run it: tensorfleet train --config best-config.yaml`,
  ];
  return `${header.join('\n')}\n${toYaml(config)}`;
}
