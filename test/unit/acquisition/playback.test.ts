// Playback of recorded XDF sessions as live sources: conformance, pacing at a speed factor,
// original vs re-based timestamps, re-emitted clock offsets, counter jumps over recorded gaps,
// and a record -> replay -> record round trip that preserves samples and synchronised times.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlaybackSession } from '../../../src-main/acquisition/playback/index.js';
import { SyntheticSession } from '../../../src-main/acquisition/synthetic/synthetic-session.js';
import type { SourceEvent } from '../../../src-main/core/streams/source.js';
import type { Chunk } from '../../../src-main/core/streams/types.js';
import { main } from '../../../src-main/cli/main.js';
import { SessionEngine } from '../../../src-main/engine/session-engine.js';
import { readXdf, XdfWriter } from '../../../src-main/storage/xdf/index.js';
import { describeSourceConformance } from './source-conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'himoe-playback-'));
const recording = join(dir, 'session.xdf');
const RECORD_SEC = 12;

beforeAll(async () => {
  const session = new SyntheticSession({ seed: 7, modalities: ['ECG', 'EDA'], durationSec: RECORD_SEC, pacing: 'fast' });
  const engine = new SessionEngine({ clock: session.clock });
  for (const s of session.sources) engine.addSource(s);
  await engine.start({ recordPath: recording });
  await session.done;
  await engine.release();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function collect(session: PlaybackSession): { events: SourceEvent[]; chunks: Chunk[] } {
  const events: SourceEvent[] = [];
  const chunks: Chunk[] = [];
  for (const s of session.sources) {
    s.subscribe((e) => {
      events.push(e);
      if (e.kind === 'chunk') chunks.push(e.chunk);
    });
  }
  return { events, chunks };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeSourceConformance('PlaybackSession source (ECG device of a synthetic recording)', async () => {
  const session = await PlaybackSession.open(recording, { speed: 2 });
  const source = session.sources.find((s) => s.id === 'playback:synthetic-ecg')!;
  return { source, cleanup: async () => Promise.all(session.sources.map((s) => s.release())).then(() => undefined) };
});

describe('PlaybackSession', () => {
  it('groups recorded streams by device: one source per recorded source id, streams renamed under the prefix', async () => {
    const session = await PlaybackSession.open(recording);
    const ids = session.sources.map((s) => s.id).sort();
    expect(ids).toEqual(['playback:synthetic-ecg', 'playback:synthetic-eda', 'playback:synthetic-stimulus']);
    const ecg = session.sources.find((s) => s.id === 'playback:synthetic-ecg')!;
    expect(ecg.streams.map((s) => s.id)).toEqual(['playback:synthetic:ecg']);
    expect(ecg.streams[0].nominalRateHz).toBe(256);
    expect(ecg.streams[0].desc?.playbackStreamId).toBe('synthetic:ecg');
    expect(session.durationSec).toBeGreaterThan(RECORD_SEC - 0.5);
  });

  it('paces the replay at the speed factor', async () => {
    const session = await PlaybackSession.open(recording, { speed: 8 });
    const { chunks } = collect(session);
    const eda = session.sources.find((s) => s.id === 'playback:synthetic-eda')!;
    await eda.start();
    await sleep(500);
    await eda.stop();
    const samples = chunks.reduce((n, c) => n + c.timestamps.length, 0);
    // 0.5 s wall at 8x = 4 s of a 32 Hz stream = 128 samples (timer slack allowed)
    expect(samples).toBeGreaterThan(0.75 * 128);
    expect(samples).toBeLessThan(1.25 * 128 + 32);
    await eda.release();
  });

  it('replays original timestamps and the recorded clock offsets unchanged', async () => {
    const raw = await readXdf(recording, { synchronizeClocks: false, dejitter: false });
    const rec = raw.streams.find((s) => s.info.desc?.himoe_stream_id === 'synthetic:eda')!;
    const session = await PlaybackSession.open(recording, { speed: 1000, timestamps: 'original' });
    const { events, chunks } = collect(session);
    for (const s of session.sources) await s.start();
    await session.done;
    const eda = chunks.filter((c) => c.streamId === 'playback:synthetic:eda');
    const ts = Float64Array.from(eda.flatMap((c) => [...c.timestamps]));
    expect(ts.length).toBe(rec.timestamps.length);
    expect(ts[0]).toBe(rec.timestamps[0]);
    expect(ts[ts.length - 1]).toBe(rec.timestamps[rec.timestamps.length - 1]);
    const offsets = events.flatMap((e) => (e.kind === 'clockOffset' && e.measurement.sourceId === 'playback:synthetic-eda' ? [e.measurement] : []));
    expect(offsets.length).toBe(rec.clockOffsets.values.length);
    expect(offsets[0].offsetSec).toBe(rec.clockOffsets.values[0]);
    expect(offsets[0].collectionTimeSec - offsets[0].offsetSec).toBeCloseTo(rec.clockOffsets.times[0], 9);
    expect(session.sources.every((s) => s.state === 'stopped')).toBe(true);
  });

  it('re-bases timestamps so the recording starts when playback starts on the host clock', async () => {
    const raw = await readXdf(recording, { synchronizeClocks: false, dejitter: false });
    const rec = raw.streams.find((s) => s.info.desc?.himoe_stream_id === 'synthetic:ecg')!;
    const session = await PlaybackSession.open(recording, { speed: 1, timestamps: 'rebased' });
    const { events, chunks } = collect(session);
    const ecg = session.sources.find((s) => s.id === 'playback:synthetic-ecg')!;
    const hostAtStart = performance.now() / 1000;
    await ecg.start();
    await sleep(300);
    await ecg.stop();
    const first = chunks[0];
    const off = events.find((e) => e.kind === 'clockOffset');
    expect(off && off.kind === 'clockOffset').toBe(true);
    if (!off || off.kind !== 'clockOffset') return;
    // constant shift of the raw times; mapped to the session clock it lands near the start
    const shift = first.timestamps[0] - rec.timestamps[0];
    expect(first.timestamps[first.timestamps.length - 1] - rec.timestamps[first.timestamps.length - 1]).toBeCloseTo(shift, 9);
    const sessionFirst = first.timestamps[0] + off.measurement.offsetSec;
    expect(Math.abs(sessionFirst - hostAtStart)).toBeLessThan(0.3);
    await ecg.release();
  });

  it('jumps the sample counter over a gap in the recording', async () => {
    const path = join(dir, 'gap.xdf');
    const w = await XdfWriter.create(path);
    const info = { id: 'dev:eda', name: 'EDA', type: 'EDA', channels: [{ label: 'EDA', unit: 'microsiemens' }], channelFormat: 'float32' as const, nominalRateHz: 10, sourceId: 'dev' };
    const id = w.addStream(info);
    const ts = new Float64Array(40);
    for (let i = 0; i < 20; i++) ts[i] = 100 + i / 10;
    for (let i = 20; i < 40; i++) ts[i] = 100 + (i + 30) / 10; // 30 samples (3 s) missing
    w.appendChunk(id, { streamId: info.id, values: new Float32Array(40).fill(1), timestamps: ts, firstIndex: 0 });
    await w.close();
    const session = await PlaybackSession.open(path, { speed: 1000, timestamps: 'original' });
    const { chunks } = collect(session);
    await session.sources[0].start();
    await session.done;
    const starts = chunks.map((c) => c.firstIndex);
    const after = chunks.find((c) => c.timestamps[0] >= 100 + 50 / 10 - 1e-9)!;
    expect(after.firstIndex).toBe(50);
    expect(starts[0]).toBe(0);
  });

  it('round-trips: a replay recorded again gives the same samples at the same synchronised times', async () => {
    const session = await PlaybackSession.open(recording, { speed: 500, timestamps: 'original' });
    const engine = new SessionEngine({ clock: session.clock });
    for (const s of session.sources) engine.addSource(s);
    const copy = join(dir, 'copy.xdf');
    await engine.start({ recordPath: copy });
    await session.done;
    await engine.release();
    const a = await readXdf(recording);
    const b = await readXdf(copy);
    for (const key of ['synthetic:ecg', 'synthetic:eda']) {
      const sa = a.streams.find((s) => s.info.desc?.himoe_stream_id === key)!;
      const sb = b.streams.find((s) => s.info.desc?.himoe_stream_id === `playback:${key}`)!;
      expect(sb.timestamps.length).toBe(sa.timestamps.length);
      expect(Array.from(sb.timeSeries.slice(0, 50) as Float32Array)).toEqual(Array.from(sa.timeSeries.slice(0, 50) as Float32Array));
      let maxErr = 0;
      for (let i = 0; i < sa.timestamps.length; i++) maxErr = Math.max(maxErr, Math.abs(sa.timestamps[i] - sb.timestamps[i]));
      expect(maxErr).toBeLessThan(1e-6);
    }
  });

  it('himoe record --source playback:FILE:speed=N records the replay until the file ends', async () => {
    const out = join(dir, 'cli-replay.xdf');
    let stdout = '';
    let stderr = '';
    const code = await main(['record', '--source', `playback:${recording}:speed=200`, '--out', out, '--json'], {
      stdout: (t) => (stdout += t),
      stderr: { write: (t: string) => (stderr += t) },
    });
    expect(code, stderr).toBe(0);
    const summary = JSON.parse(stdout) as { durationSec: number; streams: Array<{ id: string; samples: number }> };
    expect(summary.durationSec).toBeGreaterThan(RECORD_SEC - 0.5);
    expect(summary.durationSec).toBeLessThan(RECORD_SEC + 0.5);
    const original = await readXdf(recording);
    const ecg = original.streams.find((s) => s.info.desc?.himoe_stream_id === 'synthetic:ecg')!;
    expect(summary.streams.find((s) => s.id === 'playback:synthetic:ecg')?.samples).toBe(ecg.timestamps.length);
  });
});
