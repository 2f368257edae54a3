// The Hi-MoE network (DESIGN §4) on a WindowBatch: modality encoders on patches -> cross-modal
// alignment (time-aware cross-attention with learned lag/width per modality, adapters trained by
// InfoNCE) -> Modality Expert Bank (masked soft router) -> causal temporal blocks -> Emotion
// Expert Bank (prototypes routed by differential attention) -> per-token tanh head and the
// window's masked mean. Every path from an input to a token's prediction is causal.

import { ModelError } from '../errors.js';
import { tf, type Rng } from '../runtime/index.js';
import { expertNames, lambdaInit, patchFeatureSize, resolveHiMoEConfig, type HiMoEConfig } from './config.js';
import type { WindowBatch } from './batch.js';
import { ParamStore } from './params.js';
import {
  MASKED,
  addDense,
  addFfn,
  addNorm,
  addStackedDense,
  addTransformerBlock,
  causalBias,
  dense,
  dropout,
  ffn,
  gelu,
  layerNorm,
  multiHeadAttention,
  rmsNorm,
  stackedDense,
  transformerBlock,
  type T,
} from './layers.js';
import { balanceLoss, cccLoss, infoNceLoss, maskedMse } from './losses.js';

export interface ForwardOptions {
  /** Dropout on (needs `rng`). */
  training?: boolean;
  /** Seeded PRNG for the dropout masks. */
  rng?: Rng;
}

export interface HiMoEOutput {
  /** [B, L, D] per-token predictions in [-1, 1]. */
  tokenPredictions: T;
  /** [B, D] masked mean over the valid tokens. */
  windowPredictions: T;
  /** [B, L, M + S] Modality Expert Bank weights (modality experts in config order, then shared); 0 exactly for unavailable modalities. With per-output routing, the mean over the outputs. */
  modalityWeights: T;
  /** [B, L, D, M + S] with per-output routing: each output's own Modality Expert Bank weights. */
  outputModalityWeights?: T;
  /** [B, L, K] routing weights over the emotion prototypes (last Emotion Expert Bank layer). */
  prototypeWeights: T;
  /** [emotionLayers] lambda of each Emotion Expert Bank layer (0 with plain softmax routing). */
  lambdas: T;
  /** [M, B*L, d] adapted tokens (semantic alignment space). */
  adapted: T;
  /** Scalar InfoNCE alignment loss (0 without the alignment module). */
  alignmentLoss: T;
  /** Scalar load-balancing loss (0 with mean fusion). */
  balanceLoss: T;
}

/** Downloaded outputs of a forward pass (row-major). */
export interface Prediction {
  size: number;
  tokensPerWindow: number;
  outputs: string[];
  /** Expert names of the Modality Expert Bank: modalities in config order, then 'shared0', ... */
  experts: string[];
  /** [B, L, D] */
  tokens: Float32Array;
  /** [B, D] */
  windows: Float32Array;
  /** [B, L, experts]; with per-output routing the mean over the outputs. */
  modalityWeights: Float32Array;
  /** [B, L, D, experts] with per-output routing: each output's own weights (absent when the outputs share one router). */
  outputModalityWeights?: Float32Array;
  /** [B, L, K] */
  prototypeWeights: Float32Array;
  /** [emotionLayers] */
  lambdas: Float32Array;
}

export interface LossTerms {
  total: tf.Scalar;
  ccc: tf.Scalar;
  mse: tf.Scalar;
  alignment: tf.Scalar;
  balance: tf.Scalar;
}

/**
 * Run a forward pass in tf.tidy and download its outputs as plain arrays (no tensor outlives the
 * call): predict() of Hi-MoE and of any network with the HiMoEOutput shape.
 */
export function predictOnce(config: HiMoEConfig, batch: WindowBatch, forward: () => HiMoEOutput): Prediction {
  let prediction: Prediction | undefined;
  tf.tidy(() => {
    prediction = downloadPrediction(config, batch, forward());
  });
  return prediction!;
}

function downloadPrediction(config: HiMoEConfig, batch: WindowBatch, o: HiMoEOutput): Prediction {
  return {
    size: batch.size,
    tokensPerWindow: batch.tokens,
    outputs: [...config.outputs],
    experts: expertNames(config),
    tokens: o.tokenPredictions.dataSync() as Float32Array,
    windows: o.windowPredictions.dataSync() as Float32Array,
    modalityWeights: o.modalityWeights.dataSync() as Float32Array,
    ...(o.outputModalityWeights !== undefined ? { outputModalityWeights: o.outputModalityWeights.dataSync() as Float32Array } : {}),
    prototypeWeights: o.prototypeWeights.dataSync() as Float32Array,
    lambdas: o.lambdas.dataSync() as Float32Array,
  };
}

export class HiMoE {
  readonly config: HiMoEConfig;
  readonly params: ParamStore;
  private readonly causal: T;

  constructor(config: Partial<HiMoEConfig> = {}, seed = 0) {
    this.config = resolveHiMoEConfig(config);
    this.params = new ParamStore(seed);
    this.build();
    this.causal = tf.keep(causalBias(Math.round(this.config.windowSec * this.config.tokenRateHz)));
  }

  get modalityCount(): number {
    return this.config.modalities.length;
  }

  /** Fused token streams per token: 1, or one per output with per-output modality routing. */
  get routes(): number {
    return this.config.ablation.fusion === 'expert-bank' && this.config.modalityRouting === 'per-output' ? this.config.outputs.length : 1;
  }

  get expertCount(): number {
    return this.config.modalities.length + this.config.sharedExperts;
  }

  private build(): void {
    const c = this.config;
    const p = this.params;
    const M = c.modalities.length;
    const d = c.dModel;
    const f = d * c.ffnMultiplier;
    const K = c.prototypes;
    for (const spec of c.modalities) addDense(p, `enc/in/${spec.modality}`, patchFeatureSize(c, spec), d);
    p.add('enc/modality_embedding', [M, 1, d], 'normal');
    p.add('enc/missing_token', [M, 1, d], 'normal');
    for (let l = 0; l < c.encoderLayers; l++) {
      const b = `enc/block${l}`;
      addNorm(p, `${b}/ln1`, d, M);
      for (const w of ['q', 'k', 'v', 'o']) addStackedDense(p, `${b}/attn/${w}`, M, d, d);
      addNorm(p, `${b}/ln2`, d, M);
      addFfn(p, `${b}/ffn`, d, f, M);
    }
    if (c.ablation.alignment === 'full') {
      p.add('align/query', [d], 'normal');
      addDense(p, 'align/q', d, d);
      for (const w of ['k', 'v', 'o']) addStackedDense(p, `align/${w}`, M, d, d);
      p.add('align/lag', [M], new Float32Array(c.modalities.map((s) => c.initialLagSec[s.modality] ?? 0)));
      // sigma = softplus(raw) + 0.05 s, raw set so sigma starts at initialSigmaSec.
      const raw = Math.log(Math.expm1(Math.max(c.initialSigmaSec - 0.05, 1e-3)));
      p.add('align/sigma_raw', [M], new Float32Array(M).fill(raw));
      addNorm(p, 'align/ln', d, M);
    }
    addStackedDense(p, 'adapt', M, d, d);
    if (c.ablation.fusion === 'expert-bank') {
      addDense(p, 'moe/router', d + M, (M + c.sharedExperts) * this.routes);
      addFfn(p, 'moe/experts', d, f, M);
      addFfn(p, 'moe/shared', d, f, c.sharedExperts);
    } else {
      addFfn(p, 'fuse/ffn', d, f);
    }
    addNorm(p, 'fuse/ln', d);
    for (let l = 0; l < c.temporalLayers; l++) addTransformerBlock(p, `temporal/block${l}`, d, f);
    for (let l = 1; l <= c.emotionLayers; l++) {
      const b = `emotion/layer${l}`;
      addNorm(p, `${b}/norm_in`, d, 0, false);
      // Prototypes around the valence-arousal circumplex: prototype k at angle 2 pi k / K in the first two dimensions.
      const protos = new Float32Array(K * d);
      for (let k = 0; k < K; k++) {
        const angle = (2 * Math.PI * k) / K;
        protos[k * d] = Math.cos(angle);
        if (d > 1) protos[k * d + 1] = Math.sin(angle);
      }
      const noise = p.gaussian(K * d, 0.02);
      for (let i = 0; i < K * d; i++) protos[i]! += noise[i]!;
      p.add(`${b}/prototypes`, [K, d], protos);
      const heads = c.ablation.emotionAttention === 'differential' ? ['1', '2'] : ['1'];
      for (const h of heads) {
        p.add(`${b}/wq${h}`, [d, d], 'glorot');
        p.add(`${b}/wk${h}`, [d, d], 'glorot');
      }
      if (c.ablation.emotionAttention === 'differential') {
        for (const v of ['lq1', 'lk1', 'lq2', 'lk2']) p.add(`${b}/${v}`, [d], 'normal');
      }
      addDense(p, `${b}/experts/fc1`, d, K * f);
      addStackedDense(p, `${b}/experts/fc2`, K, f, d);
      addNorm(p, `${b}/norm_out`, d, 0, false);
    }
    addDense(p, 'head', d, c.outputs.length);
  }

  /** lambda of Emotion Expert Bank layer `layer` (1-based): exp(lq1.lk1) - exp(lq2.lk2) + lambda_init. */
  lambda(layer: number): tf.Scalar {
    const b = `emotion/layer${layer}`;
    const p = this.params;
    const dot = (a: string, c: string) => tf.sum(tf.mul(p.get(`${b}/${a}`), p.get(`${b}/${c}`)));
    return tf.add(tf.sub(tf.exp(dot('lq1', 'lk1')), tf.exp(dot('lq2', 'lk2'))), lambdaInit(layer)) as tf.Scalar;
  }

  /** Emotion Expert Bank routing r [N, K] for normalised tokens hn [N, d]. */
  routing(layer: number, hn: T): { r: T; lambda: T } {
    const b = `emotion/layer${layer}`;
    const p = this.params;
    const scale = 1 / Math.sqrt(this.config.dModel);
    const protos = p.get(`${b}/prototypes`);
    const attend = (h: string) => tf.softmax(tf.mul(tf.matMul(tf.matMul(hn, p.get(`${b}/wq${h}`)), tf.matMul(protos, p.get(`${b}/wk${h}`)), false, true), scale), -1);
    if (this.config.ablation.emotionAttention === 'softmax') return { r: attend('1'), lambda: tf.scalar(0) };
    const lambda = this.lambda(layer);
    return { r: tf.sub(attend('1'), tf.mul(lambda, attend('2'))), lambda };
  }

  private emotionLayer(layer: number, u: T, rng: Rng | undefined): { u: T; r: T; lambda: T } {
    const c = this.config;
    const p = this.params;
    const b = `emotion/layer${layer}`;
    const N = u.shape[0]!;
    const K = c.prototypes;
    const f = c.dModel * c.ffnMultiplier;
    const hn = rmsNorm(p, `${b}/norm_in`, u);
    const { r, lambda } = this.routing(layer, hn);
    const hidden = tf.transpose(tf.reshape(gelu(dense(p, `${b}/experts/fc1`, hn)), [N, K, f]), [1, 0, 2]);
    const experts = stackedDense(p, `${b}/experts/fc2`, dropout(hidden, c.dropout, rng));
    const mix = tf.sum(tf.mul(experts, tf.reshape(tf.transpose(r), [K, N, 1])), 0);
    const normed = rmsNorm(p, `${b}/norm_out`, mix);
    const scaled = c.ablation.emotionAttention === 'differential' ? tf.mul(normed, 1 - lambdaInit(layer)) : normed;
    return { u: tf.add(u, scaled), r, lambda };
  }

  /** Run the network; call inside tf.tidy (or dispose the outputs). */
  forward(batch: WindowBatch, options: ForwardOptions = {}): HiMoEOutput {
    const c = this.config;
    const p = this.params;
    const rng = options.training === true ? options.rng : undefined;
    const rate = c.dropout;
    const M = c.modalities.length;
    const B = batch.size;
    const L = batch.tokens;
    const N = B * L;
    const d = c.dModel;
    const S = c.sharedExperts;
    const E = M + S;

    // Modality encoders: Dense(patch) -> missing token -> + time encoding of tau + modality embedding -> causal self-attention.
    const embedded = c.modalities.map((spec, m) => dense(p, `enc/in/${spec.modality}`, tf.reshape(batch.patches[m]!, [N, -1])));
    const present = tf.reshape(batch.patchPresent, [M, N, 1]);
    let h = tf.add(tf.mul(tf.stack(embedded, 0), present), tf.mul(tf.sub(1, present), p.get('enc/missing_token')));
    h = tf.add(tf.add(h, batch.patchTimeEncoding), p.get('enc/modality_embedding'));
    for (let l = 0; l < c.encoderLayers; l++) h = this.encoderBlock(`enc/block${l}`, h, B, L, rng);

    // Cross-modal alignment (a): time-aware cross-attention from the reference token times.
    let z: T;
    if (c.ablation.alignment === 'full') {
      const q = dense(p, 'align/q', tf.add(batch.referenceTimeEncoding, p.get('align/query')));
      const qM = tf.reshape(tf.tile(tf.reshape(q, [1, N, d]), [M, 1, 1]), [M * B, L, d]);
      const k = tf.reshape(stackedDense(p, 'align/k', h), [M * B, L, d]);
      const v = tf.reshape(stackedDense(p, 'align/v', h), [M * B, L, d]);
      const bias = tf.reshape(this.alignmentBias(batch), [M * B, 1, L, L]);
      const attended = tf.reshape(multiHeadAttention(qM, k, v, c.heads, bias), [M, N, d]);
      z = layerNorm(p, 'align/ln', stackedDense(p, 'align/o', attended));
    } else {
      z = h;
    }
    // (b) modality adapters into the shared space.
    const adapted = stackedDense(p, 'adapt', z);
    const avail = tf.reshape(batch.available, [M, N, 1]);
    const availCount = tf.sum(avail, 0);
    const mean = tf.div(tf.sum(tf.mul(adapted, avail), 0), tf.maximum(availCount, 1));
    const availT = tf.transpose(tf.reshape(batch.available, [M, N]));

    // Modality Expert Bank (or mean fusion). With per-output routing there are R = D fused
    // streams, laid out route-major ([R * N, d], batch R * B) through the temporal blocks and the
    // Emotion Expert Bank; route o feeds output o of the head.
    const R = this.routes;
    let fused: T;
    let weights: T;
    let routeWeights: T | undefined;
    let balance: T;
    if (c.ablation.fusion === 'expert-bank') {
      const logits = dense(p, 'moe/router', tf.concat([mean, availT], 1));
      const mask = tf.concat([availT, tf.ones([N, S])], 1);
      const modalityExperts = ffn(p, 'moe/experts', adapted, true, rate, rng);
      const sharedExperts = ffn(p, 'moe/shared', tf.tile(tf.reshape(mean, [1, N, d]), [S, 1, 1]), true, rate, rng);
      const experts = tf.concat([modalityExperts, sharedExperts], 0);
      if (R === 1) {
        weights = tf.mul(tf.softmax(tf.add(logits, tf.mul(tf.sub(1, mask), MASKED)), -1), mask);
        fused = tf.sum(tf.mul(experts, tf.reshape(tf.transpose(weights), [E, N, 1])), 0);
        balance = options.training === true ? balanceLoss(weights, batch.tokenValid) : tf.scalar(0);
      } else {
        const mask3 = tf.reshape(mask, [N, 1, E]);
        const perRoute = tf.mul(tf.softmax(tf.add(tf.reshape(logits, [N, R, E]), tf.mul(tf.sub(1, mask3), MASKED)), -1), mask3);
        fused = tf.reshape(tf.transpose(tf.matMul(perRoute, tf.transpose(experts, [1, 0, 2])), [1, 0, 2]), [R * N, d]);
        weights = tf.mean(perRoute, 1);
        routeWeights = perRoute;
        balance = options.training === true ? balanceLoss(perRoute, tf.tile(tf.reshape(batch.tokenValid, [N, 1]), [1, R])) : tf.scalar(0);
      }
    } else {
      fused = ffn(p, 'fuse/ffn', mean, false, rate, rng);
      weights = tf.concat([tf.div(availT, tf.maximum(availCount, 1)), tf.zeros([N, S])], 1);
      balance = tf.scalar(0);
    }
    const tileRoutes = (x: T) => (R === 1 ? x : tf.tile(x, [R, ...new Array(x.rank - 1).fill(1)]));
    let u = tf.add(layerNorm(p, 'fuse/ln', tf.add(tileRoutes(mean), fused)), tileRoutes(batch.referenceTimeEncoding));

    // Causal temporal context over valid tokens.
    const temporalBias = tileRoutes(tf.add(this.causal, tf.reshape(tf.mul(tf.sub(1, batch.tokenValid), MASKED), [B, 1, 1, L])));
    for (let l = 0; l < c.temporalLayers; l++) u = transformerBlock(p, `temporal/block${l}`, u, { batch: R * B, tokens: L, heads: c.heads, bias: temporalBias, dropout: rate, rng });

    // Emotion Expert Bank.
    let r: T = tf.zeros([R * N, c.prototypes]);
    const lambdas: T[] = [];
    for (let l = 1; l <= c.emotionLayers; l++) {
      const out = this.emotionLayer(l, u, rng);
      u = out.u;
      r = out.r;
      lambdas.push(out.lambda);
    }
    let head = dense(p, 'head', u);
    if (R > 1) {
      // Output o is read from route o: keep the diagonal of [R, N, D].
      head = tf.sum(tf.mul(tf.reshape(head, [R, N, R]), tf.reshape(tf.eye(R), [R, 1, R])), 0);
      r = tf.mean(tf.reshape(r, [R, N, c.prototypes]), 0);
    }

    const tokenPredictions = tf.reshape(tf.tanh(head), [B, L, c.outputs.length]);
    const valid = tf.reshape(batch.tokenValid, [B, L, 1]);
    const windowPredictions = tf.div(tf.sum(tf.mul(tokenPredictions, valid), 1), tf.maximum(tf.sum(valid, 1), 1));
    const alignmentLoss = c.ablation.alignment === 'full' && c.loss.beta > 0 && options.training === true
      ? infoNceLoss(adapted, tf.reshape(batch.available, [M, N]), c.infoNceTemperature, Math.max(1, Math.round(c.tokenRateHz)), L)
      : tf.scalar(0);
    return {
      tokenPredictions,
      windowPredictions,
      modalityWeights: tf.reshape(weights, [B, L, E]),
      ...(routeWeights !== undefined ? { outputModalityWeights: tf.reshape(routeWeights, [B, L, R, E]) } : {}),
      prototypeWeights: tf.reshape(r, [B, L, c.prototypes]),
      lambdas: tf.stack(lambdas),
      adapted,
      alignmentLoss,
      balanceLoss: balance,
    };
  }

  /**
   * Additive bias [M, B, L(query), L(key)] of the time-aware cross-attention:
   * -(tau_j - t_i - delta_m)^2 / (2 sigma_m^2), plus MASKED where key j is not allowed (missing,
   * after token i, or beyond the horizon). Call inside tf.tidy.
   */
  alignmentBias(batch: WindowBatch): T {
    const p = this.params;
    const M = this.config.modalities.length;
    const B = batch.size;
    const L = batch.tokens;
    const offset = tf.sub(tf.sub(tf.reshape(batch.patchTimesSec, [M, B, 1, L]), tf.reshape(batch.referenceTimesSec, [1, B, L, 1])), tf.reshape(p.get('align/lag'), [M, 1, 1, 1]));
    const timeBias = tf.neg(tf.div(tf.square(offset), tf.mul(2, tf.square(tf.reshape(this.alignmentWidthSec(), [M, 1, 1, 1])))));
    return tf.add(timeBias, tf.mul(tf.sub(1, batch.keyMask), MASKED));
  }

  /** Learned width sigma_m (seconds) per modality: softplus(raw) + 0.05 s. Call inside tf.tidy. */
  alignmentWidthSec(): T {
    return tf.add(tf.softplus(this.params.get('align/sigma_raw')), 0.05);
  }

  /** Inference on a batch: runs in tf.tidy and returns plain arrays (no tensor outlives the call). */
  predict(batch: WindowBatch): Prediction {
    return predictOnce(this.config, batch, () => this.forward(batch));
  }

  /** Training loss of DESIGN §4: sum_dims (1 - CCC) + alpha MSE + beta InfoNCE + gamma balance. */
  loss(output: HiMoEOutput, batch: WindowBatch): LossTerms {
    if (batch.targets === undefined || batch.targetMask === undefined) throw new ModelError('no-targets', 'HiMoE.loss needs a batch built with targets (batchWindows(..., { targets }))');
    const { alpha, beta, gamma } = this.config.loss;
    const ccc = cccLoss(output.tokenPredictions, batch.targets, batch.targetMask);
    const mse = maskedMse(output.tokenPredictions, batch.targets, batch.targetMask);
    const alignment = output.alignmentLoss as tf.Scalar;
    const balance = output.balanceLoss as tf.Scalar;
    const total = tf.addN([ccc, tf.mul(mse, alpha), tf.mul(alignment, beta), tf.mul(balance, gamma)]) as tf.Scalar;
    return { total, ccc, mse, alignment, balance };
  }

  private encoderBlock(name: string, x: T, B: number, L: number, rng: Rng | undefined): T {
    const c = this.config;
    const p = this.params;
    const M = c.modalities.length;
    const d = c.dModel;
    const hn = layerNorm(p, `${name}/ln1`, x);
    const proj = (w: string) => tf.reshape(stackedDense(p, `${name}/attn/${w}`, hn), [M * B, L, d]);
    const attended = tf.reshape(multiHeadAttention(proj('q'), proj('k'), proj('v'), c.heads, this.causal), [M, B * L, d]);
    const y = tf.add(x, dropout(stackedDense(p, `${name}/attn/o`, attended), c.dropout, rng));
    return tf.add(y, dropout(ffn(p, `${name}/ffn`, layerNorm(p, `${name}/ln2`, y), true, c.dropout, rng), c.dropout, rng));
  }

  dispose(): void {
    this.params.dispose();
    this.causal.dispose();
  }
}
