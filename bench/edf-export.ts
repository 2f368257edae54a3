// Figures: EDF export throughput. (1) edf-write: writeEdfFile of a 30-min 32-ch EEG + ECG/EDA
// session already on uniform grids (EDF and BDF MB/s of file written); (2) edf-export-session:
// `himoe export --to edf` end to end on a 10-min XDF recording (32-ch EEG 256 Hz, ECG 256 Hz,
// EDA/RESP 32 Hz, PPG 64 Hz, jittered timestamps): XDF read, resampling, EDF write;
// (3) edf-read: readEdf of the file from (1). Median of >= 5 runs after a warm-up; wall-clock
// figures and, as cpu*, the same per CPU second of this process (robust on a shared machine).
// Run: npx tsx bench/edf-export.ts [--minutes 30] [--session-minutes 10] [--runs 5]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readEdf, writeEdfFile, type EdfSignalSpec, type EdfWriteSpec } from '../src-main/storage/edf/index.js';
import { exportSession } from '../src-main/storage/export/index.js';
import { XdfWriter } from '../src-main/storage/xdf/xdf-writer.js';
import { argNumber, median } from './bench-util.js';

const minutes = argNumber('--minutes', 30);
const sessionMinutes = argNumber('--session-minutes', 10);
const runs = Math.max(5, argNumber('--runs', 5));
const dir = mkdtempSync(join(tmpdir(), 'himoe-bench-edf-'));

/** CPU seconds (user + system) of this process per run, beside wall seconds: on a shared
 *  machine the CPU figure is the one that does not depend on the neighbours. */
const cpuSec: number[] = [];
function timed(fn: () => void): number {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const c = process.cpuUsage(c0);
  cpuSec.push((c.user + c.system) / 1e6);
  return (performance.now() - t0) / 1000;
}
function cpuMBps(bytes: number, lastRuns: number): number {
  return Number(median(cpuSec.slice(-lastRuns).map((s) => bytes / 1e6 / s)).toFixed(1));
}

try {
  // (1) Writer alone.
  const seconds = Math.round(minutes * 60);
  const eegChannels = 32;
  const block = new Float32Array(seconds * 256 * eegChannels);
  for (let i = 0; i < block.length; i++) block[i] = 40 * Math.sin(i * 0.001) + 5 * Math.sin(i * 0.37);
  const ecg = Float32Array.from({ length: seconds * 256 }, (_, i) => Math.sin(i * 0.02));
  const eda = Float32Array.from({ length: seconds * 32 }, (_, i) => 5 + Math.sin(i * 0.001));
  const signals: EdfSignalSpec[] = [
    ...Array.from({ length: eegChannels }, (_, c): EdfSignalSpec => ({ label: `EEG E${c + 1}`, physicalDimension: 'uV', samplesPerRecord: 256, values: block, stride: eegChannels, offset: c })),
    { label: 'ECG II', physicalDimension: 'mV', samplesPerRecord: 256, values: ecg },
    { label: 'EDA', physicalDimension: 'uS', samplesPerRecord: 32, values: eda },
  ];
  const annotations = Array.from({ length: seconds / 10 }, (_, k) => ({ onsetSec: k * 10 + 0.5, text: `stim ${k}` }));
  const writer: Record<string, { MBps: number; cpuMBps: number; fileMB: number }> = {};
  let edfPath = '';
  for (const format of ['edf', 'bdf'] as const) {
    const spec: EdfWriteSpec = { format, startDate: new Date(Date.UTC(2024, 0, 1)), recordDurationSec: 1, recordCount: seconds, signals, annotations, patient: { code: 'bench' } };
    const path = join(dir, `bench.${format}`);
    writeEdfFile(path, spec, { overwrite: true }); // warm-up
    const mbps: number[] = [];
    for (let r = 0; r < runs; r++) {
      const sec = timed(() => writeEdfFile(path, spec, { overwrite: true }));
      mbps.push(statSync(path).size / 1e6 / sec);
    }
    writer[format] = { MBps: median(mbps), cpuMBps: cpuMBps(statSync(path).size, runs), fileMB: statSync(path).size / 1e6 };
    if (format === 'edf') edfPath = path;
  }
  console.log(
    JSON.stringify({
      figure: 'edf-write',
      MBps: Number(writer['edf']!.MBps.toFixed(1)),
      bdfMBps: Number(writer['bdf']!.MBps.toFixed(1)),
      cpuMBps: writer['edf']!.cpuMBps,
      bdfCpuMBps: writer['bdf']!.cpuMBps,
      fileMB: Number(writer['edf']!.fileMB.toFixed(1)),
      bdfFileMB: Number(writer['bdf']!.fileMB.toFixed(1)),
      minutes,
      signals: signals.length,
      runs,
      note: 'writeEdfFile incl. range scan, quantisation, TALs and file writes; values from a row-major block (stride)',
    }),
  );

  // (3) Reader on the EDF just written.
  readEdf(edfPath);
  const readMbps: number[] = [];
  for (let r = 0; r < runs; r++) readMbps.push(statSync(edfPath).size / 1e6 / timed(() => readEdf(edfPath)));
  console.log(
    JSON.stringify({ figure: 'edf-read', MBps: Number(median(readMbps).toFixed(1)), cpuMBps: cpuMBps(statSync(edfPath).size, runs), fileMB: Number(writer['edf']!.fileMB.toFixed(1)), runs }),
  );

  // (2) End to end from an XDF recording.
  const xdf = join(dir, 'session.xdf');
  const w = await XdfWriter.create(xdf);
  const streams = [
    { type: 'EEG', rate: 256, ch: 32, unit: 'microvolts' },
    { type: 'ECG', rate: 256, ch: 1, unit: 'millivolts' },
    { type: 'EDA', rate: 32, ch: 1, unit: 'microsiemens' },
    { type: 'PPG', rate: 64, ch: 1, unit: 'a.u.' },
    { type: 'RESP', rate: 32, ch: 1, unit: 'a.u.' },
  ].map((s) => ({
    ...s,
    id: w.addStream({
      id: `bench:${s.type}`,
      name: `Bench${s.type}`,
      type: s.type,
      channels: Array.from({ length: s.ch }, (_, c) => ({ label: s.ch > 1 ? `E${c + 1}` : s.type, unit: s.unit })),
      channelFormat: 'float32',
      nominalRateHz: s.rate,
      sourceId: 'bench',
    }),
  }));
  const sessionSec = Math.round(sessionMinutes * 60);
  for (let t = 0; t < sessionSec; t++) {
    for (const s of streams) {
      const ts = Float64Array.from({ length: s.rate }, (_, i) => 100 + t + i / s.rate + 2e-4 * Math.sin(t * s.rate + i));
      const v = new Float32Array(s.rate * s.ch);
      for (let i = 0; i < v.length; i++) v[i] = 30 * Math.sin((t * s.rate * s.ch + i) * 0.01);
      w.appendSamples(s.id, ts, v);
    }
    if (w.bytesPending > 8e6) await w.flush();
  }
  await w.close();
  const out = join(dir, 'session.edf');
  await exportSession(xdf, { to: 'edf', out, overwrite: true }); // warm-up
  const e2e: number[] = [];
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await exportSession(xdf, { to: 'edf', out, overwrite: true });
    const sec = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
    wall.push(sec);
    e2e.push(statSync(out).size / 1e6 / sec);
  }
  console.log(
    JSON.stringify({
      figure: 'edf-export-session',
      MBps: Number(median(e2e).toFixed(1)),
      xRealTime: Number((sessionSec / median(wall)).toFixed(0)),
      cpuMBps: Number((statSync(out).size / 1e6 / median(cpu)).toFixed(1)),
      cpuXRealTime: Number((sessionSec / median(cpu)).toFixed(0)),
      medianSec: Number(median(wall).toFixed(2)),
      edfMB: Number((statSync(out).size / 1e6).toFixed(1)),
      xdfMB: Number((statSync(xdf).size / 1e6).toFixed(1)),
      sessionMinutes,
      runs,
      note: 'XDF read (sync) + resampleToGrid per stream + EDF+ write; MBps of EDF written',
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
