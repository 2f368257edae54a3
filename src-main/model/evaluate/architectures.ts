// The models the evaluation compares (issue 3 item 5, DESIGN §4): Hi-MoE, the baselines
// (EEG-only, early fusion with zero imputation, late fusion of unimodal models) and the ablations
// (no alignment module, plain softmax routing attention, mean fusion), each trained by the same
// loop (trainHiMoE) from the same config, seed, folds and options, and each answering the same
// per-token predictions so one scorer and one perturbation set serve them all.

import { HiMoE } from '../himoe/model.js';
import type { HiMoEConfig, ModalitySpec } from '../himoe/config.js';
import { ModelError } from '../errors.js';
import { predictExamples, scorePredictions, trainHiMoE, type ExamplePrediction, type TrainOptions, type TrainProgress, type TrainableModel } from '../training/trainer.js';
import { tokensWithMostContext, type Example } from '../training/examples.js';
import { EarlyFusion } from './early-fusion.js';

export const BASELINES = ['eeg-only', 'early-fusion', 'late-fusion'] as const;
export const ABLATIONS = ['ablation-no-alignment', 'ablation-softmax-attention', 'ablation-mean-fusion'] as const;
export const ARCHITECTURES = ['himoe', ...BASELINES, ...ABLATIONS] as const;
export type ArchName = (typeof ARCHITECTURES)[number];

export const ARCH_DESCRIPTIONS: Readonly<Record<ArchName, string>> = {
  himoe: 'Hi-MoE, every module of DESIGN §4',
  'eeg-only': 'Hi-MoE on the EEG modality alone',
  'early-fusion': 'early fusion: all modalities\' patch features concatenated per token, zero imputation, causal transformer, same head',
  'late-fusion': 'late fusion: one unimodal Hi-MoE per modality; at each token the predictions of the modalities available there are averaged, per output weighted by each model\'s validation CCC',
  'ablation-no-alignment': 'Hi-MoE without the cross-modal alignment module (no time-aware cross-attention, no InfoNCE)',
  'ablation-softmax-attention': 'Hi-MoE with plain softmax attention instead of differential attention in the Emotion Expert Bank',
  'ablation-mean-fusion': 'Hi-MoE with the mean of the available modalities instead of the Modality Expert Bank',
};

export function isArchName(value: string): value is ArchName {
  return (ARCHITECTURES as readonly string[]).includes(value);
}

/** A trained model of any architecture, predicting per token like predictExamples. */
export interface Regressor {
  arch: ArchName;
  parameters: number;
  /** Epochs trained and the best epoch of each member network (late fusion has one per modality). */
  training: Array<{ member: string; epochs: number; bestEpoch: number; bestValidationCcc: number; /** Late fusion: this member's weight per output (lateFusionWeights). */ fusionWeights?: Record<string, number> }>;
  predict(examples: readonly Example[]): ExamplePrediction[];
  /** The Hi-MoE networks it trained (late fusion: its own members), by member name; a model folder can hold each (evaluate --keep-models). */
  hiMoENetworks(): Array<{ member: string; model: HiMoE }>;
  dispose(): void;
}

/** Training options shared by every architecture of a run (the model factory is chosen here). */
export type ArchTrainOptions = Omit<TrainOptions, 'config' | 'createModel' | 'onProgress' | 'train' | 'validation'>;

export interface TrainArchOptions {
  config: HiMoEConfig;
  train: readonly Example[];
  validation: readonly Example[];
  options: ArchTrainOptions;
  onProgress?: (member: string, progress: TrainProgress) => void;
}

function withModalities(config: HiMoEConfig, modalities: ModalitySpec[]): HiMoEConfig {
  return { ...config, modalities: modalities.map((s) => ({ ...s, channelLabels: [...s.channelLabels] })) };
}

/** The config of an architecture: the run's config with its ablation switches or modality set. */
export function archConfig(arch: ArchName, config: HiMoEConfig): HiMoEConfig {
  const ablation = { ...config.ablation };
  switch (arch) {
    case 'ablation-no-alignment':
      return { ...config, ablation: { ...ablation, alignment: 'none' } };
    case 'ablation-softmax-attention':
      return { ...config, ablation: { ...ablation, emotionAttention: 'softmax' } };
    case 'ablation-mean-fusion':
      return { ...config, ablation: { ...ablation, fusion: 'mean' } };
    case 'eeg-only': {
      const eeg = config.modalities.find((s) => s.modality === 'EEG');
      if (eeg === undefined) throw new ModelError('invalid-config', 'the eeg-only baseline needs EEG in the model config\'s modalities');
      return withModalities(config, [eeg]);
    }
    default:
      return config;
  }
}

class SingleRegressor implements Regressor {
  constructor(
    readonly arch: ArchName,
    private readonly model: TrainableModel,
    readonly training: Regressor['training'],
  ) {}

  get parameters(): number {
    return this.model.params.count();
  }

  predict(examples: readonly Example[]): ExamplePrediction[] {
    return predictExamples(this.model, examples);
  }

  hiMoENetworks(): Array<{ member: string; model: HiMoE }> {
    return this.model instanceof HiMoE ? [{ member: this.training[0]?.member ?? this.arch, model: this.model }] : [];
  }

  dispose(): void {
    this.model.dispose();
  }
}

/**
 * Decision-level fusion weights: each member's CCC on each output over the validation windows
 * (each instant once, as early stopping and the test score them), floored at 0
 * ([member][output]). A unimodal model that learned nothing of an output (no valence in EDA, say)
 * then does not dilute the members that did; an equal mean would, and would make late fusion a
 * weaker baseline than the usual performance-weighted decision fusion.
 */
export function lateFusionWeights(members: readonly Regressor[], validation: readonly Example[], outputs: readonly string[]): number[][] {
  const tokens = tokensWithMostContext(validation);
  return members.map((m) => {
    const metrics = scorePredictions(m.predict(validation), validation, outputs, { tokens });
    return outputs.map((d) => Math.max(0, metrics.dimensions[d]?.ccc ?? 0) || 0);
  });
}

/**
 * Late fusion: each token's prediction, per output, is the mean of the unimodal models whose
 * modality is available there, weighted by `weights[member][output]` (equal where every available
 * member's weight is 0); scored where any member is. The reported modality weights are each
 * member's share, averaged over the outputs.
 */
export class LateFusion implements Regressor {
  readonly arch = 'late-fusion' as const;

  constructor(
    private readonly members: Regressor[],
    /** Members trained here (disposed with the late fusion), not a reused eeg-only model. */
    private readonly owned: ReadonlySet<Regressor>,
    private readonly outputs: number,
    private readonly sharedExperts: number,
    readonly training: Regressor['training'],
    /** [member][output] fusion weights (lateFusionWeights); default equal. */
    private readonly weights: readonly (readonly number[])[] = members.map(() => new Array<number>(outputs).fill(1)),
  ) {
    if (weights.length !== members.length || weights.some((w) => w.length !== outputs || w.some((v) => !(v >= 0)))) {
      throw new ModelError('invalid-config', `late fusion needs one non-negative weight per member (${members.length}) and output (${outputs})`);
    }
  }

  get parameters(): number {
    return this.members.reduce((n, m) => n + m.parameters, 0);
  }

  predict(examples: readonly Example[]): ExamplePrediction[] {
    const per = this.members.map((m) => m.predict(examples));
    const M = this.members.length;
    const E = M + this.sharedExperts;
    const D = this.outputs;
    return examples.map((_, e) => {
      const L = per[0]![e]!.scored.length;
      const tokens = new Float32Array(L * D);
      const weights = new Float32Array(L * E);
      const scored = new Uint8Array(L);
      for (let r = 0; r < L; r++) {
        const available = per.map((p) => p[e]!.scored[r] === 1);
        const count = available.filter(Boolean).length;
        if (count === 0) continue;
        scored[r] = 1;
        for (let d = 0; d < D; d++) {
          let total = 0;
          for (let m = 0; m < M; m++) if (available[m]) total += this.weights[m]![d]!;
          for (let m = 0; m < M; m++) {
            if (!available[m]) continue;
            const share = total > 0 ? this.weights[m]![d]! / total : 1 / count;
            tokens[r * D + d]! += share * per[m]![e]!.tokens[r * D + d]!;
            weights[r * E + m]! += share / D;
          }
        }
      }
      const window = new Float32Array(D);
      let valid = 0;
      for (let r = 0; r < L; r++) {
        if (scored[r] !== 1) continue;
        valid++;
        for (let d = 0; d < D; d++) window[d]! += tokens[r * D + d]!;
      }
      for (let d = 0; d < D; d++) window[d] = valid > 0 ? window[d]! / valid : 0;
      return { tokens, window, modalityWeights: weights, prototypeWeights: new Float32Array(L), scored };
    });
  }

  /** Its own members only: a reused EEG member is the eeg-only model, kept under that name. */
  hiMoENetworks(): Array<{ member: string; model: HiMoE }> {
    return this.members.filter((m) => this.owned.has(m)).flatMap((m) => m.hiMoENetworks());
  }

  dispose(): void {
    for (const m of this.members) if (this.owned.has(m)) m.dispose();
  }
}

async function trainOne(arch: ArchName, member: string, config: HiMoEConfig, o: TrainArchOptions, early: boolean): Promise<Regressor> {
  const common = { ...o.options, config, train: o.train, validation: o.validation, onProgress: (p: TrainProgress) => o.onProgress?.(member, p) };
  const result = early
    ? await trainHiMoE({ ...common, createModel: (c: HiMoEConfig, seed: number) => new EarlyFusion(c, seed) })
    : await trainHiMoE<HiMoE>({ ...common, createModel: (c: HiMoEConfig, seed: number) => new HiMoE(c, seed) });
  return new SingleRegressor(arch, result.model, [{ member, epochs: result.history.length, bestEpoch: result.bestEpoch, bestValidationCcc: result.bestValidationCcc }]);
}

/**
 * Train one architecture. Late fusion trains one unimodal Hi-MoE per modality; pass `reuse` with
 * a trained eeg-only regressor to use it as the EEG member (the caller still owns and disposes it).
 */
export async function trainArchitecture(arch: ArchName, o: TrainArchOptions, reuse?: { eegOnly?: Regressor }): Promise<Regressor> {
  if (arch === 'early-fusion') return trainOne(arch, arch, o.config, o, true);
  if (arch !== 'late-fusion') return trainOne(arch, arch, archConfig(arch, o.config), o, false);
  const members: Regressor[] = [];
  try {
    for (const spec of o.config.modalities) {
      if (spec.modality === 'EEG' && reuse?.eegOnly !== undefined) members.push(reuse.eegOnly);
      else members.push(await trainOne('late-fusion', `late-fusion/${spec.modality}`, withModalities(o.config, [spec]), o, false));
    }
  } catch (error) {
    for (const m of members) if (m !== reuse?.eegOnly) m.dispose();
    throw error;
  }
  const owned = new Set(members.filter((m) => m !== reuse?.eegOnly));
  const outputs = o.config.outputs;
  const weights = lateFusionWeights(members, o.validation, outputs);
  const training = members.flatMap((m, i) => m.training.map((t) => ({
    ...t,
    member: t.member === 'eeg-only' ? 'late-fusion/EEG (the eeg-only model)' : t.member,
    fusionWeights: Object.fromEntries(outputs.map((d, k) => [d, weights[i]![k]!])),
  })));
  return new LateFusion(members, owned, outputs.length, o.config.sharedExperts, training, weights);
}

/** A given, already trained model as a regressor (himoe evaluate --model). */
export function fixedRegressor(model: TrainableModel, arch: ArchName = 'himoe'): Regressor {
  return new SingleRegressor(arch, model, []);
}
