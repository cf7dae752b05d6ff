import type { OptimizerName } from '@tensorfleet/core';
import { connectProtocolClient, type ControlMessage, type Outgoing, type ParamsMessage, type ProtocolClient, type ServerMessage, type TransportName } from '@tensorfleet/protocol';

/** The primary's connection to one parameter shard. */
export interface ShardLink {
  url: string;
  /** Parameter indices the shard owns. */
  parameters: number[];
  /** Learning rate in force on the shard from `step` on (sent at every epoch start). */
  epoch(step: number, epoch: number, lr: number): void;
  /** The shard's current part (it must be at `step`); with `dir`, it also writes its checkpoint part there. */
  snapshot(step: number, epoch: number, dir: string): Promise<Float32Array[]>;
  stop(): void;
  close(): void;
}

interface ConnectOptions {
  token: string;
  runId: string;
  /** parts[k] = parameter indices of shard k (k = 0 for the first URL). */
  parts: number[][];
  parameters: Float32Array[];
  shapes: number[][];
  workers: number;
  stepsPerEpoch: number;
  step: number;
  epoch: number;
  lr: number;
  optimizer: { name: OptimizerName; options?: Record<string, unknown> };
  /** Non-empty when resuming: shards load their optimizer state from their checkpoint part at `step`. */
  resumeDir: string;
  /** Whether the shards offer their workers shared memory (the run's transport). */
  transport: TransportName;
  onLost: (error: Error) => void;
}

/**
 * Connects to every shard as role 'primary', initializes it with its part (initial values, optimizer, run position)
 * and waits for its acknowledgement.
 * @example
 * const links = await connectShards(['ws://10.0.0.2:7071'], { ...run, parts: [[1, 3]], onLost: fail });
 */
export async function connectShards(urls: string[], o: ConnectOptions): Promise<ShardLink[]> {
  return Promise.all(
    urls.map(async (url, k) => {
      const parameters = o.parts[k]!;
      const client: ProtocolClient = await connectProtocolClient({
        url, token: o.token, role: 'primary', name: 'primary', reconnect: false, identity: () => ({ rank: k + 1, runId: o.runId }),
      });
      client.shapes = { parameterShapes: parameters.map((i) => o.shapes[i]!), stateShapes: [] };
      const replies: ((m: ParamsMessage) => void)[] = [];
      let closing = false;
      client.on('message', (m: ServerMessage) => {
        if (m.type === 'params') replies.shift()?.({ ...m, params: m.params.map((p) => new Float32Array(p)) });
      });
      const lost = (why: string) => {
        if (!closing) o.onLost(new Error(`parameter shard ${k + 1} at ${url}: ${why}`));
      };
      client.on('failed', (e: Error) => lost(e.message));
      client.on('disconnected', () => lost('connection lost'));
      const send = (action: ControlMessage['action'], fields: Partial<Omit<ControlMessage, 'type' | 'v' | 'action'>> = {}) =>
        client.send({
          type: 'control', action, runId: o.runId, step: 0, epoch: 0, lr: 0, workers: o.workers, stepsPerEpoch: o.stepsPerEpoch,
          optimizer: {}, checkpointDir: '', transport: o.transport, params: [], ...fields,
        } as Outgoing<ControlMessage>);
      const reply = () => new Promise<ParamsMessage>((resolve) => replies.push(resolve));
      const acknowledged = reply();
      send('init', {
        step: o.step, epoch: o.epoch, lr: o.lr, optimizer: o.optimizer as unknown as Record<string, unknown>, checkpointDir: o.resumeDir,
        params: parameters.map((i) => o.parameters[i]!),
      });
      const ack = await acknowledged;
      if (ack.step !== o.step) throw new Error(`parameter shard ${k + 1} at ${url} acknowledged step ${ack.step}, expected ${o.step}`);
      return {
        url, parameters,
        epoch: (step, epoch, lr) => void send('epoch', { step, epoch, lr }),
        snapshot: async (step, epoch, dir) => {
          const answer = reply();
          send('snapshot', { step, epoch, checkpointDir: dir });
          return (await answer).params;
        },
        stop: () => {
          closing = true;
          send('stop');
        },
        close: () => {
          closing = true;
          client.close('done');
        },
      } satisfies ShardLink;
    }),
  );
}
