// Continuous annotation traces and their streams. A rater's annotation pass is one XDF
// stream of type ANNOTATION with one channel per dimension (a 2-D joystick gives valence
// and arousal in one stream, a slider one dimension); the rater id, device, dimensions and
// scale live in the stream's <desc>. Reading back yields one trace per (rater, dimension).

import type { StreamInfo } from '../streams/types.js';
import { AnnotationError } from './errors.js';

/** Every annotation value is on this scale (a.u.): -1 lowest/most negative, +1 highest/most positive. */
export const ANNOTATION_SCALE = { min: -1, max: 1 } as const;

export const ANNOTATION_DEVICES = ['joystick', 'mouse', 'slider', 'gamepad', 'touch', 'keyboard', 'dial', 'other'] as const;
export type AnnotationDevice = (typeof ANNOTATION_DEVICES)[number] | (string & {});

/** Dimensions the model predicts; annotation dimensions may be any lower-case name. */
export const AFFECT_DIMENSIONS = ['valence', 'arousal', 'dominance'] as const;

/** Version tag written into the stream description. */
export const ANNOTATION_FORMAT = 'himoe-annotation-1';

export type TraceKind = 'rater' | 'model' | 'ground-truth';

export interface AnnotationTrace {
  raterId: string;
  dimension: string;
  device: string;
  /** Human rater, or a reference compared as an extra rater (model prediction, simulated ground truth). */
  kind: TraceKind;
  /** Seconds on the session clock, non-decreasing. */
  timesSec: Float64Array;
  /** On ANNOTATION_SCALE; NaN = no rating at that sample. */
  values: Float64Array;
  /** The stream the trace was read from, if any. */
  streamId?: string;
}

export interface AnnotationStreamSpec {
  /** Pseudonymous rater id: letters, digits, '_', '-', '.' (at most 64). */
  raterId: string;
  /** Lower-case dimension names, one channel each, e.g. ['valence', 'arousal']. */
  dimensions: readonly string[];
  device: AnnotationDevice;
  /** Distinguishes repeated passes of one rater in one session (same rules as raterId). */
  passId?: string;
  /** 0 (default) for event-driven input; the poll rate if the UI samples the device regularly. */
  nominalRateHz?: number;
  /** Default `annotation:<raterId>[:<passId>]`. */
  sourceId?: string;
  /** Extra description fields (stimulus, instructions version, ...). */
  extra?: Record<string, string | number | boolean>;
}

export interface AnnotationStreamDescription {
  raterId: string;
  device: string;
  dimensions: string[];
  scale: { min: number; max: number };
  passId?: string;
}

const ID_RE = /^[A-Za-z0-9_.-]{1,64}$/;
const DIM_RE = /^[a-z][a-z0-9_-]{0,31}$/;

/** The StreamInfo of a rater's annotation stream (what the engine records into the XDF). */
export function annotationStreamInfo(spec: AnnotationStreamSpec): StreamInfo {
  if (!ID_RE.test(spec.raterId)) {
    throw new AnnotationError('BAD_OPTION', `rater id "${spec.raterId}" is not allowed; expected 1-64 letters, digits, '_', '-' or '.'`, { raterId: spec.raterId });
  }
  if (spec.passId !== undefined && !ID_RE.test(spec.passId)) {
    throw new AnnotationError('BAD_OPTION', `pass id "${spec.passId}" is not allowed; expected 1-64 letters, digits, '_', '-' or '.'`, { passId: spec.passId });
  }
  if (spec.dimensions.length === 0) throw new AnnotationError('BAD_OPTION', `rater "${spec.raterId}": expected at least one dimension`);
  const seen = new Set<string>();
  for (const d of spec.dimensions) {
    if (!DIM_RE.test(d)) {
      throw new AnnotationError('BAD_OPTION', `dimension "${d}" is not allowed; expected a lower-case name like "valence"`, { dimension: d });
    }
    if (seen.has(d)) throw new AnnotationError('BAD_OPTION', `dimension "${d}" is listed twice`, { dimension: d });
    seen.add(d);
  }
  const rate = spec.nominalRateHz ?? 0;
  if (!(rate >= 0) || !Number.isFinite(rate)) throw new AnnotationError('BAD_OPTION', `nominalRateHz is ${rate}; expected a finite number >= 0`);
  const suffix = spec.passId ? `${spec.raterId}:${spec.passId}` : spec.raterId;
  const sourceId = spec.sourceId ?? `annotation:${suffix}`;
  const desc: Record<string, string | number | boolean> = {
    ...(spec.extra ?? {}),
    annotation_format: ANNOTATION_FORMAT,
    rater_id: spec.raterId,
    device: spec.device,
    dimensions: spec.dimensions.join(','),
    scale_min: ANNOTATION_SCALE.min,
    scale_max: ANNOTATION_SCALE.max,
  };
  if (spec.passId) desc.pass_id = spec.passId;
  return {
    id: `annotation:${suffix}`,
    name: `Annotation ${suffix} (${spec.dimensions.join('/')})`,
    type: 'ANNOTATION',
    channels: spec.dimensions.map((d) => ({ label: d, unit: 'a.u. [-1,1]' })),
    channelFormat: 'float32',
    nominalRateHz: rate,
    sourceId,
    desc,
  };
}

/** Rater, device, dimensions and scale of an ANNOTATION stream (ours or another tool's:
 *  missing fields fall back to the stream name, 'unknown', channel labels and [-1, 1]). */
export function describeAnnotationStream(info: StreamInfo): AnnotationStreamDescription | null {
  if (info.type.toUpperCase() !== 'ANNOTATION') return null;
  const desc = info.desc ?? {};
  const str = (k: string) => (desc[k] === undefined || desc[k] === '' ? undefined : String(desc[k]));
  const num = (k: string, fallback: number) => {
    const v = Number(desc[k]);
    return desc[k] === undefined || desc[k] === '' || !Number.isFinite(v) ? fallback : v;
  };
  const out: AnnotationStreamDescription = {
    raterId: str('rater_id') ?? (info.name || info.id),
    device: str('device') ?? 'unknown',
    dimensions: info.channels.map((c) => c.label.trim().toLowerCase()),
    scale: { min: num('scale_min', ANNOTATION_SCALE.min), max: num('scale_max', ANNOTATION_SCALE.max) },
  };
  const pass = str('pass_id');
  if (pass) out.passId = pass;
  return out;
}

/** A recorded stream as a file reader returns it (readXdf's XdfStream fits this shape). */
export interface RecordedStream {
  info: StreamInfo;
  timestamps: Float64Array;
  /** n x channels, row-major; non-numeric series are skipped. */
  timeSeries: ArrayLike<number> | ArrayLike<bigint> | readonly string[];
}

function isNumericSeries(s: RecordedStream['timeSeries']): s is ArrayLike<number> {
  return (
    s instanceof Float32Array || s instanceof Float64Array || s instanceof Int8Array || s instanceof Int16Array || s instanceof Int32Array
  );
}

/** Copy channel `ch` (optionally mapping [min, max] linearly onto [-1, 1]) sorted by time. */
function extractChannel(s: RecordedStream, ch: number, scale?: { min: number; max: number }): { timesSec: Float64Array; values: Float64Array } {
  const n = s.timestamps.length;
  const c = s.info.channels.length;
  const series = s.timeSeries as ArrayLike<number>;
  const times = Float64Array.from(s.timestamps);
  const values = new Float64Array(n);
  const map = scale && (scale.min !== ANNOTATION_SCALE.min || scale.max !== ANNOTATION_SCALE.max) && scale.max > scale.min;
  for (let i = 0; i < n; i++) {
    const v = series[i * c + ch];
    values[i] = !Number.isFinite(v) ? Number.NaN : map ? -1 + (2 * (v - scale.min)) / (scale.max - scale.min) : v;
  }
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) if (!(times[i] >= times[i - 1])) sorted = false;
  if (sorted) return { timesSec: times, values };
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => times[a] - times[b]);
  return { timesSec: Float64Array.from(order, (i) => times[i]), values: Float64Array.from(order, (i) => values[i]) };
}

/**
 * Annotation traces of a recording: one per (ANNOTATION stream, channel). With
 * `includeReferences`, PREDICTION and GROUND_TRUTH channels named like an affect dimension
 * (or like an annotated dimension) become traces of kind 'model' / 'ground-truth'.
 */
export function tracesFromStreams(streams: readonly RecordedStream[], opts: { includeReferences?: boolean } = {}): AnnotationTrace[] {
  const traces: AnnotationTrace[] = [];
  const dims = new Set<string>(AFFECT_DIMENSIONS);
  for (const s of streams) {
    const d = describeAnnotationStream(s.info);
    if (!d || !isNumericSeries(s.timeSeries)) continue;
    const raterId = d.passId ? `${d.raterId}:${d.passId}` : d.raterId;
    d.dimensions.forEach((dimension, ch) => {
      dims.add(dimension);
      traces.push({ raterId, dimension, device: d.device, kind: 'rater', streamId: s.info.id, ...extractChannel(s, ch, d.scale) });
    });
  }
  if (opts.includeReferences) {
    const used = new Map<string, number>();
    for (const s of streams) {
      const type = s.info.type.toUpperCase();
      const kind: TraceKind | null = type === 'PREDICTION' ? 'model' : type === 'GROUND_TRUTH' ? 'ground-truth' : null;
      if (!kind || !isNumericSeries(s.timeSeries)) continue;
      const nth = (used.get(kind) ?? 0) + 1;
      used.set(kind, nth);
      const raterId = nth === 1 ? kind : `${kind}-${nth}`;
      s.info.channels.forEach((c, ch) => {
        const dimension = c.label.trim().toLowerCase();
        if (!dims.has(dimension)) return;
        traces.push({ raterId, dimension, device: s.info.name || s.info.id, kind, streamId: s.info.id, ...extractChannel(s, ch) });
      });
    }
  }
  return traces;
}

/** Check a trace's arrays: equal lengths, finite non-decreasing times. Throws BAD_TRACE. */
export function validateTrace(t: AnnotationTrace): void {
  if (t.timesSec.length !== t.values.length) {
    throw new AnnotationError('BAD_TRACE', `trace ${t.raterId}/${t.dimension}: ${t.timesSec.length} times but ${t.values.length} values`, {
      raterId: t.raterId,
    });
  }
  for (let i = 0; i < t.timesSec.length; i++) {
    const ti = t.timesSec[i];
    if (!Number.isFinite(ti) || (i > 0 && ti < t.timesSec[i - 1])) {
      throw new AnnotationError(
        'BAD_TRACE',
        `trace ${t.raterId}/${t.dimension}: time at sample ${i} is ${ti}; expected finite, non-decreasing seconds`,
        { raterId: t.raterId, sample: i },
      );
    }
  }
}

/** The trace with its times moved `lagSec` earlier: a rater who reacts `lagSec` late is
 *  put back in register with the stimulus (lag-corrected trace). */
export function shiftTrace(t: AnnotationTrace, lagSec: number): AnnotationTrace {
  const timesSec = new Float64Array(t.timesSec.length);
  for (let i = 0; i < timesSec.length; i++) timesSec[i] = t.timesSec[i] - lagSec;
  return { ...t, timesSec, values: t.values };
}
