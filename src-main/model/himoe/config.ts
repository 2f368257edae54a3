// Hi-MoE architecture configuration (DESIGN §4): the modality set with rates and channel order
// the model was built for, the sizes of every module, the loss weights and the ablation switches
// the evaluation compares (no alignment, plain softmax routing attention, mean fusion).

import { DEFAULT_MODEL_RATES_HZ, MODALITIES, isModality, type Modality } from '../../core/align/types.js';
import { DEFAULT_EEG_CHANNELS } from '../../acquisition/synthetic/montage.js';
import { ModelError } from '../errors.js';

/** One input modality: its model rate and its channels, in the order the model expects them. */
export interface ModalitySpec {
  modality: Modality;
  rateHz: number;
  channelLabels: string[];
}

export type AlignmentMode = 'full' | 'none';
export type EmotionAttention = 'differential' | 'softmax';
export type FusionMode = 'expert-bank' | 'mean';
/** 'shared': one set of Modality Expert Bank weights per token for all outputs (DESIGN §4).
 *  'per-output': the router gives each output dimension its own weights, and the fused token of
 *  each output runs through the temporal blocks and the Emotion Expert Bank on its own. */
export type ModalityRouting = 'shared' | 'per-output';

export interface HiMoEConfig {
  /** The model's fixed modality set, in order. */
  modalities: ModalitySpec[];
  tokenRateHz: number;
  windowSec: number;
  /** Output dimensions, e.g. ['valence', 'arousal'] (or with 'dominance'). */
  outputs: string[];
  dModel: number;
  heads: number;
  /** Hidden width of every FFN / expert as a multiple of dModel. */
  ffnMultiplier: number;
  encoderLayers: number;
  temporalLayers: number;
  emotionLayers: number;
  /** Shared experts of the Modality Expert Bank (beside one expert per modality). */
  sharedExperts: number;
  /** Emotion prototypes K. */
  prototypes: number;
  dropout: number;
  /** Append each channel's log mean power over the patch's present samples to the patch features
   *  (band power, and so e.g. frontal alpha asymmetry, is then one Dense away). */
  patchLogPower: boolean;
  /** How far back (seconds) the time-aware cross-attention of a reference token reaches; a
   *  modality is "available" at a token iff one of its present patches lies in that reach. */
  alignHorizonSec: number;
  /** Initial lag delta_m (seconds) per modality; learned. Default 0. */
  initialLagSec: Partial<Record<Modality, number>>;
  /** Initial width sigma (seconds) of the time-aware attention bias; learned per modality. */
  initialSigmaSec: number;
  /** Temperature of the InfoNCE semantic alignment loss. */
  infoNceTemperature: number;
  loss: { alpha: number; beta: number; gamma: number };
  modalityRouting: ModalityRouting;
  ablation: { alignment: AlignmentMode; emotionAttention: EmotionAttention; fusion: FusionMode };
}

/** Modality Expert Bank expert names: the modalities in config order, then 'shared0', 'shared1', ... */
export function expertNames(config: Pick<HiMoEConfig, 'modalities' | 'sharedExperts'>): string[] {
  return [...config.modalities.map((s) => s.modality as string), ...Array.from({ length: config.sharedExperts }, (_, i) => `shared${i}`)];
}

export const DEFAULT_MODALITY_SPECS: readonly ModalitySpec[] = Object.freeze([
  { modality: 'EEG', rateHz: DEFAULT_MODEL_RATES_HZ.EEG, channelLabels: [...DEFAULT_EEG_CHANNELS] },
  { modality: 'ECG', rateHz: DEFAULT_MODEL_RATES_HZ.ECG, channelLabels: ['ECG-II'] },
  { modality: 'EDA', rateHz: DEFAULT_MODEL_RATES_HZ.EDA, channelLabels: ['EDA'] },
  { modality: 'PPG', rateHz: DEFAULT_MODEL_RATES_HZ.PPG, channelLabels: ['PPG'] },
  { modality: 'RESP', rateHz: DEFAULT_MODEL_RATES_HZ.RESP, channelLabels: ['RESP'] },
] satisfies ModalitySpec[]);

export const DEFAULT_HIMOE_CONFIG: Readonly<HiMoEConfig> = Object.freeze<HiMoEConfig>({
  modalities: DEFAULT_MODALITY_SPECS.map((s) => ({ ...s, channelLabels: [...s.channelLabels] })),
  tokenRateHz: 4,
  windowSec: 8,
  outputs: ['valence', 'arousal'],
  dModel: 32,
  heads: 4,
  ffnMultiplier: 2,
  encoderLayers: 1,
  temporalLayers: 2,
  emotionLayers: 1,
  sharedExperts: 1,
  prototypes: 8,
  dropout: 0.1,
  patchLogPower: true,
  alignHorizonSec: 4,
  initialLagSec: {},
  initialSigmaSec: 1,
  infoNceTemperature: 0.2,
  loss: { alpha: 0.5, beta: 0.1, gamma: 0.01 },
  // Stored configs (manifests, run.json, checkpoints) written before this key existed name no
  // routing and meant 'shared': a new default needs them resolved apart from user configs.
  modalityRouting: 'shared',
  ablation: { alignment: 'full', emotionAttention: 'differential', fusion: 'expert-bank' },
});

function isPositiveInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

/** Merge a partial config over the defaults and check it; throws ModelError 'invalid-config'. */
export function resolveHiMoEConfig(partial: Partial<HiMoEConfig> = {}): HiMoEConfig {
  const d = DEFAULT_HIMOE_CONFIG;
  const config: HiMoEConfig = {
    ...d,
    ...partial,
    modalities: (partial.modalities ?? d.modalities).map((s) => ({ ...s, channelLabels: [...s.channelLabels] })),
    outputs: [...(partial.outputs ?? d.outputs)],
    initialLagSec: { ...d.initialLagSec, ...partial.initialLagSec },
    loss: { ...d.loss, ...partial.loss },
    ablation: { ...d.ablation, ...partial.ablation },
  };
  const bad = (field: string, message: string, value: unknown): never => {
    throw new ModelError('invalid-config', `Hi-MoE config ${field}: ${message} (got ${JSON.stringify(value)})`, { field, value });
  };
  // A misspelt key would otherwise be dropped without a word and its default used.
  const unknownKeys = (given: object | undefined, known: object, prefix: string) => {
    for (const key of Object.keys(given ?? {})) if (!(key in known)) bad(`${prefix}${key}`, `is not a Hi-MoE config key (known: ${Object.keys(known).join(', ')})`, (given as Record<string, unknown>)[key]);
  };
  unknownKeys(partial, d, '');
  unknownKeys(partial.loss, d.loss, 'loss.');
  unknownKeys(partial.ablation, d.ablation, 'ablation.');
  if (config.modalities.length === 0) bad('modalities', 'must list at least one modality', []);
  const seen = new Set<string>();
  config.modalities.forEach((s, i) => {
    if (!isModality(s.modality)) bad(`modalities[${i}].modality`, `must be one of ${MODALITIES.join(', ')}`, s.modality);
    if (seen.has(s.modality)) bad(`modalities[${i}].modality`, 'is listed twice', s.modality);
    seen.add(s.modality);
    if (!(s.rateHz > 0) || Math.abs(s.rateHz / config.tokenRateHz - Math.round(s.rateHz / config.tokenRateHz)) > 1e-9) {
      bad(`modalities[${i}].rateHz`, `must be a positive whole multiple of tokenRateHz ${config.tokenRateHz}`, s.rateHz);
    }
    if (s.channelLabels.length === 0) bad(`modalities[${i}].channelLabels`, 'must name at least one channel', s.channelLabels);
  });
  if (!(config.tokenRateHz > 0)) bad('tokenRateHz', 'must be positive', config.tokenRateHz);
  const tokens = config.windowSec * config.tokenRateHz;
  if (!(config.windowSec > 0) || Math.abs(tokens - Math.round(tokens)) > 1e-9) bad('windowSec', 'must hold a whole number of tokens', config.windowSec);
  if (config.outputs.length === 0) bad('outputs', 'must name at least one output dimension', config.outputs);
  for (const key of ['dModel', 'heads', 'encoderLayers', 'temporalLayers', 'emotionLayers', 'prototypes', 'ffnMultiplier'] as const) {
    if (!isPositiveInteger(config[key])) bad(key, 'must be a positive integer', config[key]);
  }
  if (config.dModel % config.heads !== 0) bad('heads', `must divide dModel ${config.dModel}`, config.heads);
  if (!Number.isInteger(config.sharedExperts) || config.sharedExperts < 1) bad('sharedExperts', 'must be an integer >= 1 (the router needs an expert that is always available)', config.sharedExperts);
  if (!(config.dropout >= 0 && config.dropout < 1)) bad('dropout', 'must be in [0, 1)', config.dropout);
  if (typeof config.patchLogPower !== 'boolean') bad('patchLogPower', 'must be true or false', config.patchLogPower);
  if (!(config.alignHorizonSec > 0)) bad('alignHorizonSec', 'must be positive', config.alignHorizonSec);
  if (!(config.initialSigmaSec > 0)) bad('initialSigmaSec', 'must be positive', config.initialSigmaSec);
  if (!(config.infoNceTemperature > 0)) bad('infoNceTemperature', 'must be positive', config.infoNceTemperature);
  for (const key of ['alpha', 'beta', 'gamma'] as const) if (!(config.loss[key] >= 0)) bad(`loss.${key}`, 'must be >= 0', config.loss[key]);
  if (!['shared', 'per-output'].includes(config.modalityRouting)) bad('modalityRouting', "must be 'shared' or 'per-output'", config.modalityRouting);
  if (!['full', 'none'].includes(config.ablation.alignment)) bad('ablation.alignment', "must be 'full' or 'none'", config.ablation.alignment);
  if (!['differential', 'softmax'].includes(config.ablation.emotionAttention)) bad('ablation.emotionAttention', "must be 'differential' or 'softmax'", config.ablation.emotionAttention);
  if (!['expert-bank', 'mean'].includes(config.ablation.fusion)) bad('ablation.fusion', "must be 'expert-bank' or 'mean'", config.ablation.fusion);
  return config;
}

/**
 * A config read back from a file (run.json, a training checkpoint) resolved as configs are
 * resolved today, so that one written before a key with a default existed (modalityRouting)
 * compares equal to the same model's config; undefined when it no longer resolves.
 */
export function resolveStoredConfig(stored: Partial<HiMoEConfig>): HiMoEConfig | undefined {
  try {
    return resolveHiMoEConfig(stored);
  } catch {
    return undefined;
  }
}

/** Tokens per window. */
export function tokensPerWindow(config: HiMoEConfig): number {
  return Math.round(config.windowSec * config.tokenRateHz);
}

/** Samples per patch of a modality. */
export function samplesPerPatch(config: HiMoEConfig, spec: ModalitySpec): number {
  return Math.round(spec.rateHz / config.tokenRateHz);
}

/** Length of a patch's feature vector: S x C samples (masked), the S mask values, and C log powers when patchLogPower. */
export function patchFeatureSize(config: HiMoEConfig, spec: ModalitySpec): number {
  const S = samplesPerPatch(config, spec);
  const C = spec.channelLabels.length;
  return S * C + S + (config.patchLogPower ? C : 0);
}

/** lambda_init of DESIGN §4 for a 1-based layer index: 0.8 - 0.6 exp(-0.3 (layer - 1)). */
export function lambdaInit(layer: number): number {
  return 0.8 - 0.6 * Math.exp(-0.3 * (layer - 1));
}
