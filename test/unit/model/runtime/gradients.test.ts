import { beforeAll, describe, expect, it } from 'vitest';
import { initModelRuntime, seededRng, tf } from '../../../../src-main/model/runtime/index.js';

/** Central finite differences of a scalar function of one tensor, in float64 JS loops. */
function numericGrad(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, eps = 1e-2): Float32Array {
  const base = x.dataSync().slice();
  const out = new Float32Array(base.length);
  for (let i = 0; i < base.length; i++) {
    const plus = base.slice();
    plus[i] = base[i]! + eps;
    const minus = base.slice();
    minus[i] = base[i]! - eps;
    const fp = tf.tidy(() => f(tf.tensor(plus, x.shape)).dataSync()[0]!);
    const fm = tf.tidy(() => f(tf.tensor(minus, x.shape)).dataSync()[0]!);
    out[i] = (fp - fm) / (2 * eps);
  }
  return out;
}

function randomTensor(shape: number[], seed: number, lo = -1, hi = 1): tf.Tensor {
  const rng = seededRng(seed, 'grad-test');
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.range(lo, hi);
  return tf.tensor(v, shape);
}

const cases: Array<{ name: string; shape: number[]; f: (x: tf.Tensor) => tf.Scalar; positive?: boolean }> = [
  { name: 'broadcast add/sub/mul/div', shape: [3, 1], f: (x) => tf.sum(tf.div(tf.mul(tf.sub(tf.add(x, tf.ones([3, 4])), 0.5), tf.range(1, 5)), tf.add(tf.square(x), 2))) },
  { name: 'exp/log/sqrt/rsqrt', shape: [2, 3], positive: true, f: (x) => tf.sum(tf.add(tf.add(tf.exp(tf.mul(x, 0.3)), tf.log(x)), tf.add(tf.sqrt(x), tf.rsqrt(x)))) },
  { name: 'tanh/sigmoid/relu/softplus/neg/abs', shape: [7], f: (x) => tf.sum(tf.add(tf.add(tf.tanh(x), tf.sigmoid(x)), tf.add(tf.mul(tf.relu(tf.add(x, 0.05)), 2), tf.add(tf.softplus(x), tf.neg(tf.abs(tf.add(x, 3))))))) },
  { name: 'sum/mean with keepDims and axes', shape: [2, 3, 4], f: (x) => tf.sum(tf.mul(tf.mean(x, [0, 2], true), tf.reshape(tf.sum(tf.square(x), 1, false), [2, 1, 4]))) },
  { name: 'softmax', shape: [2, 5], f: (x) => tf.sum(tf.mul(tf.softmax(x), tf.reshape(tf.range(0, 10), [2, 5]))) },
  { name: 'logSoftmax', shape: [2, 5], f: (x) => tf.sum(tf.mul(tf.logSoftmax(x), tf.reshape(tf.range(0, 10), [2, 5]))) },
  { name: 'reshape/expandDims/transpose/concat/slice/stack/tile/addN', shape: [2, 3], f: (x) => {
    const t = tf.transpose(tf.reshape(tf.expandDims(x, 1), [3, 2]));
    const c = tf.concat([t, tf.slice(x, [0, 1], [2, 2])], 1);
    const s = tf.stack([c, tf.mul(c, 2)], 0);
    return tf.addN([tf.sum(tf.mul(tf.tile(s, [1, 2, 1]), tf.reshape(tf.range(0, 40), [2, 4, 5]))), tf.sum(x)]) as tf.Scalar;
  } },
  { name: 'batched matMul in all transpose modes', shape: [2, 3, 4], f: (x) => {
    const b = tf.div(tf.reshape(tf.range(0, 24), [2, 4, 3]), 10);
    const y1 = tf.matMul(x, b);
    const y2 = tf.matMul(x, tf.transpose(b, [0, 2, 1]), false, true);
    const y3 = tf.matMul(tf.transpose(x, [0, 2, 1]), b, true, false);
    const y4 = tf.matMul(b, x, true, true);
    return tf.sum(tf.add(tf.add(tf.square(y1), y2), tf.add(tf.mul(y3, 0.5), tf.sum(tf.square(y4)))));
  } },
  { name: 'matMul with the variable on the right', shape: [4, 2], f: (x) => tf.sum(tf.square(tf.matMul(tf.div(tf.reshape(tf.range(0, 12), [3, 4]), 5), x))) },
  { name: 'maximum/minimum/where/squaredDifference/pad', shape: [6], f: (x) => {
    const m = tf.maximum(x, 0.1);
    const n = tf.minimum(x, -0.2);
    const w = tf.where(tf.greater(tf.range(0, 6), 2), x, tf.mul(x, 3));
    return tf.sum(tf.add(tf.add(tf.mul(m, n), w), tf.add(tf.squaredDifference(x, 0.3), tf.sum(tf.pad(x, [[1, 2]])))));
  } },
];

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`model gradients on ${backend}`, () => {
    beforeAll(async () => {
      await initModelRuntime({ prefer: backend, log: () => undefined });
    });
    for (const c of cases) {
      it(`matches finite differences: ${c.name}`, () => {
        const x = randomTensor(c.shape, c.name.length, c.positive ? 0.5 : -1, c.positive ? 2 : 1);
        const analytic = tf.tidy(() => tf.grad((v: tf.Tensor) => c.f(v))(x).dataSync().slice());
        const numeric = numericGrad(c.f, x);
        x.dispose();
        for (let i = 0; i < numeric.length; i++) expect(analytic[i]).toBeCloseTo(numeric[i]!, 1);
      });
    }
  });
}
