// Test helpers for the synthetic source: run a session to its end and collect what it
// emitted, and the simple detectors (R peaks, SCR onsets, band power) that check the
// physiology against the ground truth without trusting the generator's internals.

import type { SignalSource, SourceEvent } from '../../../../src-main/core/streams/source.js';
import type { Chunk, ClockOffsetMeasurement } from '../../../../src-main/core/streams/types.js';
import { SyntheticSession, type SyntheticConfig } from '../../../../src-main/acquisition/synthetic/synthetic-session.js';

export interface CollectedStream {
  chunks: Chunk[];
}

export interface CollectedSession {
  session: SyntheticSession;
  /** Chunks per stream id, in arrival order. */
  streams: Map<string, Chunk[]>;
  offsets: Map<string, ClockOffsetMeasurement[]>;
  /** "state" events per source id, in order. */
  states: Map<string, string[]>;
  events: Array<{ sourceId: string; event: SourceEvent }>;
}

export function listen(sources: readonly SignalSource[]): Omit<CollectedSession, 'session'> {
  const streams = new Map<string, Chunk[]>();
  const offsets = new Map<string, ClockOffsetMeasurement[]>();
  const states = new Map<string, string[]>();
  const events: Array<{ sourceId: string; event: SourceEvent }> = [];
  for (const source of sources) {
    source.subscribe((event) => {
      events.push({ sourceId: source.id, event });
      if (event.kind === 'chunk') {
        const list = streams.get(event.chunk.streamId) ?? [];
        list.push(event.chunk);
        streams.set(event.chunk.streamId, list);
      } else if (event.kind === 'clockOffset') {
        const list = offsets.get(source.id) ?? [];
        list.push(event.measurement);
        offsets.set(source.id, list);
      } else if (event.kind === 'state') {
        const list = states.get(source.id) ?? [];
        list.push(event.state);
        states.set(source.id, list);
      }
    });
  }
  return { streams, offsets, states, events };
}

/** Run a fast session until done, collecting every event of every source. */
export async function runSession(config: SyntheticConfig): Promise<CollectedSession> {
  const session = new SyntheticSession(config);
  const collected = listen(session.sources);
  await Promise.all(session.sources.map((s) => s.start()));
  await session.done;
  await Promise.all(session.sources.map((s) => s.release()));
  return { session, ...collected };
}

/** Reassemble a gap-free numeric stream: values placed by sample counter (NaN where missing). */
export function assemble(chunks: Chunk[], channelCount: number): { values: Float32Array; sampleCount: number } {
  let end = 0;
  for (const c of chunks) end = Math.max(end, c.firstIndex + c.timestamps.length);
  const values = new Float32Array(end * channelCount).fill(Number.NaN);
  for (const c of chunks) values.set(c.values as Float32Array, c.firstIndex * channelCount);
  return { values, sampleCount: end };
}

/** One channel out of a row-major array. */
export function channel(values: Float32Array, channelCount: number, index: number): Float64Array {
  const n = values.length / channelCount;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = values[i * channelCount + index];
  return out;
}

export function mean(xs: ArrayLike<number>, from = 0, to = xs.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += xs[i];
  return s / (to - from);
}

export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** R peaks of an ECG: local maxima above half the 99.5th percentile, 250 ms refractory. */
export function detectRPeaks(ecg: Float64Array, rateHz: number): number[] {
  const sorted = Float64Array.from(ecg).sort();
  const threshold = 0.5 * sorted[Math.floor(0.995 * (sorted.length - 1))];
  const refractory = Math.round(0.25 * rateHz);
  const peaks: number[] = [];
  for (let i = 1; i < ecg.length - 1; i++) {
    if (ecg[i] < threshold || ecg[i] < ecg[i - 1] || ecg[i] < ecg[i + 1]) continue;
    const last = peaks[peaks.length - 1];
    if (last !== undefined && i - last < refractory) {
      if (ecg[i] > ecg[last]) peaks[peaks.length - 1] = i;
      continue;
    }
    peaks.push(i);
  }
  return peaks.map((i) => i / rateHz);
}

/**
 * SCR onsets of an EDA trace (uS): smooth over 0.5 s, then an onset is where the slope rises
 * above 0.01 uS/s and the trace then climbs by at least 0.03 uS before the slope turns negative.
 */
export function detectScrOnsets(eda: Float64Array, rateHz: number): number[] {
  const w = Math.max(1, Math.round(0.5 * rateHz));
  const smooth = new Float64Array(eda.length);
  let acc = 0;
  for (let i = 0; i < eda.length; i++) {
    acc += eda[i];
    if (i >= w) acc -= eda[i - w];
    smooth[i] = acc / Math.min(i + 1, w);
  }
  const onsets: number[] = [];
  const slopeMin = 0.01 / rateHz;
  let i = w + 1;
  while (i < eda.length - 1) {
    if (smooth[i] - smooth[i - 1] > slopeMin && smooth[i - 1] - smooth[i - 2] <= slopeMin) {
      let j = i;
      while (j < eda.length - 1 && smooth[j + 1] >= smooth[j]) j++;
      if (smooth[j] - smooth[i - 1] >= 0.03) onsets.push((i - 1) / rateHz);
      i = j + 1;
    } else {
      i++;
    }
  }
  return onsets;
}

/** Mean power in [loHz, hiHz] (0.5 Hz steps, Goertzel over 2 s Hann windows with 50 % overlap). */
export function bandPower(x: Float64Array, rateHz: number, loHz: number, hiHz: number): number {
  const n = Math.round(2 * rateHz);
  const hop = n / 2;
  const win = new Float64Array(n);
  for (let i = 0; i < n; i++) win[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
  let total = 0;
  let segments = 0;
  for (let start = 0; start + n <= x.length; start += hop) {
    let m = 0;
    for (let i = 0; i < n; i++) m += x[start + i];
    m /= n;
    for (let f = loHz; f <= hiHz + 1e-9; f += 0.5) {
      const coeff = 2 * Math.cos((2 * Math.PI * f) / rateHz);
      let s1 = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        const s0 = (x[start + i] - m) * win[i] + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
      }
      total += s1 * s1 + s2 * s2 - coeff * s1 * s2;
    }
    segments++;
  }
  return total / segments;
}
