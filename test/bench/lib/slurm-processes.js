// Starts a command as Slurm batch jobs the way the HPO coordinator starts trials (its SlurmLauncher: a batch script
// in the job's folder, `sbatch`, then the job's --output file read every poll into trial.log), and tells when each
// job's process printed its first line. For the launch bench's slurm column: submission → first line the user sees.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SlurmLauncher, slurmJobStarted } from '@tensorfleet/coordinator';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** How often the bench looks at a job's trial.log for the line the launcher copied there (small next to the launcher's own poll). */
const checkMs = 20;

/** True once the trial log holds a line of the job's process: any line but the batch script's own `slurm job started`. */
function hasProcessLine(logPath) {
  let text;
  try {
    text = readFileSync(logPath, 'utf8');
  } catch {
    return false;
  }
  return text.split('\n').some((line) => {
    try {
      return JSON.parse(line).msg !== slurmJobStarted;
    } catch {
      return false; // blank, or a line still being written
    }
  });
}

/**
 * A starter of `argv` as one Slurm job per process: each `start(onFirstLine)` submits one job (one task, no GPU) under
 * `dir` and calls `onFirstLine` once its process's first line reached the launcher; it returns `{ exited, stop }`
 * (stop = scancel, resolved when the launcher saw the job end). `slurmEnv` is the environment Slurm's commands run in
 * (SLURM_CONF, and what the job inherits: sbatch exports the submitting environment).
 * @example
 * const start = slurmProcesses({ argv: ['node', '-e', 'console.log(1)'], slurmEnv, pollMs: 1000, dir });
 * const p = start(() => console.log('first line'));
 * await p.stop();
 */
export function slurmProcesses({ argv, slurmEnv, pollMs, dir, study = 'launch-bench' }) {
  const launcher = new SlurmLauncher({ command: argv, slurmEnv, pollMs, time: '00:10:00' });
  const pool = launcher.resourcePool();
  let submitted = 0;
  return (onFirstLine) => {
    const trial = submitted++;
    const request = { workers: 1, gpusPerWorker: 0 };
    const jobDir = join(dir, `${trial}`);
    const job = {
      study, trial, configPath: '', dir: jobDir, resume: false, allocation: pool.allocate(trial, request), request, logPath: join(jobDir, 'trial.log'),
    };
    const running = launcher.start(job, { onEpoch: () => {} });
    let ended = false;
    void running.exited.finally(() => (ended = true));
    const watching = (async () => {
      for (;;) {
        const last = ended; // one more look after the launcher's final read of the output files
        if (hasProcessLine(job.logPath)) return onFirstLine();
        if (last) return;
        await sleep(checkMs);
      }
    })();
    // Resolves after the watch ended: a line the launcher read counts before the job's end does.
    const exited = running.exited.then(async (exit) => {
      await watching;
      pool.release(trial);
      return exit;
    });
    return { exited, stop: () => running.stop() };
  };
}
