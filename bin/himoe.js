#!/usr/bin/env node
// Entry point of the `himoe` command. The TypeScript sources are compiled to dist/ by
// `npm ci` (the prepare script) or `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('himoe: dist/ is missing; run `npm run build` (or `npm ci`) first\n');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
