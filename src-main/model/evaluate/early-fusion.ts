// The early-fusion baseline of the evaluation (issue 3 item 5): every modality's patch features
// concatenated per token, missing samples and absent modalities imputed with zeros (the batch
// already zeroes them), one Dense into the model width, the token time encoding, the same causal
// temporal transformer blocks as Hi-MoE, and the same tanh head. No per-modality encoders, no
// alignment, no experts: what Hi-MoE is measured against. Trained by trainHiMoE (createModel).

import { tf, type Rng } from '../runtime/index.js';
import { patchFeatureSize, resolveHiMoEConfig, type HiMoEConfig } from '../himoe/config.js';
import type { WindowBatch } from '../himoe/batch.js';
import { ParamStore } from '../himoe/params.js';
import { MASKED, addDense, addNorm, addTransformerBlock, causalBias, dense, gelu, layerNorm, transformerBlock, type T } from '../himoe/layers.js';
import { cccLoss, maskedMse } from '../himoe/losses.js';
import { ModelError } from '../errors.js';
import { predictOnce, type HiMoEOutput, type LossTerms, type Prediction } from '../himoe/model.js';
import type { TrainableModel } from '../training/trainer.js';

export class EarlyFusion implements TrainableModel {
  readonly config: HiMoEConfig;
  readonly params: ParamStore;
  private readonly causal: T;

  constructor(config: Partial<HiMoEConfig> = {}, seed = 0) {
    this.config = resolveHiMoEConfig(config);
    this.params = new ParamStore(seed);
    const c = this.config;
    const d = c.dModel;
    const inputs = c.modalities.reduce((n, spec) => n + patchFeatureSize(c, spec), 0);
    addDense(this.params, 'early/in', inputs, d);
    addNorm(this.params, 'early/ln', d);
    for (let l = 0; l < c.temporalLayers; l++) addTransformerBlock(this.params, `temporal/block${l}`, d, d * c.ffnMultiplier);
    addDense(this.params, 'head', d, c.outputs.length);
    this.causal = tf.keep(causalBias(Math.round(c.windowSec * c.tokenRateHz)));
  }

  forward(batch: WindowBatch, options: { training?: boolean; rng?: Rng } = {}): HiMoEOutput {
    const c = this.config;
    const p = this.params;
    const rng = options.training === true ? options.rng : undefined;
    const B = batch.size;
    const L = batch.tokens;
    const N = B * L;
    const M = c.modalities.length;
    const features = tf.concat(batch.patches.map((x) => tf.reshape(x, [N, -1])), 1);
    let u = tf.add(layerNorm(p, 'early/ln', gelu(dense(p, 'early/in', features))), batch.referenceTimeEncoding);
    // The same token validity as Hi-MoE (a token with no modality in reach is neither attended nor scored).
    const bias = tf.add(this.causal, tf.reshape(tf.mul(tf.sub(1, batch.tokenValid), MASKED), [B, 1, 1, L]));
    for (let l = 0; l < c.temporalLayers; l++) u = transformerBlock(p, `temporal/block${l}`, u, { batch: B, tokens: L, heads: c.heads, bias, dropout: c.dropout, rng });
    const tokenPredictions = tf.reshape(tf.tanh(dense(p, 'head', u)), [B, L, c.outputs.length]);
    const valid = tf.reshape(batch.tokenValid, [B, L, 1]);
    const windowPredictions = tf.div(tf.sum(tf.mul(tokenPredictions, valid), 1), tf.maximum(tf.sum(valid, 1), 1));
    // No experts: report availability as equal weights so the routing plots stay comparable.
    const availT = tf.transpose(tf.reshape(batch.available, [M, N]));
    const weights = tf.concat([tf.div(availT, tf.maximum(tf.sum(availT, 1, true), 1)), tf.zeros([N, c.sharedExperts])], 1);
    return {
      tokenPredictions,
      windowPredictions,
      modalityWeights: tf.reshape(weights, [B, L, M + c.sharedExperts]),
      prototypeWeights: tf.zeros([B, L, 1]),
      lambdas: tf.zeros([0]),
      adapted: tf.zeros([M, N, 0]),
      alignmentLoss: tf.scalar(0),
      balanceLoss: tf.scalar(0),
    };
  }

  /** (1 - CCC) summed over outputs + alpha MSE, as Hi-MoE's loss without its auxiliary terms. */
  loss(output: HiMoEOutput, batch: WindowBatch): LossTerms {
    if (batch.targets === undefined || batch.targetMask === undefined) throw new ModelError('no-targets', 'EarlyFusion.loss needs a batch built with targets');
    const ccc = cccLoss(output.tokenPredictions, batch.targets, batch.targetMask);
    const mse = maskedMse(output.tokenPredictions, batch.targets, batch.targetMask);
    const total = tf.add(ccc, tf.mul(mse, this.config.loss.alpha)) as tf.Scalar;
    return { total, ccc, mse, alignment: tf.scalar(0), balance: tf.scalar(0) };
  }

  predict(batch: WindowBatch): Prediction {
    return predictOnce(this.config, batch, () => this.forward(batch));
  }

  dispose(): void {
    this.params.dispose();
    this.causal.dispose();
  }
}
