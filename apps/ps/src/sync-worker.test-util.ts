// Worker-thread body: one runWorker, so that a SyncBN worker's blocking allreduce never blocks the thread that runs
// the test's parameter server.
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { runWorker } from '@tensorfleet/worker';

if (parentPort && workerData?.psUrl) {
  const { psUrl, token, name } = workerData as { psUrl: string; token: string; name: string };
  try {
    const summary = await runWorker({ psUrl, token, name, logger: pino({ level: process.env.TF_TEST_LOG ?? 'silent' }, pino.destination(2)) });
    parentPort.postMessage({ summary });
  } catch (e) {
    parentPort.postMessage({ error: (e as Error).message });
  }
}
