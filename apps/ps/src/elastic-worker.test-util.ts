// Process body for the elastic tests: `node elastic-worker.test-util.js <psUrl> <name>` runs one worker.
import pino from 'pino';
import { runWorker } from '@tensorfleet/worker';

if (process.argv[2]?.startsWith('ws://') && process.env.TF_ELASTIC_TOKEN) {
  runWorker({
    psUrl: process.argv[2], token: process.env.TF_ELASTIC_TOKEN, name: process.argv[3] ?? `w${process.pid}`,
    logger: pino({ level: process.env.TF_TEST_LOG ?? 'silent' }, pino.destination(2)),
  }).then(
    () => process.exit(0),
    (e: Error) => {
      process.stderr.write(`worker failed: ${e.message}\n`);
      process.exit(1);
    },
  );
}
