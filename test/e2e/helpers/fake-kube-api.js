// A loopback stand-in for a Kubernetes API server: a real HTTP server that records every request and answers the few
// calls tensorfleet makes (create Secret/ConfigMap/Service/Job, read and delete a Job, list pods by job-name, follow a
// pod's log) the way the API does. It checks the client's calls only: no scheduling, no containers. Each created
// Job gets one pod at once, which "runs" what `script(job)` says: log lines (one every lineMs), then an exit code.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const kinds = { secrets: 'Secret', configmaps: 'ConfigMap', services: 'Service', jobs: 'Job' };

/** Starts the fake; `script(job)` → { lines: string[], exitCode: number, lineMs?: number } for the Job's pod. */
export async function startFakeKubeApi({ script = () => ({ lines: [], exitCode: 0 }), token = 'fake-bearer-token' } = {}) {
  const requests = [];
  const objects = new Map(); // `${kind}/${ns}/${name}` -> object
  const pods = new Map(); // pod name -> { pod, job, lines, exitCode, lineMs, sent, streams, done }
  const openStreams = new Set();

  const status = (res, code, reason, message) => {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message }));
  };
  const json = (res, code, body) => {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const finishPod = (entry, exitCode, reason) => {
    if (entry.finished) return;
    entry.finished = true;
    entry.pod.status = { phase: exitCode === 0 ? 'Succeeded' : 'Failed', containerStatuses: [{ name: entry.container, state: { terminated: { exitCode, reason } } }] };
    const job = objects.get(`Job/${entry.job.metadata.namespace}/${entry.job.metadata.name}`);
    if (job) job.status = { conditions: [{ type: exitCode === 0 ? 'Complete' : 'Failed', status: 'True', ...(exitCode === 0 ? {} : { reason: 'BackoffLimitExceeded' }) }] };
    for (const s of entry.streams) s.end();
  };

  const startPod = (job) => {
    const { lines = [], exitCode = 0, lineMs = 20 } = script(job);
    const name = `${job.metadata.name}-${randomUUID().slice(0, 5)}`;
    const container = job.spec.template.spec.containers[0].name;
    const pod = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name, namespace: job.metadata.namespace, uid: randomUUID(), creationTimestamp: new Date().toISOString(), labels: { ...job.spec.template.metadata?.labels, 'job-name': job.metadata.name } },
      spec: job.spec.template.spec,
      status: { phase: 'Running', containerStatuses: [{ name: container, state: { running: { startedAt: new Date().toISOString() } } }] },
    };
    const entry = { pod, job, container, lines, exitCode, lineMs, streams: new Set(), finished: false, timer: null };
    pods.set(name, entry);
    // The container's output, produced whether or not someone follows it (followers get it from the start).
    entry.sent = [];
    let i = 0;
    const tick = () => {
      if (entry.finished) return;
      if (i < lines.length) {
        entry.sent.push(lines[i]);
        for (const s of entry.streams) s.write(`${lines[i]}\n`);
        i += 1;
        entry.timer = setTimeout(tick, lineMs);
      } else {
        finishPod(entry, exitCode, exitCode === 0 ? 'Completed' : 'Error');
      }
    };
    entry.timer = setTimeout(tick, lineMs);
  };

  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url, 'http://fake');
      const record = { method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), authorization: req.headers.authorization ?? null, body: body ? JSON.parse(body) : null };
      requests.push(record);
      if (req.headers.authorization !== `Bearer ${token}`) return status(res, 401, 'Unauthorized', 'Unauthorized');
      const m = url.pathname.match(/^\/(?:api\/v1|apis\/batch\/v1)\/namespaces\/([^/]+)\/([a-z]+)(?:\/([^/]+))?(?:\/(log))?$/);
      if (!m) return status(res, 404, 'NotFound', `the server could not find the requested resource ${url.pathname}`);
      const [, ns, plural, name, log] = m;
      if (plural === 'pods') {
        if (!name && req.method === 'GET') {
          const selector = url.searchParams.get('labelSelector') ?? '';
          const wanted = Object.fromEntries(selector.split(',').filter(Boolean).map((kv) => kv.split('=')));
          const items = [...pods.values()].map((e) => e.pod).filter((p) => p.metadata.namespace === ns && Object.entries(wanted).every(([k, v]) => p.metadata.labels[k] === v));
          return json(res, 200, { apiVersion: 'v1', kind: 'PodList', metadata: {}, items });
        }
        const entry = pods.get(name);
        if (!entry) return status(res, 404, 'NotFound', `pods "${name}" not found`);
        if (log && req.method === 'GET') {
          res.writeHead(200, { 'content-type': 'text/plain' });
          for (const line of entry.sent) res.write(`${line}\n`);
          if (entry.finished) return res.end();
          entry.streams.add(res);
          openStreams.add(res);
          res.on('close', () => {
            entry.streams.delete(res);
            openStreams.delete(res);
          });
          return;
        }
        return json(res, 200, entry.pod);
      }
      const kind = kinds[plural];
      if (!kind) return status(res, 404, 'NotFound', `unknown resource ${plural}`);
      const key = (n) => `${kind}/${ns}/${n}`;
      if (req.method === 'POST' && !name) {
        const object = JSON.parse(body);
        if (objects.has(key(object.metadata.name))) return status(res, 409, 'AlreadyExists', `${plural} "${object.metadata.name}" already exists`);
        object.metadata = { ...object.metadata, namespace: ns, uid: randomUUID(), creationTimestamp: new Date().toISOString() };
        objects.set(key(object.metadata.name), object);
        if (kind === 'Job') startPod(object);
        return json(res, 201, object);
      }
      const object = objects.get(key(name));
      if (!object) return status(res, 404, 'NotFound', `${plural} "${name}" not found`);
      if (req.method === 'GET') return json(res, 200, object);
      if (req.method === 'DELETE') {
        objects.delete(key(name));
        // The garbage collector's part: the Job's pods get SIGTERM (exit 143), objects it owns go too.
        for (const [podName, entry] of pods) {
          if (entry.job.metadata.uid !== object.metadata.uid) continue;
          clearTimeout(entry.timer);
          finishPod(entry, 143, 'Error');
          pods.delete(podName);
        }
        for (const [k, o] of objects) if (o.metadata.ownerReferences?.some((r) => r.uid === object.metadata.uid)) objects.delete(k);
        return json(res, 200, { kind: 'Status', apiVersion: 'v1', status: 'Success' });
      }
      return status(res, 405, 'MethodNotAllowed', req.method);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;

  return {
    url,
    token,
    requests,
    objects,
    /** Writes a kubeconfig naming this server (and the bearer token it expects) into `dir`; returns its path. */
    writeKubeconfig(dir, namespace = 'default') {
      const path = join(dir, 'kubeconfig');
      writeFileSync(path, [
        'apiVersion: v1', 'kind: Config',
        'clusters:', `- name: fake`, `  cluster: {server: "${url}", insecure-skip-tls-verify: true}`, // plain HTTP: the client allows it only so
        'users:', '- name: tester', `  user: {token: ${token}}`,
        'contexts:', '- name: fake', `  context: {cluster: fake, user: tester, namespace: ${namespace}}`,
        'current-context: fake', '',
      ].join('\n'));
      return path;
    },
    async close() {
      for (const entry of pods.values()) clearTimeout(entry.timer);
      for (const s of openStreams) s.destroy();
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
