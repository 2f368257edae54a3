// The simulated world of one subject, free of clocks and devices: stimulus schedule ->
// latent valence/arousal -> physiology, rendered on each modality's nominal grid in world
// time (s since start). The live SyntheticSession drives it step by step; renderRecording()
// renders whole recordings in batch (synthetic training corpora). Pure TS, deterministic.

import { resolveSyntheticConfig, type ResolvedSyntheticConfig, type SyntheticConfig, type SyntheticDeviceKey } from './config.js';
import { LatentTrack } from './latent-track.js';
import { EcgRenderer, PpgRenderer } from './render-cardio.js';
import { EdaRenderer, RespRenderer } from './render-autonomic.js';
import { EegRenderer } from './render-eeg.js';
import type { SignalRenderer } from './renderer.js';
import { StimulusTimeline, type Stimulus } from './stimuli.js';
import { drawSubject, type SubjectParams } from './subject.js';

/** What the world needs from a resolved config (no pacing, chunking or devices). */
export type PhysiologyOptions = Pick<
  ResolvedSyntheticConfig,
  'seed' | 'modalities' | 'eeg' | 'ecg' | 'eda' | 'ppg' | 'resp' | 'groundTruth' | 'stimuli'
>;

/** Consecutive samples of one modality: rows firstIndex .. firstIndex+count-1 of its grid. */
export interface WorldBlock {
  firstIndex: number;
  count: number;
  channelCount: number;
  /** count x channelCount, row-major. */
  values: Float32Array;
}

export interface WorldStep {
  t0Sec: number;
  t1Sec: number;
  /** One block per enabled modality. */
  blocks: Partial<Record<SyntheticDeviceKey, WorldBlock>>;
  /** Ground truth: 2 channels (valence, arousal). */
  groundTruth: WorldBlock;
  /** Stimulus onsets/offsets in [t0Sec, t1Sec): world times and labels ("onset:<label>", "offset:<label>"). */
  markers: { timesSec: number[]; labels: string[] };
}

export const GROUND_TRUTH_CHANNELS = ['valence', 'arousal'] as const;

/** Number of grid samples (n / rateHz) strictly before `tSec`. */
export function samplesBefore(tSec: number, rateHz: number): number {
  return Math.max(0, Math.ceil(tSec * rateHz - 1e-7));
}

const KEYS: readonly SyntheticDeviceKey[] = ['eeg', 'ecg', 'eda', 'ppg', 'resp'];

class GroundTruthRenderer implements SignalRenderer {
  readonly channelCount = 2;
  constructor(
    private readonly track: LatentTrack,
    readonly rateHz: number,
  ) {}
  render(out: Float32Array, outRow: number, n0: number, count: number): void {
    const tr = this.track;
    for (let i = 0; i < count; i++) {
      const tSec = (n0 + i) / this.rateHz;
      out[(outRow + i) * 2] = tr.at(tr.valence, tSec);
      out[(outRow + i) * 2 + 1] = tr.at(tr.arousal, tSec);
    }
  }
}

export class PhysiologyWorld {
  readonly subject: SubjectParams;
  readonly timeline: StimulusTimeline;
  readonly track: LatentTrack;
  /** World time rendered so far (s). */
  private tSec = 0;
  private readonly renderers: Partial<Record<SyntheticDeviceKey, SignalRenderer>> = {};
  private readonly rendered: Record<SyntheticDeviceKey | 'gt', number> = { eeg: 0, ecg: 0, eda: 0, ppg: 0, resp: 0, gt: 0 };
  private readonly gt: GroundTruthRenderer;
  private markerIndex = 0;
  private markerIsOffset = false;

  constructor(readonly options: PhysiologyOptions) {
    this.subject = drawSubject(options.seed);
    this.timeline = new StimulusTimeline(options.seed, options.stimuli);
    this.track = new LatentTrack(this.subject, this.timeline);
    const o = options;
    for (const m of o.modalities) {
      const key = m.toLowerCase() as SyntheticDeviceKey;
      switch (key) {
        case 'eeg':
          this.renderers.eeg = new EegRenderer(this.subject, this.track, o.eeg.channels, o.eeg.rateHz, o.eeg.lineNoiseHz);
          break;
        case 'ecg':
          this.renderers.ecg = new EcgRenderer(this.subject, this.track, o.ecg.rateHz);
          break;
        case 'eda':
          this.renderers.eda = new EdaRenderer(this.subject, this.track, o.eda.rateHz);
          break;
        case 'ppg':
          this.renderers.ppg = new PpgRenderer(this.subject, this.track, o.ppg.rateHz);
          break;
        case 'resp':
          this.renderers.resp = new RespRenderer(this.subject, this.track, o.resp.rateHz);
          break;
      }
    }
    this.gt = new GroundTruthRenderer(this.track, o.groundTruth.rateHz);
  }

  get timeSec(): number {
    return this.tSec;
  }

  /** Enabled modalities, in canonical order. */
  get keys(): SyntheticDeviceKey[] {
    return KEYS.filter((k) => this.renderers[k] !== undefined);
  }

  /** Render everything in [timeSec, t1Sec) into fresh arrays and move on to t1Sec. */
  advance(t1Sec: number): WorldStep {
    const t0Sec = this.tSec;
    if (!(t1Sec >= t0Sec)) throw new RangeError(`PhysiologyWorld.advance: t1Sec ${t1Sec} is before the current time ${t0Sec}`);
    this.track.ensure(t1Sec);
    const blocks: WorldStep['blocks'] = {};
    for (const key of this.keys) blocks[key] = this.renderBlock(key, this.renderers[key] as SignalRenderer, t1Sec);
    const groundTruth = this.renderBlock('gt', this.gt, t1Sec);
    const markers = this.markersBefore(t1Sec);
    this.tSec = t1Sec;
    this.track.prune(t1Sec - 10);
    return { t0Sec, t1Sec, blocks, groundTruth, markers };
  }

  private renderBlock(key: SyntheticDeviceKey | 'gt', r: SignalRenderer, t1Sec: number): WorldBlock {
    const n0 = this.rendered[key];
    const n1 = Math.max(n0, samplesBefore(t1Sec, r.rateHz));
    const values = new Float32Array((n1 - n0) * r.channelCount);
    if (n1 > n0) r.render(values, 0, n0, n1 - n0);
    this.rendered[key] = n1;
    return { firstIndex: n0, count: n1 - n0, channelCount: r.channelCount, values };
  }

  /** Render [timeSec, t1Sec) directly into caller-owned arrays whose row 0 is grid sample 0. */
  renderInto(t1Sec: number, outputs: Partial<Record<SyntheticDeviceKey | 'gt', Float32Array>>): void {
    this.track.ensure(t1Sec);
    const all: Array<[SyntheticDeviceKey | 'gt', SignalRenderer]> = this.keys.map((k) => [k, this.renderers[k] as SignalRenderer]);
    all.push(['gt', this.gt]);
    for (const [key, r] of all) {
      const n0 = this.rendered[key];
      const n1 = Math.max(n0, samplesBefore(t1Sec, r.rateHz));
      const out = outputs[key];
      if (out && n1 > n0) r.render(out, n0, n0, n1 - n0);
      this.rendered[key] = n1;
    }
    this.markersBefore(t1Sec);
    this.tSec = t1Sec;
    this.track.prune(t1Sec - 10);
  }

  private markersBefore(t1Sec: number): { timesSec: number[]; labels: string[] } {
    const timesSec: number[] = [];
    const labels: string[] = [];
    for (;;) {
      const s = this.timeline.get(this.markerIndex);
      if (!s) break;
      const t = this.markerIsOffset ? s.onsetSec + s.durationSec : s.onsetSec;
      if (t >= t1Sec) break;
      timesSec.push(t);
      labels.push(`${this.markerIsOffset ? 'offset' : 'onset'}:${s.label}`);
      if (this.markerIsOffset) this.markerIndex++;
      this.markerIsOffset = !this.markerIsOffset;
    }
    return { timesSec, labels };
  }
}

export interface SyntheticRecording {
  durationSec: number;
  subject: SubjectParams;
  /** The stimuli that start within the recording. */
  stimuli: Stimulus[];
  /** Per enabled modality: nominal-grid signal in world time (sample n at n / rateHz). */
  signals: Partial<Record<SyntheticDeviceKey, { rateHz: number; channels: string[]; values: Float32Array }>>;
  /** valence, arousal (n x 2) at groundTruth.rateHz. */
  groundTruth: { rateHz: number; values: Float32Array };
  /** Generator events within the recording: R peaks, SCR onsets, blinks (s). */
  events: { rPeaksSec: Float64Array; scrOnsetsSec: Float64Array; blinksSec: Float64Array };
}

export type RenderRecordingOptions = Omit<SyntheticConfig, 'pacing' | 'durationSec' | 'chunkSec' | 'devices'> & { durationSec: number };

const BATCH_STEP_SEC = 10;

/**
 * Render one subject's whole recording (no devices, clocks or packets: the ideal signals on
 * the nominal grid plus ground truth and generator events). Same seed and options give the
 * same values as the live source's samples. For corpora: N subjects = N seeds, M trials = a
 * `stimuli` schedule of M clips (cut trials at the clip onsets).
 */
export function renderRecording(options: RenderRecordingOptions): SyntheticRecording {
  const cfg = resolveSyntheticConfig({ ...options, pacing: 'fast' });
  const durationSec = cfg.durationSec as number;
  const world = new PhysiologyWorld(cfg);
  world.track.beats.retainAll = true;
  world.track.scrOnsets.retainAll = true;
  world.track.blinks.retainAll = true;
  const signals: SyntheticRecording['signals'] = {};
  const outputs: Partial<Record<SyntheticDeviceKey | 'gt', Float32Array>> = {};
  for (const key of world.keys) {
    const rateHz = cfg[key].rateHz;
    const channels = key === 'eeg' ? [...cfg.eeg.channels] : [channelLabelOf(key)];
    const values = new Float32Array(samplesBefore(durationSec, rateHz) * channels.length);
    signals[key] = { rateHz, channels, values };
    outputs[key] = values;
  }
  const gtValues = new Float32Array(samplesBefore(durationSec, cfg.groundTruth.rateHz) * 2);
  outputs.gt = gtValues;
  for (let k = 1; ; k++) {
    const t1 = Math.min(durationSec, k * BATCH_STEP_SEC);
    world.renderInto(t1, outputs);
    if (t1 >= durationSec) break;
  }
  const within = (arr: Float64Array) => arr.filter((t) => t >= 0 && t < durationSec);
  return {
    durationSec,
    subject: world.subject,
    stimuli: world.timeline.scheduleUntil(durationSec),
    signals,
    groundTruth: { rateHz: cfg.groundTruth.rateHz, values: gtValues },
    events: {
      rPeaksSec: within(world.track.beats.allTimes()),
      scrOnsetsSec: within(world.track.scrOnsets.allTimes()),
      blinksSec: within(world.track.blinks.allTimes()),
    },
  };
}

/** Channel label of a single-channel modality. */
export function channelLabelOf(key: Exclude<SyntheticDeviceKey, 'eeg'>): string {
  return { ecg: 'ECG-II', eda: 'EDA', ppg: 'PPG', resp: 'RESP' }[key];
}
