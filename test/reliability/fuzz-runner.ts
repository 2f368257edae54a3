// Runs a fast-check property for the reliability fuzzers with the guarantees they share: a fixed
// seed named in any failure (fast-check also prints the replay path), a per-case time bound (a
// slow case is a probable hang), a watchdog for a case that never returns, and memory bounds
// (per-case peak and growth retained at the end).
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { collectGarbage } from '../../bench/soak.js';
import type { HimoeError } from '../../src-main/core/errors.js';

export type Outcome = 'accepted' | 'rejected';

export interface FuzzOptions {
  seed: number;
  numRuns: number;
  /** Longest one case may take (ms); a slower case fails the property as a probable hang. */
  caseTimeMs?: number;
  /**
   * A case still running after this long (ms) is a hang: the watchdog writes its input to a file,
   * says so on stderr and kills the test process, which would otherwise wait forever on a
   * synchronous loop (default 30 s, or HIMOE_FUZZ_HANG_MS).
   */
  hangMs?: number;
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
  const watchdog = new Watchdog(name, opts.seed, opts.hangMs ?? (Number(process.env.HIMOE_FUZZ_HANG_MS) || 30_000));
  try {
    return await runProperty(name, arb, check, opts, { caseTimeMs, maxCaseGrowth, base, report, watchdog });
  } finally {
    await watchdog.stop();
  }
}

async function runProperty<T>(
  name: string,
  arb: fc.Arbitrary<T>,
  check: (input: T) => Outcome | Promise<Outcome>,
  opts: FuzzOptions,
  run: { caseTimeMs: number; maxCaseGrowth: number; base: number; report: FuzzReport; watchdog: Watchdog },
): Promise<FuzzReport> {
  const { caseTimeMs, maxCaseGrowth, base, report, watchdog } = run;
  const details = await fc.check(
    fc.asyncProperty(arb, async (input) => {
      watchdog.begin(input);
      const t0 = performance.now();
      let outcome: Outcome;
      try {
        outcome = await check(input);
      } finally {
        watchdog.end();
      }
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
 * The watchdog thread's source (CommonJS, run with `eval`: no loader needed). It polls the case
 * clock the test thread keeps in shared memory; a case over the bound gets its input written to a
 * file, a message on stderr (fs.writeSync: the test thread, which would relay a worker's
 * process.stderr, is the one that hangs) and the process killed, so the test run fails at once
 * instead of waiting forever (vitest's timeouts cannot fire while a synchronous loop holds the thread).
 */
const WATCHDOG_SOURCE = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { clock, bytes, name, seed, hangMs, file } = workerData;
const c = new Float64Array(clock);
const b = new Uint8Array(bytes);
setInterval(() => {
  const started = c[0];
  if (started === 0 || Date.now() - started <= hangMs) return;
  const n = Math.min(c[1], b.length);
  fs.writeFileSync(file, b.subarray(0, n));
  fs.writeSync(2, '\\n' + name + ' (seed ' + seed + '): case ' + c[2] + ' still running after ' + (Date.now() - started) + ' ms (bound ' + hangMs + ' ms): a hang. Its input (' + c[1] + ' bytes' + (c[1] > n ? ', truncated to ' + n : '') + ') is in ' + file + '. Killing the test process.\\n');
  process.kill(process.pid, 'SIGKILL');
}, Math.max(10, Math.min(250, hangMs / 4)));
`;

/** The watchdog of one property run: begin/end around each case, stop at the end. */
class Watchdog {
  private readonly clock = new Float64Array(new SharedArrayBuffer(3 * 8));
  private readonly bytes = new Uint8Array(new SharedArrayBuffer(8 * MB));
  private readonly worker: Worker;
  private cases = 0;

  constructor(name: string, seed: number, hangMs: number) {
    const file = join(tmpdir(), `himoe-fuzz-hang-${name.replace(/[^\w.-]+/g, '_')}-${seed}.bin`);
    this.worker = new Worker(WATCHDOG_SOURCE, { eval: true, workerData: { clock: this.clock.buffer, bytes: this.bytes.buffer, name, seed, hangMs, file } });
    this.worker.unref();
  }

  /** A case starts: its input (bytes, else JSON) goes where the watchdog can write it out. */
  begin(input: unknown): void {
    const data = input instanceof Uint8Array ? input : new TextEncoder().encode(JSON.stringify(input) ?? String(input));
    this.bytes.set(data.subarray(0, this.bytes.length));
    this.clock[1] = data.length;
    this.clock[2] = ++this.cases;
    this.clock[0] = Date.now();
  }

  end(): void {
    this.clock[0] = 0;
  }

  async stop(): Promise<void> {
    this.end();
    await this.worker.terminate();
  }
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
