// Seeded pseudo-random numbers for the synthetic physiology generator: every random draw of
// a simulated subject and its devices comes from here, so one seed gives the same bytes.
//
// Why no library: we need (a) bit-identical streams in Node, workers and the browser,
// (b) many independent named streams derived from one subject seed, and (c) state that a
// hot loop can copy into local variables. xoshiro128** plus a splitmix32 seeder is ~40
// lines, has no dependency and gives all three; Math.random() is unseedable.

/** Mix 32 bits (murmur3 finaliser). */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Derive a 32-bit seed from a subject seed and any number of tags (strings or numbers), e.g.
 * `hashSeed(seed, 'eeg-noise')` or `hashSeed(seed, 'stimuli', block)`. Numbers are hashed as
 * two 32-bit halves so every safe integer (and any finite float) is distinct.
 */
export function hashSeed(...parts: Array<number | string>): number {
  let h = 0x9e3779b9;
  const mix = (word: number) => {
    h = fmix32((h ^ word) + 0x6d2b79f5);
  };
  for (const part of parts) {
    if (typeof part === 'number') {
      if (Number.isInteger(part) && Math.abs(part) <= Number.MAX_SAFE_INTEGER) {
        mix(part >>> 0);
        mix(Math.floor(part / 4294967296) >>> 0);
      } else {
        const view = new DataView(new ArrayBuffer(8));
        view.setFloat64(0, part);
        mix(view.getUint32(0));
        mix(view.getUint32(4));
      }
      mix(0x4e554d);
    } else {
      for (let i = 0; i < part.length; i++) mix(part.charCodeAt(i));
      mix(0x535452 ^ part.length);
    }
  }
  return h >>> 0;
}

/** splitmix32 step, used to expand a 32-bit seed into generator state. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) >>> 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/** xoshiro128** generator with uniform, range and Gaussian (Box-Muller) draws. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = 0;
  private hasSpare = false;

  constructor(seed32: number) {
    const st = { s: seed32 >>> 0 };
    this.a = splitmix32(st);
    this.b = splitmix32(st);
    this.c = splitmix32(st);
    this.d = splitmix32(st);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Next 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextU32() * 2.3283064365386963e-10;
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal draw (Box-Muller, the second value of each pair is kept for the next call). */
  gaussian(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u = this.uniform();
    if (u < 1e-300) u = 1e-300;
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    this.hasSpare = true;
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Four nonzero 32-bit words to seed an inlined xorshift128 in a hot loop. */
  fillState(out: Int32Array): void {
    for (let i = 0; i < out.length; i++) out[i] = this.nextU32() | 0;
    if ((out[0] | out[1] | out[2] | out[3]) === 0) out[0] = 1;
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
