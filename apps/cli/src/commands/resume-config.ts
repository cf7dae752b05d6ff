import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError, resumeChanges, runFiles, type TrainConfig } from '@tensorfleet/protocol';
import { writeFileAtomic } from './write-file-atomic.js';

/**
 * Compares the config of a `--resume` with the one the run folder was started with (OUT/config.json): fields that
 * shaped the checkpoint may not change (ConfigError naming each), the others apply with a log line saying so. Then
 * records the config for the next resume. Returns the learning rate to continue at when `optimizer.lr` changed.
 * @example
 * const { lrOnResume } = reconcileResumeConfig(out, config, { resume: true, logger });
 */
export function reconcileResumeConfig(out: string, config: TrainConfig, o: { resume: boolean; logger: Logger }): { lrOnResume?: number } {
  const file = join(out, runFiles.config);
  let lrOnResume: number | undefined;
  if (o.resume && existsSync(file) && existsSync(join(out, runFiles.checkpoints, 'latest.json'))) {
    let previous: TrainConfig;
    try {
      previous = JSON.parse(readFileSync(file, 'utf8')) as TrainConfig;
    } catch (err) {
      throw new ConfigError(`--resume: ${file} is not the run's config (${(err as Error).message})`);
    }
    const { applied, refused } = resumeChanges(previous, config);
    const show = (c: { path: string; from: unknown; to: unknown }) => `${c.path} ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`;
    const lrChange = applied.find((c) => c.path === 'optimizer.lr');
    if (lrChange && config.psShards > 1) refused.push(lrChange);
    if (refused.length) {
      throw new ConfigError(
        `--resume: the checkpoint in ${out} was trained with another config; these fields cannot change on resume: ` +
          `${refused.map(show).join(', ')} (train into a new --out, or fine-tune from this run with init.from)`,
      );
    }
    for (const change of applied) o.logger.info({ field: change.path, from: change.from, to: change.to }, `resume: ${show(change)}`);
    if (lrChange) lrOnResume = lrChange.to as number;
  }
  writeFileAtomic(file, `${JSON.stringify(config, null, 2)}\n`);
  return lrOnResume === undefined ? {} : { lrOnResume };
}
