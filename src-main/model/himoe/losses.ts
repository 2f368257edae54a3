// Hi-MoE training losses (DESIGN §4): sum over output dimensions of (1 - CCC) on the valid
// tokens, masked MSE, the InfoNCE semantic alignment loss between modalities at the same time,
// and the Modality Expert Bank's load-balancing loss.

import { tf } from '../runtime/index.js';
import { MASKED } from './layers.js';

type T = tf.Tensor;

const EPS = 1e-8;

/** Per-dimension CCC [D] of pred vs target [B, L, D] over tokens where mask [B, L] is 1. */
export function concordance(pred: T, target: T, mask: T): T {
  const D = pred.shape[pred.rank - 1]!;
  const p = tf.reshape(pred, [-1, D]);
  const t = tf.reshape(target, [-1, D]);
  const w = tf.reshape(mask, [-1, 1]);
  const n = tf.maximum(tf.sum(w), 1);
  const mp = tf.div(tf.sum(tf.mul(p, w), 0), n);
  const mt = tf.div(tf.sum(tf.mul(t, w), 0), n);
  const dp = tf.sub(p, mp);
  const dt = tf.sub(t, mt);
  const vp = tf.div(tf.sum(tf.mul(tf.square(dp), w), 0), n);
  const vt = tf.div(tf.sum(tf.mul(tf.square(dt), w), 0), n);
  const cov = tf.div(tf.sum(tf.mul(tf.mul(dp, dt), w), 0), n);
  return tf.div(tf.mul(2, cov), tf.add(tf.add(tf.add(vp, vt), tf.square(tf.sub(mp, mt))), EPS));
}

/** Sum over dimensions of (1 - CCC). */
export function cccLoss(pred: T, target: T, mask: T): tf.Scalar {
  const ccc = concordance(pred, target, mask);
  return tf.sum(tf.sub(1, ccc)) as tf.Scalar;
}

/** Mean squared error over masked tokens and all dimensions. */
export function maskedMse(pred: T, target: T, mask: T): tf.Scalar {
  const D = pred.shape[pred.rank - 1]!;
  const w = tf.reshape(mask, [...mask.shape, 1]);
  const se = tf.sum(tf.mul(tf.square(tf.sub(pred, target)), w));
  return tf.div(se, tf.mul(tf.maximum(tf.sum(mask), 1), D)) as tf.Scalar;
}

/**
 * InfoNCE between every pair of modalities, all pairs in one batched matMul: the adapted tokens
 * s [M, N, d] of two modalities at the same token are positives, the other anchor tokens of the
 * batch where both are available are negatives (symmetric). `available` [M, N]. With `stride` > 1
 * (N = windows x `tokens`), only the last token of every `stride` consecutive ones is an anchor,
 * which keeps the cost low (negatives 1 s apart at stride = token rate). Averaged over positive
 * pairs; 0 when there are none.
 */
export function infoNceLoss(s: T, available: T, temperature: number, stride = 1, tokens = 0): tf.Scalar {
  const [M, N, d] = s.shape as [number, number, number];
  if (M < 2) return tf.scalar(0);
  let u = tf.div(s, tf.sqrt(tf.add(tf.sum(tf.square(s), -1, true), 1e-6)));
  let a = available;
  if (stride > 1 && tokens > 0 && tokens % stride === 0 && N % tokens === 0) {
    const groups = (N / tokens) * (tokens / stride);
    u = tf.reshape(tf.slice(tf.reshape(u, [M, groups, stride, d]), [0, 0, stride - 1, 0], [M, groups, 1, d]), [M, groups, d]);
    a = tf.reshape(tf.slice(tf.reshape(a, [M, groups, stride]), [0, 0, stride - 1], [M, groups, 1]), [M, groups]);
  }
  const n = u.shape[1]!;
  const first: number[] = [];
  const second: number[] = [];
  for (let m = 0; m < M; m++) for (let k = m + 1; k < M; k++) {
    first.push(m);
    second.push(k);
  }
  const pick = (x: T, idx: number[]) => tf.concat(idx.map((m) => tf.slice(x, [m, ...new Array(x.rank - 1).fill(0)], [1, ...new Array(x.rank - 1).fill(-1)])), 0);
  const both = tf.mul(pick(a, first), pick(a, second));
  const logits = tf.div(tf.matMul(pick(u, first), pick(u, second), false, true), temperature);
  const colBias = tf.expandDims(tf.mul(tf.sub(1, both), MASKED), 1);
  const eye = tf.eye(n);
  const diagAB = tf.sum(tf.mul(tf.logSoftmax(tf.add(logits, colBias)), eye), -1);
  const diagBA = tf.sum(tf.mul(tf.logSoftmax(tf.add(tf.transpose(logits, [0, 2, 1]), colBias)), eye), -1);
  const total = tf.neg(tf.sum(tf.mul(both, tf.mul(tf.add(diagAB, diagBA), 0.5))));
  return tf.div(total, tf.maximum(tf.sum(both), 1)) as tf.Scalar;
}

/** Load balance: E * sum_e (mean routing weight of expert e over valid tokens)^2 - 1 (0 when uniform). */
export function balanceLoss(weights: T, valid: T): tf.Scalar {
  const E = weights.shape[weights.rank - 1]!;
  const w = tf.reshape(weights, [-1, E]);
  const v = tf.reshape(valid, [-1, 1]);
  const importance = tf.div(tf.sum(tf.mul(w, v), 0), tf.maximum(tf.sum(v), 1));
  return tf.sub(tf.mul(tf.sum(tf.square(importance)), E), 1) as tf.Scalar;
}
