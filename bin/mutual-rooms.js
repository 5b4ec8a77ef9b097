#!/usr/bin/env node
// Runs the compiled CLI in dist/, which `npm run build` (also run by `npm ci`) produces.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('mutual-rooms: dist/src/cli/main.js is missing; run "npm run build" first\n');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
