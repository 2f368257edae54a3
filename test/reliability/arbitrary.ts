// A tiny seeded property-based tester for the reliability fuzz tests: generators of bytes,
// mutations of valid inputs (bit flips, truncations, length-field corruption, splices) and
// random JSON, plus `checkProperty`, which runs thousands of cases with a per-case time bound
// and a bound on ArrayBuffer memory growth, and names the seed and case of any failure.
// fast-check would be preferable (shrinking, richer arbitraries). It was not a dependency when
// these tests were written (it now is, see test/unit/acquisition/serial/properties.test.ts); a
// swap keeps checkProperty's time and memory bounds around fc.assert(fc.asyncProperty(...)) with
// each generator here written as an fc arbitrary of the same shape (fc.gen() wraps Random).

/** Deterministic PRNG (mulberry32): the same seed gives the same cases. */
export class Random {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }
}

export type Mutation = 'flip' | 'set' | 'truncate' | 'insert' | 'delete' | 'length' | 'splice' | 'zero';
export const MUTATIONS: readonly Mutation[] = ['flip', 'set', 'truncate', 'insert', 'delete', 'length', 'splice', 'zero'];

/** Values a corrupted length field likes to take: empty, off by one, huge, negative as signed. */
const HOSTILE_LENGTHS = [0, 1, 2, 7, 8, 255, 256, 65535, 0x7fffffff, 0x80000000, 0xffffffff];

/**
 * One to `maxOps` random mutations of `valid`. `lengthOffsets` are byte offsets of length fields
 * (little-endian, up to 4 bytes read) to corrupt on purpose; without them a random offset is used.
 * `donors` are other valid inputs whose byte ranges may be spliced in (chunks of another file).
 */
export function mutate(rng: Random, valid: Uint8Array, opts: { maxOps?: number; lengthOffsets?: readonly number[]; donors?: readonly Uint8Array[] } = {}): Uint8Array {
  let b: Uint8Array = valid.slice();
  const ops = rng.int(1, opts.maxOps ?? 3);
  for (let k = 0; k < ops; k++) {
    if (b.length === 0) break;
    const at = rng.int(0, b.length - 1);
    switch (rng.pick(MUTATIONS)) {
      case 'flip':
        b[at] = b[at]! ^ (1 << rng.int(0, 7));
        break;
      case 'set':
        b[at] = rng.int(0, 255);
        break;
      case 'zero':
        b.fill(0, at, Math.min(b.length, at + rng.int(1, 64)));
        break;
      case 'truncate':
        b = b.slice(0, at);
        break;
      case 'insert': {
        const extra = rng.bytes(rng.int(1, 32));
        b = concat(b.subarray(0, at), extra, b.subarray(at));
        break;
      }
      case 'delete':
        b = concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + rng.int(1, 64))));
        break;
      case 'length': {
        const off = opts.lengthOffsets && opts.lengthOffsets.length > 0 && rng.bool(0.7) ? rng.pick(opts.lengthOffsets) : at;
        const v = rng.bool(0.7) ? rng.pick(HOSTILE_LENGTHS) : rng.int(0, 0xffffffff);
        const width = rng.pick([1, 2, 4]);
        for (let i = 0; i < width && off + i < b.length; i++) b[off + i] = (v >>> (8 * i)) & 0xff;
        break;
      }
      case 'splice': {
        const donor = opts.donors && opts.donors.length > 0 && rng.bool() ? rng.pick(opts.donors) : b;
        const from = rng.int(0, Math.max(0, donor.length - 1));
        const piece = donor.slice(from, Math.min(donor.length, from + rng.int(1, 512)));
        const cutEnd = rng.bool() ? at : Math.min(b.length, at + rng.int(0, 512));
        b = concat(b.subarray(0, at), piece, b.subarray(cutEnd));
        break;
      }
    }
  }
  return b;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Strings that break naive parsers and path handling. */
export const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  '../x',
  '..%2f..%2fetc%2fpasswd',
  '/etc/passwd',
  'C:\\Windows\\system32',
  'a'.repeat(5000),
  '__proto__',
  'constructor',
  '\ud800',
  '{"a":1}',
  'NaN',
  '-1',
  '1e309',
] as const;

/** A random JSON-like value (objects, arrays, numbers incl. edge values, nasty strings). */
export function jsonValue(rng: Random, depth = 0): unknown {
  const kinds = depth > 3 ? ['null', 'bool', 'num', 'str'] : ['null', 'bool', 'num', 'str', 'arr', 'obj', 'obj'];
  switch (rng.pick(kinds)) {
    case 'null':
      return rng.bool() ? null : undefined;
    case 'bool':
      return rng.bool();
    case 'num':
      return rng.pick([0, -1, 1, 0.5, 2 ** 31, 2 ** 53, -(2 ** 53), 1e308, Number.NaN, Number.POSITIVE_INFINITY, rng.int(-1000, 1000), rng.next() * 100]);
    case 'str':
      return rng.bool(0.6) ? rng.pick(NASTY_STRINGS) : randomText(rng, rng.int(0, 20));
    case 'arr':
      return Array.from({ length: rng.int(0, 5) }, () => jsonValue(rng, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = rng.int(0, 5); i > 0; i--) o[rng.bool(0.3) ? rng.pick(NASTY_STRINGS) : randomText(rng, rng.int(1, 8))] = jsonValue(rng, depth + 1);
      return o;
    }
  }
}

export function randomText(rng: Random, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(rng.bool(0.9) ? rng.int(32, 126) : rng.int(0, 0xffff));
  return s;
}

export interface PropertyOptions {
  seed: number;
  cases: number;
  /** Longest one case may take (ms); a slower case fails the property as a probable hang. */
  caseTimeMs?: number;
  /** Largest growth of process.memoryUsage().arrayBuffers over the run (MB). */
  maxArrayBufferGrowthMB?: number;
}

export interface PropertyReport {
  cases: number;
  /** Cases the check classified as rejected input (it returned 'rejected'). */
  rejected: number;
  slowestMs: number;
  arrayBufferGrowthMB: number;
}

/**
 * Runs `check` on `cases` generated inputs. `check` returns 'accepted' or 'rejected' (the domain's
 * typed error) and throws for anything else; the throw is re-raised naming seed and case index.
 */
export async function checkProperty<T>(
  name: string,
  opts: PropertyOptions,
  generate: (rng: Random, caseIndex: number) => T,
  check: (input: T) => 'accepted' | 'rejected' | Promise<'accepted' | 'rejected'>,
): Promise<PropertyReport> {
  const rng = new Random(opts.seed);
  const caseTimeMs = opts.caseTimeMs ?? 500;
  const maxGrowth = (opts.maxArrayBufferGrowthMB ?? 64) * 1024 * 1024;
  const base = process.memoryUsage().arrayBuffers;
  let peak = base;
  let rejected = 0;
  let slowest = 0;
  for (let i = 0; i < opts.cases; i++) {
    const input = generate(rng, i);
    const t0 = performance.now();
    let outcome: 'accepted' | 'rejected';
    try {
      outcome = await check(input);
    } catch (err) {
      const e = err as Error;
      throw new Error(`${name}: case ${i} (seed ${opts.seed}) failed: ${e?.constructor?.name ?? typeof err}: ${e?.message ?? String(err)}`, { cause: err });
    }
    const ms = performance.now() - t0;
    slowest = Math.max(slowest, ms);
    if (ms > caseTimeMs) throw new Error(`${name}: case ${i} (seed ${opts.seed}) took ${ms.toFixed(0)} ms (bound ${caseTimeMs} ms): a probable hang`);
    if (outcome === 'rejected') rejected++;
    if (i % 64 === 0) {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
      if (peak - base > maxGrowth) {
        throw new Error(`${name}: ArrayBuffer memory grew by ${((peak - base) / 1048576).toFixed(0)} MB by case ${i} (seed ${opts.seed}), bound ${opts.maxArrayBufferGrowthMB ?? 64} MB`);
      }
    }
  }
  return { cases: opts.cases, rejected, slowestMs: slowest, arrayBufferGrowthMB: (peak - base) / 1048576 };
}

/** 'rejected' when `err` is an instance of `errorClass`, else rethrows (a crash). */
export function expectTyped(err: unknown, errorClass: abstract new (...args: never[]) => Error): 'rejected' {
  if (err instanceof errorClass) return 'rejected';
  throw err;
}
