// Runs a fast-check property for the reliability fuzzers with the guarantees they share: a fixed
// seed named in any failure (fast-check also prints the replay path), a per-case time bound (a
// slow case is a probable hang), and memory bounds (per-case peak and growth retained at the end).
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { collectGarbage } from '../../bench/soak.js';
import type { HimoeError } from '../../src-main/core/errors.js';

export type Outcome = 'accepted' | 'rejected';

export interface FuzzOptions {
  seed: number;
  numRuns: number;
  /** Longest one case may take (ms); a slower case fails the property as a probable hang. */
  caseTimeMs?: number;
  /** Largest heap + ArrayBuffer growth over the start of the run seen right after a case (MB). */
  maxCaseGrowthMB?: number;
  /** Largest growth still held after a full garbage collection at the end of the run (MB). */
  maxRetainedMB?: number;
}

export interface FuzzReport {
  runs: number;
  /** Cases the check classified as rejected input (the domain's typed error). */
  rejected: number;
  slowestMs: number;
  peakGrowthMB: number;
  retainedMB: number;
}

const MB = 1024 * 1024;
const liveBytes = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/**
 * Checks `check` on `numRuns` inputs from `arb`. `check` returns 'accepted' or 'rejected' and throws
 * for anything else; a throw, a slow case or a memory bound fails with the name, seed and the
 * shrunk counterexample.
 */
export async function fuzzProperty<T>(name: string, arb: fc.Arbitrary<T>, check: (input: T) => Outcome | Promise<Outcome>, opts: FuzzOptions): Promise<FuzzReport> {
  // HIMOE_FUZZ_SEED replaces every fixed seed for a hunt with other cases; a failure names the seed used.
  if (process.env.HIMOE_FUZZ_SEED !== undefined) opts = { ...opts, seed: Number(process.env.HIMOE_FUZZ_SEED) };
  const caseTimeMs = opts.caseTimeMs ?? 500;
  const maxCaseGrowth = (opts.maxCaseGrowthMB ?? 256) * MB;
  collectGarbage();
  const base = liveBytes();
  const report: FuzzReport = { runs: 0, rejected: 0, slowestMs: 0, peakGrowthMB: 0, retainedMB: 0 };
  const details = await fc.check(
    fc.asyncProperty(arb, async (input) => {
      const t0 = performance.now();
      const outcome = await check(input);
      const ms = performance.now() - t0;
      const growth = liveBytes() - base;
      report.runs++;
      if (outcome === 'rejected') report.rejected++;
      report.slowestMs = Math.max(report.slowestMs, ms);
      report.peakGrowthMB = Math.max(report.peakGrowthMB, growth / MB);
      if (ms > caseTimeMs) throw new Error(`took ${ms.toFixed(0)} ms (bound ${caseTimeMs} ms): a probable hang`);
      if (growth > maxCaseGrowth) throw new Error(`heap + ArrayBuffers grew by ${(growth / MB).toFixed(0)} MB (bound ${opts.maxCaseGrowthMB ?? 256} MB)`);
    }),
    { seed: opts.seed, numRuns: opts.numRuns },
  );
  if (details.failed) throw failure(name, opts, details);
  collectGarbage();
  report.retainedMB = (liveBytes() - base) / MB;
  const maxRetained = opts.maxRetainedMB ?? 32;
  if (report.retainedMB > maxRetained) throw new Error(`${name} (seed ${opts.seed}): ${report.retainedMB.toFixed(1)} MB still held after the run (bound ${maxRetained} MB): a leak`);
  return report;
}

/**
 * The failure of a run, reproducible: seed and replay path, the cause, and the shrunk input (a byte
 * input is written to a file, other inputs are shown as JSON).
 */
function failure<T>(name: string, opts: FuzzOptions, details: fc.RunDetails<[T]>): Error {
  const cause = details.errorInstance;
  const why = cause instanceof Error ? `${cause.constructor.name}: ${cause.message}` : String(cause);
  const input = details.counterexample?.[0];
  let shown: string;
  if (input instanceof Uint8Array) {
    const file = join(tmpdir(), `himoe-fuzz-${name.replace(/[^\w.-]+/g, '_')}-${opts.seed}.bin`);
    writeFileSync(file, input);
    shown = `${input.length} bytes, written to ${file}`;
  } else {
    shown = (JSON.stringify(input) ?? String(input)).slice(0, 600);
  }
  const replay = `{ seed: ${opts.seed}, path: "${details.counterexamplePath ?? ''}" }`;
  return new Error(`${name}: failed after ${details.numRuns} of ${opts.numRuns} cases (seed ${opts.seed}; replay with fc.assert options ${replay}), shrunk ${details.numShrinks} times:\n  ${why}\n  input: ${shown}`, { cause });
}

/**
 * 'rejected' when `err` is an instance of `errorClass` with a stable code and a message that says
 * something; anything else (another exception, an empty or unhelpful message) is rethrown.
 */
export function expectTyped(err: unknown, errorClass: abstract new (...args: never[]) => HimoeError): 'rejected' {
  if (!(err instanceof errorClass)) throw err;
  if (typeof err.code !== 'string' || err.code.length === 0) throw new Error(`${errorClass.name} without a code: ${err.message}`, { cause: err });
  if (err.message.length < 12 || /\[object Object\]|\bundefined\b/.test(err.message)) throw new Error(`${errorClass.name} [${err.code}] with an unclear message: "${err.message}"`, { cause: err });
  return 'rejected';
}
