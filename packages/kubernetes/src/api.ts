import { Writable } from 'node:stream';
import { ApiException, BatchV1Api, CoreV1Api, KubeConfig, Log, type V1Job, type V1Pod } from '@kubernetes/client-node';
import { manifestId, type Manifest } from './manifest.js';

/** Where the client finds the cluster: a kubeconfig file (default $KUBECONFIG, else ~/.kube/config) and a context in it. */
export interface KubeconfigChoice {
  kubeconfig?: string;
  context?: string;
}

/** A line of a pod's log. */
export type PodLogLine = (text: string) => void;

/** A followed pod log: `done` resolves when the stream ends (the container exited, or `stop()`). */
export interface FollowedLog {
  done: Promise<void>;
  stop(): void;
}

/** The API's "not found" and "already exists" answers. */
const notFound = 404;
const conflict = 409;

/**
 * The few calls tensorfleet makes to a Kubernetes API server, through the official client (@kubernetes/client-node),
 * with errors turned into one line naming the object and the server's reason.
 * @example
 * const api = KubernetesApi.fromKubeconfig({ context: 'gpu-cluster' });
 * for (const m of trainingManifests(input)) await api.create(m);
 * const log = await api.followLog('default', 'tensorfleet-ps-abcde', 'ps', (line) => console.log(line));
 */
export class KubernetesApi {
  private readonly core: CoreV1Api;
  private readonly batch: BatchV1Api;
  private readonly logs: Log;

  constructor(private readonly config: KubeConfig) {
    this.core = config.makeApiClient(CoreV1Api);
    this.batch = config.makeApiClient(BatchV1Api);
    this.logs = new Log(config);
  }

  /** The client for the kubeconfig's current (or the named) context; a missing file or context is an Error. */
  static fromKubeconfig(choice: KubeconfigChoice = {}): KubernetesApi {
    const config = new KubeConfig();
    if (choice.kubeconfig) config.loadFromFile(choice.kubeconfig);
    else config.loadFromDefault();
    if (choice.context) {
      if (!config.getContexts().some((c) => c.name === choice.context)) throw new Error(`kubeconfig has no context "${choice.context}"`);
      config.setCurrentContext(choice.context);
    }
    if (!config.getCurrentCluster()) throw new Error('kubeconfig names no cluster (set KUBECONFIG or create ~/.kube/config)');
    return new KubernetesApi(config);
  }

  /** The API server's address. */
  get server(): string {
    return this.config.getCurrentCluster()!.server;
  }

  /** Creates one object; resolves with its uid. An object of that name already there is an Error saying so. */
  async create(m: Manifest): Promise<string> {
    const namespace = m.metadata?.namespace ?? 'default';
    const body = m as never;
    const created = await this.call(`create ${manifestId(m)}`, () => {
      switch (m.kind) {
        case 'Secret': return this.core.createNamespacedSecret({ namespace, body });
        case 'ConfigMap': return this.core.createNamespacedConfigMap({ namespace, body });
        case 'Service': return this.core.createNamespacedService({ namespace, body });
        case 'Job': return this.batch.createNamespacedJob({ namespace, body });
      }
    });
    return created.metadata?.uid ?? '';
  }

  /** The Job, or null when there is none of that name. */
  async readJob(namespace: string, name: string): Promise<V1Job | null> {
    return this.orNull(`read Job/${name}`, () => this.batch.readNamespacedJob({ namespace, name }));
  }

  /** Deletes a Job and, before it is gone, its pods (propagationPolicy Foreground). False when it was gone already. */
  async deleteJob(namespace: string, name: string): Promise<boolean> {
    const gone = await this.orNull(`delete Job/${name}`, () => this.batch.deleteNamespacedJob({ namespace, name, propagationPolicy: 'Foreground' }));
    return gone !== null;
  }

  /** Pods matching a label selector, oldest first. */
  async listPods(namespace: string, labelSelector: string): Promise<V1Pod[]> {
    const list = await this.call(`list pods ${labelSelector}`, () => this.core.listNamespacedPod({ namespace, labelSelector }));
    const created = (p: V1Pod) => new Date(p.metadata?.creationTimestamp ?? 0).getTime();
    return [...list.items].sort((a, b) => created(a) - created(b));
  }

  /** Follows a container's log from its start, line by line; rejects when the server refuses (e.g. not started yet). */
  async followLog(namespace: string, pod: string, container: string, onLine: PodLogLine): Promise<FollowedLog> {
    let rest = '';
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        const lines = (rest + chunk.toString('utf8')).split('\n');
        rest = lines.pop()!;
        for (const line of lines) onLine(line);
        callback();
      },
      final(callback) {
        if (rest) onLine(rest);
        rest = '';
        callback();
      },
    });
    sink.on('finish', () => finish());
    sink.on('error', () => finish());
    const controller = await this.call(`follow the log of pod/${pod}`, () => this.logs.log(namespace, pod, container, sink, { follow: true }));
    return {
      done,
      stop: () => {
        controller.abort();
        finish();
      },
    };
  }

  private async orNull<T>(what: string, request: () => Promise<T>): Promise<T | null> {
    try {
      return await this.call(what, request);
    } catch (err) {
      if ((err as { status?: number }).status === notFound) return null;
      throw err;
    }
  }

  /** Runs a request; an API or connection error becomes one line (`status` kept for callers that expect some). */
  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      if (err instanceof ApiException) {
        const reason = apiMessage(err.body) ?? err.message.split('\n')[0];
        const message = err.code === conflict ? `${what}: it already exists (delete it first, or choose another --name)` : `${what}: the API answered ${err.code}: ${reason}`;
        throw Object.assign(new Error(message), { status: err.code });
      }
      throw new Error(`${what}: cannot reach the Kubernetes API at ${this.server} (${(err as Error).message})`);
    }
  }
}

/** The `message` of a Kubernetes Status body, when the error carries one. */
function apiMessage(body: unknown): string | undefined {
  let status: unknown = body;
  if (typeof body === 'string') {
    try {
      status = JSON.parse(body);
    } catch {
      return body.slice(0, 200) || undefined;
    }
  }
  const message = (status as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}
