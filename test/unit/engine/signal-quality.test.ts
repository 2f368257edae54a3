import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src-main/core/streams/clock.js';
import type { StreamInfo } from '../../../src-main/core/streams/types.js';
import { EngineError } from '../../../src-main/engine/errors.js';
import { SessionEngine, type SessionChunk } from '../../../src-main/engine/session-engine.js';
import { QUALITY_STREAM_TYPE, SignalQualityPublisher, type StreamQualityReport } from '../../../src-main/engine/signal-quality.js';
import { readXdf } from '../../../src-main/storage/xdf/xdf-reader.js';
import { synthEcg } from '../core/dsp/ecg-synth.js';
import { numericStream, ScriptedSource } from './scripted-source.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'himoe-quality-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const EEG_RATE = 256;
const ECG_RATE = 250;

function setup() {
  const clock = new ManualClock(0);
  const engine = new SessionEngine({ clock, bufferSec: 10 });
  const eegInfo = numericStream('dev:eeg', 'dev', 4, EEG_RATE, 'EEG');
  const ecgInfo: StreamInfo = { ...numericStream('dev:ecg', 'dev', 1, ECG_RATE, 'ECG'), channels: [{ label: 'ECG-II', unit: 'millivolts' }] };
  const markers: StreamInfo = { id: 'dev:markers', name: 'markers', type: 'MARKER', channels: [{ label: 'm', unit: '' }], channelFormat: 'string', nominalRateHz: 0, sourceId: 'dev' };
  const source = new ScriptedSource('dev', [eegInfo, ecgInfo, markers]);
  engine.addSource(source);
  return { clock, engine, source };
}

/** Emit `seconds` of EEG (channel 2 flat) and ECG in 0.25 s chunks, advancing the clock. */
function drive(clock: ManualClock, source: ScriptedSource, seconds: number): void {
  const ecg = synthEcg({ rateHz: ECG_RATE, durationSec: seconds, heartRateBpm: 70, seed: 1 });
  let s = 12345;
  const rand = () => ((s = (s * 16807) % 2147483647) / 2147483647 - 0.5) * 30;
  for (let k = 0; k < seconds * 4; k++) {
    const n = EEG_RATE / 4;
    const values = new Float32Array(n * 4);
    const timestamps = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const idx = k * n + i;
      timestamps[i] = idx / EEG_RATE;
      for (let c = 0; c < 4; c++) values[i * 4 + c] = c === 2 ? 7 : rand() + 10 * Math.sin((2 * Math.PI * 10 * idx) / EEG_RATE);
    }
    source.emit({ kind: 'chunk', chunk: { streamId: 'dev:eeg', values, timestamps, firstIndex: k * n } });
    const m = Math.round(ECG_RATE / 4);
    const first = Math.round((k * ECG_RATE) / 4);
    const et = new Float64Array(m).map((_, i) => (first + i) / ECG_RATE);
    source.emit({ kind: 'chunk', chunk: { streamId: 'dev:ecg', values: ecg.signal.slice(first, first + m), timestamps: et, firstIndex: first } });
    clock.advanceTo((k + 1) / 4);
  }
}

describe('SignalQualityPublisher', () => {
  it('publishes a QUALITY stream per watched stream, one channel per input channel, once a second', async () => {
    const { clock, engine, source } = setup();
    const publisher = new SignalQualityPublisher(engine);
    publisher.attach();
    const quality: SessionChunk[] = [];
    const reports: StreamQualityReport[] = [];
    engine.subscribe((e) => {
      if (e.kind === 'chunk' && e.chunk.streamId.startsWith('quality:')) quality.push({ ...e.chunk, values: (e.chunk.values as Float32Array).slice() });
    });
    publisher.onReport((r) => reports.push(r));
    expect([...publisher.qualityStreams.keys()].sort()).toEqual(['dev:ecg', 'dev:eeg']);
    await engine.start();
    drive(clock, source, 10);
    await engine.stop();

    const eeg = quality.filter((c) => c.streamId === 'quality:dev:eeg');
    expect(eeg.length).toBe(10);
    for (const c of eeg) {
      const v = c.values as Float32Array;
      expect(v.length).toBe(4);
      expect(v[2]).toBe(0);
      expect(v[0]).toBeGreaterThan(0.9);
    }
    // Stamped with the session time of the last sample of each second.
    expect(eeg.map((c) => Math.round(c.timestampsSec[0]! * EEG_RATE))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((s) => s * EEG_RATE - 1));
    expect(eeg.map((c) => c.firstIndex)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const eegReport = reports.filter((r) => r.streamId === 'dev:eeg').at(-1)!;
    expect(eegReport.channels[2]).toEqual({ label: 'C3', index: 0, reasons: ['flat'] });
    expect(eegReport.modalityReasons).toEqual(['flat']);
    expect(eegReport.modalityIndex).toBeLessThan(0.76);
    const ecgReport = reports.filter((r) => r.streamId === 'dev:ecg').at(-1)!;
    expect(ecgReport.channels[0]!.index).toBeGreaterThan(0.8);
    expect(ecgReport.channels[0]!.label).toBe('ECG-II');
  });

  it('records the QUALITY streams in the session file next to the sources', async () => {
    const { clock, engine, source } = setup();
    new SignalQualityPublisher(engine).attach();
    const path = join(dir, 'q.xdf');
    await engine.start({ recordPath: path });
    drive(clock, source, 5);
    await engine.stop();
    const file = await readXdf(path, { synchronizeClocks: false, dejitter: false });
    const q = file.streams.filter((s) => s.info.type === QUALITY_STREAM_TYPE);
    expect(q.map((s) => s.info.name).sort()).toEqual(['dev:ecg quality', 'dev:eeg quality']);
    const qe = q.find((s) => s.info.name === 'dev:eeg quality')!;
    expect(qe.channelCount).toBe(4);
    expect(qe.timestamps.length).toBe(5);
    expect((qe.timeSeries as Float32Array)[2]).toBe(0);
  });

  it('resets a stream window at a gap and leaves streams of other types alone', async () => {
    const { clock, engine, source } = setup();
    const publisher = new SignalQualityPublisher(engine, { types: ['EEG'] });
    publisher.attach();
    expect([...publisher.qualityStreams.keys()]).toEqual(['dev:eeg']);
    const times: number[] = [];
    engine.subscribe((e) => {
      if (e.kind === 'chunk' && e.chunk.streamId === 'quality:dev:eeg') times.push(e.chunk.timestampsSec[0]!);
    });
    await engine.start();
    drive(clock, source, 3);
    // Lose 2 s of EEG: the window restarts after the gap, the next report comes 1 s after it.
    const n = 2 * EEG_RATE;
    const values = new Float32Array(n * 4).map((_, i) => Math.sin(i));
    const timestamps = new Float64Array(n).map((_, i) => 5 + i / EEG_RATE);
    source.emit({ kind: 'chunk', chunk: { streamId: 'dev:eeg', values, timestamps, firstIndex: 5 * EEG_RATE } });
    await engine.stop();
    expect(times.length).toBe(5);
    expect(times[3]).toBeCloseTo(6 - 1 / EEG_RATE, 1);
  });
});

describe('SessionEngine.addDerivedStream', () => {
  it('refuses a stream id already in use', () => {
    const { engine } = setup();
    expect(() => engine.addDerivedStream(numericStream('dev:eeg', 'x', 1, 1))).toThrow(EngineError);
  });

  it('records a stream added while a recording runs, with a running sample counter', async () => {
    const { engine } = setup();
    const path = join(dir, 'd.xdf');
    await engine.start({ recordPath: path });
    const info = numericStream('feat:hr', 'derived:features', 1, 1, 'FEATURE');
    const publish = engine.addDerivedStream(info);
    const firstIndices: number[] = [];
    engine.subscribe((e) => {
      if (e.kind === 'chunk' && e.chunk.streamId === 'feat:hr') firstIndices.push(e.chunk.firstIndex);
    });
    publish(Float32Array.of(61, 62), Float64Array.of(1, 2));
    publish(Float32Array.of(63), Float64Array.of(3));
    await engine.stop();
    expect(firstIndices).toEqual([0, 2]);
    expect(engine.buffer('feat:hr')).not.toBeNull();
    const file = await readXdf(path, { synchronizeClocks: false, dejitter: false });
    const s = file.streams.find((x) => x.info.name === 'feat:hr')!;
    expect(Array.from(s.timeSeries as Float32Array)).toEqual([61, 62, 63]);
    expect(Array.from(s.timestamps)).toEqual([1, 2, 3]);
  });
});
