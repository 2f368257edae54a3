// Inference-only Hi-MoE forward pass (live worker, bench): the same function as HiMoE.forward
// without its training-only work, on ModelWindows instead of a WindowBatch. Weights are folded
// once (norm gains and shifts into the next dense, q/k/v into one matMul, the attention scale,
// GELU's 1.702, the learned alignment query, the differential routing into one [d, 2K] matrix);
// every weight matMul is a 2-D matMul against a constant (tfjs-wasm's XNNPACK path: its batched
// matMul is a scalar loop, its split, unstack and rank-5 transpose are slow); attention
// (attention.ts), norms, masks, biases, router offsets and time encodings run on reused typed arrays.

import type { ModelWindow } from '../../core/align/types.js';
import { ModelError } from '../errors.js';
import { tf } from '../runtime/index.js';
import { attendRows, type AttentionOperand } from './attention.js';
import { allocWindowArrays, fillWindowArrays, type Normalisation, type WindowArrays } from './batch.js';
import { expertNames, lambdaInit, patchFeatureSize, tokensPerWindow, type HiMoEConfig } from './config.js';
import { MASKED, encodeTime, timeEncodingFrequencies, type T } from './layers.js';
import type { HiMoE, Prediction } from './model.js';

export interface InferenceOptions {
  /** Per-channel normalisation of the patch samples, as batchWindows takes it. */
  normalisation?: Normalisation;
}

export interface InferencePrediction extends Prediction {
  /** [B, L] 1 where at least one modality is available (the tokens the window mean averages). */
  tokenValid: Float32Array;
}

/** y = x W (+ b) with W [1, in, out] and b [out] constants. */
interface Linear {
  w: T;
  b?: T;
}

/** GELU's sigmoid slope: folded into the first dense of every FFN (and out of the second). */
const GELU_SLOPE = 1.702;

/** Per-call typed arrays for one batch size, reused from call to call. */
interface Workspace {
  arrays: WindowArrays;
  /** [M, B, L] times the encodings below were computed for (NaN: none yet). */
  encodedTimes: Float32Array;
  /** [M*B*L, d] sinusoidal encodings of encodedTimes. */
  timeEncoding: Float32Array;
  /** [M*B*L, d] what the encoder adds to x W: bias or missing token, modality embedding, time encoding. */
  encoderAdd: Float32Array;
  /** [M*B, L, L] time-aware cross-attention bias; -Infinity where the key is not allowed. */
  alignBias: Float32Array;
  /** [max(M, R)*B*L, d] attention outputs (the temporal blocks use the first R*B*L rows). */
  attended: Float32Array;
  /** Scratch of the attention loops. */
  scratch: Float64Array;
  /** Where activations are read back to (one at a time: each is used before the next read). */
  readBuffer: Float32Array;
  /** [N, M*N] availability-weighted mean over modalities, as a matrix. */
  meanSelect: Float32Array;
  /** [N, R*E] router logit offsets (availability inputs, bias, MASKED for absent modalities). */
  routerAdd: Float32Array;
  /** [N, E] mean-fusion weights (ablation). */
  meanWeights: Float32Array;
  /** Reference times the layout tensors were built for. */
  refTimes: Float32Array | undefined;
  /** [M*B*L, d] alignment queries of the reference tokens (scaled; the same for every modality). */
  alignQuery: Float32Array | undefined;
  /** [R*N, d] fuse/ln beta + reference time encoding (repeated per route). */
  fuseAdd: Float32Array | undefined;
  /** [R*B*L] token validity repeated per route (the temporal attention's key mask). */
  routeValid: Float32Array;
}

interface EncoderBlock {
  qkv: Linear[];
  o: Linear[];
  fc1: Linear[];
  fc2: Linear[];
}

interface TemporalBlock {
  qkv: Linear;
  o: Linear;
  fc1: Linear;
  fc2: Linear;
}

interface EmotionLayer {
  /** [d, K] or [d, 2K]: norm_in gain x Wq_h (prototypes Wk_h)^T / sqrt(d). */
  routing: T;
  /** [2K, K] = [I; -lambda I] (differential only). */
  combine: T | undefined;
  fc1: Linear;
  /** [K, K*f] 0/1: repeats each routing weight over its expert's hidden units. */
  expand: T;
  /** [K*f, d] the experts' second layers stacked. */
  fc2: T;
  /** [K, d] the experts' second-layer biases. */
  fc2Bias: T;
  /** [d] norm_out gain (x (1 - lambda_init) with differential routing). */
  outGain: Float32Array;
}

/** Row-major [rows, cols] product of plain arrays (float64 accumulation). */
function matMulJs(a: ArrayLike<number>, b: ArrayLike<number>, rows: number, inner: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < inner; k++) {
      const aik = a[i * inner + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < cols; j++) out[i * cols + j]! += aik * b[k * cols + j]!;
    }
  }
  return out;
}

/** Side by side: [rows, c1] | [rows, c2] | ... -> [rows, sum c]. */
function concatColumns(parts: ReadonlyArray<{ values: ArrayLike<number>; cols: number }>, rows: number): Float32Array {
  const total = parts.reduce((s, p) => s + p.cols, 0);
  const out = new Float32Array(rows * total);
  let offset = 0;
  for (const p of parts) {
    for (let i = 0; i < rows; i++) for (let j = 0; j < p.cols; j++) out[i * total + offset + j] = p.values[i * p.cols + j]!;
    offset += p.cols;
  }
  return out;
}

/**
 * In place, per row of `width` values: layer norm (x - mean) / sqrt(var + 1e-5) or RMS norm
 * x / sqrt(mean(x^2) + 1e-6), as layers.ts computes them; then times `gain` [width] and plus
 * `add` [rows * width] when given.
 */
function normaliseRows(values: Float32Array, width: number, kind: 'layer' | 'rms', gain?: Float32Array, add?: Float32Array): void {
  for (let row = 0; row < values.length; row += width) {
    let mean = 0;
    if (kind === 'layer') {
      for (let k = 0; k < width; k++) mean += values[row + k]!;
      mean /= width;
    }
    let square = 0;
    for (let k = 0; k < width; k++) square += (values[row + k]! - mean) ** 2;
    const scale = 1 / Math.sqrt(square / width + (kind === 'layer' ? 1e-5 : 1e-6));
    for (let k = 0; k < width; k++) {
      let x = (values[row + k]! - mean) * scale;
      if (gain !== undefined) x *= gain[k]!;
      if (add !== undefined) x += add[row + k]!;
      values[row + k] = x;
    }
  }
}

/**
 * A dense layer [din, dout] preceded by a norm's gain/shift: (xhat gain + shift) W + b =
 * xhat (gain W) + (shift W + b); then the output scaled by `scale`, and the kernel alone by
 * `inputScale` (the layer after a GELU whose slope was folded into the layer before).
 */
interface Fold {
  gain?: ArrayLike<number> | undefined;
  shift?: ArrayLike<number> | undefined;
  scale?: number;
  inputScale?: number;
}

/**
 * Inference for one HiMoE: build once (after the weights are final: it copies them), then call
 * predict per window or batch. Matches HiMoE.predict to float32 rounding (max |diff| ~1e-6 for
 * trained-size weights) on every token where some modality is available; at a token with none,
 * HiMoE.forward's temporal attention sees only masked keys and its outputs there come from the
 * float32 rounding of -1e9 + q.k, which this path replaces by uniform attention over the past.
 */
export class HiMoEInference {
  readonly config: HiMoEConfig;
  private readonly M: number;
  private readonly L: number;
  private readonly d: number;
  private readonly H: number;
  private readonly dh: number;
  private readonly E: number;
  /** Fused streams per token (HiMoE.routes): 1, or one per output with per-output routing. */
  private readonly R: number;
  private readonly K: number;
  private readonly freqs: Float64Array;
  private readonly held: T[] = [];
  private readonly encoderIn: Linear[];
  /** Per modality [d] rows: bias + modality embedding, missing token + modality embedding. */
  private readonly presentAdd: Float32Array[];
  private readonly missingAdd: Float32Array[];
  private readonly encoder: EncoderBlock[];
  private readonly align: { kv: Linear[]; o: Linear[]; lagSec: Float64Array; sigmaSec: Float64Array; query: { w: Float64Array; b: Float64Array } } | undefined;
  private readonly adapt: Linear[];
  private readonly router: { mean: T; avail: Float32Array; bias: Float32Array } | undefined;
  private readonly modalityExperts: { fc1: Linear[]; fc2: Linear[] } | undefined;
  private readonly sharedExperts: Array<{ fc1: Linear; fc2: Linear }>;
  private readonly meanFusion: { fc1: Linear; fc2: Linear } | undefined;
  private readonly fuseGain: Float32Array;
  private readonly fuseBeta: Float32Array;
  private readonly temporal: TemporalBlock[];
  private readonly emotion: EmotionLayer[];
  private readonly head: Linear;
  private readonly lambdas: Float32Array;
  private readonly experts: string[];
  private workspace: Workspace | undefined;

  constructor(model: HiMoE) {
    const c = model.config;
    this.config = c;
    const M = (this.M = c.modalities.length);
    this.L = tokensPerWindow(c);
    const d = (this.d = c.dModel);
    const H = (this.H = c.heads);
    const dh = (this.dh = d / H);
    const S = c.sharedExperts;
    this.E = M + S;
    this.R = model.routes;
    const K = (this.K = c.prototypes);
    const f = d * c.ffnMultiplier;
    this.freqs = timeEncodingFrequencies(d);
    const p = model.params;
    const read = (name: string): Float32Array => p.get(name).dataSync() as Float32Array;
    const part = (values: Float32Array, g: number, size: number) => values.subarray(g * size, (g + 1) * size);
    const hold = <X extends T>(t: X): X => {
      this.held.push(t);
      return t;
    };
    /** Matrices are held as [1, rows, cols]: the shape the wasm matMul kernel takes without reshapes. */
    const constant2d = (values: ArrayLike<number>, rows: number, cols: number) => hold(tf.tensor3d(Float32Array.from(values), [1, rows, cols]));
    const constant1d = (values: ArrayLike<number>) => hold(tf.tensor1d(Float32Array.from(values)));

    const fold = (w: ArrayLike<number>, b: ArrayLike<number> | undefined, din: number, dout: number, o: Fold = {}) => {
      const scale = o.scale ?? 1;
      const wf = new Float64Array(din * dout);
      const bf = new Float64Array(dout);
      for (let i = 0; i < din; i++) {
        const g = (o.gain === undefined ? 1 : o.gain[i]!) * scale * (o.inputScale ?? 1);
        for (let j = 0; j < dout; j++) wf[i * dout + j] = g * w[i * dout + j]!;
      }
      for (let j = 0; j < dout; j++) {
        let s = b === undefined ? 0 : b[j]!;
        if (o.shift !== undefined) for (let i = 0; i < din; i++) s += o.shift[i]! * w[i * dout + j]!;
        bf[j] = s * scale;
      }
      return { w: wf, b: bf };
    };
    const linear = (w: { w: ArrayLike<number>; b: ArrayLike<number> }, din: number, dout: number): Linear => ({ w: constant2d(w.w, din, dout), b: constant1d(w.b) });
    const normOf = (norm: string | undefined) => ({
      gamma: norm !== undefined ? read(`${norm}/gamma`) : undefined,
      beta: norm !== undefined && p.has(`${norm}/beta`) ? read(`${norm}/beta`) : undefined,
    });
    /** Group g's dense of the stacked `name` [G, din, dout], after group g of the norm `norm` [G, 1, din]. */
    const groupFold = (name: string, g: number, din: number, dout: number, norm?: string, o: Fold = {}) => {
      const { gamma, beta } = normOf(norm);
      return fold(part(read(`${name}/kernel`), g, din * dout), part(read(`${name}/bias`), g, dout), din, dout, { ...o, gain: gamma && part(gamma, g, din), shift: beta && part(beta, g, din) });
    };
    const stacked = (name: string, G: number, din: number, dout: number, norm?: string, o: Fold = {}): Linear[] =>
      Array.from({ length: G }, (_, g) => linear(groupFold(name, g, din, dout, norm, o), din, dout));
    const plain = (name: string, din: number, dout: number, norm?: string, o: Fold = {}): Linear => {
      const { gamma, beta } = normOf(norm);
      return linear(fold(read(`${name}/kernel`), read(`${name}/bias`), din, dout, { ...o, gain: gamma, shift: beta }), din, dout);
    };
    /** Dense layers with the same input side by side: one matMul [din, sum dout]. */
    const sideBySide = (parts: ReadonlyArray<{ w: Float64Array; b: Float64Array }>, din: number, dout: number): Linear => ({
      w: constant2d(concatColumns(parts.map((x) => ({ values: x.w, cols: dout })), din), din, parts.length * dout),
      b: constant1d(concatColumns(parts.map((x) => ({ values: x.b, cols: dout })), 1)),
    });
    const afterGelu = { inputScale: 1 / GELU_SLOPE };
    const beforeGelu = { scale: GELU_SLOPE };
    const attnScale = 1 / Math.sqrt(dh);

    // Modality encoders.
    this.encoderIn = c.modalities.map((spec) => ({ w: constant2d(read(`enc/in/${spec.modality}/kernel`), patchFeatureSize(c, spec), d) }));
    const embedding = read('enc/modality_embedding');
    const missing = read('enc/missing_token');
    this.presentAdd = c.modalities.map((spec, m) => {
      const b = read(`enc/in/${spec.modality}/bias`);
      return Float32Array.from({ length: d }, (_, k) => b[k]! + embedding[m * d + k]!);
    });
    this.missingAdd = c.modalities.map((_, m) => Float32Array.from({ length: d }, (__, k) => missing[m * d + k]! + embedding[m * d + k]!));
    this.encoder = Array.from({ length: c.encoderLayers }, (_, l) => {
      const b = `enc/block${l}`;
      return {
        qkv: c.modalities.map((__, m) => sideBySide((['q', 'k', 'v'] as const).map((w) => groupFold(`${b}/attn/${w}`, m, d, d, `${b}/ln1`, { scale: w === 'q' ? attnScale : 1 })), d, d)),
        o: stacked(`${b}/attn/o`, M, d, d),
        fc1: stacked(`${b}/ffn/fc1`, M, d, f, `${b}/ln2`, beforeGelu),
        fc2: stacked(`${b}/ffn/fc2`, M, f, d, undefined, afterGelu),
      };
    });

    // Cross-modal alignment.
    if (c.ablation.alignment === 'full') {
      const kv = c.modalities.map((_, m) => sideBySide((['k', 'v'] as const).map((w) => groupFold(`align/${w}`, m, d, d)), d, d));
      const sigma = tf.tidy(() => model.alignmentWidthSec().dataSync() as Float32Array);
      this.align = {
        kv,
        o: stacked('align/o', M, d, d),
        lagSec: Float64Array.from(read('align/lag')),
        sigmaSec: Float64Array.from(sigma),
        // q = (encoding + query) Wq + bq: the learned query folds into the bias.
        query: fold(read('align/q/kernel'), read('align/q/bias'), d, d, { shift: read('align/query'), scale: attnScale }),
      };
      this.adapt = stacked('adapt', M, d, d, 'align/ln');
    } else {
      this.align = undefined;
      this.adapt = stacked('adapt', M, d, d);
    }

    // Modality Expert Bank or mean fusion.
    if (c.ablation.fusion === 'expert-bank') {
      const w = read('moe/router/kernel');
      const cols = this.R * this.E;
      this.router = { mean: constant2d(w.subarray(0, d * cols), d, cols), avail: w.slice(d * cols), bias: read('moe/router/bias').slice() };
      this.modalityExperts = { fc1: stacked('moe/experts/fc1', M, d, f, undefined, beforeGelu), fc2: stacked('moe/experts/fc2', M, f, d, undefined, afterGelu) };
      const fc1 = stacked('moe/shared/fc1', S, d, f, undefined, beforeGelu);
      const fc2 = stacked('moe/shared/fc2', S, f, d, undefined, afterGelu);
      this.sharedExperts = fc1.map((x, s) => ({ fc1: x, fc2: fc2[s]! }));
      this.meanFusion = undefined;
    } else {
      this.router = undefined;
      this.modalityExperts = undefined;
      this.sharedExperts = [];
      this.meanFusion = { fc1: plain('fuse/ffn/fc1', d, f, undefined, beforeGelu), fc2: plain('fuse/ffn/fc2', f, d, undefined, afterGelu) };
    }
    this.fuseGain = read('fuse/ln/gamma').slice();
    this.fuseBeta = read('fuse/ln/beta').slice();

    // Causal temporal blocks.
    this.temporal = Array.from({ length: c.temporalLayers }, (_, l) => {
      const b = `temporal/block${l}`;
      const { gamma, beta } = normOf(`${b}/ln1`);
      const qkv = (['q', 'k', 'v'] as const).map((w) => fold(read(`${b}/attn/${w}/kernel`), read(`${b}/attn/${w}/bias`), d, d, { gain: gamma, shift: beta, scale: w === 'q' ? attnScale : 1 }));
      return {
        qkv: sideBySide(qkv, d, d),
        o: plain(`${b}/attn/o`, d, d),
        fc1: plain(`${b}/ffn/fc1`, d, f, `${b}/ln2`, beforeGelu),
        fc2: plain(`${b}/ffn/fc2`, f, d, undefined, afterGelu),
      };
    });

    // Emotion Expert Bank.
    const differential = c.ablation.emotionAttention === 'differential';
    const lambdas = new Float32Array(c.emotionLayers);
    this.emotion = Array.from({ length: c.emotionLayers }, (_, i) => {
      const layer = i + 1;
      const b = `emotion/layer${layer}`;
      const gamma = read(`${b}/norm_in/gamma`);
      const protos = read(`${b}/prototypes`);
      const heads = differential ? ['1', '2'] : ['1'];
      // Routing logits hn Wq (P Wk)^T / sqrt(d) = xhat (gain Wq (P Wk)^T / sqrt(d)).
      const routing = heads.map((h) => {
        const pk = matMulJs(protos, read(`${b}/wk${h}`), K, d, d);
        const pkT = new Float64Array(d * K);
        for (let k = 0; k < K; k++) for (let j = 0; j < d; j++) pkT[j * K + k] = pk[k * d + j]!;
        return fold(matMulJs(read(`${b}/wq${h}`), pkT, d, d, K), undefined, d, K, { gain: gamma, scale: 1 / Math.sqrt(d) }).w;
      });
      let combine: T | undefined;
      if (differential) {
        const lambda = tf.tidy(() => model.lambda(layer).dataSync()[0]!);
        lambdas[i] = lambda;
        const cm = new Float32Array(2 * K * K);
        for (let k = 0; k < K; k++) {
          cm[k * K + k] = 1;
          cm[(K + k) * K + k] = -lambda;
        }
        combine = constant2d(cm, 2 * K, K);
      }
      const expand = new Float32Array(K * K * f);
      for (let k = 0; k < K; k++) for (let j = 0; j < f; j++) expand[k * K * f + k * f + j] = 1;
      const outGain = read(`${b}/norm_out/gamma`).map((g) => (differential ? g * (1 - lambdaInit(layer)) : g));
      return {
        routing: constant2d(concatColumns(routing.map((r) => ({ values: r, cols: K })), d), d, heads.length * K),
        combine,
        fc1: linear(fold(read(`${b}/experts/fc1/kernel`), read(`${b}/experts/fc1/bias`), d, K * f, { gain: gamma, ...beforeGelu }), d, K * f),
        expand: constant2d(expand, K, K * f),
        fc2: constant2d(read(`${b}/experts/fc2/kernel`).map((v) => v / GELU_SLOPE), K * f, d),
        fc2Bias: constant2d(read(`${b}/experts/fc2/bias`), K, d),
        outGain: Float32Array.from(outGain),
      };
    });
    this.lambdas = lambdas;
    this.head = plain('head', d, c.outputs.length);
    this.experts = expertNames(c);
  }

  /** Predictions for the windows (same outputs as HiMoE.predict on batchWindows(windows)). */
  predict(windows: readonly ModelWindow[], options: InferenceOptions = {}): InferencePrediction {
    if (windows.length === 0) throw new ModelError('empty-batch', 'HiMoEInference.predict needs at least one window');
    const ws = this.workspaceFor(windows.length);
    fillWindowArrays(windows, this.config, options.normalisation, ws.arrays);
    this.prepare(ws);
    const c = this.config;
    const B = windows.length;
    const { M, L, d, H, dh, E, K, R } = this;
    const N = B * L;
    const D = c.outputs.length;
    const { tokens, modalityWeights, outputModalityWeights, prototypeWeights } = tf.tidy(() => {
      // Activations are [1, rows, features]; rows of per-modality tensors are modality-major
      // (m, b, i), as in HiMoE.forward. Attention runs on plain arrays (attention.ts).
      // tfjs-wasm copies uploaded values into its heap; the cpu backend keeps the array itself, so
      // there a reused buffer must be copied first.
      const onWasm = tf.getBackend() === 'wasm';
      const upload = (values: Float32Array, rows: number, cols: number): T => tf.tensor3d(onWasm ? values : values.slice(), [1, rows, cols]);
      /** x W (+ b): the fused kernel directly (tf.fused.matMul adds 3 reshapes and a gradient wrapper per call). */
      const dense = (x: T, l: Linear): T => tf.engine().runKernel('_FusedMatMul', l.b !== undefined ? { a: x, b: l.w, bias: l.b } : { a: x, b: l.w }, { transposeA: false, transposeB: false, activation: 'linear' }) as T;
      const matMul = (a: T, b: T): T => tf.engine().runKernel('BatchMatMul', { a, b }, { transposeA: false, transposeB: false }) as T;
      /** x's values in ws.readBuffer (valid until the next read), without the garbage of dataSync's fresh array on wasm. */
      const read = (x: T): Float32Array => {
        const out = ws.readBuffer.subarray(0, x.size);
        const backend = tf.backend() as unknown as { typedArrayFromHeap?: (t: T) => Float32Array };
        out.set(onWasm && typeof backend.typedArrayFromHeap === 'function' ? backend.typedArrayFromHeap(x) : (x.dataSync() as Float32Array));
        return out;
      };
      /** x read back, each row layer-normalised (no gain/shift: folded into what follows) or RMS-normalised (times `gain`), plus `add`. */
      const normalised = (x: T, kind: 'layer' | 'rms', gain?: Float32Array, add?: Float32Array): Float32Array => {
        const values = read(x);
        normaliseRows(values, x.shape[2]!, kind, gain, add);
        return values;
      };
      /** Rows as M per-modality tensors: a read-back and M uploads cost less than tfjs-wasm's split (a full read-back per part). */
      const splitModalities = (values: Float32Array, cols: number): T[] => Array.from({ length: M }, (_, m) => upload(values.subarray(m * N * cols, (m + 1) * N * cols), N, cols));
      /** Per-modality dense: one 2-D matMul per modality (a batched matMul runs a scalar loop on wasm). */
      const perModality = (parts: readonly T[], ls: readonly Linear[]): T[] => parts.map((xm, m) => dense(xm, ls[m]!));
      const gelu = (y: T): T => tf.mul(y, tf.sigmoid(y)); // slope folded into the weights
      const operand = (values: Float32Array, stride: number, part: number): AttentionOperand => ({ values, stride, offset: part * d });
      const attended = ws.attended;
      const heads = { heads: H, headDim: dh, tokens: L };

      // Modality encoders: x W + (bias or missing token) + modality embedding + time encoding; causal self-attention.
      const encoded = this.encoderIn.map((l, m) => dense(upload(ws.arrays.feats[m]!, N, l.w.shape[1]!), l));
      let h = tf.add(tf.concat(encoded, 1), upload(ws.encoderAdd, M * N, d));
      for (const block of this.encoder) {
        const qkv = read(tf.concat(perModality(splitModalities(normalised(h, 'layer'), d), block.qkv), 1));
        attendRows(operand(qkv, 3 * d, 0), operand(qkv, 3 * d, 1), operand(qkv, 3 * d, 2), { ...heads, groups: M * B, window: L, emptyRows: 'uniform' }, attended, ws.scratch);
        const o = Array.from({ length: M }, (_, m) => dense(upload(attended.subarray(m * N * d, (m + 1) * N * d), N, d), block.o[m]!));
        const y = tf.add(h, tf.concat(o, 1));
        h = tf.add(y, tf.concat(perModality(perModality(splitModalities(normalised(y, 'layer'), d), block.fc1).map(gelu), block.fc2), 1));
      }

      // Cross-modal alignment (time-aware cross-attention from the reference tokens) and adapters.
      let adaptedParts: T[];
      if (this.align !== undefined) {
        const kv = read(tf.concat(perModality(splitModalities(read(h), d), this.align.kv), 1));
        const query = ws.alignQuery!;
        const horizon = Math.max(1, Math.round(c.alignHorizonSec * c.tokenRateHz));
        attendRows(operand(query, d, 0), operand(kv, 2 * d, 0), operand(kv, 2 * d, 1), { ...heads, groups: M * B, window: horizon, bias: ws.alignBias, emptyRows: 'zero' }, attended, ws.scratch);
        const o = Array.from({ length: M }, (_, m) => dense(upload(attended.subarray(m * N * d, (m + 1) * N * d), N, d), this.align!.o[m]!));
        adaptedParts = perModality(splitModalities(normalised(tf.concat(o, 1), 'layer'), d), this.adapt);
      } else {
        adaptedParts = perModality(splitModalities(read(h), d), this.adapt);
      }
      const mean = matMul(upload(ws.meanSelect, N, M * N), tf.concat(adaptedParts, 1));

      // Modality Expert Bank (or mean fusion).
      let fused: T;
      let weights: T | undefined;
      let routeWeights: T | undefined;
      if (this.router !== undefined && this.modalityExperts !== undefined) {
        // Per-output routing: logits [N, R*E] route-minor, one softmax per (token, route).
        const logits = tf.add(matMul(mean, this.router.mean), upload(ws.routerAdd, N, R * E));
        weights = R === 1 ? tf.softmax(logits) : tf.softmax(tf.reshape(logits, [1, N * R, E]));
        const experts = perModality(perModality(adaptedParts, this.modalityExperts.fc1).map(gelu), this.modalityExperts.fc2);
        for (const s of this.sharedExperts) experts.push(dense(gelu(dense(mean, s.fc1)), s.fc2));
        const stackedExperts = tf.reshape(tf.concat(experts, 1), [E, N, d]);
        if (R === 1) {
          fused = tf.reshape(tf.sum(tf.mul(stackedExperts, tf.reshape(tf.transpose(tf.reshape(weights, [N, E])), [E, N, 1])), 0), [1, N, d]);
        } else {
          // Route r's fused token sum_e w[n, r, e] expert_e[n], laid out route-major [R*N, d] as in HiMoE.forward.
          const byRoute = tf.reshape(tf.transpose(tf.reshape(weights, [N, R, E]), [1, 2, 0]), [R, E, N, 1]);
          fused = tf.reshape(tf.sum(tf.mul(tf.reshape(stackedExperts, [1, E, N, d]), byRoute), 1), [1, R * N, d]);
          routeWeights = weights;
          weights = tf.mean(tf.reshape(weights, [N, R, E]), 1);
        }
      } else {
        const ffn = this.meanFusion!;
        fused = dense(gelu(dense(mean, ffn.fc1)), ffn.fc2);
      }
      const rows = R * N;
      let u = upload(normalised(tf.add(R === 1 ? mean : tf.tile(mean, [1, R, 1]), fused), 'layer', this.fuseGain, ws.fuseAdd), rows, d);

      // Causal temporal blocks over the valid tokens (each route's stream on its own).
      for (const block of this.temporal) {
        const qkv = read(dense(upload(normalised(u, 'layer'), rows, d), block.qkv));
        attendRows(operand(qkv, 3 * d, 0), operand(qkv, 3 * d, 1), operand(qkv, 3 * d, 2), { ...heads, groups: R * B, window: L, keyValid: ws.routeValid, emptyRows: 'uniform' }, attended, ws.scratch);
        const y = tf.add(u, dense(upload(attended.subarray(0, rows * d), rows, d), block.o));
        u = tf.add(y, dense(gelu(dense(upload(normalised(y, 'layer'), rows, d), block.fc1)), block.fc2));
      }

      // Emotion Expert Bank: sum_k r_k FFN_k(hn) = (gelu(hn W1 + b1) * r repeated) W2 + r B2.
      let r: T | undefined;
      for (const layer of this.emotion) {
        const hn = upload(normalised(u, 'rms'), rows, d);
        const logits = matMul(hn, layer.routing);
        r = layer.combine !== undefined ? matMul(tf.reshape(tf.softmax(tf.reshape(logits, [rows, 2, K])), [1, rows, 2 * K]), layer.combine) : tf.softmax(logits);
        const hidden = tf.mul(gelu(dense(hn, layer.fc1)), matMul(r, layer.expand));
        const mix = tf.add(matMul(hidden, layer.fc2), matMul(r, layer.fc2Bias));
        u = tf.add(u, upload(normalised(mix, 'rms', layer.outGain), rows, d));
      }
      let head = dense(u, this.head);
      if (R > 1) {
        // Output o is read from route o (the diagonal of [R, N, D]); prototype weights averaged over routes.
        head = tf.sum(tf.mul(tf.reshape(head, [R, N, D]), tf.reshape(tf.eye(R, D), [R, 1, D])), 0);
        r = tf.mean(tf.reshape(r!, [R, N, K]), 0);
      }
      return {
        tokens: tf.tanh(head).dataSync() as Float32Array,
        modalityWeights: weights !== undefined ? (weights.dataSync() as Float32Array) : ws.meanWeights.slice(),
        // [N * R, E] row n * R + r: token n's weights on route r, i.e. [B, L, D, E].
        outputModalityWeights: routeWeights !== undefined ? (routeWeights.dataSync() as Float32Array) : undefined,
        prototypeWeights: r!.dataSync() as Float32Array,
      };
    });

    const valid = ws.arrays.tokenValid;
    const windowValues = new Float32Array(B * D);
    for (let b = 0; b < B; b++) {
      let count = 0;
      for (let i = 0; i < L; i++) count += valid[b * L + i]!;
      for (let k = 0; k < D; k++) {
        let sum = 0;
        for (let i = 0; i < L; i++) if (valid[b * L + i] === 1) sum += tokens[(b * L + i) * D + k]!;
        windowValues[b * D + k] = sum / Math.max(count, 1);
      }
    }
    return {
      size: B,
      tokensPerWindow: L,
      outputs: [...c.outputs],
      experts: [...this.experts],
      tokens,
      windows: windowValues,
      modalityWeights,
      ...(outputModalityWeights !== undefined ? { outputModalityWeights } : {}),
      prototypeWeights,
      lambdas: this.lambdas.slice(),
      tokenValid: valid.slice(),
    };
  }

  /** The reused arrays for `size` windows (one size kept: the live runner always predicts one). */
  private workspaceFor(size: number): Workspace {
    if (this.workspace?.arrays.size === size) return this.workspace;
    this.disposeWorkspace();
    const { M, L, d, E, R } = this;
    const N = size * L;
    this.workspace = {
      arrays: allocWindowArrays(this.config, size),
      encodedTimes: new Float32Array(M * N).fill(Number.NaN),
      timeEncoding: new Float32Array(M * N * d),
      encoderAdd: new Float32Array(M * N * d),
      alignBias: new Float32Array(this.align !== undefined ? M * N * L : 0),
      attended: new Float32Array(Math.max(M, R) * N * d),
      scratch: new Float64Array(L + this.dh),
      readBuffer: new Float32Array(Math.max(M, R) * N * 3 * d),
      meanSelect: new Float32Array(N * M * N),
      routerAdd: new Float32Array(N * R * E),
      meanWeights: new Float32Array(N * E),
      refTimes: undefined,
      alignQuery: undefined,
      fuseAdd: undefined,
      routeValid: new Float32Array(R * N),
    };
    return this.workspace;
  }

  /** Fill the per-call arrays that depend on the windows only (masks, biases, encodings). */
  private prepare(ws: Workspace): void {
    const { M, L, d, E, R } = this;
    const { present, times, refTimes, keyMask, available, size: B } = ws.arrays;
    const N = B * L;

    // Encoder additive term: (bias or missing token) + modality embedding + encoding of tau.
    for (let r = 0; r < M * N; r++) {
      if (ws.encodedTimes[r] !== times[r]) {
        encodeTime(times[r]!, this.freqs, d, ws.timeEncoding, r * d);
        ws.encodedTimes[r] = times[r]!;
      }
      const add = present[r] === 1 ? this.presentAdd[Math.floor(r / N)]! : this.missingAdd[Math.floor(r / N)]!;
      for (let k = 0; k < d; k++) ws.encoderAdd[r * d + k] = ws.timeEncoding[r * d + k]! + add[k]!;
    }
    // Absent patches: their features must not reach x W (the missing token stands in).
    this.config.modalities.forEach((_, m) => {
      const feats = ws.arrays.feats[m]!;
      const F = feats.length / N;
      for (let n = 0; n < N; n++) if (present[m * N + n] !== 1) feats.fill(0, n * F, (n + 1) * F);
    });

    // Time-aware cross-attention bias -(tau_j - t_i - delta_m)^2 / (2 sigma_m^2) where key j is allowed.
    if (this.align !== undefined) {
      const { lagSec, sigmaSec } = this.align;
      for (let m = 0; m < M; m++) {
        const twoVar = 2 * Math.fround(sigmaSec[m]! * sigmaSec[m]!);
        for (let b = 0; b < B; b++) {
          const base = (m * B + b) * L;
          for (let i = 0; i < L; i++) {
            const row = (base + i) * L;
            for (let j = 0; j < L; j++) {
              if (keyMask[row + j] !== 1) {
                ws.alignBias[row + j] = Number.NEGATIVE_INFINITY;
                continue;
              }
              const offset = Math.fround(Math.fround(times[base + j]! - refTimes[b * L + i]!) - lagSec[m]!);
              ws.alignBias[row + j] = -Math.fround(offset * offset) / twoVar;
            }
          }
        }
      }
    }

    // Mean over available modalities as a [N, M*N] matrix; router offsets; mean-fusion weights.
    ws.meanSelect.fill(0);
    for (let n = 0; n < N; n++) {
      let count = 0;
      for (let m = 0; m < M; m++) count += available[m * N + n]!;
      const share = 1 / Math.max(count, 1);
      for (let m = 0; m < M; m++) {
        const a = available[m * N + n]!;
        ws.meanSelect[n * M * N + m * N + n] = a * share;
        ws.meanWeights[n * E + m] = a / Math.max(count, 1);
      }
      if (this.router !== undefined) {
        const { avail, bias } = this.router;
        for (let j = 0; j < R * E; j++) {
          const e = j % E;
          let s = bias[j]!;
          for (let m = 0; m < M; m++) s += available[m * N + n]! * avail[m * R * E + j]!;
          // Expert e < M is modality e's: absent, its logit is MASKED (softmax weight exactly 0).
          ws.routerAdd[n * R * E + j] = e < M && available[e * N + n] !== 1 ? s + MASKED : s;
        }
      }
    }
    for (let g = 0; g < R; g++) ws.routeValid.set(ws.arrays.tokenValid, g * N);

    // Tensors that depend only on the reference times (the same for every live window).
    const same = ws.refTimes !== undefined && ws.refTimes.every((t, i) => t === refTimes[i]);
    if (!same) {
      ws.refTimes = refTimes.slice();
      const refEncoding = new Float32Array(N * d);
      for (let r = 0; r < N; r++) encodeTime(refTimes[r]!, this.freqs, d, refEncoding, r * d);
      const beta = this.fuseBeta;
      const fuseAdd = new Float32Array(R * N * d);
      for (let i = 0; i < R * N * d; i++) fuseAdd[i] = beta[i % d]! + refEncoding[i % (N * d)]!;
      ws.fuseAdd = fuseAdd;
      const align = this.align;
      if (align !== undefined) {
        // q = (encoding + query) Wq + bq, scaled, for the reference tokens; the same for every modality.
        const q = matMulJs(refEncoding, align.query.w, N, d, d);
        const query = new Float32Array(M * N * d);
        for (let r = 0; r < N; r++) for (let k = 0; k < d; k++) query[r * d + k] = q[r * d + k]! + align.query.b[k]!;
        for (let m = 1; m < M; m++) query.copyWithin(m * N * d, 0, N * d);
        ws.alignQuery = query;
      }
    }
  }

  private disposeWorkspace(): void {
    const ws = this.workspace;
    if (ws === undefined) return;
    this.workspace = undefined;
  }

  dispose(): void {
    this.disposeWorkspace();
    tf.dispose(this.held);
    this.held.length = 0;
  }
}
