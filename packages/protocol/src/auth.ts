import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Bytes of each side's random challenge nonce. */
export const NONCE_BYTES = 32;

/** A fresh random nonce for one handshake. */
export function makeNonce(): Uint8Array {
  return new Uint8Array(randomBytes(NONCE_BYTES));
}

function hmac(token: string, label: string, a: Uint8Array, b: Uint8Array): Uint8Array {
  // Distinct labels keep a server proof from being replayed as a client response (and vice versa).
  return new Uint8Array(createHmac('sha256', token).update(label).update(a).update(b).digest());
}

/**
 * HMAC-SHA256 proof that the server knows the token, bound to both nonces of this handshake.
 * @example
 * const proof = serverProof(token, hello.clientNonce, serverNonce);
 */
export function serverProof(token: string, clientNonce: Uint8Array, serverNonce: Uint8Array): Uint8Array {
  return hmac(token, 'tensorfleet/server/v1\0', clientNonce, serverNonce);
}

/**
 * HMAC-SHA256 response proving the worker knows the token, bound to both nonces of this handshake.
 * @example
 * send({ type: 'auth', response: clientResponse(token, challenge.nonce, myNonce) });
 */
export function clientResponse(token: string, serverNonce: Uint8Array, clientNonce: Uint8Array): Uint8Array {
  return hmac(token, 'tensorfleet/client/v1\0', serverNonce, clientNonce);
}

/** Constant-time comparison of two MACs. */
export function macEquals(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
