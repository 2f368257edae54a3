// Model examples from a public dataset (issue 3 item 3; DEAP and DREAMER through the importers of
// storage/datasets): a subject's trials are mapped onto the model's modalities and channels, laid
// end to end on one timeline, aligned by core/align, normalised with the subject's own robust
// statistics, and cut into windows inside each trial, the trial's ratings as constant targets.

import { DEFAULT_MODEL_RATES_HZ, windowsOver, type Modality, type ModalityInput } from '../../core/align/index.js';
import { TRIAL_GAP_SEC } from '../../storage/datasets/import-workspace.js';
import type { DatasetName, DatasetTrial, EmotionDataset, RatingDimension } from '../../storage/datasets/types.js';
import { ModelError } from '../errors.js';
import type { HiMoEConfig, ModalitySpec } from '../himoe/config.js';
import { selectChannels, type ModalityMatch } from '../io/manifest.js';
import { alignForModel, type Example } from '../training/examples.js';

export interface SubjectExamples {
  subject: string;
  examples: Example[];
  /** Distinct trials (stimuli) the subject's windows fall in, rest excluded. */
  trials: number;
}

/** What a dataset records of one model modality: channel labels and units in the dataset's order, native rate. */
export interface DatasetModalityInfo {
  modality: Modality;
  channelLabels: readonly string[];
  channelUnits: readonly string[];
  nativeRateHz: number;
}

/** Model modality specs (labels in the dataset's order, default model rates unless overridden) for
 *  building a HiMoEConfig that fits a dataset: `resolveHiMoEConfig({ modalities: modelSpecsFor(DEAP_MODALITIES) })`. */
export function modelSpecsFor(infos: readonly DatasetModalityInfo[], ratesHz: Partial<Record<Modality, number>> = {}): ModalitySpec[] {
  return infos.map((i) => ({ modality: i.modality, rateHz: ratesHz[i.modality] ?? DEFAULT_MODEL_RATES_HZ[i.modality], channelLabels: [...i.channelLabels] }));
}

/** How one model modality is fed from the dataset. */
export interface ChannelPlan {
  modality: Modality;
  /** For each model channel, its index in the dataset's channels of the modality. */
  match: ModalityMatch;
  /** The dataset's labels the model channels are taken from, in the model's order. */
  sourceLabels: string[];
  /** True when taken by position (a peripheral modality whose labels the model names differently). */
  byPosition: boolean;
}

export interface ChannelPlanResult {
  plans: ChannelPlan[];
  /** Model modalities the dataset lacks: present in every window with mask 0. */
  absent: Modality[];
  /** One line per mapping decision, for the dataset description. */
  notes: string[];
}

const norm = (label: string) => label.trim().toLowerCase();

/**
 * Map the model's modalities and channels onto a dataset's. Channels match by label
 * (case-insensitive), in the model's order. A non-EEG modality whose model labels match none of
 * the dataset's (the model's "EDA" for DEAP's "GSR", "ECG-II" for DREAMER's "ECG1") takes the
 * dataset's first channels by position. An EEG channel the dataset lacks is an error naming it:
 * masks are per modality, so one channel cannot be marked absent, and zeros would pass for data.
 */
export function planChannels(config: HiMoEConfig, dataset: DatasetName, infos: readonly DatasetModalityInfo[], source: string, helper: string): ChannelPlanResult {
  const plans: ChannelPlan[] = [];
  const absent: Modality[] = [];
  const notes: string[] = [];
  for (const spec of config.modalities) {
    const info = infos.find((i) => i.modality === spec.modality);
    if (info === undefined) {
      absent.push(spec.modality);
      notes.push(`${spec.modality}: not recorded in ${dataset}, masked as absent`);
      continue;
    }
    const labels = info.channelLabels.map(norm);
    let channelIndex = spec.channelLabels.map((l) => labels.indexOf(norm(l)));
    let byPosition = false;
    if (spec.modality !== 'EEG' && channelIndex.every((j) => j < 0) && spec.channelLabels.length <= labels.length) {
      channelIndex = spec.channelLabels.map((_, c) => c);
      byPosition = true;
    }
    const missing = spec.channelLabels.filter((_, c) => channelIndex[c]! < 0);
    if (missing.length > 0) {
      throw new ModelError(
        'channel-mismatch',
        `${source}: ${dataset} has no ${spec.modality} channel${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (it has ${info.channelLabels.join(', ')}); ` +
          `a channel cannot be masked on its own, so build the model config from the dataset's channels (${helper}) or drop the missing ones`,
        { modality: spec.modality, missingChannels: missing, dataset },
      );
    }
    const sourceLabels = channelIndex.map((j) => info.channelLabels[j]!);
    const chosen = new Set(channelIndex);
    const match: ModalityMatch = {
      modality: spec.modality,
      streamId: `${dataset.toLowerCase()}:${spec.modality.toLowerCase()}`,
      channelIndex,
      missingChannels: [],
      extraChannels: info.channelLabels.filter((_, j) => !chosen.has(j)),
      reordered: channelIndex.some((j, c) => j !== c),
    };
    plans.push({ modality: spec.modality, match, sourceLabels, byPosition });
    if (byPosition) notes.push(`${spec.modality}: model channel${spec.channelLabels.length > 1 ? 's' : ''} ${spec.channelLabels.join(', ')} from ${dataset}'s ${sourceLabels.join(', ')}`);
  }
  if (plans.length === 0) {
    throw new ModelError('no-modality', `${source}: none of the model's modalities (${config.modalities.map((s) => s.modality).join(', ')}) is recorded in ${dataset} (it has ${infos.map((i) => i.modality).join(', ')})`, { dataset });
  }
  return { plans, absent, notes };
}

export interface DatasetExamplesOptions {
  /** Step between window ends, seconds. */
  hopSec: number;
  /** Name in messages, e.g. the data SPEC. */
  source: string;
  /** Subject name of the examples from the dataset's subject id (e.g. "deap-s01" -> "s01"). */
  subjectName: (id: string) => string;
  onSubject?: (name: string, index: number) => void;
  /** Windows share the subject's aligned arrays (default true; never write them, see
   *  AssembleOptions.shareAligned); false copies every window. */
  shareAligned?: boolean;
}

interface TrialSpan {
  name: string;
  startSec: number;
  endSec: number;
  /** One value per model output, in [-1, 1]. */
  targets: number[];
}

/** Collects one subject's trials (selected channels only) and turns them into examples. */
class SubjectTimeline {
  private readonly pieces = new Map<Modality, { rateHz: number; values: Float32Array[]; timestamps: Float64Array[] }>();
  private readonly spans: TrialSpan[] = [];
  private cursorSec = 0;

  constructor(
    readonly subject: string,
    private readonly config: HiMoEConfig,
    private readonly plans: readonly ChannelPlan[],
    private readonly source: string,
  ) {}

  add(trial: DatasetTrial): void {
    const where = `${this.source}: ${trial.subject.id} trial ${trial.trialIndex + 1}`;
    const targets = this.config.outputs.map((o) => {
      const r = trial.ratings[o.toLowerCase() as RatingDimension];
      if (r === undefined || !Number.isFinite(r.normalized)) {
        throw new ModelError('no-ground-truth', `${where}: no ${o} rating (the trial has ${Object.keys(trial.ratings).join(', ') || 'none'}); the model's outputs are ${this.config.outputs.join(', ')}`, { source: this.source });
      }
      return r.normalized;
    });
    const startSec = this.cursorSec;
    let endSec = startSec;
    for (const plan of this.plans) {
      const block = trial.signals.find((b) => b.modality === plan.modality);
      if (block === undefined) continue;
      const labels = plan.match.channelIndex.map((j) => block.channels[j]?.label);
      if (labels.some((l, c) => l !== plan.sourceLabels[c])) {
        throw new ModelError('channel-mismatch', `${where}: ${plan.modality} channels are ${block.channels.map((c) => c.label).join(', ')}; expected ${plan.sourceLabels.join(', ')} among them`, { source: this.source });
      }
      const values = selectChannels(block.values, block.channels.length, plan.match);
      const timestamps = new Float64Array(block.sampleCount);
      for (let i = 0; i < block.sampleCount; i++) timestamps[i] = startSec + i / block.rateHz;
      let p = this.pieces.get(plan.modality);
      if (p === undefined) this.pieces.set(plan.modality, (p = { rateHz: block.rateHz, values: [], timestamps: [] }));
      p.values.push(values);
      p.timestamps.push(timestamps);
      endSec = Math.max(endSec, startSec + block.sampleCount / block.rateHz);
    }
    this.spans.push({ name: `${this.subject}/trial${trial.trialIndex + 1}`, startSec, endSec, targets });
    // Next trial on a whole patch after a gap, so every trial starts on the token grid.
    this.cursorSec = Math.ceil((endSec + TRIAL_GAP_SEC) * this.config.tokenRateHz - 1e-9) / this.config.tokenRateHz;
  }

  /** Align, normalise (the subject's median / IQR over all its trials), cut windows inside each trial. */
  finish(hopSec: number, shareAligned: boolean): SubjectExamples {
    const inputs: ModalityInput[] = [];
    for (const plan of this.plans) {
      const p = this.pieces.get(plan.modality);
      if (p === undefined) continue;
      const timestamps = concat(p.timestamps, Float64Array);
      if (timestamps.length === 0) continue;
      const values = concat(p.values, Float32Array);
      inputs.push({ modality: plan.modality, channelCount: plan.match.channelIndex.length, nominalRateHz: p.rateHz, timestamps, values, streamId: `${this.source}:${this.subject}:${plan.modality}` });
    }
    this.pieces.clear();
    const examples: Example[] = [];
    const endSec = Math.max(0, ...this.spans.map((s) => s.endSec));
    if (inputs.length === 0 || endSec <= 0) return { subject: this.subject, examples, trials: 0 };
    const config = this.config;
    const { aligned } = alignForModel(inputs, config, 0, endSec);
    const D = config.outputs.length;
    let trials = 0;
    for (const span of this.spans) {
      let any = false;
      // Normalised in place by alignForModel before any window is cut, so windows may share the arrays.
      for (const window of windowsOver(aligned, { hopSec, firstEndSec: span.startSec + config.windowSec, lastEndSec: span.endSec, shareAligned })) {
        const L = window.referenceTimesSec.length;
        const targets = new Float32Array(L * D);
        for (let j = 0; j < L; j++) for (let d = 0; d < D; d++) targets[j * D + d] = span.targets[d]!;
        examples.push({ window, targets, subject: this.subject, trial: span.name });
        any = true;
      }
      if (any) trials++;
    }
    return { subject: this.subject, examples, trials };
  }
}

function concat<T extends Float32Array | Float64Array>(parts: readonly T[], Ctor: new (n: number) => T): T {
  const out = new Ctor(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Examples per subject of a dataset, read subject by subject (the importer holds one subject's
 * signals; this keeps only the model's channels of it until the subject's windows are cut).
 * Baselines are not used: DEAP's 3 s pre-trial baseline is dropped, DREAMER's neutral clips are
 * skipped; the normalisation statistics come from the subject's stimulus signals.
 */
export async function datasetExamples(dataset: EmotionDataset, config: HiMoEConfig, plans: readonly ChannelPlan[], options: DatasetExamplesOptions): Promise<SubjectExamples[]> {
  const subjects: SubjectExamples[] = [];
  let current: { id: string; timeline: SubjectTimeline } | undefined;
  const flush = () => {
    if (current === undefined) return;
    const done = current.timeline.finish(options.hopSec, options.shareAligned ?? true);
    subjects.push(done);
    options.onSubject?.(done.subject, subjects.length - 1);
    current = undefined;
  };
  for await (const trial of dataset.trials()) {
    if (current?.id !== trial.subject.id) {
      flush();
      current = { id: trial.subject.id, timeline: new SubjectTimeline(options.subjectName(trial.subject.id), config, plans, options.source) };
    }
    current.timeline.add(trial);
    // Cut the subject's windows before the importer reads the next subject's file.
    if (trial.trialIndex + 1 >= trial.trialCount) flush();
  }
  flush();
  return subjects;
}

export interface DatasetReader {
  name: DatasetName;
  modalities: readonly DatasetModalityInfo[];
  /** What to call to build a fitting model config, named in channel errors. */
  helper: string;
  /** Opens the dataset (after the channel plan has been checked); total 0 when the subject count is unknown until read. */
  open: () => Promise<{ dataset: EmotionDataset; total: number }>;
}

export interface ReadDatasetOptions {
  hopSec: number;
  /** Name in messages, e.g. the data SPEC. */
  source: string;
  onSubject?: (name: string, index: number, total: number) => void;
  /** See DatasetExamplesOptions.shareAligned (default true). */
  shareAligned?: boolean;
}

/** A dataset's examples per subject (named by its id without the "deap-" / "dreamer-" prefix), the
 *  channel mapping notes, and the number of trials with windows. The channel plan is checked
 *  before the dataset is opened, so a model that does not fit fails before any file is read. */
export async function readDatasetExamples(reader: DatasetReader, config: HiMoEConfig, options: ReadDatasetOptions): Promise<{ subjects: SubjectExamples[]; notes: string[]; trials: number }> {
  const { plans, notes } = planChannels(config, reader.name, reader.modalities, options.source, reader.helper);
  const { dataset, total } = await reader.open();
  const prefix = `${reader.name.toLowerCase()}-`;
  const subjects = await datasetExamples(dataset, config, plans, {
    hopSec: options.hopSec,
    source: options.source,
    subjectName: (id) => (id.startsWith(prefix) ? id.slice(prefix.length) : id),
    onSubject: (name, i) => options.onSubject?.(name, i, total),
    ...(options.shareAligned !== undefined ? { shareAligned: options.shareAligned } : {}),
  });
  return { subjects, notes, trials: subjects.reduce((n, s) => n + s.trials, 0) };
}

/** The notes of planChannels as sentences to append to a description. */
export function notesText(notes: readonly string[]): string {
  return notes.map((n) => ` ${n}.`).join('');
}
