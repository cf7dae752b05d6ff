import { fileURLToPath } from 'node:url';

export { simulatedEpoch, type SimulatedConfig, type SimulatedEpoch } from './curve.js';

/**
 * The simulated trial script (compiled), for a spec's `trial.command`:
 * `['node', simulatedTrialScript, '--config', '{config}', '--out', '{dir}']`.
 */
export const simulatedTrialScript = fileURLToPath(new URL('./simulated-trial.js', import.meta.url));
