// Test helpers: run fixtures.py (python3 + numpy/scipy) to write dataset files in their real
// formats into a temp dir, and read numpy's own raw dumps of the expected arrays.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./fixtures.py', import.meta.url));

export function makeTempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs `python3 fixtures.py <args>`; throws with python's stderr on failure. */
export function pyFixture(...args: string[]): void {
  execFileSync('python3', [SCRIPT, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A raw little-endian float64 file written by numpy's tofile. */
export function readF8(path: string): Float64Array {
  const b = readFileSync(path);
  const out = new Float64Array(b.length / 8);
  new Uint8Array(out.buffer).set(b);
  return out;
}

/** Largest absolute difference between two numeric arrays (Infinity when lengths differ). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
