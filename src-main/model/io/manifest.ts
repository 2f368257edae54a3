// manifest.json of a model directory (DESIGN §3 `models/<id>/`): what the model was built for
// (modalities, rates, channel order and labels, normalisation), how it was trained and scored,
// and with which seed and versions; its validation, the check of a manifest against the streams
// at hand, and the MODEL_CARD.md rendered from it.

import { MODALITIES, isModality, type Modality } from '../../core/align/types.js';
import type { StreamInfo } from '../../core/streams/types.js';
import { ModelError } from '../errors.js';
import type { HiMoEConfig } from '../himoe/config.js';
import type { Normalisation } from '../himoe/batch.js';

export const MANIFEST_FORMAT = 'himoe-model';
export const MANIFEST_VERSION = 1;

export interface ManifestModality {
  modality: Modality;
  rateHz: number;
  channelLabels: string[];
  /** Units the model was trained on, per channel (e.g. "microvolts"); informative. */
  channelUnits?: string[];
}

export interface ModelManifest {
  format: typeof MANIFEST_FORMAT;
  formatVersion: number;
  name: string;
  createdAt: string;
  architecture: { kind: 'himoe'; config: HiMoEConfig; parameters: number };
  modalities: ManifestModality[];
  outputs: string[];
  tokenRateHz: number;
  windowSec: number;
  normalisation: { method: 'none' | 'per-subject-robust' | 'fixed'; description: string; stats?: Normalisation };
  training: {
    data: string;
    description: string;
    /** True when the training data is the synthetic generator's (the card says so prominently). */
    synthetic: boolean;
    subjects?: number;
    trials?: number;
    windows?: number;
    epochs?: number;
    augmentations?: string[];
  };
  protocol?: string;
  /** e.g. { validation: { valence_ccc: 0.61, arousal_ccc: 0.72 } }. */
  metrics?: Record<string, Record<string, number>>;
  seed: number;
  versions: { himoe: string; tfjsCore: string; node: string; backend: string };
  files: { model: string; weights: string[]; card: string };
}

function fail(field: string, expected: string, value: unknown, source: string): never {
  throw new ModelError('invalid-manifest', `${source}: field "${field}" ${expected} (got ${JSON.stringify(value)?.slice(0, 80)})`, { field, source });
}

/** Check a parsed manifest.json; throws ModelError 'invalid-manifest' naming the field. */
export function validateManifest(value: unknown, source = 'manifest.json'): ModelManifest {
  if (typeof value !== 'object' || value === null) fail('(root)', 'must be an object', value, source);
  const m = value as Record<string, unknown>;
  if (m.format !== MANIFEST_FORMAT) fail('format', `must be "${MANIFEST_FORMAT}"`, m.format, source);
  if (m.formatVersion !== MANIFEST_VERSION) fail('formatVersion', `must be ${MANIFEST_VERSION} (this build reads version ${MANIFEST_VERSION})`, m.formatVersion, source);
  const arch = m.architecture as Record<string, unknown> | undefined;
  if (typeof arch !== 'object' || arch === null) fail('architecture', 'must be an object', arch, source);
  if (arch.kind !== 'himoe') fail('architecture.kind', 'must be "himoe"', arch.kind, source);
  if (typeof arch.config !== 'object' || arch.config === null) fail('architecture.config', 'must be an object', arch.config, source);
  if (!Array.isArray(m.modalities) || m.modalities.length === 0) fail('modalities', 'must be a non-empty array', m.modalities, source);
  (m.modalities as unknown[]).forEach((entry, i) => {
    const e = entry as Record<string, unknown>;
    if (typeof e !== 'object' || e === null) fail(`modalities[${i}]`, 'must be an object', e, source);
    if (typeof e.modality !== 'string' || !isModality(e.modality)) fail(`modalities[${i}].modality`, `must be one of ${MODALITIES.join(', ')}`, e.modality, source);
    if (typeof e.rateHz !== 'number' || !(e.rateHz > 0)) fail(`modalities[${i}].rateHz`, 'must be a positive number', e.rateHz, source);
    if (!Array.isArray(e.channelLabels) || e.channelLabels.length === 0 || !e.channelLabels.every((c) => typeof c === 'string')) {
      fail(`modalities[${i}].channelLabels`, 'must be a non-empty array of strings', e.channelLabels, source);
    }
  });
  if (!Array.isArray(m.outputs) || m.outputs.length === 0) fail('outputs', 'must be a non-empty array', m.outputs, source);
  for (const key of ['tokenRateHz', 'windowSec', 'seed'] as const) if (typeof m[key] !== 'number') fail(key, 'must be a number', m[key], source);
  const files = m.files as Record<string, unknown> | undefined;
  if (typeof files !== 'object' || files === null || typeof files.model !== 'string' || !Array.isArray(files.weights)) {
    fail('files', 'must name the model.json and the weight files', files, source);
  }
  for (const key of ['normalisation', 'training', 'versions'] as const) if (typeof m[key] !== 'object' || m[key] === null) fail(key, 'must be an object', m[key], source);
  return value as ModelManifest;
}

export interface ModalityMatch {
  modality: Modality;
  /** The stream chosen for the modality (undefined when none is at hand). */
  streamId?: string;
  /** For each of the model's channels, its index in the stream's channels (-1 when missing). */
  channelIndex: number[];
  missingChannels: string[];
  extraChannels: string[];
  /** The stream has every channel, in another order (the index map reorders them). */
  reordered: boolean;
}

export interface StreamCheck {
  /** The model can run: at least one modality is fully available and no present stream lacks channels. */
  ok: boolean;
  matches: ModalityMatch[];
  /** Modalities with no stream at hand: the model runs with them masked as absent. */
  missingModalities: Modality[];
  /** One line per problem or notice, naming the modality, stream and channel. */
  messages: string[];
}

const norm = (label: string) => label.trim().toLowerCase();

/**
 * Compare the manifest with the streams at hand (by stream type = modality, channel labels
 * case-insensitively). A modality without a stream is allowed (it is masked) but reported; a
 * stream lacking some of the model's channels is a mismatch. With several streams of one
 * modality the one covering most channels is chosen.
 */
export function checkStreams(manifest: Pick<ModelManifest, 'modalities'>, streams: readonly StreamInfo[]): StreamCheck {
  const matches: ModalityMatch[] = [];
  const missingModalities: Modality[] = [];
  const messages: string[] = [];
  let ok = true;
  for (const spec of manifest.modalities) {
    const candidates = streams.filter((s) => s.type === spec.modality);
    if (candidates.length === 0) {
      missingModalities.push(spec.modality);
      matches.push({ modality: spec.modality, channelIndex: spec.channelLabels.map(() => -1), missingChannels: [...spec.channelLabels], extraChannels: [], reordered: false });
      messages.push(`${spec.modality}: no stream of type ${spec.modality} at hand; the model runs with ${spec.modality} masked as absent`);
      continue;
    }
    let best: ModalityMatch | undefined;
    for (const stream of candidates) {
      const labels = stream.channels.map((c) => norm(c.label));
      const channelIndex = spec.channelLabels.map((l) => labels.indexOf(norm(l)));
      const wanted = new Set(spec.channelLabels.map(norm));
      const match: ModalityMatch = {
        modality: spec.modality,
        streamId: stream.id,
        channelIndex,
        missingChannels: spec.channelLabels.filter((_, i) => channelIndex[i] === -1),
        extraChannels: stream.channels.map((c) => c.label).filter((l) => !wanted.has(norm(l))),
        reordered: channelIndex.every((j) => j >= 0) && channelIndex.some((j, i) => j !== i),
      };
      if (best === undefined || match.missingChannels.length < best.missingChannels.length) best = match;
    }
    matches.push(best!);
    if (best!.missingChannels.length > 0) {
      ok = false;
      messages.push(`${spec.modality}: stream "${best!.streamId}" lacks channel${best!.missingChannels.length > 1 ? 's' : ''} ${best!.missingChannels.join(', ')} (the model expects ${spec.channelLabels.join(', ')})`);
    }
    if (best!.reordered) messages.push(`${spec.modality}: stream "${best!.streamId}" has the model's channels in another order; they are reordered`);
    if (best!.extraChannels.length > 0) messages.push(`${spec.modality}: stream "${best!.streamId}" channels ${best!.extraChannels.join(', ')} are not used by the model`);
  }
  if (missingModalities.length === manifest.modalities.length) {
    ok = false;
    messages.push(`none of the model's modalities (${manifest.modalities.map((s) => s.modality).join(', ')}) has a stream at hand`);
  }
  return { ok, matches, missingModalities, messages };
}

/** Throw ModelError when checkStreams finds a problem: 'channel-mismatch' (naming modality, stream and channels) or 'no-modality'. */
export function assertStreamsMatch(manifest: Pick<ModelManifest, 'modalities'>, streams: readonly StreamInfo[]): StreamCheck {
  const check = checkStreams(manifest, streams);
  if (check.ok) return check;
  const bad = check.matches.find((m) => m.streamId !== undefined && m.missingChannels.length > 0);
  if (bad !== undefined) {
    throw new ModelError('channel-mismatch', check.messages.filter((l) => l.includes('lacks')).join('; '), {
      modality: bad.modality,
      streamId: bad.streamId,
      missingChannels: bad.missingChannels,
    });
  }
  throw new ModelError('no-modality', check.messages[check.messages.length - 1]!, { missingModalities: check.missingModalities });
}

/**
 * Pick and order a stream's channels as the model expects them (ModalityMatch.channelIndex):
 * n x streamChannels row-major values -> n x modelChannels. Throws ModelError 'channel-mismatch'
 * if a model channel is missing from the stream.
 */
export function selectChannels(values: Float32Array, streamChannels: number, match: ModalityMatch, out?: Float32Array): Float32Array {
  const missing = match.channelIndex.findIndex((j) => j < 0 || j >= streamChannels);
  if (missing >= 0) {
    throw new ModelError('channel-mismatch', `${match.modality}: stream "${match.streamId ?? '(none)'}" lacks model channel ${missing} (${match.missingChannels.join(', ') || `index ${match.channelIndex[missing]}`})`, { modality: match.modality });
  }
  const n = Math.floor(values.length / streamChannels);
  const C = match.channelIndex.length;
  const result = out ?? new Float32Array(n * C);
  for (let i = 0; i < n; i++) {
    const row = i * streamChannels;
    for (let c = 0; c < C; c++) result[i * C + c] = values[row + match.channelIndex[c]!]!;
  }
  return result;
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toFixed(3) : String(v);
}

/** MODEL_CARD.md for a manifest. */
export function renderModelCard(manifest: ModelManifest): string {
  const c = manifest.architecture.config;
  const lines: string[] = [];
  lines.push(`# Model card: ${manifest.name}`, '');
  if (manifest.training.synthetic) {
    lines.push('> **Trained on SYNTHETIC physiology** from the workstation\'s built-in generator, not on human', '> recordings. Use it to check the pipeline end to end; do not read its outputs as emotion estimates of a real person.', '');
  }
  lines.push('## Model', '');
  lines.push(`Hi-MoE (hierarchical mixture of experts, DESIGN §4), ${manifest.architecture.parameters.toLocaleString('en-US')} parameters, created ${manifest.createdAt}.`);
  lines.push(`Predicts ${manifest.outputs.join(', ')} in [-1, 1] at ${manifest.tokenRateHz} Hz from ${manifest.windowSec} s windows; modalities may be missing.`);
  lines.push('', `d_model ${c.dModel}, ${c.heads} heads, ${c.encoderLayers} encoder / ${c.temporalLayers} causal temporal / ${c.emotionLayers} emotion layer(s), ${c.sharedExperts} shared expert(s), ${c.prototypes} emotion prototypes, dropout ${c.dropout}.`);
  lines.push(`Modality routing: ${c.modalityRouting === 'per-output' ? 'per output (each output dimension has its own Modality Expert Bank weights and its own temporal/emotion pass)' : 'shared by all outputs'}.`);
  lines.push(`Ablation switches: alignment ${c.ablation.alignment}, emotion routing ${c.ablation.emotionAttention}, fusion ${c.ablation.fusion}.`, '');
  lines.push('## Inputs', '', '| modality | model rate (Hz) | channels (in order) |', '|---|---|---|');
  for (const m of manifest.modalities) lines.push(`| ${m.modality} | ${m.rateHz} | ${m.channelLabels.join(', ')} |`);
  lines.push('', `Normalisation: ${manifest.normalisation.method} — ${manifest.normalisation.description}`, '');
  lines.push('## Training data', '', manifest.training.description, '');
  const facts: string[] = [`data: \`${manifest.training.data}\``];
  if (manifest.training.subjects !== undefined) facts.push(`subjects: ${manifest.training.subjects}`);
  if (manifest.training.trials !== undefined) facts.push(`trials: ${manifest.training.trials}`);
  if (manifest.training.windows !== undefined) facts.push(`windows: ${manifest.training.windows}`);
  if (manifest.training.epochs !== undefined) facts.push(`epochs: ${manifest.training.epochs}`);
  if (manifest.training.augmentations?.length) facts.push(`augmentations: ${manifest.training.augmentations.join(', ')}`);
  for (const f of facts) lines.push(`- ${f}`);
  lines.push('', '## Evaluation', '');
  if (manifest.protocol) lines.push(`Protocol: ${manifest.protocol}`, '');
  const metricSets = Object.entries(manifest.metrics ?? {});
  if (metricSets.length === 0) lines.push('No evaluation recorded.');
  for (const [set, values] of metricSets) {
    lines.push(`**${set}**`, '', '| metric | value |', '|---|---|');
    for (const [k, v] of Object.entries(values)) lines.push(`| ${k} | ${fmt(v)} |`);
    lines.push('');
  }
  lines.push('', '## Reproducibility', '', `Seed ${manifest.seed}; himoe ${manifest.versions.himoe}, tfjs-core ${manifest.versions.tfjsCore}, Node ${manifest.versions.node}, backend ${manifest.versions.backend}.`, '');
  lines.push('## Limitations', '', '- Continuous valence/arousal from physiology is noisy and subject-dependent; check subject-independent scores before trusting a model on new people.', '- Live predictions at time t use only data up to t (causal), so delayed responses (EDA) are reflected late.', '');
  return lines.join('\n');
}
