import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dashboardPage } from './page.js';
import type { DashboardState } from './state.js';

/** A running dashboard. */
export interface Dashboard {
  url: string;
  close(): Promise<void>;
}

/** Loopback names a page served on 127.0.0.1 may be asked for; anything else is a DNS-rebinding attempt. */
const loopbackHost = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/;

/**
 * Serves the dashboard: GET / is the page, GET /events a server-sent event stream that sends the whole
 * {@link DashboardState} whenever it changes (polled every `intervalMs` while someone watches), GET /state the same
 * as one JSON document. Read-only: no route changes anything, and any other method or path is a 404.
 *
 * @example
 * const dashboard = await startDashboard({ state: () => runState('runs/latest'), host: '127.0.0.1', port: 8080 });
 */
export async function startDashboard(o: { state: () => Promise<DashboardState>; host: string; port: number; intervalMs?: number }): Promise<Dashboard> {
  const clients = new Set<ServerResponse>();
  const page = dashboardPage();
  let last = '';
  let timer: NodeJS.Timeout | null = null;
  const current = async (): Promise<string> => {
    try {
      return JSON.stringify(await o.state());
    } catch (err) {
      const state: DashboardState = { kind: 'run', title: 'tensorfleet dashboard', status: `error: ${(err as Error).message}`, step: null, facts: [], workers: null, trials: null, alerts: [], charts: [] };
      return JSON.stringify(state);
    }
  };
  const send = (res: ServerResponse, json: string) => res.write(`event: state\ndata: ${json}\n\n`);
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const json = await current();
      if (json !== last) {
        last = json;
        for (const res of clients) send(res, json);
      }
    } finally {
      busy = false;
    }
  };
  const loopback = loopbackHost.test(o.host === '::1' ? '[::1]' : o.host);
  const server = createServer((req, res) => {
    if (loopback && !loopbackHost.test(req.headers.host ?? '')) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('this dashboard answers only to 127.0.0.1 or localhost\n');
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(404).end();
    } else if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page);
    } else if (path === '/state') {
      void current().then((json) => res.writeHead(200, { 'content-type': 'application/json' }).end(json));
    } else if (path === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write('retry: 2000\n\n');
      clients.add(res);
      req.on('close', () => clients.delete(res));
      if (last) send(res, last);
      void tick();
      timer ??= setInterval(() => (clients.size ? void tick() : undefined), o.intervalMs ?? 1000);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`dashboard port ${o.port} on ${o.host} is in use (pick another with --port)`) : err));
    server.listen(o.port, o.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}/`,
    close: () => new Promise<void>((resolve) => {
      if (timer) clearInterval(timer);
      for (const res of clients) res.end();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
