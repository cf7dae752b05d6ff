import type { RawData } from 'ws';
import { clientResponse, macEquals, makeNonce, serverProof } from './auth.js';
import { toBytes } from './codec.js';
import { ProtocolError } from './errors.js';
import { decodeFrame } from './frame.js';
import type { AuthMessage, ChallengeMessage, HelloMessage, Outgoing, WelcomeMessage } from './messages.js';
import { validateMessage } from './validate.js';

/**
 * The server's side of the token handshake. The connecting peer proves first:
 *   worker → hello { clientNonce }
 *   server → challenge { nonce }                       (random; nothing derived from the token)
 *   worker → auth { response = HMAC(token, client label, nonce, clientNonce) }
 *   server → welcome { sessionId, proof = HMAC(token, server label, clientNonce, nonce) }   only if the response matched
 * So an unauthenticated peer never sees anything computed from the token and cannot test guesses offline; each guess
 * costs one connection, which the server's admission limits rate-limit per address. (A client talking to a fake
 * server does reveal one response; with wss and a verified certificate there is no fake server.)
 * Before authentication only the expected handshake message is decoded: no other type is even validated, so no
 * error can name the job's shapes or sizes.
 * @example
 * const hs = new ServerHandshake(token);
 * const step = hs.receive(data, isBinary); // { reply } or { authenticated: hello, proof }
 */
export class ServerHandshake {
  private stage: 'hello' | 'auth' | 'done' = 'hello';
  private hello: HelloMessage | undefined;
  private serverNonce: Uint8Array | undefined;

  constructor(private readonly token: string) {}

  /** Takes one pre-authentication frame; throws ProtocolError (auth-failed for a wrong response). */
  receive(data: RawData, isBinary: boolean): { reply: Outgoing<ChallengeMessage> } | { authenticated: HelloMessage; proof: Uint8Array } {
    if (this.stage === 'done') throw new ProtocolError('unexpected-message', 'the handshake is over');
    const raw = decodeFrame(toBytes(data, isBinary));
    if (raw.type !== this.stage) throw new ProtocolError('unexpected-message', `expected "${this.stage}" during the handshake, got ${JSON.stringify(String(raw.type).slice(0, 40))}`);
    const message = validateMessage(raw, { from: 'worker' }) as HelloMessage | AuthMessage;
    if (message.type === 'hello') {
      this.hello = message;
      this.serverNonce = makeNonce();
      this.stage = 'auth';
      return { reply: { type: 'challenge', nonce: this.serverNonce } };
    }
    const hello = this.hello!;
    const expected = clientResponse(this.token, this.serverNonce!, hello.clientNonce);
    this.stage = 'done';
    if (!macEquals(message.response, expected)) throw new ProtocolError('auth-failed', 'the HMAC response does not match: wrong token');
    return { authenticated: hello, proof: serverProof(this.token, hello.clientNonce, this.serverNonce!) };
  }
}

/**
 * The connecting side of the handshake (see ServerHandshake): answers the challenge, then checks the server's proof
 * in the welcome.
 * @example
 * const hs = new ClientHandshake(token); socket.send(encodeMessage(hs.hello({ role: 'worker', rank: -1, runId: '', name: 'w0' })));
 */
export class ClientHandshake {
  readonly clientNonce = makeNonce();
  private serverNonce: Uint8Array | undefined;

  constructor(private readonly token: string) {}

  hello(fields: Omit<HelloMessage, 'type' | 'v' | 'clientNonce'>): Outgoing<HelloMessage> {
    return { type: 'hello', ...fields, clientNonce: this.clientNonce };
  }

  /** The auth message answering a challenge. */
  answer(challenge: ChallengeMessage): Outgoing<AuthMessage> {
    this.serverNonce = challenge.nonce;
    return { type: 'auth', response: clientResponse(this.token, challenge.nonce, this.clientNonce) };
  }

  /** True when the welcome carries the server's proof of the token over this handshake's nonces. */
  verify(welcome: WelcomeMessage): boolean {
    return this.serverNonce !== undefined && macEquals(welcome.proof, serverProof(this.token, this.clientNonce, this.serverNonce));
  }
}
