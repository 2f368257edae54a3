// Figure: serial parser throughput (MB/s, one core) per protocol, on clean byte streams written
// by each protocol's emulator, pushed in 1 KiB chunks (a serial port delivers a few hundred bytes
// per read). Also how many times faster than the device's own byte rate that is. `MBps` is wall
// clock; `cpuMBps` per CPU second of the process (the honest figure on a shared machine).
// Run: npx tsx bench/serial-parsers.ts [--mb 8] [--runs 7] [--chunk 1024]
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { BitalinoEmulator } from '../src-main/acquisition/serial/bitalino/emulator.js';
import { CytonEmulator } from '../src-main/acquisition/serial/cyton/emulator.js';
import { HimoeFrameEmulator } from '../src-main/acquisition/serial/himoe-frame/emulator.js';
import type { EmulatorBase } from '../src-main/acquisition/serial/parsing/emulator-kit.js';
import type { SerialProtocol } from '../src-main/acquisition/serial/protocol.js';
import { TextEmulator } from '../src-main/acquisition/serial/text/emulator.js';
import { argNumber, median } from './bench-util.js';

const targetMb = argNumber('--mb', 8);
const runs = Math.max(5, argNumber('--runs', 7));
const chunk = argNumber('--chunk', 1024);

type Emu = EmulatorBase & { protocol: SerialProtocol };
const cases: { figure: string; what: string; make: () => Emu }[] = [
  { figure: 'parse-cyton', what: 'OpenBCI Cyton, 8 ch + accel, 250 Hz', make: () => new CytonEmulator() },
  { figure: 'parse-cyton-daisy', what: 'Cyton + Daisy, 16 ch, 125 Hz', make: () => new CytonEmulator({ daisy: true }) },
  {
    figure: 'parse-bitalino-6ch',
    what: 'BITalino, 6 analog ch at 1000 Hz (8-byte frames)',
    make: () =>
      new BitalinoEmulator({
        channels: ['ecg', 'eda', 'eeg', 'emg', 'raw', 'eda'].map((sensor, k) => ({ key: `${sensor}${k}`, sensor: sensor as 'ecg', input: k + 1 })),
        rateHz: 1000,
      }),
  },
  {
    figure: 'parse-bitalino-2ch',
    what: 'BITalino, ECG + EDA at 1000 Hz (4-byte frames)',
    make: () => new BitalinoEmulator({ channels: [{ key: 'ecg', sensor: 'ecg', input: 2 }, { key: 'eda', sensor: 'eda', input: 3 }], rateHz: 1000 }),
  },
  {
    figure: 'parse-text',
    what: 'text lines "counter,ms,ecg,eda" at 1000 Hz',
    make: () => new TextEmulator({ columns: [{ key: 'ecg', unit: 'mV' }, { key: 'eda', unit: 'uS' }], rateHz: 1000, counterColumn: 0, timestampColumn: 1 }),
  },
  { figure: 'parse-himoe', what: 'HiMoE frames: EDA 32 Hz + ECG 250 Hz + PPG 100 Hz (reference firmware)', make: () => new HimoeFrameEmulator() },
];

const meta = { chunkBytes: chunk, runs, node: process.version, cpu: cpus()[0]?.model ?? 'unknown', date: new Date().toISOString().slice(0, 10) };
let sink = 0;
for (const c of cases) {
  const emu = c.make();
  for (const cmd of emu.protocol.startCommands()) emu.receive(cmd);
  const probe = emu.produce(10);
  const deviceBytesPerSec = probe.length / 10;
  const parts: Uint8Array[] = [probe];
  let total = probe.length;
  while (total < targetMb * 1e6) {
    const p = emu.produce(60);
    parts.push(p);
    total += p.length;
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  const mbps: number[] = [];
  const cpuMbps: number[] = [];
  let samples = 0;
  for (let r = 0; r < runs + 1; r++) {
    samples = 0;
    const parser = emu.protocol.createParser((_key, _first, values, count) => {
      samples += count;
      sink += values[0];
    });
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < bytes.length; i += chunk) parser.push(bytes.subarray(i, i + chunk));
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    if (r > 0) cpuMbps.push(bytes.length / ((cpu.user + cpu.system) / 1e6) / 1e6);
    if (parser.stats.badFrames !== 0) throw new Error(`${c.figure}: ${parser.stats.badFrames} bad frames on a clean stream`);
    if (r > 0) mbps.push(bytes.length / 1e6 / (ms / 1000)); // run 0 warms up the JIT
  }
  const med = median(mbps);
  console.log(
    JSON.stringify({
      figure: c.figure,
      what: c.what,
      MBps: Number(med.toFixed(1)),
      median: Number(med.toFixed(1)),
      runsMBps: mbps.map((x) => Number(x.toFixed(1))),
      cpuMBps: Number(median(cpuMbps).toFixed(1)),
      xDeviceRate: Math.round((med * 1e6) / deviceBytesPerSec),
      streamMB: Number((bytes.length / 1e6).toFixed(2)),
      samplesPerRun: samples,
      ...meta,
    }),
  );
}
if (Number.isNaN(sink)) console.error('unreachable');
