import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostName, loadHosts, parseHostfile } from './hostfile.js';

test('a hostfile: host[:port] slots=N gpus=..., user@host, comments and blank lines', () => {
  const hosts = parseHostfile('# lab boxes\ngpu1 slots=2 gpus=0,1\n\n  alice@gpu2:2222   # spare\n[::1]:2200 slots=3\n', 'hosts.txt');
  assert.deepEqual(hosts, [
    { host: 'gpu1', port: 22, slots: 2, gpus: [0, 1] },
    { host: 'gpu2', port: 2222, slots: 1, gpus: [], user: 'alice' },
    { host: '::1', port: 2200, slots: 3, gpus: [] },
  ]);
  assert.deepEqual(hosts.map(hostName), ['gpu1', 'gpu2:2222', '::1:2200']);
});

test('every hostfile mistake names the file and the line', () => {
  const bad: [string, RegExp][] = [
    ['a slots=0', /^ConfigError: h:1: slots: Too small/],
    ['\n\na slots=x', /^ConfigError: h:3: slots expects a positive integer, got "x"/],
    ['a gpus=0,,1', /^ConfigError: h:1: gpus expects GPU ids like 0,1,2, got "0,,1"/],
    ['a cores=2', /^ConfigError: h:1: unknown setting "cores=2"/],
    ['a:0', /^ConfigError: h:1: port: Too small/],
    ['a:22x', /^ConfigError: h:1: "a:22x" is not host, host:port/],
    ['a\nb\na', /^ConfigError: h:3: a is already listed on line 1/],
    ['# only a comment\n', /^ConfigError: h: lists no hosts/],
  ];
  for (const [text, expected] of bad) assert.throws(() => parseHostfile(text, 'h'), expected, text);
});

test('hosts from a hostfile, a YAML list file (relative to the config folder) or inline', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf-hosts-'));
  try {
    writeFileSync(join(dir, 'hosts.txt'), 'a:2201 slots=2\n');
    writeFileSync(join(dir, 'hosts.yaml'), '- { host: b, slots: 4, gpus: [2, 3] }\n');
    writeFileSync(join(dir, 'bad.yaml'), '- { host: b, slots: many }\n');
    assert.deepEqual(loadHosts('hosts.txt', dir), [{ host: 'a', port: 2201, slots: 2, gpus: [] }]);
    assert.deepEqual(loadHosts('hosts.yaml', dir), [{ host: 'b', port: 22, slots: 4, gpus: [2, 3] }]);
    assert.throws(() => loadHosts('bad.yaml', dir), /^ConfigError: bad\.yaml: hosts\[0\]\.slots: /);
    assert.throws(() => loadHosts('missing.txt', dir), /missing\.txt: cannot read the hosts file \(ENOENT\)/);
    const inline = [{ host: 'c', port: 22, slots: 1, gpus: [] }];
    assert.equal(loadHosts(inline, dir), inline);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
