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
 * InfoNCE between every pair of modalities: the adapted tokens s [M, N, d] of two modalities at
 * the same token are positives, other tokens of the batch where both are available are negatives
 * (symmetric). `available` [M, N]. Averaged over the positive pairs; 0 when there are none.
 */
export function infoNceLoss(s: T, available: T, temperature: number): tf.Scalar {
  const [M, N] = s.shape as [number, number, number];
  const unit = tf.div(s, tf.sqrt(tf.add(tf.sum(tf.square(s), -1, true), 1e-6)));
  const eye = tf.eye(N);
  const parts: T[] = [];
  const counts: T[] = [];
  for (let m = 0; m < M; m++) {
    for (let n = m + 1; n < M; n++) {
      const um = tf.reshape(tf.slice(unit, [m, 0, 0], [1, -1, -1]), [N, -1]);
      const un = tf.reshape(tf.slice(unit, [n, 0, 0], [1, -1, -1]), [N, -1]);
      const both = tf.mul(tf.reshape(tf.slice(available, [m, 0], [1, -1]), [N]), tf.reshape(tf.slice(available, [n, 0], [1, -1]), [N]));
      const colBias = tf.reshape(tf.mul(tf.sub(1, both), MASKED), [1, N]);
      const logits = tf.div(tf.matMul(um, un, false, true), temperature);
      const diagMN = tf.sum(tf.mul(tf.logSoftmax(tf.add(logits, colBias)), eye), 1);
      const diagNM = tf.sum(tf.mul(tf.logSoftmax(tf.add(tf.transpose(logits), colBias)), eye), 1);
      parts.push(tf.neg(tf.sum(tf.mul(both, tf.mul(tf.add(diagMN, diagNM), 0.5)))));
      counts.push(tf.sum(both));
    }
  }
  if (parts.length === 0) return tf.scalar(0);
  return tf.div(tf.addN(parts), tf.maximum(tf.addN(counts), 1)) as tf.Scalar;
}

/** Load balance: E * sum_e (mean routing weight of expert e over valid tokens)^2 - 1 (0 when uniform). */
export function balanceLoss(weights: T, valid: T): tf.Scalar {
  const E = weights.shape[weights.rank - 1]!;
  const w = tf.reshape(weights, [-1, E]);
  const v = tf.reshape(valid, [-1, 1]);
  const importance = tf.div(tf.sum(tf.mul(w, v), 0), tf.maximum(tf.sum(v), 1));
  return tf.sub(tf.mul(tf.sum(tf.square(importance)), E), 1) as tf.Scalar;
}
