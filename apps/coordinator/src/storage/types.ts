import type { Allocation } from '../resources/slots.js';
import type { JobHandle } from '../launch/types.js';

export type TrialState = 'pending' | 'running' | 'completed' | 'stopped' | 'crashed' | 'failed';
export const terminalStates: readonly TrialState[] = ['completed', 'stopped', 'crashed', 'failed'];

export interface StudyRow {
  id: number;
  name: string;
  spec: unknown;
  specHash: string;
  outDir: string;
  trialsPlanned: number;
  state: 'running' | 'finished';
  coordinatorPid: number | null;
  coordinatorStart: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface ParamRecord {
  name: string;
  value: unknown;
  kind: string;
}

export interface TrialRow {
  id: number;
  studyId: number;
  number: number;
  state: TrialState;
  assignment: Record<string, unknown>;
  config: Record<string, unknown>;
  attempt: number;
  handle: JobHandle | null;
  allocation: Allocation | null;
  /** Epochs completed (1-based count). */
  epochs: number;
  epochBase: number | null;
  crashedEpoch: number | null;
  objective: number | null;
  summary: Record<string, unknown> | null;
  params: ParamRecord[];
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface MetricRow {
  trialId: number;
  epoch: number;
  attempt: number;
  metrics: Record<string, number>;
  recordedAt: number;
}

export interface TransitionRow {
  trialId: number;
  at: number;
  from: TrialState | null;
  to: TrialState;
  detail: string | null;
}

export interface ErrorRow {
  trialId: number | null;
  at: number;
  kind: string;
  message: string;
}
