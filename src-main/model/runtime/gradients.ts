// Gradients for the kernels the Hi-MoE model trains through. tfjs-core's Node bundle registers
// no gradients at all (the full `@tensorflow/tfjs` package does that), so training on the wasm
// or cpu backend needs these; each is registered only when no gradient exists for the kernel
// yet (tfjs-node or the union package may already have registered its own).

import * as tf from '@tensorflow/tfjs-core';

type Grad = tf.GradConfig;
type T = tf.Tensor;

/** Sum a broadcast gradient back to the shape of the input it flowed from. */
function reduceTo(dy: T, shape: number[]): T {
  const axes = tf.broadcast_util.getReductionAxes(shape, dy.shape);
  const summed = axes.length > 0 ? tf.sum(dy, axes) : dy;
  return tf.reshape(summed, shape);
}

function binary(kernelName: string, da: (dy: T, a: T, b: T) => T, db: (dy: T, a: T, b: T) => T): Grad {
  return {
    kernelName,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved as [T, T];
      const g = dy as T;
      return { a: () => reduceTo(da(g, a, b), a.shape), b: () => reduceTo(db(g, a, b), b.shape) };
    },
  };
}

function unaryFromInput(kernelName: string, dx: (dy: T, x: T) => T): Grad {
  return { kernelName, inputsToSave: ['x'], gradFunc: (dy, saved) => ({ x: () => dx(dy as T, saved[0]!) }) };
}

function unaryFromOutput(kernelName: string, dx: (dy: T, y: T) => T): Grad {
  return { kernelName, outputsToSave: [true], gradFunc: (dy, saved) => ({ x: () => dx(dy as T, saved[0]!) }) };
}

/** dy of a reduction, broadcast back over the reduced axes of x. */
function expandReduced(dy: T, xShape: number[], axis: number | number[]): T {
  const axes = tf.util.parseAxisParam(axis, xShape);
  const kept = tf.backend_util.expandShapeToKeepDim(tf.backend_util.computeOutAndReduceShapes(xShape, axes)[0], axes);
  return tf.mul(tf.reshape(dy, kept), tf.ones(xShape));
}

function batchMatMulGrad(): Grad {
  return {
    kernelName: tf.BatchMatMul,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved, attrs) => {
      const [a, b] = saved as [T, T];
      const g = dy as T;
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      let da: () => T;
      let db: () => T;
      if (!transposeA && !transposeB) {
        da = () => tf.matMul(g, b, false, true);
        db = () => tf.matMul(a, g, true, false);
      } else if (!transposeA && transposeB) {
        da = () => tf.matMul(g, b, false, false);
        db = () => tf.matMul(g, a, true, false);
      } else if (transposeA && !transposeB) {
        da = () => tf.matMul(b, g, false, true);
        db = () => tf.matMul(a, g, false, false);
      } else {
        da = () => tf.matMul(b, g, true, true);
        db = () => tf.matMul(g, a, true, true);
      }
      // Broadcast batch dimensions: sum the gradient over the dimensions an input was broadcast on.
      const fit = (d: T, x: T): T => {
        if (d.rank === x.rank && tf.util.arraysEqual(d.shape, x.shape)) return d;
        return reduceTo(d, x.shape);
      };
      return { a: () => fit(da(), a), b: () => fit(db(), b) };
    },
  };
}

function sliceGrad(): Grad {
  return {
    kernelName: tf.Slice,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const x = saved[0]!;
      const { begin, size } = attrs as unknown as { begin: number | number[]; size: number | number[] };
      const [beginArr, sizeArr] = tf.slice_util.parseSliceParams(x, begin, size);
      const paddings = x.shape.map((dim, i) => [beginArr[i]!, dim - beginArr[i]! - sizeArr[i]!] as [number, number]);
      return { x: () => tf.pad(dy as T, paddings) };
    },
  };
}

function concatGrad(): Grad {
  return {
    kernelName: tf.Concat,
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs) => {
      const { axis } = attrs as unknown as { axis: number };
      const g = dy as T;
      const ax = tf.util.parseAxisParam(axis, saved[0]!.shape)[0]!;
      const sizes = saved.map((t) => t.shape[ax]!);
      const parts = tf.split(g, sizes, ax);
      const out: Record<string, () => T> = {};
      parts.forEach((part, i) => {
        out[String(i)] = () => part;
      });
      return out;
    },
  };
}

function packGrad(): Grad {
  return {
    kernelName: tf.Pack,
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs) => {
      const { axis } = attrs as unknown as { axis: number };
      const parts = tf.unstack(dy as T, axis);
      const out: Record<string, () => T> = {};
      saved.forEach((_, i) => {
        out[String(i)] = () => parts[i]!;
      });
      return out;
    },
  };
}

function addNGrad(): Grad {
  return {
    kernelName: tf.AddN,
    saveAllInputs: true,
    gradFunc: (dy, saved) => {
      const out: Record<string, () => T> = {};
      saved.forEach((_, i) => {
        out[String(i)] = () => tf.clone(dy as T);
      });
      return out;
    },
  };
}

function tileGrad(): Grad {
  return {
    kernelName: tf.Tile,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const x = saved[0]!;
      const { reps } = attrs as unknown as { reps: number[] };
      // dy has shape [reps0 * s0, reps1 * s1, ...]: view it as [reps0, s0, reps1, s1, ...] and sum the reps.
      const interleaved: number[] = [];
      const repAxes: number[] = [];
      x.shape.forEach((s, i) => {
        repAxes.push(interleaved.length);
        interleaved.push(reps[i]!, s);
      });
      return { x: () => tf.reshape(tf.sum(tf.reshape(dy as T, interleaved), repAxes), x.shape) };
    },
  };
}

const GRADIENTS: readonly Grad[] = [
  binary(tf.Add, (dy) => dy, (dy) => dy),
  binary(tf.Sub, (dy) => dy, (dy) => tf.neg(dy)),
  binary(tf.Multiply, (dy, _a, b) => tf.mul(dy, b), (dy, a) => tf.mul(dy, a)),
  binary(tf.RealDiv, (dy, _a, b) => tf.div(dy, b), (dy, a, b) => tf.neg(tf.div(tf.mul(dy, a), tf.square(b)))),
  binary(tf.SquaredDifference, (dy, a, b) => tf.mul(dy, tf.mul(2, tf.sub(a, b))), (dy, a, b) => tf.mul(dy, tf.mul(2, tf.sub(b, a)))),
  binary(tf.Maximum, (dy, a, b) => tf.mul(dy, tf.cast(tf.greaterEqual(a, b), 'float32')), (dy, a, b) => tf.mul(dy, tf.cast(tf.less(a, b), 'float32'))),
  binary(tf.Minimum, (dy, a, b) => tf.mul(dy, tf.cast(tf.lessEqual(a, b), 'float32')), (dy, a, b) => tf.mul(dy, tf.cast(tf.greater(a, b), 'float32'))),
  { kernelName: tf.Neg, gradFunc: (dy) => ({ x: () => tf.neg(dy as T) }) },
  { kernelName: tf.Identity, gradFunc: (dy) => ({ x: () => tf.clone(dy as T) }) },
  { kernelName: tf.Cast, gradFunc: (dy) => ({ x: () => tf.clone(dy as T) }) },
  unaryFromOutput(tf.Exp, (dy, y) => tf.mul(dy, y)),
  unaryFromInput(tf.Log, (dy, x) => tf.div(dy, x)),
  unaryFromOutput(tf.Sqrt, (dy, y) => tf.div(dy, tf.mul(2, y))),
  unaryFromOutput(tf.Rsqrt, (dy, y) => tf.mul(dy, tf.mul(-0.5, tf.mul(y, tf.square(y))))),
  unaryFromInput(tf.Square, (dy, x) => tf.mul(dy, tf.mul(2, x))),
  unaryFromOutput(tf.Tanh, (dy, y) => tf.mul(dy, tf.sub(1, tf.square(y)))),
  unaryFromOutput(tf.Sigmoid, (dy, y) => tf.mul(dy, tf.mul(y, tf.sub(1, y)))),
  unaryFromInput(tf.Relu, (dy, x) => tf.mul(dy, tf.step(x))),
  unaryFromInput(tf.Softplus, (dy, x) => tf.mul(dy, tf.sigmoid(x))),
  unaryFromInput(tf.Abs, (dy, x) => tf.mul(dy, tf.sign(x))),
  unaryFromInput(tf.Sin, (dy, x) => tf.mul(dy, tf.cos(x))),
  unaryFromInput(tf.Cos, (dy, x) => tf.neg(tf.mul(dy, tf.sin(x)))),
  {
    kernelName: tf.Sum,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => ({ x: () => expandReduced(dy as T, saved[0]!.shape, (attrs as unknown as { axis: number | number[] }).axis) }),
  },
  {
    kernelName: tf.Mean,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const x = saved[0]!;
      const axis = (attrs as unknown as { axis: number | number[] }).axis;
      const count = tf.util.parseAxisParam(axis, x.shape).reduce((n, a) => n * x.shape[a]!, 1);
      return { x: () => tf.div(expandReduced(dy as T, x.shape, axis), count) };
    },
  },
  {
    kernelName: tf.Softmax,
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const y = saved[0]!;
      const { dim } = attrs as unknown as { dim: number };
      return { logits: () => {
        const dyTimesY = tf.mul(dy as T, y);
        return tf.sub(dyTimesY, tf.mul(tf.sum(dyTimesY, [dim], true), y));
      } };
    },
  },
  {
    kernelName: tf.Select,
    inputsToSave: ['condition'],
    gradFunc: (dy, saved) => {
      const condition = saved[0]!;
      const g = dy as T;
      return {
        condition: () => tf.zeros(condition.shape),
        t: () => tf.mul(g, tf.cast(condition, 'float32')),
        e: () => tf.mul(g, tf.sub(1, tf.cast(condition, 'float32'))),
      };
    },
  },
  {
    kernelName: tf.Reshape,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => tf.reshape(dy as T, saved[0]!.shape) }),
  },
  {
    kernelName: tf.ExpandDims,
    inputsToSave: ['input'],
    gradFunc: (dy, saved) => ({ input: () => tf.reshape(dy as T, saved[0]!.shape) }),
  },
  {
    kernelName: tf.Transpose,
    gradFunc: (dy, _saved, attrs) => {
      const { perm } = attrs as unknown as { perm: number[] };
      return { x: () => tf.transpose(dy as T, tf.backend_util.getUndoAxesPermutation(perm)) };
    },
  },
  {
    kernelName: tf.PadV2,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const x = saved[0]!;
      const { paddings } = attrs as unknown as { paddings: Array<[number, number]> };
      return { x: () => tf.slice(dy as T, paddings.map((p) => p[0]), x.shape) };
    },
  },
  batchMatMulGrad(),
  sliceGrad(),
  concatGrad(),
  packGrad(),
  tileGrad(),
  addNGrad(),
];

/** Kernels whose gradients this module provides. */
export const GRADIENT_KERNELS: readonly string[] = GRADIENTS.map((g) => g.kernelName);

/** Register a gradient for every kernel above that has none yet; returns the kernels registered. */
export function registerModelGradients(): string[] {
  const registered: string[] = [];
  for (const config of GRADIENTS) {
    if (tf.getGradient(config.kernelName) !== undefined) continue;
    tf.registerGradient(config);
    registered.push(config.kernelName);
  }
  return registered;
}
