// What the main thread and its collective thread say to each other (postMessage; results go through the shared slot).

/** workerData of the collective thread. */
export interface CollectiveThreadData {
  url: string;
  token: string;
  rank: number;
  runId: string;
  name: string;
  tls?: { ca?: string | Buffer; rejectUnauthorized?: boolean };
  sab: SharedArrayBuffer;
}

/** Main → thread: one allreduce; `sab` when the slot had to grow for it. */
export interface CollectiveRequest {
  kind: 'allreduce';
  seq: number;
  step: number;
  call: number;
  values: Float32Array;
  sab?: SharedArrayBuffer;
}
