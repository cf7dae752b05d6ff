import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { writeFileAtomicSync } from './atomic-file.js';
import { commitCheckpoint, LATEST_FILE, prepareCheckpoint, readLatestCheckpoint, type CheckpointState } from './checkpoint.js';
import { isEpochTotals } from './epoch-totals.js';
import { membershipRegistry } from './membership.js';
import { shardPartPath } from './parameter-shard.js';
import type { RunContext } from './run-context.js';
import type { PreparedRun, ResolvedOptions } from './run-setup.js';
import type { EpochSummary } from './run-types.js';

/**
 * Renames checkpoint folders that failed verification to `<name>.broken` (kept for a look, out of the way of pruning
 * and of the next resume) and points latest.json at the checkpoint resumed from (it may have been missing, garbled
 * or naming a broken one). Returns one warning per folder set aside.
 */
function setAsideBroken(dir: string, broken: string[], resumed: { path: string; state: CheckpointState }): string[] {
  const warnings = broken.map((path) => {
    const aside = `${path}.broken`;
    rmSync(aside, { recursive: true, force: true });
    renameSync(path, aside);
    return `${path}: set aside as ${basename(aside)} (it failed verification; the resumed run writes a new one)`;
  });
  const { step, epoch } = resumed.state;
  writeFileAtomicSync(join(dir, LATEST_FILE), JSON.stringify({ checkpoint: basename(resumed.path), step, epoch }));
  return warnings;
}

/**
 * Moves a freshly prepared run to the newest checkpoint in `o.checkpoint.dir` that verifies, if there is one:
 * parameters, BN states, optimizer and scheduler state, run id, position, history and a mid-epoch checkpoint's partial
 * epoch sums. Broken newer checkpoints are passed over (and set aside) with a warning naming the bad file; when none
 * is good it throws naming them. Refuses a checkpoint of another data seed or one whose step cannot belong to its
 * epoch with this run's steps per epoch.
 */
export function resumeFromLatestCheckpoint(o: ResolvedOptions, run: PreparedRun): void {
  const dir = o.checkpoint!.dir;
  let ckpt;
  try {
    ckpt = readLatestCheckpoint(dir);
  } catch (e) {
    throw new Error(`resume: ${(e as Error).message}`);
  }
  if (!ckpt) return;
  run.warnings.push(...ckpt.warnings.map((w) => `resume: ${w}`), ...setAsideBroken(dir, ckpt.broken, ckpt).map((w) => `resume: ${w}`));
  const s = ckpt.state;
  const { job } = o;
  const { stepsPerEpoch } = run;
  // An elastic run's epochs vary in length with the membership, so its steps do not map onto epochs this way, and it
  // writes no mid-epoch checkpoints.
  const { fixedEpochs } = membershipRegistry[o.membership];
  if (s.dataSeed !== job.dataSeed) throw new Error(`resume: checkpoint ${ckpt.path} has dataSeed ${s.dataSeed}, the job ${job.dataSeed}`);
  if (fixedEpochs && (s.step < s.epoch * stepsPerEpoch || s.step > (s.epoch + 1) * stepsPerEpoch)) {
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
  const intoEpoch = s.step - s.epoch * stepsPerEpoch;
  if (s.epochTotals && fixedEpochs) {
    if (!isEpochTotals(s.epochTotals) || s.epochTotals.steps !== intoEpoch) {
      throw new Error(`resume: ${join(ckpt.path, 'state.msgpack')}: epochTotals ${JSON.stringify(s.epochTotals)} do not describe the ${intoEpoch} steps of epoch ${s.epoch} so far`);
    }
    run.epochTotals = { ...s.epochTotals };
  } else if (fixedEpochs && intoEpoch > 0) {
    run.warnings.push(`resume: ${ckpt.path} is ${intoEpoch} steps into epoch ${s.epoch} without that epoch's sums (an older checkpoint): the epoch's line averages only the steps after the resume`);
  }
  // The run's updates so far; a checkpoint from before they were stored: its epochs' updates plus the sync steps
  // of the epoch in progress (one update each).
  run.updates = s.updates ?? run.history.reduce((sum, e) => sum + e.updates, 0) + run.epochTotals.steps;
  run.lastCheckpoint = ckpt.path;
  run.resumedFrom = dir;
}

/** Copies every shard's current part into `parameters` (and writes their checkpoint parts when `dir` is given). */
export async function gatherShards(run: Pick<RunContext, 'shards' | 'step' | 'epoch' | 'parameters'>, dir = ''): Promise<void> {
  await Promise.all(run.shards.map(async (link) => (await link.snapshot(run.step, run.epoch, dir)).forEach((p, j) => run.parameters[link.parameters[j]!]!.set(p))));
}

/** What a checkpoint is made of. */
export type CheckpointedRun = Pick<
  RunContext,
  'o' | 'shards' | 'step' | 'epoch' | 'parameters' | 'states' | 'trainer' | 'model' | 'data' | 'runId' | 'optimizer' | 'scheduler' |
  'history' | 'epochTotals' | 'epochStartedAt' | 'updates' | 'log' | 'lastCheckpoint' | 'checkpointCommits'
>;

/**
 * Writes a checkpoint of the whole run (the shards write their parts next to it), when checkpoints are on. It is taken
 * at the current step; `inBackground`, it is written while the run goes on (see {@link CheckpointCommits}), else
 * before this resolves. Either way the previous one is on disk first.
 */
export async function checkpointRun(run: CheckpointedRun, { inBackground = false } = {}): Promise<void> {
  const { o } = run;
  if (!o.checkpoint) return;
  const { dir } = o.checkpoint;
  await run.checkpointCommits.settled();
  await gatherShards(run, dir);
  // The shards' parts of this step, as they wrote them (fsynced before they answered), for the manifest. A shard on
  // another host without this folder shared keeps its part to itself: nothing to hash here.
  const shardParts: Record<string, Uint8Array> = {};
  for (const k of run.shards.keys()) {
    const path = shardPartPath(dir, k + 1, run.step);
    if (existsSync(path)) shardParts[relative(dir, path).split(sep).join('/')] = readFileSync(path);
  }
  run.trainer.setParameters(run.parameters);
  run.trainer.setStates(run.states);
  const prepared = await prepareCheckpoint(o.checkpoint.dir, run.model, run.data.normalization, {
    runId: run.runId, step: run.step, epoch: run.epoch, updates: run.updates, dataSeed: o.job.dataSeed, parameters: run.parameters, states: run.states,
    optimizer: run.optimizer.stateDict(), scheduler: run.scheduler ? run.scheduler.stateDict() : null, history: run.history,
    // Mid-epoch: the epoch's sums so far, so a resume from here reports the whole epoch (at an epoch end they are reset).
    epochTotals: run.epochTotals.steps > 0
      ? { ...run.epochTotals, priorSeconds: run.epochTotals.priorSeconds + (performance.now() - run.epochStartedAt) / 1000 }
      : null,
  }, o.checkpoint.keep, shardParts);
  run.checkpointCommits.start(async () => {
    run.lastCheckpoint = await commitCheckpoint(prepared);
    run.log.info({ step: prepared.step, epoch: prepared.epoch, path: run.lastCheckpoint }, 'checkpoint written');
  });
  if (!inBackground) await run.checkpointCommits.settled();
}
