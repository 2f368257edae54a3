// SyntheticSession: determinism (same seed, same bytes), agreement with the batch renderer,
// pacing (fast slices that leave the event loop free, real time at the nominal rate), the
// end of a finite session, pausing, and clean release.

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { renderRecording } from '../../../../src-main/acquisition/synthetic/physiology.js';
import { SyntheticSession, type SyntheticConfig } from '../../../../src-main/acquisition/synthetic/synthetic-session.js';
import type { Chunk } from '../../../../src-main/core/streams/types.js';
import { assemble, listen, runSession } from './signal-checks.js';

/** Byte equality of two typed arrays (fast, unlike a deep toEqual over 10^5 elements). */
function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const imperfect = (seed: number): SyntheticConfig => ({
  seed,
  modalities: ['EEG', 'ECG', 'EDA', 'PPG', 'RESP'],
  durationSec: 60,
  pacing: 'fast',
  devices: {
    eeg: { packetLossProb: 0.05, packetSamples: 8, jitterSec: 0.0005 },
    ppg: { dropouts: [{ startSec: 10, durationSec: 3 }] },
  },
});

/** Digest of everything the sources emitted, in order. */
function digest(events: ReturnType<typeof listen>['events']): string {
  const h = createHash('sha256');
  for (const { sourceId, event } of events) {
    h.update(sourceId);
    h.update(event.kind);
    if (event.kind === 'chunk') {
      const c = event.chunk;
      h.update(`${c.streamId}:${c.firstIndex}`);
      h.update(Array.isArray(c.values) ? c.values.join('\n') : new Uint8Array(c.values.buffer, c.values.byteOffset, c.values.byteLength));
      h.update(new Uint8Array(c.timestamps.buffer, c.timestamps.byteOffset, c.timestamps.byteLength));
    } else if (event.kind === 'clockOffset') {
      h.update(`${event.measurement.collectionTimeSec}:${event.measurement.offsetSec}`);
    } else if (event.kind === 'state') {
      h.update(event.state);
    }
  }
  return h.digest('hex');
}

function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of process.getActiveResourcesInfo()) counts.set(name, (counts.get(name) ?? 0) + 1);
  return counts;
}

describe('SyntheticSession determinism', () => {
  it('emits the same bytes for the same seed, and a different subject for a different seed', async () => {
    const a = await runSession(imperfect(42));
    const b = await runSession(imperfect(42));
    const c = await runSession(imperfect(43));
    expect(a.events.length).toBeGreaterThan(1000);
    expect(digest(b.events)).toBe(digest(a.events));
    expect(digest(c.events)).not.toBe(digest(a.events));
    expect(c.session.subject.hrBaseBpm).not.toBe(a.session.subject.hrBaseBpm);
    expect(c.session.subject.alphaFreqHz).not.toBe(a.session.subject.alphaFreqHz);
    expect(c.session.stimulusSchedule(60)).not.toEqual(a.session.stimulusSchedule(60));
  });

  it('emits the same values and timestamps whatever the chunk length', async () => {
    const base: SyntheticConfig = { seed: 8, modalities: ['EEG', 'ECG', 'EDA'], durationSec: 30, pacing: 'fast' };
    const a = await runSession({ ...base, chunkSec: 0.1 });
    const b = await runSession({ ...base, chunkSec: 0.37 });
    for (const [id, ch] of [
      ['synthetic:eeg', 32],
      ['synthetic:ecg', 1],
      ['synthetic:eda', 1],
      ['synthetic:ground-truth', 2],
    ] as const) {
      const ca = a.streams.get(id) ?? [];
      const cb = b.streams.get(id) ?? [];
      expect(cb.length).toBeLessThan(ca.length);
      expect(assemble(cb, ch).values.length).toBeGreaterThan(0);
      expect(sameBytes(assemble(cb, ch).values, assemble(ca, ch).values), id).toBe(true);
      const ts = (chunks: Chunk[]) => Float64Array.from(chunks.flatMap((c) => [...c.timestamps]));
      expect(sameBytes(ts(cb), ts(ca)), id).toBe(true);
    }
  });

  it('emits exactly the signals renderRecording() produces in batch for the same seed', async () => {
    const live = await runSession({ seed: 21, modalities: ['EEG', 'ECG', 'EDA', 'PPG', 'RESP'], durationSec: 45, pacing: 'fast' });
    const batch = renderRecording({ seed: 21, modalities: ['EEG', 'ECG', 'EDA', 'PPG', 'RESP'], durationSec: 45 });
    for (const key of ['eeg', 'ecg', 'eda', 'ppg', 'resp'] as const) {
      const sig = batch.signals[key];
      expect(sig).toBeDefined();
      if (!sig) continue;
      const emitted = assemble(live.streams.get(`synthetic:${key}`) ?? [], sig.channels.length).values;
      expect(emitted.length).toBe(sig.values.length);
      expect(sameBytes(emitted, sig.values), key).toBe(true);
    }
    expect(sameBytes(assemble(live.streams.get('synthetic:ground-truth') ?? [], 2).values, batch.groundTruth.values)).toBe(true);
    expect(batch.events.rPeaksSec.length).toBeGreaterThan(45);
  });
});

describe('SyntheticSession pacing and lifecycle', () => {
  it('ends a finite session: every source reports stopped, done resolves, the virtual clock sits at the duration', async () => {
    const r = await runSession({ seed: 3, modalities: ['EEG', 'EDA'], durationSec: 12.34, pacing: 'fast' });
    expect(r.session.clock.nowSec()).toBeCloseTo(12.34, 9);
    for (const s of r.session.sources) expect(r.states.get(s.id)).toEqual(['running', 'stopped', 'released']);
    expect(assemble(r.streams.get('synthetic:eeg') ?? [], 32).sampleCount).toBe(Math.ceil(12.34 * 256));
    expect(assemble(r.streams.get('synthetic:eda') ?? [], 1).sampleCount).toBe(Math.ceil(12.34 * 32));
    const late = r.session.sources[0];
    expect(late.state).toBe('released');
  });

  it('keeps a source that is started after the end in state stopped', async () => {
    const session = new SyntheticSession({ seed: 3, modalities: ['ECG'], durationSec: 1, pacing: 'fast' });
    const [ecg, stim] = session.sources;
    await ecg.start();
    await session.done;
    await stim.start();
    expect(stim.state).toBe('stopped');
    await Promise.all(session.sources.map((s) => s.release()));
  });

  it('in fast pacing yields to the event loop often, so timers (e.g. the recorder fsync) keep running', async () => {
    const session = new SyntheticSession({ seed: 1, modalities: ['EEG', 'ECG', 'EDA', 'PPG', 'RESP'], durationSec: 300, pacing: 'fast' });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 2);
    const t0 = performance.now();
    await Promise.all(session.sources.map((s) => s.start()));
    await session.done;
    const wallMs = performance.now() - t0;
    clearInterval(timer);
    await Promise.all(session.sources.map((s) => s.release()));
    // A 2 ms timer gets a turn every few ms of generation (loose bound: the machine is shared).
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(wallMs / 40));
    expect(ticks).toBeGreaterThan(3);
  });

  it('advances the world only while a source runs, and resumes with counters where they stopped', async () => {
    const session = new SyntheticSession({ seed: 6, modalities: ['ECG'], durationSec: 40, pacing: 'fast' });
    const c = listen(session.sources);
    const [ecg] = session.sources;
    let stoppedAt = -1;
    ecg.subscribe((e) => {
      if (e.kind === 'chunk' && stoppedAt < 0 && session.clock.nowSec() >= 10) {
        stoppedAt = session.clock.nowSec();
        void Promise.all(session.sources.map((s) => s.stop()));
      }
    });
    await Promise.all(session.sources.map((s) => s.start()));
    await sleep(100);
    expect(stoppedAt).toBeGreaterThanOrEqual(10);
    expect(session.clock.nowSec()).toBe(stoppedAt);
    await sleep(50);
    expect(session.clock.nowSec()).toBe(stoppedAt);
    await Promise.all(session.sources.map((s) => s.start()));
    await session.done;
    const chunks = c.streams.get('synthetic:ecg') ?? [];
    for (let i = 1; i < chunks.length; i++) expect(chunks[i].firstIndex).toBe(chunks[i - 1].firstIndex + chunks[i - 1].timestamps.length);
    expect(assemble(chunks, 1).sampleCount).toBe(40 * 256);
    expect(c.states.get('synthetic-ecg')).toEqual(['running', 'stopped', 'running', 'stopped']);
    await Promise.all(session.sources.map((s) => s.release()));
  });

  it('in realtime pacing emits at the nominal rate on the host clock (about 1 s)', async () => {
    const session = new SyntheticSession({
      seed: 2,
      modalities: ['ECG', 'EDA'],
      pacing: 'realtime',
      devices: { ecg: { offsetSec: 0, driftPpm: 0, jitterSec: 0 } },
    });
    expect(Math.abs(session.clock.nowSec() - performance.now() / 1000)).toBeLessThan(0.01);
    const c = listen(session.sources);
    const arrivals: number[] = [];
    session.sources[0].subscribe((e) => {
      if (e.kind === 'chunk') arrivals.push(performance.now());
    });
    const t0 = performance.now();
    await Promise.all(session.sources.map((s) => s.start()));
    await sleep(1000);
    const elapsedSec = (performance.now() - t0) / 1000;
    const nowSec = performance.now() / 1000;
    await Promise.all(session.sources.map((s) => s.stop()));
    const ecg = c.streams.get('synthetic:ecg') ?? [];
    const eda = c.streams.get('synthetic:eda') ?? [];
    const ecgSamples = ecg.reduce((n, ch) => n + ch.timestamps.length, 0);
    const edaSamples = eda.reduce((n, ch) => n + ch.timestamps.length, 0);
    // At most ~two chunks (0.2 s) behind the host clock, never ahead of it.
    expect(ecgSamples).toBeLessThanOrEqual(Math.ceil(256 * elapsedSec) + 1);
    expect(ecgSamples).toBeGreaterThanOrEqual(Math.floor(256 * (elapsedSec - 0.25)));
    expect(edaSamples).toBeGreaterThanOrEqual(Math.floor(32 * (elapsedSec - 0.25)));
    // Chunks arrive spread over the second, not in one burst.
    expect(arrivals.length).toBeGreaterThanOrEqual(7);
    expect(arrivals[arrivals.length - 1] - arrivals[0]).toBeGreaterThan(600);
    // Timestamps are on the host monotonic clock (this device: no offset, drift or jitter).
    const last = ecg[ecg.length - 1];
    const lastTs = last.timestamps[last.timestamps.length - 1];
    expect(lastTs).toBeLessThanOrEqual(nowSec);
    expect(lastTs).toBeGreaterThan(nowSec - 0.3);
    await Promise.all(session.sources.map((s) => s.release()));
  });

  it('in realtime pacing delivers 10 ms chunks as soon as their last sample is due', async () => {
    const session = new SyntheticSession({ seed: 3, modalities: ['ECG'], pacing: 'realtime', devices: { ecg: { offsetSec: 0, driftPpm: 0, jitterSec: 0 } } });
    expect(session.config.chunkSec).toBe(0.01);
    const sizes: number[] = [];
    const lagsSec: number[] = [];
    session.sources[0].subscribe((e) => {
      if (e.kind !== 'chunk') return;
      sizes.push(e.chunk.timestamps.length);
      // Never before its newest sample is due; the step may end up to one sample period after it.
      lagsSec.push(performance.now() / 1000 - e.chunk.timestamps[e.chunk.timestamps.length - 1]);
    });
    await Promise.all(session.sources.map((s) => s.start()));
    await sleep(600);
    await Promise.all(session.sources.map((s) => s.release()));
    const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    expect(sizes.length).toBeGreaterThan(10);
    expect(mid(sizes)).toBeLessThanOrEqual(3);
    expect(Math.min(...lagsSec)).toBeGreaterThanOrEqual(0);
    expect(mid(lagsSec)).toBeLessThan(0.02);
  });

  it('resolves done and leaves no timers or immediates once every source is released mid-run', async () => {
    const before = activeResources();
    for (const pacing of ['fast', 'realtime'] as const) {
      const session = new SyntheticSession({ seed: 1, modalities: ['EEG', 'ECG'], pacing });
      await Promise.all(session.sources.map((s) => s.start()));
      // Mid-run: wait until the world has advanced (a loaded machine may take a while to tick).
      for (let waited = 0; session.simulatedSec === 0 && waited < 5000; waited += 20) await sleep(20);
      expect(session.simulatedSec).toBeGreaterThan(0);
      await Promise.all(session.sources.map((s) => s.release()));
      await session.done;
    }
    await sleep(20);
    const after = activeResources();
    for (const [type, n] of after) expect(n, `${type} left behind`).toBeLessThanOrEqual(before.get(type) ?? 0);
  });
});
