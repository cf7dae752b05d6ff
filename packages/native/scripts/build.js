// Install step: builds the addon with node-gyp when OpenBLAS's headers and library are present. It never fails the
// install (the package is optional: core falls back to wasm); when it cannot build it leaves the reason in
// build/unavailable.txt, which index.js reports.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const note = path.join(root, 'build', 'unavailable.txt');
const hint = 'install OpenBLAS (Debian: apt-get install libopenblas-dev), then npm rebuild @tensorfleet/native';

function giveUp(reason) {
  mkdirSync(path.dirname(note), { recursive: true });
  writeFileSync(note, `${reason}; ${hint}\n`);
  console.warn(`@tensorfleet/native: not built (${reason}); core will use wasm kernels. To enable: ${hint}`);
  process.exit(0);
}

const headerDirs = ['/usr/include', '/usr/include/x86_64-linux-gnu', '/usr/include/aarch64-linux-gnu', '/usr/local/include'];
if (!headerDirs.some((dir) => existsSync(path.join(dir, 'cblas.h')))) giveUp('cblas.h not found');

// npm hands install scripts its bundled node-gyp; outside npm, use the one beside this node's npm.
const nodeGyp =
  process.env.npm_config_node_gyp ?? path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
if (!existsSync(nodeGyp)) giveUp(`node-gyp not found at ${nodeGyp}`);

// Build against this node's own headers when it ships them: node-gyp would otherwise try to download them.
const prefix = path.dirname(path.dirname(process.execPath));
const args = [nodeGyp, 'rebuild'];
if (!process.env.npm_config_nodedir && existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);

// oneDNN (Debian: libdnnl-dev) runs the convolutions when present, as it does PyTorch's; else im2col + OpenBLAS.
const dnnl = headerDirs.some((dir) => existsSync(path.join(dir, 'oneapi', 'dnnl', 'dnnl.hpp')));
args.push("--", `-Duse_dnnl=${dnnl ? 1 : 0}`); // after "--": passed to gyp itself

rmSync(note, { force: true });
const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
if (r.status !== 0) {
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /error|cannot find|not found/i.test(l) && !l.startsWith('gyp info'));
  giveUp(`node-gyp failed: ${lines[0]?.trim() ?? `exit ${r.status}`}`);
}
console.log(`@tensorfleet/native: built build/Release/tensorfleet_native.node (convolutions on ${dnnl ? 'oneDNN' : 'im2col + OpenBLAS; apt-get install libdnnl-dev for oneDNN'})`);
