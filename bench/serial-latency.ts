// Figure: serial end-to-end latency, emulator write -> engine chunk event, over a real socat
// pseudo-terminal pair (kernel tty layer, serialport, protocol parser, SerialSource, engine
// clock sync + dejitter). Per chunk: host time of the chunk event minus the host time the
// emulator wrote the bytes of its newest sample. One JSON line per protocol.
// Run: npx tsx bench/serial-latency.ts [--seconds 10]   (needs socat)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOST_CLOCK } from '../src-main/acquisition/source-spec.js';
import { CytonEmulator } from '../src-main/acquisition/serial/cyton/emulator.js';
import { HimoeFrameEmulator } from '../src-main/acquisition/serial/himoe-frame/emulator.js';
import type { DeviceEmulator, SerialProtocol } from '../src-main/acquisition/serial/protocol.js';
import { protocolFor } from '../src-main/acquisition/serial/registry.js';
import { SerialSource } from '../src-main/acquisition/serial/serial-source.js';
import { TextEmulator } from '../src-main/acquisition/serial/text/emulator.js';
import { SessionEngine } from '../src-main/engine/session-engine.js';
import { EmulatorDriver, PtyPair, sleep, socatAvailable } from '../test/integration/serial-harness.js';
import { argNumber, median } from './bench-util.js';

const seconds = argNumber('--seconds', 10);
const WARMUP_SEC = 1;

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

interface Case {
  name: string;
  protocol: SerialProtocol;
  /** Stream key whose samples are timed. */
  key: string;
  makeEmulator: (truth: (key: string) => void) => DeviceEmulator;
}

const textOptions = { columns: [{ key: 'eda', unit: 'uS' }], rateHz: 100 };
const cases: Case[] = [
  { name: 'cyton', protocol: protocolFor('cyton', { accel: 'false' }), key: 'eeg', makeEmulator: (t) => new CytonEmulator({ accel: false, truth: (k) => t(k) }) },
  { name: 'text', protocol: protocolFor('text', { columns: 'eda:uS', rate: '100' }), key: 'eda', makeEmulator: (t) => new TextEmulator({ ...textOptions, truth: (k) => t(k) }) },
  { name: 'himoe', protocol: protocolFor('himoe', {}), key: '', makeEmulator: (t) => new HimoeFrameEmulator({ truth: (k) => t(k) }) },
];

async function measure(c: Case, dir: string): Promise<Record<string, unknown>> {
  const pair = new PtyPair(join(dir, `${c.name}-dev`), join(dir, `${c.name}-emu`));
  await pair.start();
  const key = c.key || c.protocol.streams()[0].key;
  let truthCount = 0;
  const emulator = c.makeEmulator((k) => {
    if (k === key) truthCount++;
  });
  // (write time, samples of `key` on the wire after that write)
  const writeMs: number[] = [];
  const writeCum: number[] = [];
  const driver = new EmulatorDriver(emulator, pair.emuPath, 2);
  driver.onWrite = (_bytes, atMs) => {
    writeMs.push(atMs);
    writeCum.push(truthCount);
  };
  await driver.open();
  const source = new SerialSource({ id: c.name, path: pair.devPath, protocol: c.protocol, clock: HOST_CLOCK });
  const engine = new SessionEngine({ clock: HOST_CLOCK });
  engine.addSource(source);
  const streamId = `${c.name}:${key}`;
  const latencies: number[] = [];
  let received = 0;
  let measuring = false;
  let w = 0;
  engine.subscribe((e) => {
    if (e.kind !== 'chunk' || e.chunk.streamId !== streamId) return;
    const now = performance.now();
    received += e.chunk.timestampsSec.length;
    // first write whose cumulative count covers the newest received sample
    while (w < writeCum.length && writeCum[w] < received) w++;
    if (measuring && w < writeMs.length) latencies.push(now - writeMs[w]);
  });
  await engine.start();
  await sleep(WARMUP_SEC * 1000);
  measuring = true;
  await sleep(seconds * 1000);
  measuring = false;
  await engine.release();
  await driver.close();
  await pair.stop();
  return {
    figure: `serial-latency-${c.name}`,
    median: Number(median(latencies).toFixed(2)),
    p99: Number(quantile(latencies, 0.99).toFixed(2)),
    unit: 'ms',
    chunks: latencies.length,
    rateHz: c.protocol.streams().find((s) => s.key === key)?.nominalRateHz,
    seconds,
    path: 'emulator write -> socat pty -> serialport -> parser -> SerialSource -> engine chunk',
  };
}

if (!socatAvailable()) {
  console.error('serial-latency: socat is not installed (apt-get install -y socat); nothing measured');
  process.exitCode = 1;
} else {
  const dir = mkdtempSync(join(tmpdir(), 'himoe-bench-serial-'));
  try {
    for (const c of cases) console.log(JSON.stringify(await measure(c, dir)));
  } finally {
    await PtyPair.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}
