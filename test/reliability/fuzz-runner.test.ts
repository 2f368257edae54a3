// The fuzz runner's own guarantees: a case that never returns (a synchronous loop, which no vitest
// timeout can interrupt) ends the process within the hang bound, with the case's input in a file
// and a message naming the property and seed, instead of holding the test run until CI's limit.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// Inside the checkout (test-results/, ignored by git), so that the script finds fast-check and tsx.
mkdirSync(join(process.cwd(), 'test-results'), { recursive: true });
const dir = mkdtempSync(join(process.cwd(), 'test-results', 'fuzz-runner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fuzz runner', () => {
  it('kills a run whose case loops forever, after the hang bound, naming the property and seed and keeping the input', () => {
    const runner = pathToFileURL(join(process.cwd(), 'test/reliability/fuzz-runner.ts')).href;
    const script = join(dir, 'hang.mts');
    writeFileSync(script, `
import fc from 'fast-check';
import { fuzzProperty } from ${JSON.stringify(runner)};
await fuzzProperty('loopsOnFF', fc.uint8Array({ minLength: 3, maxLength: 3 }).map((b) => Uint8Array.of(b[0]!, b[1]!, 0xff)), (bytes) => {
  // A parser bug: spins forever on a byte it does not expect.
  while (bytes[2] === 0xff) { /* no exit */ }
  return 'accepted';
}, { seed: 31, numRuns: 50, hangMs: 1500 });
console.log('finished');
`);
    const hangFile = join(tmpdir(), 'himoe-fuzz-hang-loopsOnFF-31.bin');
    rmSync(hangFile, { force: true });
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000 });
    const ms = Date.now() - t0;
    expect(r.signal, r.stderr).toBe('SIGKILL');
    expect(r.stdout).not.toContain('finished');
    expect(r.stderr).toMatch(/loopsOnFF \(seed 31\): case 1 still running after \d+ ms \(bound 1500 ms\): a hang\. Its input \(3 bytes\) is in .*himoe-fuzz-hang-loopsOnFF-31\.bin/);
    expect(ms).toBeLessThan(30_000);
    expect(existsSync(hangFile)).toBe(true);
    expect(readFileSync(hangFile)[2]).toBe(0xff);
    rmSync(hangFile, { force: true });
  }, 90_000);
});
