import { readLatestCheckpoint, writeCheckpoint } from './checkpoint.js';
import type { RunContext } from './run-context.js';
import type { PreparedRun, ResolvedOptions } from './run-setup.js';
import type { EpochSummary } from './run-types.js';

/**
 * Moves a freshly prepared run to the newest checkpoint in `o.checkpoint.dir`, if there is one: parameters, BN states,
 * optimizer and scheduler state, run id, position and history. Refuses a checkpoint of another data seed or one whose
 * step cannot belong to its epoch with this run's steps per epoch.
 */
export function resumeFromLatestCheckpoint(o: ResolvedOptions, run: PreparedRun): void {
  const ckpt = readLatestCheckpoint(o.checkpoint!.dir);
  if (!ckpt) return;
  const s = ckpt.state;
  const { job } = o;
  const { stepsPerEpoch } = run;
  if (s.dataSeed !== job.dataSeed) throw new Error(`resume: checkpoint ${ckpt.path} has dataSeed ${s.dataSeed}, the job ${job.dataSeed}`);
  // (An elastic run's epochs vary in length with the membership, so its steps do not map onto epochs this way.)
  if (!o.elastic && (s.step < s.epoch * stepsPerEpoch || s.step > (s.epoch + 1) * stepsPerEpoch)) {
    throw new Error(
      `resume: checkpoint ${ckpt.path} is at step ${s.step} of epoch ${s.epoch}, which does not fit ${stepsPerEpoch} steps per epoch ` +
        `(world size or batch size changed?)`,
    );
  }
  run.trainer.setParameters(s.parameters); // validates counts and shapes against this model
  s.parameters.forEach((p, i) => run.parameters[i]!.set(p));
  run.trainer.setStates(s.states);
  run.states = s.states.map((t) => new Float32Array(t));
  run.optimizer.loadStateDict(s.optimizer);
  if (run.scheduler && s.scheduler) run.scheduler.loadStateDict(s.scheduler);
  if (o.lrOnResume !== undefined) run.optimizer.lr = o.lrOnResume; // after the state: the new lr wins over the saved one
  run.runId = s.runId;
  run.step = s.step;
  run.epoch = s.epoch;
  run.history.push(...(s.history as EpochSummary[]));
  run.lastCheckpoint = ckpt.path;
  run.resumedFrom = o.checkpoint!.dir;
}

/** Copies every shard's current part into `parameters` (and writes their checkpoint parts when `dir` is given). */
export async function gatherShards(run: RunContext, dir = ''): Promise<void> {
  await Promise.all(run.shards.map(async (link) => (await link.snapshot(run.step, run.epoch, dir)).forEach((p, j) => run.parameters[link.parameters[j]!]!.set(p))));
}

/** Writes a checkpoint of the whole run (the shards write their parts next to it), when checkpoints are on. */
export async function checkpointRun(run: RunContext): Promise<void> {
  const { o } = run;
  if (!o.checkpoint) return;
  await gatherShards(run, o.checkpoint.dir);
  run.trainer.setParameters(run.parameters);
  run.trainer.setStates(run.states);
  run.lastCheckpoint = await writeCheckpoint(o.checkpoint.dir, run.model, run.data.normalization, {
    runId: run.runId, step: run.step, epoch: run.epoch, dataSeed: o.job.dataSeed, parameters: run.parameters, states: run.states,
    optimizer: run.optimizer.stateDict(), scheduler: run.scheduler ? run.scheduler.stateDict() : null, history: run.history,
  }, o.checkpoint.keep);
  run.log.info({ step: run.step, epoch: run.epoch, path: run.lastCheckpoint }, 'checkpoint written');
}
