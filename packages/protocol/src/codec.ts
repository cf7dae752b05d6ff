import type { RawData } from 'ws';
import { ProtocolError } from './errors.js';
import { decodeFrame, encodeFrame, type FrameObject } from './frame.js';
import { PROTOCOL_VERSION, TENSOR_FIELDS, type Message, type Outgoing } from './messages.js';
import { validateMessage, type ValidationContext } from './validate.js';

/** Stamps the protocol version and encodes a message into a frame. */
export function encodeMessage(message: Outgoing<Message>): Buffer {
  return encodeFrame({ ...(message as unknown as FrameObject), v: PROTOCOL_VERSION });
}

/** ws hands binary messages over as a Buffer, an ArrayBuffer or fragments; a text message is refused. */
export function toBytes(data: RawData, isBinary: boolean): Uint8Array {
  if (!isBinary) throw new ProtocolError('bad-frame', 'text websocket message; frames are binary');
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

/** Decodes and validates one received websocket message; throws ProtocolError naming the problem. */
export function decodeMessage(data: RawData, isBinary: boolean, ctx: ValidationContext): Message {
  return validateMessage(decodeFrame(toBytes(data, isBinary)), ctx);
}

/**
 * Largest frame a model of these shapes needs: one float32 per parameter and per state value (a params frame carries
 * both), plus `controlSlackBytes` for the control map (job specs are small). Use it as the server's `maxPayload`.
 * @example
 * const server = await createProtocolServer({ token, maxPayload: maxPayloadFor(trainer.parameterShapes, trainer.stateShapes) });
 */
export function maxPayloadFor(parameterShapes: number[][], stateShapes: number[][] = [], controlSlackBytes = 1 << 20): number {
  const count = (shapes: number[][]) => shapes.reduce((sum, s) => sum + s.reduce((a, b) => a * b, 1), 0);
  const tensorLists = Object.values(TENSOR_FIELDS).reduce((n, f) => Math.max(n, f.length), 0);
  return 4 * (count(parameterShapes) + count(stateShapes)) + 16 * tensorLists * (parameterShapes.length + stateShapes.length) + controlSlackBytes;
}
