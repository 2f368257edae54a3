// Live model-vs-annotation agreement for the UI: subscribes to the SessionEngine's chunk
// events for a PREDICTION stream and an ANNOTATION stream, pairs them on the session clock
// and publishes running CCC / Pearson per dimension (O(1) per sample), rate-limited.

import { AnnotationError } from '../core/annotation/errors.js';
import { LiveAgreement, type LiveAgreementOptions } from '../core/annotation/live-agreement.js';
import { describeAnnotationStream } from '../core/annotation/trace.js';
import { ListenerSet } from '../core/streams/source.js';
import type { StreamInfo } from '../core/streams/types.js';
import type { EngineEvent } from './session-engine.js';

/** What the publisher needs of the engine (SessionEngine fits). */
export interface EngineEventSource {
  subscribe(listener: (event: EngineEvent) => void): () => void;
  readonly streamInfos: StreamInfo[];
}

export interface AnnotationAgreementOptions extends LiveAgreementOptions {
  predictionStreamId: string;
  annotationStreamId: string;
  /** Dimensions to compare (default: every channel label the two streams share). */
  dimensions?: string[];
  /** Least session time between two updates (default 0.25 s: at most 4 updates/s). */
  minEmitIntervalSec?: number;
}

export interface DimensionAgreement {
  dimension: string;
  /** Running CCC and Pearson (NaN until two pairs). */
  ccc: number;
  pearson: number;
  pairs: number;
}

export interface AnnotationAgreementUpdate {
  /** Session time of the latest prediction/annotation pair. */
  tSec: number;
  predictionStreamId: string;
  annotationStreamId: string;
  raterId: string;
  dimensions: DimensionAgreement[];
}

export interface AgreementPair {
  predictionStreamId: string;
  annotationStreamId: string;
  dimensions: string[];
}

const norm = (s: string) => s.trim().toLowerCase();

/** Every (PREDICTION, ANNOTATION) stream pair sharing at least one dimension label. */
export function findAgreementPairs(infos: readonly StreamInfo[]): AgreementPair[] {
  const preds = infos.filter((i) => i.type.toUpperCase() === 'PREDICTION');
  const anns = infos.filter((i) => i.type.toUpperCase() === 'ANNOTATION');
  const out: AgreementPair[] = [];
  for (const p of preds) {
    const pl = new Set(p.channels.map((c) => norm(c.label)));
    for (const a of anns) {
      const dims = a.channels.map((c) => norm(c.label)).filter((l) => pl.has(l));
      if (dims.length > 0) out.push({ predictionStreamId: p.id, annotationStreamId: a.id, dimensions: dims });
    }
  }
  return out;
}

interface Track {
  dimension: string;
  predChannel: number;
  annChannel: number;
  live: LiveAgreement;
}

export class AnnotationAgreementPublisher {
  private readonly listeners = new ListenerSet<AnnotationAgreementUpdate>();
  private readonly tracks: Track[];
  private readonly predChannels: number;
  private readonly annChannels: number;
  private readonly minEmitSec: number;
  private readonly raterId: string;
  private lastEmitSec = -Infinity;
  private last: AnnotationAgreementUpdate | null = null;
  private unsubscribe: (() => void) | null;

  constructor(
    engine: EngineEventSource,
    private readonly opts: AnnotationAgreementOptions,
  ) {
    const infos = engine.streamInfos;
    const pred = infos.find((i) => i.id === opts.predictionStreamId);
    const ann = infos.find((i) => i.id === opts.annotationStreamId);
    if (!pred) throw new AnnotationError('UNKNOWN_STREAM', `no stream "${opts.predictionStreamId}" in the session to read predictions from`);
    if (!ann) throw new AnnotationError('UNKNOWN_STREAM', `no stream "${opts.annotationStreamId}" in the session to read annotation from`);
    const predLabels = pred.channels.map((c) => norm(c.label));
    const annLabels = ann.channels.map((c) => norm(c.label));
    const dims = opts.dimensions?.map(norm) ?? annLabels.filter((l) => predLabels.includes(l));
    if (dims.length === 0) {
      throw new AnnotationError('BAD_OPTION', `streams "${pred.id}" (${predLabels.join(', ')}) and "${ann.id}" (${annLabels.join(', ')}) share no dimension`);
    }
    this.tracks = dims.map((dimension) => {
      const predChannel = predLabels.indexOf(dimension);
      const annChannel = annLabels.indexOf(dimension);
      if (predChannel < 0 || annChannel < 0) {
        throw new AnnotationError('BAD_OPTION', `dimension "${dimension}" is not a channel of both "${pred.id}" and "${ann.id}"`);
      }
      return { dimension, predChannel, annChannel, live: new LiveAgreement(opts) };
    });
    this.predChannels = pred.channels.length;
    this.annChannels = ann.channels.length;
    this.minEmitSec = opts.minEmitIntervalSec ?? 0.25;
    this.raterId = describeAnnotationStream(ann)?.raterId ?? ann.id;
    this.unsubscribe = engine.subscribe((e) => this.onEvent(e));
  }

  /** Subscribe to updates; returns an unsubscribe. */
  onUpdate(listener: (update: AnnotationAgreementUpdate) => void): () => void {
    return this.listeners.add(listener);
  }

  /** The latest update (null before the first pair). */
  latest(): AnnotationAgreementUpdate | null {
    return this.last;
  }

  dispose(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.listeners.clear();
  }

  private onEvent(e: EngineEvent): void {
    if (e.kind === 'session' && e.state === 'started') {
      for (const t of this.tracks) t.live.reset();
      this.lastEmitSec = -Infinity;
      this.last = null;
      return;
    }
    if (e.kind !== 'chunk') return;
    const { streamId, values, timestampsSec } = e.chunk;
    if (!(values instanceof Float32Array)) return;
    const isPred = streamId === this.opts.predictionStreamId;
    const isAnn = streamId === this.opts.annotationStreamId;
    if (!isPred && !isAnn) return;
    const stride = isPred ? this.predChannels : this.annChannels;
    for (const t of this.tracks) {
      const ch = isPred ? t.predChannel : t.annChannel;
      for (let i = 0; i < timestampsSec.length; i++) {
        const v = values[i * stride + ch];
        if (isPred) t.live.addPrediction(timestampsSec[i], v);
        else t.live.addAnnotation(timestampsSec[i], v);
      }
    }
    this.maybeEmit();
  }

  private maybeEmit(): void {
    let tSec = -Infinity;
    for (const t of this.tracks) {
      const s = t.live.snapshot().lastPairSec;
      if (s > tSec) tSec = s;
    }
    if (!Number.isFinite(tSec) || tSec - this.lastEmitSec < this.minEmitSec) return;
    this.lastEmitSec = tSec;
    this.last = {
      tSec,
      predictionStreamId: this.opts.predictionStreamId,
      annotationStreamId: this.opts.annotationStreamId,
      raterId: this.raterId,
      dimensions: this.tracks.map((t) => {
        const s = t.live.snapshot();
        return { dimension: t.dimension, ccc: s.ccc, pearson: s.pearson, pairs: s.pairs };
      }),
    };
    this.listeners.emit(this.last);
  }
}
