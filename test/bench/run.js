#!/usr/bin/env node
// `npm run bench -- <suite> [--json] [...]`: runs test/bench/<suite>.js, each suite a module exporting
// `run(args: string[]): Promise<void>`. With no suite it lists the suites it finds.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const suites = readdirSync(here)
  .filter((f) => f.endsWith('.js') && f !== 'run.js')
  .map((f) => f.slice(0, -3))
  .sort();
const [suite, ...rest] = process.argv.slice(2);
if (!suite || suite === '--help' || !suites.includes(suite)) {
  if (suite && suite !== '--help') console.error(`unknown bench suite "${suite}"`);
  console.error(`usage: npm run bench -- <suite> [--json]\nsuites: ${suites.join(', ') || '(none yet)'}`);
  process.exit(suite && suite !== '--help' ? 2 : 0);
}
const mod = await import(new URL(`./${suite}.js`, import.meta.url).href);
await mod.run(rest);
