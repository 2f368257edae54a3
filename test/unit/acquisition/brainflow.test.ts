// BrainFlow adapter: descriptor -> streams mapping on descriptors shaped like BrainFlow's own
// JSON, the missing-package error, the worker pipeline against a generated fake `brainflow`
// module (conformance, counters, markers, session release), and the real SYNTHETIC_BOARD when installed.

import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BrainFlowSource,
  brainFlowParamsFromOptions,
  layoutFromDescriptors,
  resolveBrainFlow,
  type BrainFlowBoardDescr,
} from '../../../src-main/acquisition/brainflow/index.js';
import { SourceError } from '../../../src-main/core/errors.js';
import type { SourceEvent } from '../../../src-main/core/streams/source.js';
import type { Chunk } from '../../../src-main/core/streams/types.js';
import { describeSourceConformance } from './source-conformance.js';

// Field names and values as in BrainFlow's brainflow_boards.cpp (SYNTHETIC_BOARD -1, CYTON_BOARD 0).
const SYNTHETIC_DEFAULT: BrainFlowBoardDescr = {
  name: 'Synthetic',
  sampling_rate: 250,
  package_num_channel: 0,
  battery_channel: 29,
  timestamp_channel: 30,
  marker_channel: 31,
  num_rows: 32,
  eeg_channels: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
  eeg_names: 'Fz,C3,Cz,C4,Pz,PO7,Oz,PO8,F5,F7,F3,F1,F2,F4,F6,F8',
  emg_channels: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
  ecg_channels: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
  eog_channels: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
  accel_channels: [17, 18, 19],
  gyro_channels: [20, 21, 22],
  eda_channels: [23],
  ppg_channels: [24, 25],
  temperature_channels: [26],
  resistance_channels: [27, 28],
};
const SYNTHETIC_AUX: BrainFlowBoardDescr = {
  name: 'SyntheticAux',
  sampling_rate: 250,
  package_num_channel: 0,
  timestamp_channel: 18,
  marker_channel: 19,
  num_rows: 20,
  other_channels: [14, 15, 16, 17],
  battery_channel: 1,
  accel_channels: [2, 3, 4],
  gyro_channels: [5, 6, 7],
  eda_channels: [8],
  ppg_channels: [9, 10],
  temperature_channels: [11],
  resistance_channels: [12, 13],
};
const CALLIBRI_ECG: BrainFlowBoardDescr = { name: 'CallibriECG', sampling_rate: 125, timestamp_channel: 2, marker_channel: 3, package_num_channel: 0, num_rows: 4, ecg_channels: [1] };

const dir = mkdtempSync(join(tmpdir(), 'himoe-brainflow-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in for the brainflow package: same class shape, SYNTHETIC_BOARD descriptors, data
 *  generated at 250 Hz from the wall clock, and a log of session calls in params.otherInfo. */
function writeFakeBrainFlow(): string {
  const path = join(dir, 'fake-brainflow.cjs');
  const descrs = JSON.stringify({ 0: SYNTHETIC_DEFAULT, 1: SYNTHETIC_AUX });
  writeFileSync(
    path,
    `const fs = require('node:fs');
const DESCRS = ${descrs};
class BoardShim {
  constructor(boardId, params) { this.boardId = boardId; this.params = params || {}; this.presets = {}; this.markers = []; }
  log(s) { if (this.params.otherInfo) fs.appendFileSync(this.params.otherInfo, s + '\\n'); }
  static getBoardPresets(id) { if (id !== -1) throw new Error('UNSUPPORTED_BOARD_ERROR'); return [0, 1]; }
  static getBoardDescr(id, preset) { if (id !== -1) throw new Error('UNSUPPORTED_BOARD_ERROR'); return JSON.parse(JSON.stringify(DESCRS[preset || 0])); }
  prepareSession() { this.log('prepare'); }
  startStream() { this.log('start'); const t = Date.now(); for (const p of [0, 1]) this.presets[p] = { t0: t, sent: 0 }; }
  insertMarker(v, preset) { this.log('marker ' + v); this.markers.push(v); }
  getBoardData(num, preset) {
    preset = preset || 0;
    const d = DESCRS[preset]; const st = this.presets[preset];
    const due = Math.floor((Date.now() - st.t0) / 1000 * d.sampling_rate);
    const n = Math.max(0, due - st.sent);
    const rows = [];
    for (let r = 0; r < d.num_rows; r++) rows.push(new Array(n).fill(0));
    for (let i = 0; i < n; i++) {
      const k = st.sent + i;
      rows[d.package_num_channel][i] = k % 256;
      rows[d.timestamp_channel][i] = st.t0 / 1000 + k / d.sampling_rate;
      for (let r = 1; r < d.timestamp_channel; r++) if (r !== d.package_num_channel) rows[r][i] = r * 1000 + k;
    }
    if (preset === 0 && n > 0 && this.markers.length > 0) rows[d.marker_channel][n - 1] = this.markers.shift();
    st.sent += n;
    return rows;
  }
  stopStream() { this.log('stop'); }
  releaseSession() { this.log('release'); }
}
module.exports = { BoardShim, BoardIds: { SYNTHETIC_BOARD: -1, CYTON_BOARD: 0 } };
`,
  );
  return path;
}

const fakePath = writeFakeBrainFlow();
const hostClock = { nowSec: () => performance.now() / 1000 };
let logNo = 0;

async function fakeSource(): Promise<{ source: BrainFlowSource; log: string }> {
  const log = join(dir, `calls-${logNo++}.log`);
  appendFileSync(log, '');
  const source = await BrainFlowSource.create({ board: 'SYNTHETIC_BOARD', params: { otherInfo: log }, clock: hostClock, modulePath: fakePath, pollMs: 20 });
  return { source, log };
}

describe('BrainFlow descriptor -> streams', () => {
  it('maps the synthetic board: one EEG stream with its names, EDA, PPG, ACC per preset, and a marker stream', () => {
    const layout = layoutFromDescriptors('bf', -1, [
      { preset: 0, descr: SYNTHETIC_DEFAULT },
      { preset: 1, descr: SYNTHETIC_AUX },
    ]);
    const ids = layout.streams.map((s) => s.id);
    expect(ids).toEqual(['bf:eeg', 'bf:eda', 'bf:ppg', 'bf:acc', 'bf:auxiliary-eda', 'bf:auxiliary-ppg', 'bf:auxiliary-acc', 'bf:markers']);
    const eeg = layout.streams[0];
    expect(eeg.channels.map((c) => c.label).slice(0, 3)).toEqual(['Fz', 'C3', 'Cz']);
    expect(eeg.channels).toHaveLength(16);
    expect(eeg.channels[0].unit).toBe('microvolts');
    expect(eeg.nominalRateHz).toBe(250);
    expect(eeg.desc?.alsoListedAs).toBe('ECG,EMG,EOG');
    expect(layout.presets[0].streams.find((s) => s.info.type === 'ACC')?.rows).toEqual([17, 18, 19]);
    expect(layout.streams.find((s) => s.id === 'bf:acc')?.channels.map((c) => c.label)).toEqual(['ACC-X', 'ACC-Y', 'ACC-Z']);
    expect(layout.presets[1]).toMatchObject({ preset: 1, numRows: 20, timestampRow: 18, markerRow: 19, packageRow: 0 });
    expect(layout.presets[1].streams.find((s) => s.info.type === 'PPG')?.rows).toEqual([9, 10]);
    expect(layout.markerStream.channelFormat).toBe('string');
  });

  it('gives a board whose ECG rows are its own an ECG stream', () => {
    const layout = layoutFromDescriptors('cal', 11, [{ preset: 0, descr: CALLIBRI_ECG }]);
    expect(layout.streams.map((s) => [s.id, s.type, s.nominalRateHz])).toEqual([
      ['cal:ecg', 'ECG', 125],
      ['cal:markers', 'MARKER', 0],
    ]);
  });

  it('rejects a descriptor without a sampling rate with a SourceError naming the preset', () => {
    const broken = { ...CALLIBRI_ECG, sampling_rate: undefined };
    expect(() => layoutFromDescriptors('x', 11, [{ preset: 1, descr: broken }])).toThrow(/auxiliary preset: sampling_rate/);
  });

  it('turns spec options into BrainFlowInputParams and rejects unknown keys', () => {
    expect(brainFlowParamsFromOptions('b', { serial_port: '/dev/ttyUSB0', timeout: '5', ipPort: '6677' })).toEqual({ serialPort: '/dev/ttyUSB0', timeout: 5, ipPort: 6677 });
    expect(() => brainFlowParamsFromOptions('b', { port: 'x' })).toThrow(SourceError);
  });
});

describe('BrainFlow package loading', () => {
  it('without the package: a BRAINFLOW_MISSING SourceError that says how to install it', async () => {
    const err = await BrainFlowSource.create({ board: -1, clock: hostClock, modulePath: join(dir, 'nope', 'index.js') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).code).toBe('BRAINFLOW_MISSING');
    expect((err as SourceError).message).toMatch(/npm install brainflow/);
  });
});

describeSourceConformance('BrainFlowSource (worker over a fake brainflow module)', async () => {
  const { source } = await fakeSource();
  return { source };
});

describe('BrainFlowSource over the fake module', () => {
  it('streams both presets at the board rate with continuous counters, forwards markers, releases the session', async () => {
    const { source, log } = await fakeSource();
    const events: SourceEvent[] = [];
    const chunks: Chunk[] = [];
    source.subscribe((e) => {
      events.push(e);
      if (e.kind === 'chunk') chunks.push(e.chunk);
    });
    await source.start();
    await new Promise((r) => setTimeout(r, 300));
    source.insertMarker(7);
    await new Promise((r) => setTimeout(r, 900));
    await source.release();

    const eeg = chunks.filter((c) => c.streamId === source.id + ':eeg');
    const n = eeg.reduce((s, c) => s + c.timestamps.length, 0);
    expect(n).toBeGreaterThan(0.7 * 250 * 0.8);
    for (let i = 1; i < eeg.length; i++) expect(eeg[i].firstIndex).toBe(eeg[i - 1].firstIndex + eeg[i - 1].timestamps.length);
    // row r of sample k holds r*1000 + k: channel 2 (row 2) of the first sample
    expect(eeg[0].values[1]).toBe(2000 + eeg[0].firstIndex);
    expect(eeg.at(-1)!.firstIndex + eeg.at(-1)!.timestamps.length).toBeGreaterThan(256); // unwrapped past the 8-bit counter
    expect(chunks.some((c) => c.streamId === source.id + ':auxiliary-eda')).toBe(true);
    const markers = chunks.filter((c) => c.streamId === source.id + ':markers');
    expect(markers.map((c) => c.values[0])).toEqual(['7']);
    const offset = events.find((e) => e.kind === 'clockOffset');
    expect(offset && offset.kind === 'clockOffset' && Math.abs(offset.measurement.offsetSec + performance.timeOrigin / 1000)).toBeLessThan(0.05);
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual(['prepare', 'start', 'marker 7', 'stop', 'release']);
  });
});

describe('BrainFlowSource at process exit', () => {
  it('releases a running board session when the process exits without stopping it', () => {
    const log = join(dir, 'exit.log');
    writeFileSync(log, '');
    const script = join(dir, 'exit-child.mts');
    const entry = join(process.cwd(), 'src-main/acquisition/brainflow/brainflow-source.ts');
    writeFileSync(
      script,
      `import { BrainFlowSource } from ${JSON.stringify(entry)};
const s = await BrainFlowSource.create({ board: -1, params: { otherInfo: ${JSON.stringify(log)} }, clock: { nowSec: () => performance.now() / 1000 }, modulePath: ${JSON.stringify(fakePath)} });
await s.start();
process.exit(0);
`,
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: process.cwd(), encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    expect(calls.slice(0, 2)).toEqual(['prepare', 'start']);
    expect(calls.at(-1)).toBe('release');
  });
});

const realBrainFlow = resolveBrainFlow();
if (!realBrainFlow) {
  console.warn('\n*** brainflow is not installed: the SYNTHETIC_BOARD end-to-end test is SKIPPED (npm install brainflow to run it) ***\n');
}
describe.skipIf(!realBrainFlow)('BrainFlowSource with the real brainflow package', () => {
  it('streams SYNTHETIC_BOARD end to end and returns an inserted marker', async () => {
    const source = await BrainFlowSource.create({ board: 'SYNTHETIC_BOARD', clock: hostClock });
    const chunks: Chunk[] = [];
    source.subscribe((e) => {
      if (e.kind === 'chunk') chunks.push(e.chunk);
    });
    await source.start();
    await new Promise((r) => setTimeout(r, 500));
    source.insertMarker(3);
    await new Promise((r) => setTimeout(r, 700));
    await source.release();
    const eeg = chunks.filter((c) => c.streamId.endsWith(':eeg'));
    expect(eeg.reduce((s, c) => s + c.timestamps.length, 0)).toBeGreaterThan(150);
    expect(chunks.some((c) => c.streamId.endsWith(':markers') && c.values[0] === '3')).toBe(true);
  });
});
