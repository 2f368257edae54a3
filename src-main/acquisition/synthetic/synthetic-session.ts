// The embedded default source: a simulated subject (PhysiologyWorld) seen through one
// simulated device per modality plus a stimulus/ground-truth source, exposed to the engine
// as SignalSources that share one world and one session clock. Paces the world in real time
// (timer) or as fast as possible (setImmediate slices that leave room for I/O).

import { SourceError } from '../../core/errors.js';
import { ManualClock, type SessionClock } from '../../core/streams/clock.js';
import { ListenerSet, type SignalSource, type SourceEvent, type SourceListener, type SourceState } from '../../core/streams/source.js';
import type { Chunk, ClockOffsetMeasurement, StreamInfo } from '../../core/streams/types.js';
import {
  deviceKey,
  resolveSyntheticConfig,
  type ResolvedSyntheticConfig,
  type SyntheticConfig,
  type SyntheticDeviceKey,
  type SyntheticModality,
} from './config.js';
import { SimulatedDevice, type DeviceSink } from './device.js';
import { channelLabelOf, GROUND_TRUTH_CHANNELS, PhysiologyWorld, type WorldStep } from './physiology.js';
import type { Stimulus } from './stimuli.js';
import type { SubjectParams } from './subject.js';

export type { SyntheticConfig, SyntheticModality } from './config.js';

/** Longest slice of synchronous generation in fast pacing before yielding to the event loop. */
const FAST_SLICE_MS = 4;
export const STIMULUS_SOURCE_ID = 'synthetic-stimulus';
export const GROUND_TRUTH_STREAM_ID = 'synthetic:ground-truth';
export const MARKER_STREAM_ID = 'synthetic:markers';
const MANUFACTURER = 'HiMoE synthetic';

export function syntheticSourceId(key: SyntheticDeviceKey): string {
  return `synthetic-${key}`;
}
export function syntheticStreamId(key: SyntheticDeviceKey): string {
  return `synthetic:${key}`;
}

const STREAM_META: Record<SyntheticDeviceKey, { type: SyntheticModality; unit: string; model: string }> = {
  eeg: { type: 'EEG', unit: 'microvolts', model: 'SynthEEG' },
  ecg: { type: 'ECG', unit: 'millivolts', model: 'SynthECG (lead II)' },
  eda: { type: 'EDA', unit: 'microsiemens', model: 'SynthEDA' },
  ppg: { type: 'PPG', unit: 'a.u.', model: 'SynthPPG' },
  resp: { type: 'RESP', unit: 'a.u.', model: 'SynthRESP (belt)' },
};

/** One SignalSource of a SyntheticSession (a simulated device, or the stimulus source). */
class SyntheticSource implements SignalSource {
  private _state: SourceState = 'idle';
  private readonly listeners = new ListenerSet<SourceEvent>();
  /** The device's sink while this source runs. */
  readonly sink: DeviceSink;

  constructor(
    private readonly session: SyntheticSession,
    readonly id: string,
    readonly label: string,
    readonly streams: readonly StreamInfo[],
    readonly device: SimulatedDevice | undefined,
  ) {
    this.sink = {
      chunk: (chunk: Chunk) => this.listeners.emit({ kind: 'chunk', chunk }),
      clockOffset: (measurement: ClockOffsetMeasurement) => this.listeners.emit({ kind: 'clockOffset', measurement }),
      connection: (connected: boolean, detail: string) => this.setState(connected ? 'running' : 'disconnected', detail),
    };
  }

  get state(): SourceState {
    return this._state;
  }

  /** Running or disconnected: the session advances the world for it and delivers to it. */
  get active(): boolean {
    return this._state === 'running' || this._state === 'disconnected';
  }

  subscribe(listener: SourceListener): () => void {
    return this.listeners.add(listener);
  }

  emit(event: SourceEvent): void {
    this.listeners.emit(event);
  }

  setState(state: SourceState, detail?: string): void {
    if (this._state === state) return;
    this._state = state;
    this.listeners.emit(detail === undefined ? { kind: 'state', state } : { kind: 'state', state, detail });
  }

  async start(): Promise<void> {
    if (this._state === 'released') {
      throw new SourceError('RELEASED', this.id, `source "${this.id}" was released and cannot start again`);
    }
    if (this.active) return;
    if (this.session.finished) {
      this.setState('stopped', 'the synthetic session has reached its duration');
      return;
    }
    this.device?.requestMeasurement();
    this.setState(this.device && !this.device.connected ? 'disconnected' : 'running');
    this.session.onSourceStarted();
  }

  async stop(): Promise<void> {
    if (!this.active) return;
    this.setState('stopped');
    this.session.onSourceStopped();
  }

  async release(): Promise<void> {
    if (this._state === 'released') return;
    this.setState('released');
    this.listeners.clear();
    this.session.onSourceReleased();
  }
}

/**
 * A synthetic recording session: one subject, one world, one device per modality, one
 * stimulus source. Construct, hand `sources` and `clock` to the engine, start the sources;
 * the world advances while at least one source runs. `done` resolves when `durationSec`
 * is reached (every source then reports 'stopped'), when every source is released, or when
 * the generator fails (sources report 'error').
 */
export class SyntheticSession {
  readonly config: ResolvedSyntheticConfig;
  private readonly world: PhysiologyWorld;
  /** Device sources (canonical modality order), then the stimulus source. */
  readonly sources: SignalSource[];
  /** Session clock: virtual time in 'fast' pacing, performance.now() seconds in 'realtime'. */
  readonly clock: SessionClock;
  readonly done: Promise<void>;

  private readonly all: SyntheticSource[] = [];
  private readonly devices: Array<[SyntheticDeviceKey, SyntheticSource]> = [];
  private readonly stimulus: SyntheticSource;
  private readonly manualClock: ManualClock | undefined;
  private resolveDone!: () => void;
  private _finished = false;
  /** Session time of world time 0 (set when the first source starts). */
  private originSec: number | undefined;
  private stepIndex = 0;
  private markerCount = 0;
  private immediate: ReturnType<typeof setImmediate> | undefined;
  /** Realtime pacing: fires when the next step is due on the host clock. */
  private timer: ReturnType<typeof setTimeout> | undefined;
  private wasIdle = true;

  constructor(config: SyntheticConfig) {
    this.config = resolveSyntheticConfig(config);
    const cfg = this.config;
    this.world = new PhysiologyWorld(cfg);
    if (cfg.pacing === 'fast') {
      this.manualClock = new ManualClock(0);
      this.clock = this.manualClock;
    } else {
      this.clock = { nowSec: () => performance.now() / 1000 };
    }
    this.done = new Promise<void>((resolve) => {
      this.resolveDone = resolve;
    });
    for (const m of cfg.modalities) {
      const key = deviceKey(m);
      const source = this.makeDeviceSource(key);
      this.devices.push([key, source]);
      this.all.push(source);
    }
    this.stimulus = this.makeStimulusSource();
    this.all.push(this.stimulus);
    this.sources = [...this.all];
  }

  /** The simulated subject's parameters (baselines, gains). */
  get subject(): SubjectParams {
    return this.world.subject;
  }

  /** True once durationSec was reached (or the generator failed). */
  get finished(): boolean {
    return this._finished;
  }

  /** World time simulated so far (s since the first source started). */
  get simulatedSec(): number {
    return this.world.timeSec;
  }

  /** The stimuli that start before `untilSec` (default: durationSec). */
  stimulusSchedule(untilSec = this.config.durationSec ?? this.world.timeSec): Stimulus[] {
    return this.world.timeline.scheduleUntil(untilSec);
  }

  private makeDeviceSource(key: SyntheticDeviceKey): SyntheticSource {
    const cfg = this.config;
    const dev = cfg.devices[key];
    const sourceId = syntheticSourceId(key);
    const streamId = syntheticStreamId(key);
    const meta = STREAM_META[key];
    const rateHz = cfg[key].rateHz;
    const labels = key === 'eeg' ? cfg.eeg.channels : [channelLabelOf(key)];
    const info: StreamInfo = {
      id: streamId,
      name: `Synthetic ${meta.type}`,
      type: meta.type,
      channels: labels.map((label) => ({ label, unit: meta.unit })),
      channelFormat: 'float32',
      nominalRateHz: rateHz,
      sourceId,
      desc: {
        manufacturer: MANUFACTURER,
        model: key === 'eeg' ? `${meta.model} ${labels.length}ch` : meta.model,
        serial: `${sourceId}-${cfg.seed}`,
        subjectSeed: cfg.seed,
        clockOffsetSec: dev.offsetSec,
        clockDriftPpm: dev.driftPpm,
        clockJitterSec: dev.jitterSec,
        packetLossProb: dev.packetLossProb,
        ...(key === 'eeg' ? { lineNoiseHz: cfg.eeg.lineNoiseHz } : {}),
      },
    };
    const device = new SimulatedDevice(sourceId, streamId, rateHz, dev, cfg.seed);
    const label = `Synthetic ${meta.type} device (${labels.length} ch @ ${rateHz} Hz, seed ${cfg.seed})`;
    return new SyntheticSource(this, sourceId, label, [info], device);
  }

  private makeStimulusSource(): SyntheticSource {
    const cfg = this.config;
    const desc = { manufacturer: MANUFACTURER, model: 'Stimulus presentation', subjectSeed: cfg.seed };
    const gt: StreamInfo = {
      id: GROUND_TRUTH_STREAM_ID,
      name: 'Synthetic ground truth',
      type: 'GROUND_TRUTH',
      channels: GROUND_TRUTH_CHANNELS.map((label) => ({ label, unit: 'a.u.' })),
      channelFormat: 'float32',
      nominalRateHz: cfg.groundTruth.rateHz,
      sourceId: STIMULUS_SOURCE_ID,
      desc,
    };
    const markers: StreamInfo = {
      id: MARKER_STREAM_ID,
      name: 'Synthetic stimulus markers',
      type: 'MARKER',
      channels: [{ label: 'marker', unit: '' }],
      channelFormat: 'string',
      nominalRateHz: 0,
      sourceId: STIMULUS_SOURCE_ID,
      desc,
    };
    return new SyntheticSource(this, STIMULUS_SOURCE_ID, `Synthetic stimulus presentation (seed ${cfg.seed})`, [gt, markers], undefined);
  }

  // --- pacing -------------------------------------------------------------------------

  private anyActive(): boolean {
    return this.all.some((s) => s.active);
  }

  /** @internal called by a source that just started. */
  onSourceStarted(): void {
    if (this._finished) return;
    if (this.originSec === undefined) this.originSec = this.config.pacing === 'fast' ? 0 : this.clock.nowSec();
    if (this.config.pacing === 'realtime' && this.wasIdle && this.stepIndex > 0) {
      // Resuming after every source was stopped: the world lived on; skip what nobody saw.
      this.catchUp(false);
    }
    this.wasIdle = false;
    this.schedule();
  }

  /** @internal */
  onSourceStopped(): void {
    if (!this.anyActive()) {
      this.wasIdle = true;
      this.clearTimers();
    }
  }

  /** @internal */
  onSourceReleased(): void {
    if (!this.anyActive()) {
      this.wasIdle = true;
      this.clearTimers();
    }
    if (this.all.every((s) => s.state === 'released')) {
      this._finished = true;
      this.resolveDone();
    }
  }

  private schedule(): void {
    if (this._finished || !this.anyActive()) return;
    if (this.config.pacing === 'fast') {
      if (!this.immediate) this.immediate = setImmediate(this.fastTick);
    } else if (!this.timer) {
      // Aim at the moment the next step ends, so a chunk leaves as soon as its last sample is due.
      const dueSec = (this.originSec ?? 0) + this.stepEndSec(this.stepIndex + 1);
      this.timer = setTimeout(this.realtimeTick, Math.max(1, Math.ceil((dueSec - this.clock.nowSec()) * 1000)));
    }
  }

  private clearTimers(): void {
    if (this.immediate) clearImmediate(this.immediate);
    if (this.timer) clearTimeout(this.timer);
    this.immediate = undefined;
    this.timer = undefined;
  }

  private readonly fastTick = (): void => {
    this.immediate = undefined;
    const deadline = performance.now() + FAST_SLICE_MS;
    try {
      while (!this._finished && this.anyActive()) {
        this.step(true);
        if (performance.now() >= deadline) break;
      }
    } catch (err) {
      this.fail(err);
      return;
    }
    this.schedule();
  };

  private readonly realtimeTick = (): void => {
    this.timer = undefined;
    try {
      this.catchUp(true);
    } catch (err) {
      this.fail(err);
      return;
    }
    this.schedule();
  };

  /** Run every step whose end is due on the host clock. */
  private catchUp(deliver: boolean): void {
    const origin = this.originSec ?? 0;
    const now = this.clock.nowSec();
    while (!this._finished && (!deliver || this.anyActive()) && origin + this.stepEndSec(this.stepIndex + 1) <= now) {
      this.step(deliver);
    }
  }

  private stepEndSec(k: number): number {
    const t = k * this.config.chunkSec;
    const d = this.config.durationSec;
    return d !== undefined && t >= d - 1e-9 ? d : t;
  }

  /** Advance the world by one chunk and deliver it to the active sources. */
  private step(deliver: boolean): void {
    const origin = this.originSec ?? 0;
    const t1 = this.stepEndSec(this.stepIndex + 1);
    const ws = this.world.advance(t1);
    this.stepIndex++;
    this.manualClock?.advanceTo(origin + t1);
    for (const [key, source] of this.devices) {
      const block = ws.blocks[key];
      if (block && source.device) source.device.process(block, origin, ws.t0Sec, ws.t1Sec, deliver && source.active ? source.sink : undefined);
    }
    this.deliverStimulus(ws, origin, deliver && this.stimulus.active);
    if (this.config.durationSec !== undefined && t1 >= this.config.durationSec) this.finish();
  }

  private deliverStimulus(ws: WorldStep, origin: number, deliver: boolean): void {
    const gt = ws.groundTruth;
    const rate = this.config.groundTruth.rateHz;
    if (deliver && gt.count > 0) {
      const timestamps = new Float64Array(gt.count);
      for (let i = 0; i < gt.count; i++) timestamps[i] = origin + (gt.firstIndex + i) / rate;
      this.stimulus.emit({ kind: 'chunk', chunk: { streamId: GROUND_TRUTH_STREAM_ID, values: gt.values, timestamps, firstIndex: gt.firstIndex } });
    }
    const m = ws.markers;
    if (m.labels.length > 0) {
      if (deliver) {
        const timestamps = Float64Array.from(m.timesSec, (t) => origin + t);
        this.stimulus.emit({ kind: 'chunk', chunk: { streamId: MARKER_STREAM_ID, values: m.labels, timestamps, firstIndex: this.markerCount } });
      }
      this.markerCount += m.labels.length;
    }
  }

  private finish(): void {
    this._finished = true;
    this.clearTimers();
    for (const s of this.all) {
      if (s.state !== 'released' && s.state !== 'stopped') s.setState('stopped', 'synthetic session reached its duration');
    }
    this.resolveDone();
  }

  private fail(err: unknown): void {
    this._finished = true;
    this.clearTimers();
    for (const s of this.all) {
      if (!s.active) continue;
      const error = new SourceError('GENERATOR_FAILED', s.id, `synthetic generator failed: ${err instanceof Error ? err.message : String(err)}`, {}, { cause: err });
      s.emit({ kind: 'error', error });
      s.setState('error', error.message);
    }
    this.resolveDone();
  }
}
