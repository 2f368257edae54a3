// A Cyton (TypeScript emulator) on a real serial link (socat pty pair) beside a synthetic EDA
// device in one SessionEngine: streaming at the device rate, unplug -> 'disconnected' while the
// other stream goes on, automatic reconnect, and one XDF with both streams, the gap and clock
// offsets. Also `himoe record` with two --source flags.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HOST_CLOCK } from '../../src-main/acquisition/source-spec.js';
import { CytonEmulator } from '../../src-main/acquisition/serial/cyton/emulator.js';
import { protocolFor } from '../../src-main/acquisition/serial/registry.js';
import { SerialSource } from '../../src-main/acquisition/serial/serial-source.js';
import { SyntheticSession } from '../../src-main/acquisition/synthetic/synthetic-session.js';
import { main } from '../../src-main/cli/main.js';
import type { Gap } from '../../src-main/core/streams/gap-detector.js';
import { SessionEngine, type EngineEvent } from '../../src-main/engine/session-engine.js';
import { readXdf } from '../../src-main/storage/xdf/index.js';
import { EmulatorDriver, PtyPair, requireSocat, sleep, waitFor } from './serial-harness.js';

const hasSocat = requireSocat('serial integration tests (Cyton over a socat pty + engine + XDF)');
const dir = mkdtempSync(join(tmpdir(), 'himoe-serial-int-'));

afterAll(async () => {
  await PtyPair.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasSocat)('serial devices in a session (socat)', () => {
  it('keeps the other device streaming through an unplug, reconnects by itself, and records both streams with the gap', async () => {
    const pair = new PtyPair(join(dir, 'cyton-dev'), join(dir, 'cyton-emu'));
    await pair.start();
    let driver = new EmulatorDriver(new CytonEmulator(), pair.emuPath);
    await driver.open();
    const cyton = new SerialSource({
      id: 'cyton-lab',
      path: pair.devPath,
      protocol: protocolFor('cyton', { accel: 'false' }),
      clock: HOST_CLOCK,
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
      dataTimeoutSec: 0.5,
    });
    const synthetic = new SyntheticSession({ seed: 2, modalities: ['EDA'], pacing: 'realtime' });
    const engine = new SessionEngine({ clock: HOST_CLOCK });
    engine.addSource(cyton);
    for (const s of synthetic.sources) engine.addSource(s);
    const events: Array<EngineEvent & { atSec: number }> = [];
    engine.subscribe((e) => events.push({ ...e, atSec: HOST_CLOCK.nowSec() }));
    const xdfPath = join(dir, 'two-devices.xdf');
    const samples = (id: string) => events.reduce((n, e) => n + (e.kind === 'chunk' && e.chunk.streamId === id ? e.chunk.timestampsSec.length : 0), 0);

    try {
      await engine.start({ recordPath: xdfPath });
      const t0 = HOST_CLOCK.nowSec();
      await sleep(1500);
      const rateHz = samples('cyton-lab:eeg') / (HOST_CLOCK.nowSec() - t0);

      // unplug: the link disappears
      await driver.close();
      await pair.stop();
      const down = await waitFor(() => cyton.state === 'disconnected', 3000);
      const edaAtUnplug = samples('synthetic:eda');
      await sleep(1000);
      const edaDuringOutage = samples('synthetic:eda') - edaAtUnplug;

      // the port returns at the same path with a freshly powered device
      await pair.start();
      driver = new EmulatorDriver(new CytonEmulator(), pair.emuPath);
      await driver.open();
      const cytonBefore = samples('cyton-lab:eeg');
      const back = await waitFor(() => cyton.state === 'running' && samples('cyton-lab:eeg') > cytonBefore + 100, 5000);
      await engine.release();

      expect(rateHz).toBeGreaterThan(250 * 0.85);
      expect(rateHz).toBeLessThan(250 * 1.15);
      expect(down).toBe(true);
      expect(events.some((e) => e.kind === 'sourceState' && e.sourceId === 'cyton-lab' && e.state === 'disconnected')).toBe(true);
      expect(events.some((e) => e.kind === 'sourceError' && e.sourceId === 'cyton-lab' && e.error.code === 'DISCONNECTED')).toBe(true);
      expect(edaDuringOutage).toBeGreaterThan(32 * 1.0 * 0.7); // 32 Hz EDA went on for ~1 s
      expect(back).toBe(true);
      const gapEvents = events.filter((e): e is Extract<EngineEvent, { kind: 'gap' }> & { atSec: number } => e.kind === 'gap' && e.streamId === 'cyton-lab:eeg');
      expect(gapEvents.length).toBeGreaterThanOrEqual(1);
      const gap: Gap = gapEvents[0].gap;
      const outageSec = gap.afterTimeSec - gap.beforeTimeSec;
      expect(outageSec).toBeGreaterThan(1);
      expect(gap.missingCount / 250).toBeCloseTo(outageSec, 0);

      const xdf = await readXdf(xdfPath, { synchronizeClocks: false, dejitter: false });
      const eeg = xdf.streams.find((s) => s.info.desc?.himoe_stream_id === 'cyton-lab:eeg')!;
      const eda = xdf.streams.find((s) => s.info.desc?.himoe_stream_id === 'synthetic:eda')!;
      expect(eeg.channelCount).toBe(8);
      expect(eda.timestamps.length).toBeGreaterThan(0);
      expect(eeg.clockOffsets.values.length).toBeGreaterThan(0);
      let maxStep = 0;
      for (let i = 1; i < eeg.timestamps.length; i++) maxStep = Math.max(maxStep, eeg.timestamps[i] - eeg.timestamps[i - 1]);
      expect(maxStep).toBeGreaterThan(1);
    } finally {
      await engine.release();
      await driver.close();
      await pair.stop();
    }
  });

  it('himoe record takes several --source flags and writes every stream into one XDF', async () => {
    const pair = new PtyPair(join(dir, 'cli-dev'), join(dir, 'cli-emu'));
    await pair.start();
    const driver = new EmulatorDriver(new CytonEmulator(), pair.emuPath);
    await driver.open();
    const out: string[] = [];
    const err: string[] = [];
    const xdfPath = join(dir, 'cli.xdf');
    try {
      const code = await main(['record', '--source', `cyton:${pair.devPath}`, '--source', 'synthetic:eda', '--duration', '1.5', '--out', xdfPath, '--json'], {
        stdout: (t) => out.push(t),
        stderr: { write: (t: string) => err.push(t) },
      });
      expect(code, err.join('')).toBe(0);
      const summary = JSON.parse(out.join('')) as { streams: Array<{ id: string; samples: number }> };
      const ids = summary.streams.map((s) => s.id);
      expect(ids).toEqual(expect.arrayContaining(['cyton-cli-dev:eeg', 'cyton-cli-dev:accel', 'synthetic:eda']));
      expect(summary.streams.find((s) => s.id === 'cyton-cli-dev:eeg')!.samples).toBeGreaterThan(250);
      const xdf = await readXdf(xdfPath);
      const recorded = xdf.streams.map((s) => s.info.desc?.himoe_stream_id);
      expect(recorded).toEqual(expect.arrayContaining(['cyton-cli-dev:eeg', 'synthetic:eda']));
      for (const id of ['cyton-cli-dev:eeg', 'cyton-cli-dev:accel', 'synthetic:eda']) {
        expect(xdf.streams.find((s) => s.info.desc?.himoe_stream_id === id)!.clockOffsets.values.length, `${id} has clock offsets`).toBeGreaterThan(0);
      }
    } finally {
      await driver.close();
      await pair.stop();
    }
  });
});
