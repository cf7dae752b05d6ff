import type { Socket } from 'node:net';
import { Counter, Gauge, Registry } from 'prom-client';
import type { Peer, PushMessage } from '@tensorfleet/protocol';
import { epochBucketWidth } from './epoch-buckets.js';
import type { StepProgress } from './options.js';
import type { EpochSummary } from './run-types.js';

/** What the monitor reads of a run, when asked (the parameter server hands it a live view). */
export interface MonitoredRun {
  readonly step: number;
  readonly epoch: number;
  readonly epochsPlanned: number;
  /** The learning rate the optimizer applies now. */
  readonly lr: number;
  readonly history: readonly EpochSummary[];
  /** slots[rank] = the worker connection holding that rank. */
  readonly slots: readonly (Peer | undefined)[];
  /** Optimizer updates since `rank` last got parameters (the consistency's; 0 in sync). */
  stalenessOf(rank: number): number;
}

/**
 * The parameter server's Prometheus metric names, defined once: the PS exports them and the dashboard reads them.
 * Per-worker series carry the labels `rank`, `worker` (its name) and `host`.
 */
export const psMetricNames = {
  step: 'tensorfleet_step',
  epoch: 'tensorfleet_epochs_completed',
  epochsPlanned: 'tensorfleet_epochs_planned',
  stepLoss: 'tensorfleet_step_loss',
  epochLoss: 'tensorfleet_epoch_loss',
  epochAccuracy: 'tensorfleet_epoch_accuracy',
  valLoss: 'tensorfleet_epoch_val_loss',
  valAccuracy: 'tensorfleet_epoch_val_accuracy',
  lr: 'tensorfleet_learning_rate',
  samplesPerSecond: 'tensorfleet_samples_per_second',
  connections: 'tensorfleet_worker_connections',
  bytesReceived: 'tensorfleet_received_bytes_total',
  bytesSent: 'tensorfleet_sent_bytes_total',
  sharedBytesReceived: 'tensorfleet_shared_memory_received_bytes_total',
  sharedBytesSent: 'tensorfleet_shared_memory_sent_bytes_total',
  sharedBroadcastFrames: 'tensorfleet_shared_memory_broadcast_frames_total',
  workerStep: 'tensorfleet_worker_step',
  workerComputeMs: 'tensorfleet_worker_compute_ms',
  workerCommMs: 'tensorfleet_worker_comm_ms',
  workerLateMs: 'tensorfleet_worker_late_ms',
  workerStaleness: 'tensorfleet_worker_staleness',
  workerLastHeard: 'tensorfleet_worker_last_heard_timestamp_seconds',
  workerStraggler: 'tensorfleet_worker_straggler',
} as const;

/** What the PS knows about one worker connection now. */
export interface WorkerStatus {
  rank: number;
  name: string;
  host: string;
  connected: boolean;
  /** Steps this worker has pushed (its next step). */
  step: number;
  /** Date.now() of its last frame, heartbeats included. */
  lastHeard: number;
  /** Mean compute and communication ms of its recent steps (its own measurement, sent with each push). */
  computeMs: number;
  commMs: number;
  /** Mean ms its push arrived after the step's first push, over recent steps: what the others waited for it. */
  lateMs: number;
  /** Optimizer updates between the parameters its last gradient was computed on and the update (0 in sync mode). */
  staleness: number;
  /** Arrives last in most recent steps and makes the others wait ({@link stragglerRule}). */
  straggler: boolean;
}

/**
 * One worker's mean step times over one epoch, for the run report; in a long run over a bucket of epochs
 * (`epoch`..`lastEpoch`, {@link epochBucketWidth}) so the report stays a bounded size.
 */
export interface WorkerEpochTimes {
  /** The first epoch of the bucket (0-based). */
  epoch: number;
  /** The last epoch of the bucket the worker pushed in (equal to `epoch` while every epoch is its own bucket). */
  lastEpoch: number;
  rank: number;
  name: string;
  host: string;
  steps: number;
  computeMs: number;
  commMs: number;
}

/** A worker is a straggler when it arrived last in at least this share of its recent steps, this many ms late. */
export const stragglerRule = { lastShare: 0.75, minLateMs: 10, window: 20 } as const;

/** The remote address without its port (`::ffff:127.0.0.1:50123` → `127.0.0.1`). */
const hostOf = (remote: string) => remote.replace(/:\d+$/, '').replace(/^::ffff:/, '');
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const pushRing = (ring: number[], v: number) => {
  ring.push(v);
  if (ring.length > stragglerRule.window) ring.shift();
};

/** Bytes a connection moved: on its TCP socket, and through its shared-memory channel. */
interface ByteCounts {
  received: number;
  sent: number;
  sharedReceived: number;
  sharedSent: number;
}
const byteKinds = ['received', 'sent', 'sharedReceived', 'sharedSent'] as const;

const bytesOf = (r: WorkerRecord): ByteCounts => ({
  received: r.transport?.bytesRead ?? 0, sent: r.transport?.bytesWritten ?? 0, sharedReceived: r.peer.sharedBytes.read, sharedSent: r.peer.sharedBytes.written,
});

interface WorkerRecord {
  peer: Peer;
  name: string;
  host: string;
  /** The ws connection's TCP socket, for byte counts (ws keeps it as `_socket`; it has no public accessor). */
  transport: Socket | undefined;
  /** Its close was seen (its byte counts moved into the closed totals). */
  closed?: boolean;
  step: number;
  lastHeard: number;
  compute: number[];
  comm: number[];
  late: number[];
  wasLast: number[];
  staleness: number;
}

/**
 * Watches a run from outside its training loop: every worker connection's frames and pushes (through public Peer
 * events), the run's step, epoch and learning rate (read from the run when asked). Serves both the Prometheus
 * registry (`metricsText()`) and plain status for the CLI's run report and dashboard (`workers()`, `workerEpochs()`).
 *
 * @example
 * const monitor = new RunMonitor(() => run);
 * server.on('peer', (peer) => monitor.watchPeer(peer)); // before the PS's own handler: staleness is read pre-apply
 * res.end(await monitor.metricsText());
 */
export class RunMonitor {
  readonly registry = new Registry();
  private readonly records: WorkerRecord[] = [];
  /** step → arrival time per rank, until every rank of that step has pushed. */
  private readonly arrivals = new Map<number, Map<number, number>>();
  /** rank and epoch bucket → that worker's mean times; at most `maxEpochPoints` (epoch-buckets.ts) buckets per rank. */
  private epochTimes = new Map<string, WorkerEpochTimes>();
  private epochWidth = 1;
  private lastStep: StepProgress | null = null;
  /** (time, samples pushed so far) over the recent steps: the live samples/s. */
  private readonly throughput: { t: number; samples: number }[] = [];
  private samples = 0;
  private closedBytes: ByteCounts = { received: 0, sent: 0, sharedReceived: 0, sharedSent: 0 };
  private readonly gauges: Record<Exclude<keyof typeof psMetricNames, 'bytesReceived' | 'bytesSent' | 'sharedBytesReceived' | 'sharedBytesSent' | 'sharedBroadcastFrames'>, Gauge>;
  private readonly broadcastFrames: Counter;
  private reportedBroadcastFrames = 0;
  private readonly bytes: Record<keyof ByteCounts, Counter>;
  private reported: ByteCounts = { received: 0, sent: 0, sharedReceived: 0, sharedSent: 0 };

  constructor(private readonly runOf: () => MonitoredRun | undefined) {
    const gauge = (key: keyof typeof psMetricNames, help: string, labelNames: string[] = []) =>
      new Gauge({ name: psMetricNames[key], help, labelNames, registers: [this.registry] });
    const workerLabels = ['rank', 'worker', 'host'];
    this.gauges = {
      step: gauge('step', 'Global steps applied (async/ssp: steps of the slowest worker).'),
      epoch: gauge('epoch', 'Epochs finished.'),
      epochsPlanned: gauge('epochsPlanned', 'Epochs the run was asked for.'),
      stepLoss: gauge('stepLoss', 'Training loss of the last applied step, averaged over workers.'),
      epochLoss: gauge('epochLoss', 'Mean training loss of the last finished epoch.'),
      epochAccuracy: gauge('epochAccuracy', 'Training accuracy of the last finished epoch.'),
      valLoss: gauge('valLoss', 'Validation loss after the last finished epoch.'),
      valAccuracy: gauge('valAccuracy', 'Validation top-1 accuracy after the last finished epoch.'),
      lr: gauge('lr', 'Learning rate the optimizer applies now.'),
      samplesPerSecond: gauge('samplesPerSecond', 'Training samples per second over all workers, over the recent steps.'),
      connections: gauge('connections', 'Open worker connections.'),
      workerStep: gauge('workerStep', 'Steps a worker has pushed.', workerLabels),
      workerComputeMs: gauge('workerComputeMs', 'Mean compute ms of a worker\'s recent steps.', workerLabels),
      workerCommMs: gauge('workerCommMs', 'Mean communication ms of a worker\'s recent steps.', workerLabels),
      workerLateMs: gauge('workerLateMs', 'Mean ms a worker\'s push arrived after the step\'s first push.', workerLabels),
      workerStaleness: gauge('workerStaleness', 'Staleness (optimizer updates) of a worker\'s last gradient when applied.', workerLabels),
      workerLastHeard: gauge('workerLastHeard', 'Unix time of a worker\'s last frame, heartbeats included.', workerLabels),
      workerStraggler: gauge('workerStraggler', '1 when a worker arrives last in most recent steps and keeps the others waiting.', workerLabels),
    };
    // Not known before the first step or epoch: NaN (valid in the text format) rather than a 0 that looks like a value.
    for (const g of [this.gauges.stepLoss, this.gauges.epochLoss, this.gauges.epochAccuracy, this.gauges.valLoss, this.gauges.valAccuracy, this.gauges.samplesPerSecond]) g.set(Number.NaN);
    this.bytes = {
      received: new Counter({ name: psMetricNames.bytesReceived, help: 'Bytes received from worker connections (TCP).', registers: [this.registry] }),
      sent: new Counter({ name: psMetricNames.bytesSent, help: 'Bytes sent to worker connections (TCP).', registers: [this.registry] }),
      sharedReceived: new Counter({ name: psMetricNames.sharedBytesReceived, help: 'Frame bytes received from co-located workers through shared memory (not on TCP).', registers: [this.registry] }),
      sharedSent: new Counter({ name: psMetricNames.sharedBytesSent, help: 'Frame bytes sent to co-located workers through shared memory (not on TCP).', registers: [this.registry] }),
    };
    this.broadcastFrames = new Counter({
      name: psMetricNames.sharedBroadcastFrames, registers: [this.registry],
      help: 'Frames (the parameters after a step) written once into the shared broadcast ring for every co-located worker.',
    });
  }

  /** Starts watching a worker connection. Collective (SyncBN) connections are counted for bytes only. */
  watchPeer(peer: Peer): void {
    const record: WorkerRecord = {
      peer, name: peer.hello.name, host: hostOf(peer.remoteAddress),
      transport: (peer.socket as unknown as { _socket?: Socket })._socket,
      step: 0, lastHeard: Date.now(), compute: [], comm: [], late: [], wasLast: [], staleness: 0,
    };
    if (peer.hello.role !== 'worker') record.name = `${peer.hello.name} (${peer.hello.role})`;
    this.records.push(record);
    peer.socket.on('message', () => (record.lastHeard = Date.now()));
    peer.on('message', (m: { type: string }) => {
      if (m.type === 'push') this.onPush(record, m as PushMessage);
    });
    peer.on('close', () => {
      const counts = bytesOf(record);
      for (const k of byteKinds) this.closedBytes[k] += counts[k];
      record.transport = undefined;
      record.closed = true;
      // A reconnect under the same name replaces this record; keep only the newest one of each name.
      const older = this.records.findIndex((r) => r !== record && r.name === record.name && !r.peer.isOpen);
      if (older >= 0) this.records.splice(older, 1);
    });
  }

  /** Records a step applied (the PS's onStep). */
  stepApplied(progress: StepProgress): void {
    this.lastStep = progress;
    this.throughput.push({ t: performance.now(), samples: this.samples });
    if (this.throughput.length > stragglerRule.window + 1) this.throughput.shift();
  }

  private rankOf(record: WorkerRecord): number {
    return this.runOf()?.slots.indexOf(record.peer) ?? -1;
  }

  private onPush(record: WorkerRecord, m: PushMessage): void {
    const run = this.runOf();
    const rank = this.rankOf(record);
    if (!run || rank < 0) return;
    const now = performance.now();
    record.step = m.step + 1;
    pushRing(record.compute, m.computeMs);
    pushRing(record.comm, m.commMs);
    this.samples += m.count;
    // This listener runs before the PS's own (watchPeer is registered first), so the staleness is the pre-apply one.
    record.staleness = run.stalenessOf(rank);
    this.recordEpochTimes({ epoch: run.epoch, lastEpoch: run.epoch, rank, name: record.name, host: record.host, steps: 1, computeMs: m.computeMs, commMs: m.commMs });
    this.arrived(m.step, rank, now, run);
  }

  /** Adds one step's (or one merged bucket's) times to its worker's epoch bucket, widening the buckets when due. */
  private recordEpochTimes(times: WorkerEpochTimes): void {
    const width = Math.max(this.epochWidth, epochBucketWidth(times.lastEpoch + 1)); // never narrower again
    if (width !== this.epochWidth) {
      this.epochWidth = width;
      const old = [...this.epochTimes.values()];
      this.epochTimes = new Map();
      for (const t of old) this.recordEpochTimes(t);
    }
    const key = `${Math.floor(times.epoch / this.epochWidth)}:${times.rank}`;
    const into = this.epochTimes.get(key);
    if (!into) {
      this.epochTimes.set(key, { ...times });
      return;
    }
    const steps = into.steps + times.steps;
    into.computeMs = (into.computeMs * into.steps + times.computeMs * times.steps) / steps;
    into.commMs = (into.commMs * into.steps + times.commMs * times.steps) / steps;
    into.steps = steps;
    into.epoch = Math.min(into.epoch, times.epoch);
    into.lastEpoch = Math.max(into.lastEpoch, times.lastEpoch);
    Object.assign(into, { name: times.name, host: times.host }); // the rank's newest holder names it
  }

  /** Once every member has pushed step `step`, credits each with its lateness and marks who came last. */
  private arrived(step: number, rank: number, now: number, run: MonitoredRun): void {
    const at = this.arrivals.get(step) ?? new Map<number, number>();
    at.set(rank, now);
    this.arrivals.set(step, at);
    const members = run.slots.filter(Boolean).length;
    if (at.size < members) return;
    this.arrivals.delete(step);
    for (const old of this.arrivals.keys()) if (old < step - 2 * stragglerRule.window) this.arrivals.delete(old);
    const first = Math.min(...at.values());
    const last = [...at.entries()].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
    for (const record of this.records) {
      const r = this.rankOf(record);
      const t = at.get(r);
      if (t === undefined) continue;
      pushRing(record.late, t - first);
      pushRing(record.wasLast, r === last && members > 1 ? 1 : 0);
    }
  }

  /** Every worker connection the PS has seen (the newest of each name), rank order; lost ones last. */
  workers(): WorkerStatus[] {
    return this.records
      .filter((r) => r.peer.hello.role === 'worker')
      .map((r) => {
        const lateMs = mean(r.late);
        return {
          rank: this.rankOf(r), name: r.name, host: r.host, connected: r.peer.isOpen, step: r.step, lastHeard: r.lastHeard,
          computeMs: mean(r.compute), commMs: mean(r.comm), lateMs, staleness: r.staleness,
          straggler: r.wasLast.length >= 3 && mean(r.wasLast) >= stragglerRule.lastShare && lateMs >= stragglerRule.minLateMs,
        };
      })
      .sort((a, b) => Number(b.connected) - Number(a.connected) || (a.rank < 0 ? 1 : b.rank < 0 ? -1 : a.rank - b.rank));
  }

  /** Each worker's mean compute and communication ms per epoch, or per bucket of epochs in a long run (0-based). */
  workerEpochs(): WorkerEpochTimes[] {
    return [...this.epochTimes.values()].sort((a, b) => a.epoch - b.epoch || a.rank - b.rank);
  }

  /** Sets every gauge from the run as it is now and returns the registry in the Prometheus text format. */
  async metricsText(): Promise<string> {
    const run = this.runOf();
    const g = this.gauges;
    if (run) {
      g.step.set(run.step);
      g.epoch.set(run.history.length);
      g.epochsPlanned.set(run.epochsPlanned);
      g.lr.set(run.lr);
      const last = run.history.at(-1);
      if (last) {
        g.epochLoss.set(last.trainLoss);
        g.epochAccuracy.set(last.trainAccuracy);
        if (last.val) {
          g.valLoss.set(last.val.loss);
          g.valAccuracy.set(last.val.top1);
        }
      }
    }
    if (this.lastStep) g.stepLoss.set(this.lastStep.loss);
    const [oldest, newest] = [this.throughput[0], this.throughput.at(-1)];
    if (oldest && newest && newest.t > oldest.t) g.samplesPerSecond.set(((newest.samples - oldest.samples) * 1000) / (newest.t - oldest.t));
    const open = this.records.filter((r) => r.peer.isOpen);
    g.connections.set(open.length);
    const live = this.records.filter((r) => !r.closed).map(bytesOf);
    for (const k of byteKinds) {
      const total = this.closedBytes[k] + live.reduce((s, c) => s + c[k], 0);
      this.bytes[k].inc(Math.max(0, total - this.reported[k]));
      this.reported[k] = Math.max(total, this.reported[k]);
    }
    // One ring per server, shared by its shared-memory peers: read it through any of them.
    const ring = this.records.find((r) => r.peer.broadcastRing)?.peer.broadcastRing;
    if (ring && ring.framesWritten > this.reportedBroadcastFrames) {
      this.broadcastFrames.inc(ring.framesWritten - this.reportedBroadcastFrames);
      this.reportedBroadcastFrames = ring.framesWritten;
    }
    const perWorker = [g.workerStep, g.workerComputeMs, g.workerCommMs, g.workerLateMs, g.workerStaleness, g.workerLastHeard, g.workerStraggler];
    for (const gauge of perWorker) gauge.reset(); // ranks change in elastic runs: only current members are exported
    for (const w of this.workers().filter((x) => x.connected && x.rank >= 0)) {
      const labels = { rank: String(w.rank), worker: w.name, host: w.host };
      g.workerStep.set(labels, w.step);
      g.workerComputeMs.set(labels, w.computeMs);
      g.workerCommMs.set(labels, w.commMs);
      g.workerLateMs.set(labels, w.lateMs);
      g.workerStaleness.set(labels, w.staleness);
      g.workerLastHeard.set(labels, w.lastHeard / 1000);
      g.workerStraggler.set(labels, w.straggler ? 1 : 0);
    }
    return this.registry.metrics();
  }
}
