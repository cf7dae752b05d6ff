import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const main = new URL('./main.js', import.meta.url).href;

/**
 * The bare specifiers a fresh process imports while building the program of one command: a resolve hook (node's
 * module.register) prints each, and the child builds the command as `tensorfleet NAME` would.
 */
function importsOf(command: string): Set<string> {
  const hook = `export async function resolve(s, c, next) { if (!s.startsWith('.') && !s.startsWith('node:') && !s.startsWith('file:')) process.stderr.write('IMPORT ' + s + '\\n'); return next(s, c); }`;
  const script = [
    "import { register } from 'node:module';",
    `register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));`,
    `const { buildProgram } = await import(${JSON.stringify(main)});`,
    `await buildProgram(${JSON.stringify(command)});`,
  ].join('\n');
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return new Set(r.stderr.split('\n').filter((l) => l.startsWith('IMPORT ')).map((l) => l.slice(7)));
}

// What `train` and `worker` must not load at start-up: the HPO coordinator's index (SQLite, launchers), the
// Kubernetes client and vega. They cost the PS about 2 s before it could listen, and so every run and every trial.
const heavy = ['@tensorfleet/coordinator', '@tensorfleet/kubernetes', '@kubernetes/client-node', 'vega', 'vega-lite', 'better-sqlite3'];

test('train and worker start without the coordinator, the Kubernetes client or vega; hpo does load them', () => {
  for (const command of ['train', 'worker']) {
    const imported = importsOf(command);
    assert.ok(imported.has('@tensorfleet/protocol'), `${command}: the hook saw its imports (${[...imported].join(', ')})`);
    for (const name of heavy) assert.ok(!imported.has(name), `${command} imports ${name} at start-up`);
  }
  // The hook does see them where they are used, so the test above can fail.
  assert.ok(importsOf('hpo').has('@tensorfleet/coordinator'));
});
