// Masked multi-head attention on plain arrays, for Hi-MoE's inference path (inference.ts): every
// attention of the network is causal, so a query sees at most `window` keys, and at these sizes
// (32 tokens, 8-wide heads) a loop over the allowed keys costs less than tfjs-wasm's batched
// matMul (a scalar loop there) plus the head split/merge transposes around it.

/** 2^-k for k = 0 .. 1075 (exact down to the smallest subnormal, 2^-1074; then 0). */
const TWO_TO_MINUS = Float64Array.from({ length: 1076 }, (_, k) => 2 ** -k);

/**
 * e^x for x <= 0 (softmax after subtracting the row maximum), ~4x faster than Math.exp: x = n ln 2
 * + r with |r| <= ln 2 / 2, e^r by its degree-9 Taylor polynomial (relative error < 1e-11), 2^n
 * from a table; 0 below -745 (where Math.exp is 0 as well).
 */
export function expNonPositive(x: number): number {
  if (x < -745) return 0;
  const n = Math.round(x * Math.LOG2E);
  const r = x - n * Math.LN2;
  const p = 1 + r * (1 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720 + r * (1 / 5040 + r * (1 / 40320 + r / 362880))))))));
  return p * TWO_TO_MINUS[-n]!;
}

/** Geometry and masks of one attention: `groups` independent sequences of `tokens` tokens. */
export interface AttentionSpec {
  groups: number;
  tokens: number;
  heads: number;
  headDim: number;
  /** Query i sees keys j in [i - window + 1, i]. */
  window: number;
  /** [groups, tokens, tokens] additive bias (query-major); -Infinity: key not allowed. */
  bias?: Float32Array;
  /** [groups, tokens] 1 where a key may be attended to at all. */
  keyValid?: Float32Array;
  /** A query with no allowed key: attend uniformly to its window, as a softmax over equal -1e9 scores does ('uniform'), or output 0 ('zero'). */
  emptyRows: 'uniform' | 'zero';
}

/** One operand: rows (group * tokens + token) of `stride` values, the heads starting at column `offset`. */
export interface AttentionOperand {
  values: Float32Array;
  stride: number;
  offset: number;
}

/**
 * out[(g * tokens + i) * heads * headDim + h * headDim + t] = sum_j softmax_j(q_i . k_j + bias) v_j
 * per group g and head h; q is expected pre-scaled (1 / sqrt(headDim) folded into its weights).
 * `scratch` holds at least `tokens + headDim` values.
 */
export function attendRows(q: AttentionOperand, k: AttentionOperand, v: AttentionOperand, spec: AttentionSpec, out: Float32Array, scratch: Float64Array): void {
  const { groups, tokens: L, heads: H, headDim: dh, window } = spec;
  const bias = spec.bias;
  const keyValid = spec.keyValid;
  const uniform = spec.emptyRows === 'uniform';
  const d = H * dh;
  // Locals for the hot loops (V8 keeps them in registers; property loads per element cost ~5x).
  const qv = q.values;
  const kv = k.values;
  const vv = v.values;
  const qs = q.stride;
  const ks = k.stride;
  const vs = v.stride;
  const scores = scratch; // [0, L): scores, then weights; [L, L + dh): the output accumulator
  for (let g = 0; g < groups; g++) {
    for (let i = 0; i < L; i++) {
      const jLo = i - window + 1 > 0 ? i - window + 1 : 0;
      const qRow = (g * L + i) * qs + q.offset;
      const biasRow = (g * L + i) * L;
      const oRow = (g * L + i) * d;
      for (let h = 0; h < H; h++) {
        const qh = qRow + h * dh;
        const kOff = k.offset + h * dh;
        let max = -Infinity;
        for (let j = jLo; j <= i; j++) {
          let s = -Infinity;
          if (keyValid === undefined || keyValid[g * L + j] === 1) {
            const b = bias === undefined ? 0 : bias[biasRow + j]!;
            if (b !== -Infinity) {
              const kh = (g * L + j) * ks + kOff;
              s = b;
              let t = 0;
              for (; t + 3 < dh; t += 4) s += qv[qh + t]! * kv[kh + t]! + qv[qh + t + 1]! * kv[kh + t + 1]! + qv[qh + t + 2]! * kv[kh + t + 2]! + qv[qh + t + 3]! * kv[kh + t + 3]!;
              for (; t < dh; t++) s += qv[qh + t]! * kv[kh + t]!;
            }
          }
          scores[j] = s;
          if (s > max) max = s;
        }
        let total = 0;
        if (max === -Infinity) {
          for (let j = jLo; j <= i; j++) scores[j] = uniform ? 1 : 0;
          total = uniform ? i - jLo + 1 : 1;
        } else {
          for (let j = jLo; j <= i; j++) {
            const e = expNonPositive(scores[j]! - max);
            scores[j] = e;
            total += e;
          }
        }
        for (let t = 0; t < dh; t++) scratch[L + t] = 0;
        const vOff = v.offset + h * dh;
        const inverse = 1 / total;
        for (let j = jLo; j <= i; j++) {
          const p = scores[j]! * inverse;
          if (p === 0) continue;
          const vh = (g * L + j) * vs + vOff;
          for (let t = 0; t < dh; t++) scratch[L + t]! += p * vv[vh + t]!;
        }
        const oh = oRow + h * dh;
        for (let t = 0; t < dh; t++) out[oh + t] = scratch[L + t]!;
      }
    }
  }
}
