import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyzeSummary } from '../../../src-main/cli/commands-dsp.js';
import type { StreamInfo } from '../../../src-main/core/streams/types.js';
import { XdfWriter } from '../../../src-main/storage/xdf/xdf-writer.js';
import { scoreDetections, synthEcg } from '../core/dsp/ecg-synth.js';
import { himoe } from './run-cli.js';



const T0 = 100;
const ECG_RATE = 250;
const EDA_RATE = 32;
const EEG_RATE = 256;
const SCR_ONSETS = [10, 35, 60, 85];

let dir: string;
let xdfPath: string;
let ecgTruth: { rPeaks: Int32Array; signal: Float32Array };
let keptBeats: number;
let trueHr: number;

function info(id: string, type: string, labels: string[], unit: string, rateHz: number): StreamInfo {
  return { id, name: id, type, channels: labels.map((label) => ({ label, unit })), channelFormat: 'float32', nominalRateHz: rateHz, sourceId: 'test' };
}

function bateman(t: number): number {
  return t <= 0 ? 0 : (Math.exp(-t / 2) - Math.exp(-t / 0.75)) / 0.3626;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'himoe-dsp-cli-'));
  xdfPath = join(dir, 'session.xdf');
  const writer = await XdfWriter.create(xdfPath);
  // ECG: 150 s at 66 bpm with 3 s lost at 100 s (two runs).
  const ecg = synthEcg({ rateHz: ECG_RATE, durationSec: 150, heartRateBpm: 66, seed: 21 });
  ecgTruth = ecg;
  const gapFrom = 100 * ECG_RATE;
  const gapTo = 103 * ECG_RATE;
  const ecgId = writer.addStream(info('chest-ecg', 'ECG', ['ECG-II'], 'millivolts', ECG_RATE));
  for (let i = 0; i < ecg.signal.length; i += 250) {
    if (i >= gapFrom && i < gapTo) continue;
    const n = Math.min(250, ecg.signal.length - i);
    writer.appendChunk(ecgId, { streamId: 'chest-ecg', values: ecg.signal.slice(i, i + n), timestamps: new Float64Array(n).map((_, k) => T0 + (i + k) / ECG_RATE), firstIndex: i });
  }
  keptBeats = Array.from(ecg.rPeaks).filter((p) => p < gapFrom || p >= gapTo).length;
  const rr = (ecg.rPeaks[ecg.rPeaks.length - 1]! - ecg.rPeaks[0]!) / ECG_RATE / (ecg.rPeaks.length - 1);
  trueHr = 60 / rr;
  // EDA: 120 s, 5 uS tonic level, four 0.5 uS SCRs.
  const eda = new Float32Array(120 * EDA_RATE).map((_, i) => {
    const t = i / EDA_RATE;
    return 5 + 0.002 * t + SCR_ONSETS.reduce((s, o) => s + 0.5 * bateman(t - o), 0);
  });
  const edaId = writer.addStream(info('wrist-eda', 'EDA', ['EDA'], 'microsiemens', EDA_RATE));
  writer.appendChunk(edaId, { streamId: 'wrist-eda', values: eda, timestamps: new Float64Array(eda.length).map((_, k) => T0 + k / EDA_RATE), firstIndex: 0 });
  // EEG: F3 alpha 5 uV, F4 alpha 10 uV (FAA = ln 4), Cz with 50 Hz mains.
  const n = 60 * EEG_RATE;
  const eeg = new Float32Array(n * 3);
  let s = 7;
  const noise = () => ((s = (s * 16807) % 2147483647) / 2147483647 - 0.5) * 4;
  for (let i = 0; i < n; i++) {
    const a = Math.sin((2 * Math.PI * 10 * i) / EEG_RATE);
    eeg[i * 3] = 5 * a + noise();
    eeg[i * 3 + 1] = 10 * a + noise();
    eeg[i * 3 + 2] = 5 * a + noise() + 20 * Math.sin((2 * Math.PI * 50 * i) / EEG_RATE);
  }
  const eegId = writer.addStream(info('cap', 'EEG', ['F3', 'F4', 'Cz'], 'microvolts', EEG_RATE));
  writer.appendChunk(eegId, { streamId: 'cap', values: eeg, timestamps: new Float64Array(n).map((_, k) => T0 + k / EEG_RATE), firstIndex: 0 });
  const markerId = writer.addStream({ id: 'm', name: 'markers', type: 'MARKER', channels: [{ label: 'm', unit: '' }], channelFormat: 'string', nominalRateHz: 0, sourceId: 'test' });
  writer.appendChunk(markerId, { streamId: 'm', values: ['start'], timestamps: Float64Array.of(T0), firstIndex: 0 });
  await writer.close();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('himoe analyze', () => {
  it('writes R-peaks, SCRs, EDA components and EEG band tables plus summary.json for every modality', async () => {
    const out = join(dir, 'all');
    const r = await himoe('analyze', xdfPath, '--out', out, '--json');
    expect(r.code, r.err).toBe(0);
    const summary = JSON.parse(r.out) as AnalyzeSummary;
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toEqual(summary);

    const ecg = summary.ecg[0]!;
    expect(ecg.channel).toBe('ECG-II');
    expect(Math.abs(ecg.beats - keptBeats)).toBeLessThanOrEqual(1);
    expect(ecg.heartRateBpm!).toBeCloseTo(trueHr, 0);
    expect(ecg.hrv!.rmssdMs).toBeGreaterThan(5);
    expect(ecg.hrvFrequency!.lfHf).toBeGreaterThan(0);
    const rpeakRows = readFileSync(join(out, ecg.file), 'utf8').trim().split('\n');
    expect(rpeakRows[0]).toBe('channel,sample,time_s,rr_ms,hr_bpm');
    expect(rpeakRows.length - 1).toBe(ecg.beats);
    // Times are the stream's timestamps (the first R-peak near T0 + its true time).
    expect(Number(rpeakRows[1]!.split(',')[2])).toBeCloseTo(T0 + ecgTruth.rPeaks[0]! / ECG_RATE, 1);

    const eda = summary.eda[0]!;
    expect(eda.scrCount).toBe(SCR_ONSETS.length);
    expect(eda.meanScrAmplitude!).toBeCloseTo(0.5, 1);
    expect(eda.scrRatePerMin).toBeCloseTo(2, 1);
    const scrRows = readFileSync(join(out, eda.files[0]!), 'utf8').trim().split('\n').slice(1);
    scrRows.forEach((row, k) => expect(Math.abs(Number(row.split(',')[1]) - (T0 + SCR_ONSETS[k]!))).toBeLessThan(0.6));
    expect(existsSync(join(out, eda.files[1]!))).toBe(true);

    const eeg = summary.eeg[0]!;
    expect(eeg.channels).toEqual(['F3', 'F4', 'Cz']);
    expect(eeg.frontalAlphaAsymmetry!).toBeCloseTo(Math.log(4), 1);
    expect(eeg.lineNoise.lineHz).toBe(50);
    expect(eeg.lineNoise.worstChannel).toBe('Cz');
    expect(eeg.relative[0]!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    const bandRows = readFileSync(join(out, eeg.file), 'utf8').trim().split('\n');
    expect(bandRows[0]!.split(',')).toContain('alpha_abs');
    expect(bandRows.length).toBe(4);
  });

  it('analyses only the requested modality and prints a readable summary', async () => {
    const out = join(dir, 'ecg-only');
    const r = await himoe('analyze', xdfPath, '--ecg', '--out', out);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/ECG chest-ecg\/ECG-II: \d+ beats, HR \d+\.\d bpm/);
    expect(r.out).not.toMatch(/EEG/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as AnalyzeSummary;
    expect(summary.eda).toEqual([]);
    expect(summary.eeg).toEqual([]);
  });

  it('exits 1 naming the streams when a requested modality is missing, or the file does not exist', async () => {
    const onlyEeg = join(dir, 'eeg-only.xdf');
    const w = await XdfWriter.create(onlyEeg);
    const id = w.addStream(info('cap', 'EEG', ['Cz'], 'microvolts', 128));
    w.appendChunk(id, { streamId: 'cap', values: new Float32Array(1280).map((_, i) => Math.sin(i)), timestamps: new Float64Array(1280).map((_, i) => i / 128), firstIndex: 0 });
    await w.close();
    const r = await himoe('analyze', onlyEeg, '--eda', '--out', join(dir, 'x'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/NO_STREAMS.*no numeric EDA stream.*cap \(EEG\)/);
    const missing = await himoe('analyze', join(dir, 'nope.xdf'), '--out', join(dir, 'y'));
    expect(missing.code).toBe(1);
  });
});

describe('himoe dsp rpeaks', () => {
  it('prints the R-peak sample indices and the heart rate of a CSV column as JSON', async () => {
    const ecg = synthEcg({ rateHz: 360, durationSec: 60, heartRateBpm: 90, seed: 4, invert: true });
    const csv = ['time;ecg_mv;other', ...Array.from(ecg.signal, (v, i) => `${(i / 360).toFixed(4)};${v.toFixed(5)};0`)].join('\n');
    const file = join(dir, 'ecg.csv');
    writeFileSync(file, csv);
    const r = await himoe('dsp', 'rpeaks', '--csv', file, '--column', 'ecg_mv', '--fs', '360');
    expect(r.code, r.err).toBe(0);
    const res = JSON.parse(r.out) as { peaks: number[]; heartRateBpm: number };
    expect(Object.keys(res)).toEqual(['peaks', 'heartRateBpm']);
    const score = scoreDetections(ecg.rPeaks, res.peaks, 360);
    expect(score.se).toBeGreaterThanOrEqual(0.99);
    expect(score.ppv).toBeGreaterThanOrEqual(0.99);
    expect(res.heartRateBpm).toBeGreaterThan(85);
    expect(res.heartRateBpm).toBeLessThan(95);
  });

  it('names the missing column, the bad cell and the bad flag', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'a,b\n1,2\n3,x\n');
    const noCol = await himoe('dsp', 'rpeaks', '--csv', file, '--column', 'ecg', '--fs', '250');
    expect(noCol.code).toBe(1);
    expect(noCol.err).toMatch(/no column "ecg"; its columns are "a", "b"/);
    const badCell = await himoe('dsp', 'rpeaks', '--csv', file, '--column', 'b', '--fs', '250');
    expect(badCell.err).toMatch(/line 3: column "b" holds "x"/);
    const badFs = await himoe('dsp', 'rpeaks', '--csv', file, '--column', 'a', '--fs', 'fast');
    expect(badFs.code).toBe(1);
    expect(badFs.err).toMatch(/--fs/);
    const lowFs = await himoe('dsp', 'rpeaks', '--csv', file, '--column', 'a', '--fs', '20');
    expect(lowFs.err).toMatch(/invalid-rate/);
  });
});
