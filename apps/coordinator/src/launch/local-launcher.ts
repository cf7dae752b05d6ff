import { LocalProcessLauncher } from '@tensorfleet/launch';
import { ProcessTrialLauncher, type TrialLauncherOptions } from './trial-launcher.js';

export type LocalLauncherOptions = TrialLauncherOptions;

/**
 * Runs each trial as a child process on this machine (its own process group, killed when the coordinator dies).
 *
 * @example
 * const launcher = new LocalLauncher({ command: ['node', 'sim.js', '--config', '{config}', '--out', '{dir}'] });
 * const exit = await launcher.start(job, { onEpoch: (r) => console.log(r.epoch) }).exited;
 */
export class LocalLauncher extends ProcessTrialLauncher {
  constructor(options: LocalLauncherOptions = {}) {
    super(new LocalProcessLauncher(options.stopGraceMs === undefined ? {} : { stopGraceMs: options.stopGraceMs }), options);
  }
}
