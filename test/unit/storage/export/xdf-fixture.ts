// Writes small multi-rate XDF sessions for the export tests: EEG 256 Hz, ECG 128 Hz, EDA 4 Hz
// (analytic signals so any sample time can be checked), markers, and an optional gap in
// every stream.

import type { StreamInfo } from '../../../../src-main/core/streams/types.js';
import { XdfWriter } from '../../../../src-main/storage/xdf/index.js';

export interface FixtureOptions {
  durationSec?: number;
  /** [from, to) session seconds without samples in every numeric stream. */
  gapSec?: [number, number];
  /** XDF clock time of session second 0. */
  t0Sec?: number;
  subject?: string;
}

/** The analytic value of channel c of a stream at session time t. */
export function truth(kind: 'eeg' | 'ecg' | 'eda', c: number, tSec: number): number {
  if (kind === 'eeg') return 40 * Math.sin(2 * Math.PI * (3 + c) * tSec) + 10 * c;
  if (kind === 'ecg') return 0.8 * Math.sin(2 * Math.PI * 1.1 * tSec) + 0.1;
  return 5 + 0.5 * Math.sin(2 * Math.PI * 0.05 * tSec);
}

const STREAMS: Array<{ kind: 'eeg' | 'ecg' | 'eda'; rateHz: number; info: StreamInfo; startOffsetSec: number }> = [
  {
    kind: 'eeg',
    rateHz: 256,
    startOffsetSec: 0,
    info: { id: 'dev:eeg', name: 'TestEEG', type: 'EEG', channels: [{ label: 'Fp1', unit: 'microvolts' }, { label: 'Cz', unit: 'microvolts' }], channelFormat: 'float32', nominalRateHz: 256, sourceId: 'dev' },
  },
  {
    kind: 'ecg',
    rateHz: 128,
    startOffsetSec: 0.0031,
    info: { id: 'dev:ecg', name: 'TestECG', type: 'ECG', channels: [{ label: 'II', unit: 'millivolts' }], channelFormat: 'float32', nominalRateHz: 128, sourceId: 'dev' },
  },
  {
    kind: 'eda',
    rateHz: 4,
    startOffsetSec: 0.1,
    info: { id: 'dev:eda', name: 'TestEDA', type: 'EDA', channels: [{ label: 'EDA', unit: 'microsiemens' }], channelFormat: 'float32', nominalRateHz: 4, sourceId: 'dev' },
  },
];

export const MARKERS: Array<[number, string]> = [
  [1.25, 'baseline'],
  [3.5, 'clip-1 start'],
  [7.75, 'clip-1 end'],
];

export async function writeFixtureXdf(path: string, opts: FixtureOptions = {}): Promise<void> {
  const durationSec = opts.durationSec ?? 10;
  const t0 = opts.t0Sec ?? 1000;
  const writer = await XdfWriter.create(path, { fileHeaderFields: { subject: opts.subject ?? 'P007', protocol: 'export-test' } });
  for (const s of STREAMS) {
    const id = writer.addStream(s.info);
    const times: number[] = [];
    for (let i = 0; ; i++) {
      const t = s.startOffsetSec + i / s.rateHz;
      if (t >= durationSec) break;
      if (opts.gapSec && t >= opts.gapSec[0] && t < opts.gapSec[1]) continue;
      times.push(t);
    }
    const c = s.info.channels.length;
    const values = new Float32Array(times.length * c);
    times.forEach((t, i) => {
      for (let k = 0; k < c; k++) values[i * c + k] = truth(s.kind, k, t);
    });
    writer.appendSamples(id, Float64Array.from(times, (t) => t + t0), values);
  }
  const markerId = writer.addStream({ id: 'stim:markers', name: 'Markers', type: 'MARKER', channels: [{ label: 'marker', unit: '' }], channelFormat: 'string', nominalRateHz: 0, sourceId: 'stim' });
  writer.appendSamples(markerId, Float64Array.from(MARKERS, ([t]) => t + t0), MARKERS.map(([, m]) => m));
  await writer.close();
}
