// Writes small workspace sessions for the library tests: session.json plus a real XDF with an
// EEG stream, a marker stream and annotation streams as the annotation module records them
// (rater R01 one valence pass with a joystick, rater R02 two passes of valence + arousal).

import { join } from 'node:path';
import { annotationStreamInfo } from '../../../../src-main/core/annotation/trace.js';
import type { StreamInfo } from '../../../../src-main/core/streams/types.js';
import { XdfWriter } from '../../../../src-main/storage/xdf/index.js';
import { recordingPath, writeSessionMeta, type SessionMeta } from '../../../../src-main/storage/workspace.js';

export interface FixtureOptions {
  subject?: string | null;
  protocol?: string;
  createdAt?: string;
  /** EEG samples at 100 Hz starting at t0Sec. */
  eegSamples?: number;
  t0Sec?: number;
  markers?: Array<[number, string]>;
  /** Leave the writer open (no footers) and return it. */
  keepOpen?: boolean;
}

export const EEG: StreamInfo = {
  id: 'test:eeg',
  name: 'TestEEG',
  type: 'EEG',
  channels: [
    { label: 'Fz', unit: 'microvolts' },
    { label: 'Cz', unit: 'microvolts' },
  ],
  channelFormat: 'float32',
  nominalRateHz: 100,
  sourceId: 'test-amp',
};
const MARKERS: StreamInfo = {
  id: 'test:markers',
  name: 'Stimuli',
  type: 'MARKER',
  channels: [{ label: 'label', unit: '' }],
  channelFormat: 'string',
  nominalRateHz: 0,
  sourceId: 'test-stim',
};
const RATER_A = annotationStreamInfo({ raterId: 'R01', dimensions: ['valence'], device: 'joystick', nominalRateHz: 10 });
const RATER_B1 = annotationStreamInfo({ raterId: 'R02', dimensions: ['valence', 'arousal'], device: 'mouse', passId: '1', nominalRateHz: 10 });
const RATER_B2 = annotationStreamInfo({ raterId: 'R02', dimensions: ['valence', 'arousal'], device: 'mouse', passId: '2', nominalRateHz: 10 });

export function metaFor(id: string, o: FixtureOptions = {}): SessionMeta {
  return {
    id,
    subject: o.subject === undefined ? 'P001' : o.subject,
    createdAt: o.createdAt ?? '2026-11-01T09:00:00.000Z',
    protocol: o.protocol ?? 'film-clips-v1',
    source: { kind: 'synthetic', seed: 1 },
    streams: [EEG, MARKERS, RATER_A, RATER_B1, RATER_B2].map((s) => ({
      id: s.id,
      name: s.name,
      type: String(s.type),
      channelCount: s.channels.length,
      nominalRateHz: s.nominalRateHz,
    })),
    notes: 'fixture',
  };
}

/** Writes sessions/<id>/ with session.json and recording.xdf; resolves to the open writer when keepOpen. */
export async function writeSession(ws: string, id: string, o: FixtureOptions = {}): Promise<XdfWriter | null> {
  const meta = metaFor(id, o);
  await writeSessionMeta(ws, meta);
  // The header names the subject it was recorded with, as the recorder writes it.
  const w = await XdfWriter.create(recordingPath(ws, id), meta.subject !== null ? { fileHeaderFields: { subject: meta.subject } } : {});
  const eeg = w.addStream(EEG);
  const mk = w.addStream(MARKERS);
  const a = w.addStream(RATER_A);
  const b1 = w.addStream(RATER_B1);
  const b2 = w.addStream(RATER_B2);
  const n = o.eegSamples ?? 200;
  const t0 = o.t0Sec ?? 10;
  const ts = new Float64Array(n);
  const values = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    ts[i] = t0 + i / 100;
    values[2 * i] = Math.sin(i / 5);
    values[2 * i + 1] = Math.cos(i / 7);
  }
  w.appendSamples(eeg, ts, values);
  const markers = o.markers ?? [
    [t0 + 0.5, 'clip-start:amusement'],
    [t0 + 1.5, 'clip-end:amusement'],
  ];
  w.appendSamples(mk, Float64Array.from(markers.map((m) => m[0])), markers.map((m) => m[1]));
  const annTs = Float64Array.from({ length: 20 }, (_, i) => t0 + i / 10);
  w.appendSamples(a, annTs, Float32Array.from({ length: 20 }, (_, i) => i / 20));
  w.appendSamples(b1, annTs, Float32Array.from({ length: 40 }, (_, i) => -i / 40));
  w.appendSamples(b2, annTs.subarray(0, 15), Float32Array.from({ length: 30 }, (_, i) => i / 30));
  if (o.keepOpen) {
    await w.flush();
    return w;
  }
  await w.close();
  return null;
}

export function xdfPathOf(ws: string, id: string): string {
  return join(ws, 'sessions', id, 'recording.xdf');
}
