import { constants } from 'node:os';

/** Where a Slurm job stands, as far as its trial is concerned. */
export type JobPhase = 'queued' | 'running' | 'ended';

/**
 * Slurm's job states (JobState=), by what they mean for a trial. PENDING covers a requeued job too (NODE_FAIL,
 * PREEMPTED or `scontrol requeue` with --requeue put it back: its Restarts count grows); REQUEUE_HOLD and SPECIAL_EXIT
 * wait for `scontrol release`. COMPLETING is a job whose processes are still ending.
 */
const phases: Record<string, JobPhase> = {
  PENDING: 'queued', CONFIGURING: 'queued', REQUEUED: 'queued', REQUEUE_FED: 'queued', REQUEUE_HOLD: 'queued', RESV_DEL_HOLD: 'queued', SPECIAL_EXIT: 'queued',
  RUNNING: 'running', COMPLETING: 'running', SUSPENDED: 'running', STOPPED: 'running', SIGNALING: 'running', STAGE_OUT: 'running', RESIZING: 'running',
  COMPLETED: 'ended', FAILED: 'ended', CANCELLED: 'ended', TIMEOUT: 'ended', NODE_FAIL: 'ended', PREEMPTED: 'ended',
  BOOT_FAIL: 'ended', DEADLINE: 'ended', OUT_OF_MEMORY: 'ended', REVOKED: 'ended',
};

/** The phase of a JobState value (`CANCELLED by 0` and `COMPLETING+` style suffixes allowed); unknown states count as queued. */
export function jobPhase(state: string): JobPhase {
  return phases[/^[A-Z_]+/.exec(state)?.[0] ?? ''] ?? 'queued';
}

/** The fields of one job that the launcher reads, from `scontrol show job -o` or a jobcomp/filetxt line. */
export interface JobRecord {
  jobId: string;
  name: string;
  state: string;
  reason: string;
  /** How often Slurm requeued the job (0 from the jobcomp file, which does not say). */
  restarts: number;
  /** The batch script's exit code and the signal that ended it (ExitCode=CODE:SIGNAL). */
  exitCode: number | null;
  signal: string | null;
  /** Where the batch script runs (BatchHost, else NodeList); empty while pending. */
  node: string;
}

/** `Key=Value Key=Value ...` fields of one line (values never hold spaces in the fields read here). */
function fields(line: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const match of line.matchAll(/(?:^|\s)([A-Za-z_/:]+)=(\S*)/g)) if (!out.has(match[1]!)) out.set(match[1]!, match[2]!);
  return out;
}

const signalNames = new Map<number, string>(Object.entries(constants.signals).map(([name, n]) => [n, name]));

/**
 * One job's record from a line of `scontrol show job -o` or of the jobcomp/filetxt file; null for a line without
 * a JobId (such as `No jobs in the system`).
 *
 * @example
 * parseJobRecord('JobId=41 JobName=tf-s-3 JobState=RUNNING Reason=None Restarts=1 ExitCode=0:0 BatchHost=n2');
 * // { jobId: '41', name: 'tf-s-3', state: 'RUNNING', reason: 'None', restarts: 1, exitCode: 0, signal: null, node: 'n2' }
 */
export function parseJobRecord(line: string): JobRecord | null {
  const f = fields(line);
  const jobId = f.get('JobId');
  if (!jobId) return null;
  const [code, signal] = (f.get('ExitCode') ?? '').split(':').map((v) => (v === undefined || v === '' ? Number.NaN : Number(v)));
  const node = f.get('BatchHost') ?? f.get('NodeList') ?? '';
  return {
    jobId,
    name: f.get('JobName') ?? f.get('Name') ?? '',
    state: f.get('JobState') ?? '',
    reason: f.get('Reason') ?? '',
    restarts: Number(f.get('Restarts') ?? 0) || 0,
    exitCode: Number.isFinite(code) ? code! : null,
    signal: Number.isFinite(signal) && signal! > 0 ? (signalNames.get(signal!) ?? `signal ${signal}`) : null,
    node: node === '(null)' ? '' : node,
  };
}
