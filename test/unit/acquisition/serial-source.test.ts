// SerialSource over a real pseudo-terminal (socat): conformance, device-rate streaming,
// back-dated host timestamps, device-timestamp clock offsets, unplug -> gap -> reconnect.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CytonEmulator } from '../../../src-main/acquisition/serial/cyton/emulator.js';
import { HimoeFrameEmulator } from '../../../src-main/acquisition/serial/himoe-frame/emulator.js';
import type { DeviceEmulator, SerialProtocol } from '../../../src-main/acquisition/serial/protocol.js';
import { protocolFor } from '../../../src-main/acquisition/serial/registry.js';
import { SerialSource } from '../../../src-main/acquisition/serial/serial-source.js';
import { TextEmulator } from '../../../src-main/acquisition/serial/text/emulator.js';
import { SourceError } from '../../../src-main/core/errors.js';
import type { SourceEvent } from '../../../src-main/core/streams/source.js';
import type { Chunk } from '../../../src-main/core/streams/types.js';
import { SessionEngine } from '../../../src-main/engine/session-engine.js';
import {
  EmulatorDriver,
  LineTestEmulator,
  LineTestProtocol,
  PtyPair,
  requireSocat,
  sleep,
  waitFor,
} from '../../integration/serial-harness.js';
import { describeSourceConformance } from './source-conformance.js';

const hasSocat = requireSocat('SerialSource tests over pseudo-terminals');
const dir = mkdtempSync(join(tmpdir(), 'himoe-serial-'));
const hostClock = { nowSec: () => performance.now() / 1000 };
let pairNo = 0;

interface Rig {
  pair: PtyPair;
  driver: EmulatorDriver;
  source: SerialSource;
  events: SourceEvent[];
  chunks: Chunk[];
  cleanup: () => Promise<void>;
}

async function makeRig(rateHz: number, opts: { deviceClockStartSec?: number; clockOffsetIntervalSec?: number } = {}): Promise<Rig> {
  const n = pairNo++;
  const pair = new PtyPair(join(dir, `dev${n}`), join(dir, `emu${n}`));
  await pair.start();
  const driver = new EmulatorDriver(new LineTestEmulator(rateHz, opts.deviceClockStartSec ?? null), pair.emuPath);
  await driver.open();
  const source = new SerialSource({
    id: `line${n}`,
    path: pair.devPath,
    protocol: new LineTestProtocol(rateHz, opts.deviceClockStartSec !== undefined),
    clock: hostClock,
    reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    clockOffsetIntervalSec: opts.clockOffsetIntervalSec ?? 0.5,
    dataTimeoutSec: 0.5,
  });
  const events: SourceEvent[] = [];
  const chunks: Chunk[] = [];
  source.subscribe((e) => {
    events.push(e);
    if (e.kind === 'chunk') chunks.push(e.chunk);
  });
  const cleanup = async () => {
    await source.release();
    await driver.close();
    await pair.stop();
  };
  return { pair, driver, source, events, chunks, cleanup };
}

/** A real protocol and its emulator on a fresh pty pair. */
async function protocolRig(protocol: SerialProtocol, emulator: DeviceEmulator): Promise<{ source: SerialSource; cleanup: () => Promise<void> }> {
  const n = pairNo++;
  const pair = new PtyPair(join(dir, `dev${n}`), join(dir, `emu${n}`));
  await pair.start();
  const driver = new EmulatorDriver(emulator, pair.emuPath);
  await driver.open();
  const source = new SerialSource({ id: `${protocol.name}${n}`, path: pair.devPath, protocol, clock: hostClock });
  return {
    source,
    cleanup: async () => {
      await source.release();
      await driver.close();
      await pair.stop();
    },
  };
}

afterAll(async () => {
  await PtyPair.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasSocat)('SerialSource over socat', () => {
  describeSourceConformance('SerialSource (line protocol over a socat pty)', async () => {
    const rig = await makeRig(200);
    return { source: rig.source, cleanup: rig.cleanup };
  });

  describeSourceConformance('SerialSource (OpenBCI Cyton emulator over a socat pty)', () => protocolRig(protocolFor('cyton', {}), new CytonEmulator()));

  describeSourceConformance('SerialSource (HiMoE framed protocol, device-stamped, over a socat pty)', () => protocolRig(protocolFor('himoe', {}), new HimoeFrameEmulator()));

  describeSourceConformance('SerialSource (text lines with counter and device timestamp columns over a socat pty)', () => {
    const options = { columns: [{ key: 'eda', unit: 'uS' }, { key: 'ecg', unit: 'mV' }], rateHz: 100, counterColumn: 0, timestampColumn: 1 };
    return protocolRig(protocolFor('text', { columns: 'eda:uS,ecg:mV', rate: '100', counter: '0', timestamp: '1' }), new TextEmulator(options));
  });

  it('streams at the device rate with consecutive counters and host timestamps on the session clock', async () => {
    const rig = await makeRig(250);
    try {
      const t0 = hostClock.nowSec();
      await rig.source.start();
      await sleep(1500);
      await rig.source.stop();
      const total = rig.chunks.reduce((s, c) => s + c.timestamps.length, 0);
      const last = rig.chunks[rig.chunks.length - 1];
      const spanSec = last.timestamps[last.timestamps.length - 1] - rig.chunks[0].timestamps[0];
      expect(total / spanSec).toBeGreaterThan(250 * 0.9);
      expect(total / spanSec).toBeLessThan(250 * 1.1);
      for (let i = 1; i < rig.chunks.length; i++) {
        const prev = rig.chunks[i - 1];
        expect(rig.chunks[i].firstIndex).toBe(prev.firstIndex + prev.timestamps.length);
      }
      expect(rig.chunks[0].timestamps[0]).toBeGreaterThan(t0);
      expect(last.timestamps[last.timestamps.length - 1]).toBeLessThanOrEqual(hostClock.nowSec());
      // back-dated within a chunk by exactly one sample period
      const big = rig.chunks.find((c) => c.timestamps.length >= 2)!;
      expect(big.timestamps[1] - big.timestamps[0]).toBeCloseTo(1 / 250, 9);
      // values decoded: channel b = (counter % 100) / 10
      expect(big.values[1]).toBeCloseTo((big.firstIndex % 100) / 10, 5);
    } finally {
      await rig.cleanup();
    }
  });

  it('uses device timestamps when the protocol gives them and reports the device-to-host clock offset', async () => {
    const rig = await makeRig(100, { deviceClockStartSec: 1000 });
    try {
      await rig.source.start();
      await sleep(1300);
      await rig.source.stop();
      const offsets = rig.events.flatMap((e) => (e.kind === 'clockOffset' ? [e.measurement] : []));
      expect(offsets.length).toBeGreaterThanOrEqual(2);
      const firstChunkAt = rig.events.findIndex((e) => e.kind === 'chunk');
      const firstOffsetAt = rig.events.findIndex((e) => e.kind === 'clockOffset');
      expect(firstOffsetAt).toBeLessThan(firstChunkAt);
      expect(rig.chunks[0].timestamps[0]).toBeGreaterThanOrEqual(1000);
      // session = device + offset: the mapped last sample time is close to when it arrived
      const m = offsets[offsets.length - 1];
      const mapped = rig.chunks[rig.chunks.length - 1].timestamps.at(-1)! + m.offsetSec;
      expect(Math.abs(mapped - hostClock.nowSec())).toBeLessThan(0.5);
    } finally {
      await rig.cleanup();
    }
  });

  it('on unplug goes disconnected with a typed error, then reconnects by itself with a counter jump over the outage', async () => {
    const rig = await makeRig(200);
    try {
      await rig.source.start();
      await waitFor(() => rig.chunks.length > 5, 3000);
      await rig.driver.close();
      await rig.pair.stop();
      const wentDown = await waitFor(() => rig.source.state === 'disconnected', 3000);
      const chunksAtUnplug = rig.chunks.length;
      await sleep(600);
      // the port returns: a new socat with the same link path, and a power-cycled device
      await rig.pair.start();
      rig.driver = new EmulatorDriver(new LineTestEmulator(200), rig.pair.emuPath);
      await rig.driver.open();
      const cameBack = await waitFor(() => rig.source.state === 'running' && rig.chunks.length > chunksAtUnplug + 5, 5000);
      await rig.source.stop();

      expect(wentDown).toBe(true);
      expect(cameBack).toBe(true);
      const err = rig.events.find((e) => e.kind === 'error');
      expect(err && err.kind === 'error' && err.error).toBeInstanceOf(SourceError);
      expect(err && err.kind === 'error' && err.error.code).toBe('DISCONNECTED');
      expect(rig.source.reconnects).toBe(1);
      const before = rig.chunks[chunksAtUnplug - 1];
      const after = rig.chunks[chunksAtUnplug];
      const expectedNext = before.firstIndex + before.timestamps.length;
      const outageSec = after.timestamps[0] - before.timestamps.at(-1)!;
      expect(outageSec).toBeGreaterThan(0.5);
      // the device restarted its counter at 0; ours jumps by the samples the outage lasted
      expect(after.firstIndex - expectedNext).toBeGreaterThan(0.8 * outageSec * 200);
      expect(after.firstIndex - expectedNext).toBeLessThan(1.2 * outageSec * 200);
    } finally {
      await rig.cleanup();
    }
  });

  it('maps a device-stamped stream correctly again soon after the device comes back with a restarted clock', async () => {
    const rig = await makeRig(100, { deviceClockStartSec: 1000, clockOffsetIntervalSec: 5 });
    const engine = new SessionEngine({ clock: hostClock });
    engine.addSource(rig.source);
    const lastSessionTime: number[] = [];
    engine.subscribe((e) => {
      if (e.kind === 'chunk') lastSessionTime.push(e.chunk.timestampsSec[e.chunk.timestampsSec.length - 1] - hostClock.nowSec());
    });
    try {
      await engine.start();
      await sleep(800);
      await rig.driver.close();
      await rig.pair.stop();
      await waitFor(() => rig.source.state === 'disconnected', 3000);
      await rig.pair.start();
      rig.driver = new EmulatorDriver(new LineTestEmulator(100, 5), rig.pair.emuPath); // device clock now starts at 5 s
      await rig.driver.open();
      await waitFor(() => rig.source.state === 'running', 5000);
      const n = lastSessionTime.length;
      await sleep(1500);
      await engine.stop();
      // after the quick re-measurements, chunks land on the session clock near their arrival
      const late = lastSessionTime.slice(n).slice(-20);
      expect(late.length).toBeGreaterThan(5);
      for (const lag of late) expect(Math.abs(lag)).toBeLessThan(0.25);
    } finally {
      await engine.release();
      await rig.cleanup();
    }
  });

  it('keeps retrying a port that does not exist yet and starts streaming when it appears', async () => {
    const n = pairNo++;
    const pair = new PtyPair(join(dir, `late-dev${n}`), join(dir, `late-emu${n}`));
    const source = new SerialSource({
      id: 'late',
      path: pair.devPath,
      protocol: new LineTestProtocol(100),
      clock: hostClock,
      reconnect: { initialDelayMs: 50, maxDelayMs: 100 },
    });
    const events: SourceEvent[] = [];
    source.subscribe((e) => events.push(e));
    let driver: EmulatorDriver | null = null;
    try {
      await source.start();
      expect(source.state).toBe('disconnected');
      await pair.start();
      driver = new EmulatorDriver(new LineTestEmulator(100), pair.emuPath);
      await driver.open();
      const ok = await waitFor(() => events.some((e) => e.kind === 'chunk'), 4000);
      expect(ok).toBe(true);
      expect(source.state).toBe('running');
      const codes = events.flatMap((e) => (e.kind === 'error' ? [e.error.code] : []));
      // One report while the path is missing, not one per retry.
      expect(codes[0], `error codes: ${codes.join(', ')}`).toBe('PORT_OPEN_FAILED');
      expect(codes.filter((c) => c === 'PORT_OPEN_FAILED'), `error codes: ${codes.join(', ')}`).toHaveLength(1);
      // On a loaded machine the source can open the pty before the emulator has opened its side
      // and go silent past the data timeout (DISCONNECTED) or fail the start command
      // (WRITE_FAILED) before it recovers: a legitimate sequence, unlike any other error or any
      // error after data has begun to flow.
      const firstChunk = events.findIndex((e) => e.kind === 'chunk');
      const late = events.slice(firstChunk).flatMap((e) => (e.kind === 'error' ? [e.error.code] : []));
      expect(late, `error codes: ${codes.join(', ')}`).toEqual([]);
      expect(codes.slice(1).every((c) => c === 'DISCONNECTED' || c === 'WRITE_FAILED'), `error codes: ${codes.join(', ')}`).toBe(true);
    } finally {
      await source.release();
      await driver?.close();
      await pair.stop();
    }
  });
});
