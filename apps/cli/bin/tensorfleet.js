#!/usr/bin/env node
// npm links this file onto PATH at install time, before anything is compiled; the command itself is dist/bin.js,
// built by the root `prepare` script (`npm ci` runs it) or `npm run build`.
import { existsSync } from 'node:fs';

const built = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(built)) {
  process.stderr.write('tensorfleet: the command is not built yet; run `npm run build` in the repository root\n');
  process.exit(1);
}
await import(built.href);
