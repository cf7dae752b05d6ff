// Authentication of a real `tensorfleet ps` against an attacker without the token (issue 12, item 3): nothing the
// server says before the client proves the token can be used to test guesses offline, nothing about the job is
// revealed, failed attempts lock the address out, weak tokens are refused, and wss works from the command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { encodeMessage } from '@tensorfleet/protocol';
import { describe, readSummary, runCli, startCli } from './helpers/cli.js';
import { startLogged, startPs } from './helpers/logged.js';
import { rawSession, wsFrame } from './helpers/raw-ws.js';

const settle = (ms) => new Promise((r) => setTimeout(r, ms));
const closedWithin = (session, ms) => Promise.race([session.closed.then(() => true), settle(ms).then(() => false)]);

/**
 * Everything an offline guesser could check a candidate token against: HMAC-SHA256 under the candidate over the two
 * nonces, both orders, with either of the protocol's labels or none.
 */
function verifiers(candidate, a, b) {
  const out = [];
  for (const label of ['tensorfleet/server/v1\0', 'tensorfleet/client/v1\0', '']) {
    for (const [x, y] of [[a, b], [b, a]]) out.push(createHmac('sha256', candidate).update(label).update(x).update(y).digest());
  }
  return out;
}

test('an unauthenticated probe learns nothing (no token-derived bytes, no job details, a wrong guess only an error) and failed guesses lock its address out', { timeout: 90_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'tf-e2e-auth-'));
  const token = randomBytes(32).toString('hex');
  const { ps, port } = await startPs(['--workers', '2', '--preset', 'mlp', '--out', join(root, 'run')], { env: { TENSORFLEET_TOKEN: token } });
  try {
    // 1. hello with our nonce: the challenge must be a bare nonce.
    const probe = await rawSession(port, { localAddress: '127.0.0.6' });
    while (probe.received.length === 0 && !(await closedWithin(probe, 50)));
    await settle(300); // anything else the server would volunteer
    assert.deepEqual(probe.received.map((m) => m.type), ['challenge']);
    const challenge = probe.received[0];
    assert.deepEqual(Object.keys(challenge).sort(), ['nonce', 'type', 'v']);
    const heard = Buffer.concat(probe.bytes);
    for (const [i, mac] of verifiers(token, probe.clientNonce, challenge.nonce).entries()) {
      assert.equal(heard.indexOf(mac), -1, `the server sent HMAC #${i} of the real token over the nonces: guesses can be tested offline`);
    }
    // 2. A wrong guess gets only "auth-failed" and the connection closes: no welcome, no proof.
    probe.socket.write(wsFrame(encodeMessage({ type: 'auth', response: randomBytes(32) })));
    assert.equal(await closedWithin(probe, 10_000), true);
    assert.deepEqual(probe.received.map((m) => m.type), ['challenge', 'error']);
    assert.equal(probe.received[1].code, 'auth-failed');

    // 3. A tensor frame before the handshake: refused without a word about the model's shapes or sizes.
    const nosy = await rawSession(port, { localAddress: '127.0.0.6' });
    await settle(100);
    nosy.socket.write(wsFrame(encodeMessage({ type: 'push', step: 0, loss: 1, count: 1, correct: 0, computeMs: 0, commMs: 0, grads: [new Float32Array(5)], states: [] })));
    assert.equal(await closedWithin(nosy, 10_000), true);
    const errors = nosy.received.filter((m) => m.type === 'error');
    assert.ok(errors.length >= 1, `expected an error, got ${JSON.stringify(nosy.received.map((m) => m.type))}`);
    for (const e of errors) assert.doesNotMatch(e.message, /shape|tensor|values|\d{3,}/, `pre-auth error reveals the job: ${e.message}`);

    // 4. Failed authentications lock one address out (even with the right token afterwards), not the others.
    const attacker = '127.0.0.7';
    for (let i = 0; i < 5; i++) {
      const guess = await rawSession(port, { token: randomBytes(32).toString('hex'), localAddress: attacker });
      await guess.closed;
      assert.equal(guess.received.at(-1)?.code, 'auth-failed', `guess ${i}: ${JSON.stringify(guess.received)}`);
    }
    const locked = await rawSession(port, { token, localAddress: attacker });
    await assert.rejects(locked.authenticated, /closed before the handshake finished/);
    assert.deepEqual(locked.received, [], 'a locked-out address is dropped at accept, before any challenge');
    const other = await rawSession(port, { token, localAddress: '127.0.0.8' });
    const welcome = await other.authenticated;
    assert.equal(welcome.type, 'welcome');
    other.socket.destroy();
    const output = `${ps.logs.map((l) => JSON.stringify(l)).join('\n')}`;
    assert.ok(!output.includes(token), 'the token never appears in the logs');
  } finally {
    ps.child.kill('SIGKILL');
    await ps.exited;
    rmSync(root, { recursive: true, force: true });
  }
});

test('tensorfleet token prints fresh strong tokens; weak ones are refused (exit 2) unless --allow-weak-token', { timeout: 60_000 }, async () => {
  const [fresh] = (await runCli(['token'])).lines;
  assert.match(fresh, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(Buffer.from(fresh, 'base64url').length, 32, 'a token of 32 random bytes');
  const root = mkdtempSync(join(tmpdir(), 'tf-e2e-weak-'));
  try {
    for (const command of [['ps', '--workers', '1', '--out', join(root, 'run')], ['worker', '--ps', 'ws://127.0.0.1:9']]) {
      const weak = await startCli([...command, '--json'], { env: { TENSORFLEET_TOKEN: 'cluster-test' } }).exited;
      assert.equal(weak.code, 2, `${command[0]} with a weak token\n${describe(weak)}`);
      const line = weak.lines.join('\n');
      assert.match(line, /TENSORFLEET_TOKEN: the token has about \d+ bits of entropy, fewer than 128/);
      assert.ok(!line.includes('cluster-test'), 'the refusal does not echo the token');
    }
    const allowed = startLogged(['ps', '--host', '127.0.0.1', '--port', '0', '--workers', '1', '--allow-weak-token', '--out', join(root, 'run'), '--json'], { env: { TENSORFLEET_TOKEN: 'cluster-test' } });
    await allowed.waitFor((l) => l.msg === 'parameter server listening', 'the PS to listen with --allow-weak-token');
    allowed.child.kill('SIGKILL');
    await allowed.exited;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('ps --cert/--key and worker --ca train over wss:// from the command line', { timeout: 90_000 }, async () => {
  const fixtures = join(dirname(createRequire(import.meta.url).resolve('@tensorfleet/protocol')), '..', 'fixtures');
  const root = mkdtempSync(join(tmpdir(), 'tf-e2e-wss-'));
  const env = { TENSORFLEET_TOKEN: randomBytes(32).toString('hex') };
  const { ps, url } = await startPs(
    ['--workers', '2', '--preset', 'mlp', '--epochs', '1', '--batch-size', '256', '--cert', join(fixtures, 'test-cert.pem'), '--key', join(fixtures, 'test-key.pem'), '--out', join(root, 'run')],
    { env },
  );
  const runs = [ps];
  try {
    assert.match(url, /^wss:\/\/127\.0\.0\.1:\d+$/);
    runs.push(...[0, 1].map((i) => startLogged(['worker', '--ps', url, '--ca', join(fixtures, 'test-cert.pem'), '--backend', 'wasm', '--name', `w${i}`, '--json'], { env })));
    const [psResult, ...workers] = await Promise.all(runs.map((r) => r.exited));
    assert.equal(psResult.code, 0, `the PS failed\n${describe(psResult)}`);
    workers.forEach((w, i) => assert.equal(w.code, 0, `worker ${i} failed\n${describe(w)}`));
    assert.equal(readSummary(psResult).summary.epochs, 1);
  } finally {
    for (const r of runs) if (!r.closed) r.child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
});
