// A recorded session as the exporters see it: numeric streams on the session timeline
// (synchronised, dejittered XDF timestamps), string streams as timed events, header fields.
// Each numeric stream can be resampled onto its own uniform grid (core/dsp resampleToGrid)
// with an availability mask, which is what EDF, BIDS physio and the record layout need.

import { resampleToGrid, type ResampleResult } from '../../core/dsp/resample.js';
import type { StreamInfo } from '../../core/streams/types.js';
import { readXdf, type XdfFile, type XdfStream } from '../xdf/xdf-reader.js';
import { childText, parseXml } from '../xdf/xdf-xml.js';

/** A numeric stream with samples, in session seconds (0 = session start). */
export interface ExportSignalStream {
  info: StreamInfo;
  /** Nominal rate, or for irregular numeric streams the measured rate rounded to whole hertz. */
  rateHz: number;
  /** Session seconds of each sample. */
  timesSec: Float64Array;
  /** n x channels, row-major. */
  values: Float32Array;
  channelCount: number;
}

/** One string sample (marker, annotation label) as an event in session seconds. */
export interface ExportEvent {
  onsetSec: number;
  text: string;
  streamName: string;
  streamType: string;
}

export interface ExportSession {
  /** File the session came from (for messages). */
  source: string;
  /** Wall-clock time of session second 0 (UTC, from the XDF header datetime when present). */
  startDate: Date;
  /** Fields of the XDF file header other than version/datetime (subject, protocol, notes, ...). */
  headerFields: Record<string, string>;
  /** Pseudonymous subject id from the header, if any. */
  subject: string | undefined;
  signals: ExportSignalStream[];
  events: ExportEvent[];
  /** Session length: from the first sample of any numeric stream to one period after the last. */
  durationSec: number;
  warnings: string[];
}

/** EDF's convention for an unknown start date: 1 January 1985. */
export const UNKNOWN_START_DATE = new Date(Date.UTC(1985, 0, 1));

/** Reads an XDF recording for export: clocks synchronised, timestamps not dejittered here,
 *  because the resampler fits each contiguous run itself and splits runs at any gap longer
 *  than 1.5 periods (XDF dejittering bridges gaps shorter than 500 samples, which would move
 *  the samples after a short loss). */
export async function loadExportSession(xdfPath: string): Promise<ExportSession> {
  return sessionFromXdf(await readXdf(xdfPath, { dejitter: false }), xdfPath);
}

function toFloat32(s: XdfStream): Float32Array {
  const ts = s.timeSeries;
  if (ts instanceof Float32Array) return ts;
  if (Array.isArray(ts)) return new Float32Array(0);
  const out = new Float32Array(ts.length);
  if (ts instanceof BigInt64Array) for (let i = 0; i < ts.length; i++) out[i] = Number(ts[i]!);
  else out.set(ts);
  return out;
}

export function sessionFromXdf(xdf: XdfFile, source: string): ExportSession {
  const warnings = [...xdf.warnings];
  const headerFields: Record<string, string> = {};
  let startDate = UNKNOWN_START_DATE;
  try {
    const root = parseXml(xdf.fileHeader.xml);
    for (const c of root.children) if (c.name !== 'version' && c.name !== 'datetime') headerFields[c.name] = c.text.trim();
    const dt = new Date(childText(root, 'datetime') ?? '');
    if (!Number.isNaN(dt.getTime())) startDate = new Date(Math.floor(dt.getTime() / 1000) * 1000);
  } catch {
    warnings.push('the XDF file header could not be parsed; start date unknown');
  }

  let t0 = Infinity;
  let tEnd = -Infinity;
  const numeric: Array<{ s: XdfStream; rateHz: number }> = [];
  for (const s of xdf.streams) {
    const n = s.timestamps.length;
    if (s.channelFormat === 'string' || n === 0) continue;
    if (n < 2) {
      warnings.push(`stream "${s.info.name}" has a single sample; not exported`);
      continue;
    }
    const rateHz = s.nominalRateHz > 0 ? s.nominalRateHz : Math.max(1, Math.round(s.effectiveRateHz));
    if (s.nominalRateHz <= 0) warnings.push(`stream "${s.info.name}" is irregular; exported at its measured rate rounded to ${rateHz} Hz`);
    numeric.push({ s, rateHz });
    t0 = Math.min(t0, s.timestamps[0]!);
    tEnd = Math.max(tEnd, s.timestamps[n - 1]! + 1 / rateHz);
  }
  if (!Number.isFinite(t0)) {
    // Events only: the session starts at the first event.
    for (const s of xdf.streams) if (s.timestamps.length > 0) t0 = Math.min(t0, s.timestamps[0]!);
    if (!Number.isFinite(t0)) t0 = 0;
    tEnd = t0;
  }
  const signals = numeric.map(({ s, rateHz }): ExportSignalStream => {
    const timesSec = new Float64Array(s.timestamps.length);
    for (let i = 0; i < timesSec.length; i++) timesSec[i] = s.timestamps[i]! - t0;
    return { info: s.info, rateHz, timesSec, values: toFloat32(s), channelCount: s.channelCount };
  });
  const events: ExportEvent[] = [];
  for (const s of xdf.streams) {
    if (s.channelFormat !== 'string') continue;
    const texts = s.timeSeries as string[];
    for (let i = 0; i < s.timestamps.length; i++) {
      // Multi-channel string samples become one event text joined by " | ".
      const row = texts.slice(i * s.channelCount, (i + 1) * s.channelCount).join(' | ');
      events.push({ onsetSec: s.timestamps[i]! - t0, text: row, streamName: s.info.name, streamType: s.info.type });
    }
  }
  events.sort((a, b) => a.onsetSec - b.onsetSec);
  const subject = headerFields['subject'] || undefined;
  return { source, startDate, headerFields, subject, signals, events, durationSec: Math.max(0, tEnd - t0), warnings };
}

/** Resamples a stream onto `length` samples at `rateHz` from session second `startSec`
 *  (anti-aliased, gaps masked 0 and valued 0). */
export function gridSignal(stream: ExportSignalStream, rateHz: number, length: number, startSec = 0): ResampleResult {
  return resampleToGrid(
    { timestamps: stream.timesSec, values: stream.values, channelCount: stream.channelCount, nominalRateHz: stream.rateHz },
    { startSec, rateHz, length },
  );
}

/** Runs of mask 0 of at least `minSamples` samples, as [first, end) sample index pairs. */
export function maskGaps(mask: Uint8Array, minSamples = 1): Array<[number, number]> {
  const gaps: Array<[number, number]> = [];
  let start = -1;
  for (let i = 0; i <= mask.length; i++) {
    const missing = i < mask.length && mask[i] === 0;
    if (missing && start < 0) start = i;
    if (!missing && start >= 0) {
      if (i - start >= minSamples) gaps.push([start, i]);
      start = -1;
    }
  }
  return gaps;
}
