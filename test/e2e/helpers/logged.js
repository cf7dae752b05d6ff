// A running `tensorfleet` process whose JSON log lines can be awaited while it runs.
import { startCli } from './cli.js';

/** startCli plus a live list of parsed log lines and `waitFor(predicate, what)` on them. */
export function startLogged(args, options) {
  const logs = [];
  const started = startCli(args, { ...options, onLine: (_, log) => log && logs.push(log) });
  const run = { ...started, logs, closed: false };
  started.exited.then(() => (run.closed = true), () => (run.closed = true));
  run.waitFor = (predicate, what, timeoutMs = 60_000) =>
    new Promise((resolve, reject) => {
      const t0 = Date.now();
      const check = () => {
        const found = logs.find(predicate);
        if (found) return resolve(found);
        if (run.closed) return reject(new Error(`exited before ${what}`));
        if (Date.now() - t0 > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
        setTimeout(check, 50);
      };
      check();
    });
  return run;
}

/** Starts `tensorfleet ps ...args` on 127.0.0.1 (any free port) and resolves once it listens: { ps, url, port }. */
export async function startPs(args, options) {
  const ps = startLogged(['ps', '--host', '127.0.0.1', '--port', '0', ...args, '--json'], options);
  const { url } = await ps.waitFor((l) => l.msg === 'parameter server listening', 'the PS to listen');
  return { ps, url, port: Number(new URL(url).port) };
}
