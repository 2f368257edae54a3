// The server process (himoe serve, the app's main process) never loads TensorFlow.js: models run
// in the live-inference worker and in `himoe evaluate` child processes. Loading it in the server
// would cost every start hundreds of milliseconds and tens of MB for nothing. tfjs-core creates
// its engine as a global (`_tfengine`) when imported, so a fresh process tells whether a module's
// import graph reaches it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// Inside the checkout (test-results/, ignored by git), so that the probe finds tsx.
mkdirSync(join(process.cwd(), 'test-results'), { recursive: true });
const dir = mkdtempSync(join(process.cwd(), 'test-results', 'no-tfjs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const probe = join(dir, 'probe.mts');
writeFileSync(probe, `for (const m of process.argv.slice(2)) await import(m);\nconsole.log(JSON.stringify({ tfjs: (globalThis as Record<string, unknown>)._tfengine !== undefined }));\n`);

function loadsTfjs(module: string): boolean {
  const r = spawnSync(process.execPath, ['--import', 'tsx', probe, pathToFileURL(join(process.cwd(), module)).href], { encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout.trim().split('\n').pop()!) as { tfjs: boolean }).tfjs;
}

describe('the server process', () => {
  it('imports every area of himoe serve without loading TensorFlow.js (the probe sees it where the model code is)', () => {
    expect(loadsTfjs('src-main/cli/commands-serve.ts')).toBe(false);
    expect(loadsTfjs('src-main/model/evaluate/evaluate.ts')).toBe(true);
  }, 120_000);
});
