// Entry of a worker's collective communication thread: owns one authenticated connection to the parameter server
// and turns allreduce requests of the (blocked) main thread into 'allreduce' messages, writing each 'reduced' answer
// into the shared slot. Runs in a worker_threads Worker so it keeps its own event loop while the main thread waits.
import { parentPort, workerData } from 'node:worker_threads';
import { connectProtocolClient } from '../client.js';
import type { ProtocolError } from '../errors.js';
import type { ServerMessage } from '../messages.js';
import { answer, answerError, viewSlot, type SharedSlot } from './shared-slot.js';
import type { CollectiveThreadData, CollectiveRequest } from './thread-messages.js';

const data = workerData as CollectiveThreadData;
const port = parentPort!;
let slot: SharedSlot = viewSlot(data.sab);
let pending: CollectiveRequest | null = null;
let failure: string | null = null;

const fail = (why: string) => {
  failure ??= why;
  if (pending) answerError(slot, pending.seq, `${failure} (during allreduce of step ${pending.step}, call ${pending.call})`);
  pending = null;
};

try {
  const client = await connectProtocolClient({
    url: data.url, token: data.token, role: 'collective', name: data.name, reconnect: false,
    identity: () => ({ rank: data.rank, runId: data.runId }),
    ...(data.tls ? { tls: data.tls } : {}),
  });
  client.on('message', (m: ServerMessage) => {
    if (m.type === 'bye') return fail(`parameter server closed the collective connection: ${m.reason}`);
    if (m.type !== 'reduced' || !pending || m.step !== pending.step || m.call !== pending.call) return; // stale after a timeout
    const values = m.values[0]!;
    const request = pending;
    pending = null;
    if (values.length !== request.values.length) {
      answerError(slot, request.seq, `parameter server answered allreduce of step ${m.step}, call ${m.call} with ${values.length} values, sent ${request.values.length}`);
    } else answer(slot, request.seq, values);
  });
  client.on('failed', (e: ProtocolError) => fail(`collective connection to ${data.url} failed: ${e.message}`));
  client.on('disconnected', () => fail(`collective connection to ${data.url} lost`));
  port.on('message', (request: CollectiveRequest | { kind: 'close' }) => {
    if (request.kind === 'close') {
      client.close('done');
      port.close();
      return;
    }
    if (request.sab) slot = viewSlot(request.sab);
    if (failure) return answerError(slot, request.seq, failure);
    pending = request;
    client.send({ type: 'allreduce', step: request.step, call: request.call, values: [request.values] });
  });
  port.postMessage({ kind: 'ready' });
} catch (error) {
  port.postMessage({ kind: 'failed', message: (error as Error).message });
  port.close();
}
