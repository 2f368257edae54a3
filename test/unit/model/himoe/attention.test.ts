import { beforeAll, describe, expect, it } from 'vitest';
import { attendRows, expNonPositive, type AttentionSpec } from '../../../../src-main/model/himoe/attention.js';
import { MASKED, causalBias, multiHeadAttention } from '../../../../src-main/model/himoe/layers.js';
import { initModelRuntime, seededRng, tf } from '../../../../src-main/model/runtime/index.js';

const G = 3;
const L = 7;
const H = 2;
const dh = 4;
const d = H * dh;

/** Random rows [G*L, 3d] (q | k | v). */
function randomQkv(seed: number): Float32Array {
  const rng = seededRng(seed, 'attention');
  return Float32Array.from({ length: G * L * 3 * d }, () => rng.gaussian());
}

function runRows(qkv: Float32Array, spec: Omit<AttentionSpec, 'groups' | 'tokens' | 'heads' | 'headDim'>): Float32Array {
  const out = new Float32Array(G * L * d).fill(Number.NaN);
  attendRows({ values: qkv, stride: 3 * d, offset: 0 }, { values: qkv, stride: 3 * d, offset: d }, { values: qkv, stride: 3 * d, offset: 2 * d }, { groups: G, tokens: L, heads: H, headDim: dh, ...spec }, out, new Float64Array(L + dh));
  return out;
}

/** layers.ts multiHeadAttention (which scales by 1/sqrt(dh) itself) on the same rows, with an additive bias [G, 1, L, L]. */
function reference(qkv: Float32Array, bias: Float32Array): Float32Array {
  return tf.tidy(() => {
    const [q, k, v] = tf.split(tf.tensor3d(qkv, [G, L, 3 * d]), 3, 2) as [tf.Tensor, tf.Tensor, tf.Tensor];
    return multiHeadAttention(tf.mul(q, Math.sqrt(dh)), k, v, H, tf.add(tf.tensor4d(bias, [G, 1, L, L]), causalBias(L))).dataSync() as Float32Array;
  });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);
}

describe('attention on arrays (inference path)', () => {
  beforeAll(async () => {
    await initModelRuntime({ prefer: ['wasm', 'cpu'], log: () => undefined });
  });

  it('equals causal multi-head attention with pre-scaled queries', () => {
    const qkv = randomQkv(1);
    expect(maxAbsDiff(runRows(qkv, { window: L, emptyRows: 'uniform' }), reference(qkv, new Float32Array(G * L * L)))).toBeLessThan(1e-5);
  });

  it('adds the bias, drops -Infinity keys and keys outside the window, as MASKED does', () => {
    const qkv = randomQkv(2);
    const rng = seededRng(3, 'bias');
    const window = 3;
    const bias = new Float32Array(G * L * L);
    const masked = new Float32Array(G * L * L);
    for (let g = 0; g < G; g++) {
      for (let i = 0; i < L; i++) {
        for (let j = 0; j < L; j++) {
          const at = (g * L + i) * L + j;
          const allowed = j > i - window && !(j === i - 1 && i % 2 === 0);
          bias[at] = allowed ? -rng.range(0, 3) : Number.NEGATIVE_INFINITY;
          masked[at] = allowed ? bias[at]! : MASKED;
        }
      }
    }
    expect(maxAbsDiff(runRows(qkv, { window, bias, emptyRows: 'zero' }), reference(qkv, masked))).toBeLessThan(1e-5);
  });

  it('skips invalid keys; a query with none attends uniformly (\'uniform\') or outputs 0 (\'zero\')', () => {
    const qkv = randomQkv(4);
    const keyValid = new Float32Array(G * L).fill(1);
    keyValid.fill(0, 0, 3); // group 0: tokens 0-2 invalid
    const uniform = runRows(qkv, { window: L, keyValid, emptyRows: 'uniform' });
    const zero = runRows(qkv, { window: L, keyValid, emptyRows: 'zero' });
    // Query 2 of group 0 has no valid key: the mean of v over tokens 0..2, or 0.
    for (let t = 0; t < d; t++) {
      const mean = (qkv[0 * 3 * d + 2 * d + t]! + qkv[1 * 3 * d + 2 * d + t]! + qkv[2 * 3 * d + 2 * d + t]!) / 3;
      expect(uniform[2 * d + t]).toBeCloseTo(mean, 5);
      expect(zero[2 * d + t]).toBe(0);
    }
    // Query 3 of group 0 sees only key 3 (the others are invalid): its own v.
    for (let t = 0; t < d; t++) expect(uniform[3 * d + t]).toBeCloseTo(qkv[3 * 3 * d + 2 * d + t]!, 5);
    // Other groups are untouched by group 0's mask.
    const plain = runRows(qkv, { window: L, emptyRows: 'uniform' });
    expect(maxAbsDiff(uniform.subarray(L * d), plain.subarray(L * d))).toBe(0);
  });

  it('computes e^x for x <= 0 to 1e-10 relative (0 where Math.exp underflows)', () => {
    const rng = seededRng(5, 'exp');
    for (let i = 0; i < 20000; i++) {
      const x = -rng.range(0, i % 2 === 0 ? 40 : 700);
      expect(Math.abs(expNonPositive(x) - Math.exp(x)) / Math.exp(x)).toBeLessThan(1e-10);
    }
    expect(expNonPositive(0)).toBe(1);
    expect(expNonPositive(-800)).toBe(0);
    expect(expNonPositive(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(Math.abs(expNonPositive(-744) - Math.exp(-744))).toBeLessThan(1e-320);
  });
});
