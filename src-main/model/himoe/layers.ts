// Building blocks of Hi-MoE made only of ops with gradients on every backend (matMul, reshape,
// transpose, softmax, elementwise; DESIGN §4 "Backend"): dense layers (plain and stacked per
// modality / expert), layer norm, RMSNorm, GELU, multi-head attention with an additive bias,
// dropout from seeded masks, sinusoidal time encoding of real times.

import { tf, type Rng } from '../runtime/index.js';
import type { ParamStore } from './params.js';

export type T = tf.Tensor;

/** Additive attention bias for "not allowed" (exp underflows to exactly 0 in float32). */
export const MASKED = -1e9;

/** Create a dense layer's parameters `${name}/kernel` [inDim, outDim] and `${name}/bias` [outDim]. */
export function addDense(p: ParamStore, name: string, inDim: number, outDim: number): void {
  p.add(`${name}/kernel`, [inDim, outDim], 'glorot');
  p.add(`${name}/bias`, [outDim], 'zeros');
}

/** y = x W + b over the last axis of x (any leading shape); one fused kernel for matMul + bias. */
export function dense(p: ParamStore, name: string, x: T): T {
  const w = p.get(`${name}/kernel`);
  const bias = p.get(`${name}/bias`);
  if (x.rank === 2) return tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias });
  const inDim = x.shape[x.rank - 1]!;
  const lead = x.shape.slice(0, -1);
  const y = tf.fused.matMul({ a: tf.reshape(x, [-1, inDim]) as tf.Tensor2D, b: w as tf.Tensor2D, bias });
  return tf.reshape(y, [...lead, w.shape[1]!]);
}

/** Stacked dense: `groups` independent layers applied to x [groups, N, inDim] at once. */
export function addStackedDense(p: ParamStore, name: string, groups: number, inDim: number, outDim: number): void {
  p.add(`${name}/kernel`, [groups, inDim, outDim], 'glorot', { fanIn: inDim, fanOut: outDim });
  p.add(`${name}/bias`, [groups, 1, outDim], 'zeros');
}

export function stackedDense(p: ParamStore, name: string, x: T): T {
  // (tfjs-backend-wasm's fused matMul takes only rank-1 biases, so not fused here.)
  return tf.add(tf.matMul(x, p.get(`${name}/kernel`)), p.get(`${name}/bias`));
}

/** Layer norm parameters; `groups` > 0 gives per-group gains of shape [groups, 1, dim]. */
export function addNorm(p: ParamStore, name: string, dim: number, groups = 0, withBias = true): void {
  const shape = groups > 0 ? [groups, 1, dim] : [dim];
  p.add(`${name}/gamma`, shape, 'ones');
  if (withBias) p.add(`${name}/beta`, shape, 'zeros');
}

export function layerNorm(p: ParamStore, name: string, x: T, eps = 1e-5): T {
  const axis = x.rank - 1;
  const mu = tf.mean(x, axis, true);
  const xc = tf.sub(x, mu);
  const variance = tf.mean(tf.square(xc), axis, true);
  return tf.add(tf.mul(tf.mul(xc, tf.rsqrt(tf.add(variance, eps))), p.get(`${name}/gamma`)), p.get(`${name}/beta`));
}

/** RMSNorm: x / sqrt(mean(x^2) + eps) * gamma (no centring, no bias). */
export function rmsNorm(p: ParamStore, name: string, x: T, eps = 1e-6): T {
  const ms = tf.mean(tf.square(x), x.rank - 1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, eps))), p.get(`${name}/gamma`));
}

/** GELU, sigmoid approximation x * sigmoid(1.702 x). */
export function gelu(x: T): T {
  return tf.mul(x, tf.sigmoid(tf.mul(x, 1.702)));
}

/** Inverted dropout with a mask drawn from the given PRNG's seed; identity when rng is undefined or rate is 0. */
export function dropout(x: T, rate: number, rng: Rng | undefined): T {
  if (rng === undefined || rate <= 0) return x;
  const u = tf.randomUniform(x.shape, 0, 1, 'float32', rng.nextU32());
  return tf.mul(x, tf.div(tf.cast(tf.greaterEqual(u, rate), 'float32'), 1 - rate));
}

/** Angular frequencies of the sinusoidal time encoding: periods from 0.5 s to 64 s. */
export function timeEncodingFrequencies(dim: number): Float64Array {
  const half = Math.floor(dim / 2);
  const freqs = new Float64Array(half);
  for (let k = 0; k < half; k++) freqs[k] = (2 * Math.PI) / (0.5 * Math.pow(128, half > 1 ? k / (half - 1) : 0));
  return freqs;
}

/** Write the encoding of tSec ([sin(w_k t)]_k then [cos(w_k t)]_k, 0 for an odd last slot) into out[offset .. offset + dim). */
export function encodeTime(tSec: number, freqs: Float64Array, dim: number, out: Float32Array, offset: number): void {
  const half = freqs.length;
  for (let k = 0; k < half; k++) {
    out[offset + k] = Math.sin(freqs[k]! * tSec);
    out[offset + half + k] = Math.cos(freqs[k]! * tSec);
  }
  if (dim % 2 === 1) out[offset + dim - 1] = 0;
}

/** Causal additive mask [1, 1, L, L]: 0 where key j <= query i, MASKED after. */
export function causalBias(length: number): T {
  const values = new Float32Array(length * length);
  for (let i = 0; i < length; i++) for (let j = i + 1; j < length; j++) values[i * length + j] = MASKED;
  return tf.tensor4d(values, [1, 1, length, length]);
}

/**
 * Multi-head scaled dot-product attention. q [G, Lq, d], k and v [G, Lk, d]; `bias` broadcasts
 * to [G, heads, Lq, Lk] and is added to the scores. Returns [G, Lq, d] (before the output projection).
 */
export function multiHeadAttention(q: T, k: T, v: T, heads: number, bias: T | undefined): T {
  const [g, lq, d] = q.shape as [number, number, number];
  const lk = k.shape[1]!;
  const dh = d / heads;
  const split = (x: T, len: number) => tf.transpose(tf.reshape(x, [g, len, heads, dh]), [0, 2, 1, 3]);
  let scores = tf.mul(tf.matMul(split(q, lq), split(k, lk), false, true), 1 / Math.sqrt(dh));
  if (bias !== undefined) scores = tf.add(scores, bias);
  const out = tf.matMul(tf.softmax(scores, -1), split(v, lk));
  return tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [g, lq, d]);
}

/** Feed-forward parameters: `${name}/fc1`, `${name}/fc2` (stacked over `groups` when > 0). */
export function addFfn(p: ParamStore, name: string, dim: number, hidden: number, groups = 0): void {
  if (groups > 0) {
    addStackedDense(p, `${name}/fc1`, groups, dim, hidden);
    addStackedDense(p, `${name}/fc2`, groups, hidden, dim);
  } else {
    addDense(p, `${name}/fc1`, dim, hidden);
    addDense(p, `${name}/fc2`, hidden, dim);
  }
}

export function ffn(p: ParamStore, name: string, x: T, stacked: boolean, rate: number, rng: Rng | undefined): T {
  const layer = stacked ? stackedDense : dense;
  return layer(p, `${name}/fc2`, dropout(gelu(layer(p, `${name}/fc1`, x)), rate, rng));
}

/** Parameters of a pre-norm transformer block on [N, d] tokens: ln1, attn/{q,k,v,o}, ln2, ffn (in this order). */
export function addTransformerBlock(p: ParamStore, name: string, dim: number, hidden: number): void {
  addNorm(p, `${name}/ln1`, dim);
  for (const w of ['q', 'k', 'v', 'o']) addDense(p, `${name}/attn/${w}`, dim, dim);
  addNorm(p, `${name}/ln2`, dim);
  addFfn(p, `${name}/ffn`, dim, hidden);
}

/**
 * Pre-norm transformer block on x [B*L, d] (2-D, so every dense is one fused kernel) with an
 * attention bias broadcasting to [B, heads, L, L] (causal and validity masks).
 */
export function transformerBlock(p: ParamStore, name: string, x: T, o: { batch: number; tokens: number; heads: number; bias: T; dropout: number; rng: Rng | undefined }): T {
  const d = x.shape[1]!;
  const hn = layerNorm(p, `${name}/ln1`, x);
  const proj = (w: string) => tf.reshape(dense(p, `${name}/attn/${w}`, hn), [o.batch, o.tokens, d]);
  const attended = tf.reshape(multiHeadAttention(proj('q'), proj('k'), proj('v'), o.heads, o.bias), [o.batch * o.tokens, d]);
  const y = tf.add(x, dropout(dense(p, `${name}/attn/o`, attended), o.dropout, o.rng));
  return tf.add(y, dropout(ffn(p, `${name}/ffn`, layerNorm(p, `${name}/ln2`, y), false, o.dropout, o.rng), o.dropout, o.rng));
}
