/**
 * Why a frame or message was refused. Each code names one class of problem so peers, logs and tests can tell them
 * apart without parsing the human message.
 */
export type ProtocolErrorCode =
  | 'bad-magic'
  | 'bad-version'
  | 'truncated'
  | 'bad-frame'
  | 'bad-control'
  | 'unknown-type'
  | 'unexpected-message'
  | 'bad-field'
  | 'bad-shape'
  | 'non-finite'
  | 'frame-too-large'
  | 'auth-failed'
  | 'timeout'
  | 'refused'
  | 'closed'
  | 'remote-error';

/**
 * A refused frame or message: `code` says which rule was broken, `message` which field, what was expected and what
 * was given.
 * @example
 * try { decodeFrame(buf) } catch (e) { if (e instanceof ProtocolError && e.code === 'bad-magic') ... }
 */
export class ProtocolError extends Error {
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'ProtocolError';
  }
}
