#!/usr/bin/env node
// `npm run bench`: runs every bench/*.ts in its own process (one core each, one after the
// other), prints a table of the figures, and saves them as JSON in bench/results/ so two
// commits can be compared.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const scripts = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'bench-util.ts')
  .sort();
const figures = [];
for (const script of scripts) {
  process.stderr.write(`running ${script} ...\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, script)], { encoding: 'utf8', cwd: join(here, '..') });
  if (r.status !== 0) {
    process.stderr.write(`${script} failed (exit ${r.status}):\n${r.stderr}\n`);
    process.exitCode = 1;
    continue;
  }
  for (const line of r.stdout.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      figures.push({ script, ...JSON.parse(t) });
    } catch {
      process.stderr.write(`${script}: ignoring a line that is not JSON: ${t}\n`);
    }
  }
}
const rev = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim() || 'unknown';
const when = new Date().toISOString();
for (const f of figures) {
  const value = f.median ?? f.MBps ?? f.xRealTime ?? '';
  console.log(`${String(f.figure).padEnd(40)} ${String(typeof value === 'number' ? value.toFixed(1) : value).padStart(10)}  target ${f.target ?? '-'}  (${f.script})`);
}
mkdirSync(join(here, 'results'), { recursive: true });
const out = join(here, 'results', `${when.replace(/[:.]/g, '-')}-${rev}.json`);
writeFileSync(out, JSON.stringify({ commit: rev, date: when, figures }, null, 2));
console.log(`saved ${out}`);
