// Simulated devices of the synthetic source: timestamps on each device's own clock (offset,
// drift, jitter), LSL-style clock-offset measurements that match that clock, lost packets and
// dropout episodes visible as sample-counter jumps, and the stimulus source on the session clock.

import { describe, expect, it } from 'vitest';
import type { Chunk } from '../../../../src-main/core/streams/types.js';
import { SyntheticSession } from '../../../../src-main/acquisition/synthetic/synthetic-session.js';
import { assemble, listen, runSession } from './signal-checks.js';

function allTimestamps(chunks: Chunk[]): { index: number[]; time: number[] } {
  const index: number[] = [];
  const time: number[] = [];
  for (const c of chunks) {
    for (let i = 0; i < c.timestamps.length; i++) {
      index.push(c.firstIndex + i);
      time.push(c.timestamps[i]);
    }
  }
  return { index, time };
}

describe('synthetic device clocks', () => {
  it('stamps sample n at (n / rate) * (1 + drift) + offset on the device clock when jitter is off', async () => {
    const r = await runSession({
      seed: 5,
      modalities: ['ECG', 'EDA'],
      durationSec: 120,
      pacing: 'fast',
      devices: { ecg: { offsetSec: 12.5, driftPpm: 50, jitterSec: 0 }, eda: { offsetSec: -3, driftPpm: -40, jitterSec: 0 } },
    });
    for (const [id, rate, offset, ppm] of [
      ['synthetic:ecg', 256, 12.5, 50],
      ['synthetic:eda', 32, -3, -40],
    ] as const) {
      const { index, time } = allTimestamps(r.streams.get(id) ?? []);
      expect(index.length).toBe(120 * rate);
      for (let k = 0; k < index.length; k++) {
        expect(Math.abs(time[k] - ((index[k] / rate) * (1 + ppm * 1e-6) + offset))).toBeLessThan(1e-9);
      }
      // 50 ppm over 120 s is 6 ms: the drift is really in the stamps.
      const last = index.length - 1;
      expect(time[last] - time[0] - index[last] / rate).toBeCloseTo((index[last] / rate) * ppm * 1e-6, 9);
    }
  });

  it('adds Gaussian jitter with the configured SD around the drifting clock', async () => {
    const r = await runSession({ seed: 5, modalities: ['ECG'], durationSec: 60, pacing: 'fast', devices: { ecg: { offsetSec: 0, driftPpm: 20, jitterSec: 0.001 } } });
    const { index, time } = allTimestamps(r.streams.get('synthetic:ecg') ?? []);
    let sumSq = 0;
    let sum = 0;
    for (let k = 0; k < index.length; k++) {
      const residual = time[k] - (index[k] / 256) * (1 + 20e-6);
      sum += residual;
      sumSq += residual * residual;
    }
    const m = sum / index.length;
    const sd = Math.sqrt(sumSq / index.length - m * m);
    expect(Math.abs(m)).toBeLessThan(0.0001);
    expect(sd).toBeGreaterThan(0.0009);
    expect(sd).toBeLessThan(0.0011);
  });

  it('measures clock offsets about every 5 s that match sessionTime - deviceTime within 1 ms', async () => {
    const offsetSec = 0.75;
    const ppm = -35;
    const r = await runSession({ seed: 9, modalities: ['EEG'], durationSec: 300, pacing: 'fast', devices: { eeg: { offsetSec, driftPpm: ppm } } });
    const m = r.offsets.get('synthetic-eeg') ?? [];
    expect(m.length).toBeGreaterThanOrEqual(60);
    expect(m.length).toBeLessThanOrEqual(62);
    for (const x of m) {
      expect(x.sourceId).toBe('synthetic-eeg');
      const expected = x.collectionTimeSec - (x.collectionTimeSec * (1 + ppm * 1e-6) + offsetSec);
      expect(Math.abs(x.offsetSec - expected)).toBeLessThan(0.001);
    }
    const spacing = m.slice(2).map((x, i) => x.collectionTimeSec - m[i + 1].collectionTimeSec);
    for (const s of spacing) expect(s).toBeCloseTo(5, 6);
    // The measured offsets carry the drift: over 300 s, 35 ppm moves the offset by 10.5 ms.
    const spanSec = m[m.length - 1].collectionTimeSec - m[0].collectionTimeSec;
    expect(m[0].offsetSec - m[m.length - 1].offsetSec).toBeCloseTo(spanSec * ppm * 1e-6, 3);
  });

  it('measures the clock offset as soon as a late-started device source starts, before its first chunk', async () => {
    const session = new SyntheticSession({ seed: 9, modalities: ['ECG', 'EDA'], durationSec: 30, pacing: 'fast' });
    const [ecg, eda] = session.sources;
    const c = listen([eda]);
    let startedAt = -1;
    ecg.subscribe((e) => {
      if (e.kind === 'chunk' && startedAt < 0 && session.clock.nowSec() >= 12.2) {
        startedAt = session.clock.nowSec();
        void eda.start();
      }
    });
    await ecg.start();
    await session.done;
    const first = c.events.find((e) => e.event.kind === 'clockOffset' || e.event.kind === 'chunk');
    expect(first?.event.kind).toBe('clockOffset');
    const m = c.offsets.get('synthetic-eda') ?? [];
    // At the start of the first block it delivers (a source started mid-step gets that step).
    expect(m[0].collectionTimeSec).toBeLessThanOrEqual(startedAt);
    expect(m[0].collectionTimeSec).toBeGreaterThanOrEqual(startedAt - 0.1 - 1e-9);
    const firstChunk = (c.streams.get('synthetic:eda') ?? [])[0];
    expect(firstChunk.firstIndex).toBe(Math.ceil(m[0].collectionTimeSec * 32 - 1e-7));
    // Then the regular series every 5 s (15, 20, 25 s).
    expect(m.slice(1).map((x) => x.collectionTimeSec)).toEqual([15, 20, 25]);
    await Promise.all(session.sources.map((s) => s.release()));
  });

  it('emits no clock offsets from the stimulus source, which is on the session clock', async () => {
    const r = await runSession({ seed: 9, modalities: ['EDA'], durationSec: 30, pacing: 'fast' });
    expect(r.offsets.get('synthetic-stimulus')).toBeUndefined();
    expect((r.offsets.get('synthetic-eda') ?? []).length).toBeGreaterThan(0);
  });
});

describe('synthetic packet loss and dropouts', () => {
  it('loses whole packets: the sample counter jumps by packet multiples and ~the configured fraction is missing', async () => {
    const r = await runSession({
      seed: 2,
      modalities: ['EEG'],
      durationSec: 300,
      pacing: 'fast',
      devices: { eeg: { packetLossProb: 0.2, packetSamples: 16, jitterSec: 0 } },
    });
    const chunks = r.streams.get('synthetic:eeg') ?? [];
    let delivered = 0;
    let expectedNext = 0;
    let jumps = 0;
    for (const c of chunks) {
      expect(c.firstIndex).toBeGreaterThanOrEqual(expectedNext);
      if (c.firstIndex > expectedNext) {
        jumps++;
        expect(c.firstIndex % 16).toBe(0);
        expect((c.firstIndex - expectedNext) % 16).toBe(0);
      }
      delivered += c.timestamps.length;
      expectedNext = c.firstIndex + c.timestamps.length;
      expect(c.values.length).toBe(c.timestamps.length * 32);
    }
    const total = 300 * 256;
    expect(jumps).toBeGreaterThan(100);
    expect(1 - delivered / total).toBeGreaterThan(0.17);
    expect(1 - delivered / total).toBeLessThan(0.23);
    // Delivered samples keep their own counter and timestamp: nothing is shifted into the gaps.
    const { index, time } = allTimestamps(chunks);
    for (let k = 0; k < index.length; k += 97) expect(time[k]).toBeCloseTo((index[k] / 256) * (1 + r.session.config.devices.eeg.driftPpm * 1e-6) + r.session.config.devices.eeg.offsetSec, 9);
  });

  it('with the default packet size loses whole chunks', async () => {
    const r = await runSession({ seed: 2, modalities: ['ECG'], durationSec: 100, pacing: 'fast', devices: { ecg: { packetLossProb: 0.3 } } });
    const chunks = r.streams.get('synthetic:ecg') ?? [];
    expect(chunks.length).toBeGreaterThan(600);
    expect(chunks.length).toBeLessThan(800);
    for (const c of chunks) {
      expect(c.timestamps.length).toBeGreaterThanOrEqual(25);
      expect(c.timestamps.length).toBeLessThanOrEqual(26);
    }
  });

  it('delivers nothing during a dropout, reports disconnected then running, and resumes with the counter moved on', async () => {
    const r = await runSession({
      seed: 4,
      modalities: ['EDA', 'ECG'],
      durationSec: 60,
      pacing: 'fast',
      devices: { eda: { dropouts: [{ startSec: 20.05, durationSec: 7.5 }] } },
    });
    const { index } = allTimestamps(r.streams.get('synthetic:eda') ?? []);
    const inside = index.filter((n) => n / 32 >= 20.05 && n / 32 < 27.55);
    expect(inside).toEqual([]);
    const firstAfter = index.find((n) => n / 32 >= 27.55);
    expect(firstAfter).toBe(Math.ceil(27.55 * 32));
    const lastBefore = index.filter((n) => n / 32 < 20.05).pop();
    expect(lastBefore).toBe(Math.ceil(20.05 * 32) - 1);
    expect(index.length).toBe(60 * 32 - (firstAfter as number) + (lastBefore as number) + 1);
    expect(r.states.get('synthetic-eda')).toEqual(['running', 'disconnected', 'running', 'stopped', 'released']);
    // The other device is unaffected, and no offsets are measured while out of reach.
    expect(r.states.get('synthetic-ecg')).toEqual(['running', 'stopped', 'released']);
    expect(assemble(r.streams.get('synthetic:ecg') ?? [], 1).values.every((x) => Number.isFinite(x))).toBe(true);
    for (const m of r.offsets.get('synthetic-eda') ?? []) expect(m.collectionTimeSec < 20.05 || m.collectionTimeSec >= 27.55).toBe(true);
  });
});

describe('synthetic stimulus source', () => {
  it('stamps ground truth on the session clock and marks every stimulus onset and offset at its scheduled time', async () => {
    const stimuli = [
      { onsetSec: 2, durationSec: 10, label: 'joy', valence: 0.8, arousal: 0.7 },
      { onsetSec: 15.5, durationSec: 12.25, label: 'calm', valence: 0.5, arousal: -0.6 },
    ];
    const r = await runSession({ seed: 1, modalities: [], durationSec: 30, pacing: 'fast', stimuli, groundTruth: { rateHz: 4 } });
    const { index, time } = allTimestamps(r.streams.get('synthetic:ground-truth') ?? []);
    expect(index.length).toBe(120);
    for (let k = 0; k < index.length; k++) expect(time[k]).toBe(index[k] / 4);
    const markerChunks = r.streams.get('synthetic:markers') ?? [];
    const labels = markerChunks.flatMap((c) => c.values as string[]);
    const times = markerChunks.flatMap((c) => [...c.timestamps]);
    expect(labels).toEqual(['onset:joy', 'offset:joy', 'onset:calm', 'offset:calm']);
    expect(times).toEqual([2, 12, 15.5, 27.75]);
    expect(markerChunks.map((c) => c.firstIndex)).toEqual([0, 1, 2, 3]);
    // The felt state moves towards each clip's quadrant.
    const gt = assemble(r.streams.get('synthetic:ground-truth') ?? [], 2).values;
    expect(gt[11 * 4 * 2]).toBeGreaterThan(0.3);
    expect(gt[11 * 4 * 2 + 1]).toBeGreaterThan(0.3);
    expect(gt[27 * 4 * 2 + 1]).toBeLessThan(-0.3);
  });
});
