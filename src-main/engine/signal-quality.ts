// Live signal quality as a stream: watches the engine's EEG/ECG/EDA/PPG/RESP chunks, runs a
// SignalQualityMonitor per stream and publishes a QUALITY stream per source stream (one 0-1
// channel per input channel, ~1 Hz, session timestamps) through the engine, so it is recorded
// and displayed like any stream; full reports with reasons go to onReport listeners (the UI).

import { qualityReasonNames, SignalQualityMonitor, type QualityReason } from '../core/dsp/quality.js';
import { ListenerSet } from '../core/streams/source.js';
import type { StreamInfo } from '../core/streams/types.js';
import type { EngineEvent, SessionEngine } from './session-engine.js';

export const QUALITY_STREAM_TYPE = 'QUALITY';
export const QUALITY_SOURCE_ID = 'derived:quality';
const DEFAULT_TYPES = ['EEG', 'ECG', 'EDA', 'PPG', 'RESP'];

export interface SignalQualityPublisherOptions {
  /** Stream types to watch (default EEG, ECG, EDA, PPG, RESP). */
  types?: readonly string[];
  /** Report interval, s (default 1). */
  hopSec?: number;
  lineHz?: 50 | 60 | 'auto';
}

export interface ChannelQuality {
  label: string;
  index: number;
  reasons: QualityReason[];
}

/** One quality report of one stream, for the UI. */
export interface StreamQualityReport {
  streamId: string;
  qualityStreamId: string;
  modality: string;
  /** Session time of the newest sample in the window. */
  tSessionSec: number;
  modalityIndex: number;
  modalityReasons: QualityReason[];
  channels: ChannelQuality[];
}

/** The QUALITY stream that carries the indices of `source`'s channels. */
export function qualityStreamInfo(source: StreamInfo, hopSec = 1): StreamInfo {
  return {
    id: `quality:${source.id}`,
    name: `${source.name} quality`,
    type: QUALITY_STREAM_TYPE,
    channels: source.channels.map((c) => ({ label: c.label, unit: 'index (0-1)' })),
    channelFormat: 'float32',
    nominalRateHz: 1 / hopSec,
    sourceId: QUALITY_SOURCE_ID,
    desc: { derivedFrom: source.id, modality: String(source.type) },
  };
}

interface Watched {
  info: StreamInfo;
  monitor: SignalQualityMonitor;
  qualityId: string;
  publish: (values: Float32Array, timestampsSec: Float64Array) => void;
}

export class SignalQualityPublisher {
  private readonly watched = new Map<string, Watched>();
  private readonly listeners = new ListenerSet<StreamQualityReport>();
  private unsubscribe: (() => void) | null = null;
  private readonly types: readonly string[];
  private readonly hopSec: number;

  constructor(
    private readonly engine: SessionEngine,
    private readonly opts: SignalQualityPublisherOptions = {},
  ) {
    this.types = opts.types ?? DEFAULT_TYPES;
    this.hopSec = opts.hopSec ?? 1;
  }

  /** The quality stream ids, by the id of the stream they describe. */
  get qualityStreams(): ReadonlyMap<string, string> {
    return new Map([...this.watched].map(([id, w]) => [id, w.qualityId]));
  }

  /**
   * Register a QUALITY stream with the engine for every watched stream it has now and start
   * listening. Call after the sources are added (before or during a session). Idempotent.
   */
  attach(): void {
    if (this.unsubscribe) return;
    for (const info of this.engine.streamInfos) {
      if (this.watched.has(info.id) || !this.types.includes(String(info.type))) continue;
      if (info.channelFormat === 'string' || !(info.nominalRateHz > 0)) continue;
      const q = qualityStreamInfo(info, this.hopSec);
      const monitor = new SignalQualityMonitor({
        modality: String(info.type),
        rateHz: info.nominalRateHz,
        channels: info.channels.length,
        units: info.channels.map((c) => c.unit),
        hopSec: this.hopSec,
        lineHz: this.opts.lineHz,
      });
      this.watched.set(info.id, { info, monitor, qualityId: q.id, publish: this.engine.addDerivedStream(q) });
    }
    this.unsubscribe = this.engine.subscribe((ev) => this.onEvent(ev));
  }

  detach(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Full reports (indices with reasons) as they are made. */
  onReport(listener: (report: StreamQualityReport) => void): () => void {
    return this.listeners.add(listener);
  }

  private onEvent(ev: EngineEvent): void {
    if (ev.kind === 'gap') {
      this.watched.get(ev.streamId)?.monitor.reset();
      return;
    }
    if (ev.kind !== 'chunk') return;
    const w = this.watched.get(ev.chunk.streamId);
    if (!w || !(ev.chunk.values instanceof Float32Array)) return;
    const times = ev.chunk.timestampsSec;
    w.monitor.push(ev.chunk.values, (report, rows) => {
      const tSec = times[rows - 1]!;
      w.publish(Float32Array.from(report.index), Float64Array.of(tSec));
      if (this.listeners.size === 0) return;
      this.listeners.emit({
        streamId: w.info.id,
        qualityStreamId: w.qualityId,
        modality: String(w.info.type),
        tSessionSec: tSec,
        modalityIndex: report.modalityIndex,
        modalityReasons: qualityReasonNames(report.modalityReasons),
        channels: w.info.channels.map((c, k) => ({ label: c.label, index: report.index[k]!, reasons: qualityReasonNames(report.reasons[k]!) })),
      });
    });
  }
}
