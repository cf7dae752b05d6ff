import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { defaultMetricsPort, metricsFromFlags } from './options.js';

const bin = fileURLToPath(new URL('../bin.js', import.meta.url));

test('--metrics-port: 0 turns /metrics off, a given port is required, the default may fall back, 127.0.0.1 unless told', () => {
  assert.equal(metricsFromFlags({ metricsPort: 0 }), undefined);
  assert.deepEqual(metricsFromFlags({}), { host: '127.0.0.1', port: defaultMetricsPort, fallback: true });
  assert.deepEqual(metricsFromFlags({ metricsPort: 9100, metricsHost: '0.0.0.0' }), { host: '0.0.0.0', port: 9100, fallback: false });
  for (const command of ['train', 'ps']) {
    const help = spawnSync(process.execPath, [bin, command, '--help'], { encoding: 'utf8' }).stdout;
    assert.match(help, /--metrics-port <n>.*0 = off; default 9464/s, `${command} --help`);
    const bad = spawnSync(process.execPath, [bin, command, '--metrics-port', '70000'], { encoding: 'utf8' });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--metrics-port expects a port in \[0, 65535\], got "70000"/);
  }
});
