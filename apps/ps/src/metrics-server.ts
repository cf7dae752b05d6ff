import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunMonitor } from './metrics.js';

/** The metrics port is taken: a caller may go on without /metrics when the port was only a default. */
export class MetricsPortInUseError extends Error {
  override readonly name = 'MetricsPortInUseError';
  constructor(readonly host: string, readonly port: number) {
    super(`metrics port ${port} on ${host} is in use (pick another with --metrics-port, 0 turns /metrics off)`);
  }
}

/** A running `/metrics` endpoint. */
export interface MetricsServer {
  /** http://host:port/metrics */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves a run's Prometheus metrics at GET /metrics (text format 0.0.4) on its own port, apart from the worker
 * protocol's port: scrapers speak plain HTTP and need no token, so bind it where only the monitoring can reach it
 * (127.0.0.1 unless told). Anything but GET /metrics is a 404.
 *
 * @example
 * const metrics = await startMetricsServer(monitor, { host: '127.0.0.1', port: 9464 });
 * // curl http://127.0.0.1:9464/metrics
 */
export async function startMetricsServer(monitor: RunMonitor, { host = '127.0.0.1', port }: { host?: string; port: number }): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the metrics are at GET /metrics\n');
      return;
    }
    monitor.metricsText().then(
      (text) => res.writeHead(200, { 'content-type': monitor.registry.contentType }).end(text),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new MetricsPortInUseError(host, port) : err));
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}/metrics`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
