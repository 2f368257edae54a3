// The pure generator behind the synthetic source (batch renderRecording, stimulus schedule,
// montage, PRNG): schedule shape, EEG spatial structure (blinks, line noise, montage), cardiac
// timing (R peaks, pulse transit) and the seeded random streams.

import { describe, expect, it } from 'vitest';
import { electrodePosition } from '../../../../src-main/acquisition/synthetic/montage.js';
import { renderRecording } from '../../../../src-main/acquisition/synthetic/physiology.js';
import { hashSeed, Rng } from '../../../../src-main/acquisition/synthetic/prng.js';
import { defaultStimulusSchedule, quadrantOf } from '../../../../src-main/acquisition/synthetic/stimuli.js';
import { bandPower, channel, detectRPeaks } from './signal-checks.js';

describe('default stimulus schedule', () => {
  it('starts after a 10 s baseline, with 50-70 s clips, 15-25 s rests, and all four quadrants in every block of four', () => {
    const clips = defaultStimulusSchedule(4, 3600);
    expect(clips.length).toBeGreaterThan(40);
    expect(clips[0].onsetSec).toBe(10);
    for (let i = 0; i < clips.length; i++) {
      const c = clips[i];
      expect(c.durationSec).toBeGreaterThanOrEqual(50);
      expect(c.durationSec).toBeLessThanOrEqual(70);
      expect(c.label.endsWith(quadrantOf(c.valence, c.arousal))).toBe(true);
      expect(Math.min(Math.abs(c.valence), Math.abs(c.arousal))).toBeGreaterThanOrEqual(0.45);
      if (i > 0) {
        const rest = c.onsetSec - (clips[i - 1].onsetSec + clips[i - 1].durationSec);
        expect(rest).toBeGreaterThanOrEqual(15 - 1e-9);
        expect(rest).toBeLessThanOrEqual(25 + 1e-9);
      }
    }
    for (let b = 0; b + 4 <= clips.length; b += 4) {
      expect(new Set(clips.slice(b, b + 4).map((c) => quadrantOf(c.valence, c.arousal))).size).toBe(4);
    }
  });

  it('is a prefix of the same seed\'s longer schedule and differs between seeds', () => {
    const short = defaultStimulusSchedule(4, 400);
    expect(defaultStimulusSchedule(4, 2000).slice(0, short.length)).toEqual(short);
    expect(defaultStimulusSchedule(5, 400)).not.toEqual(short);
  });
});

describe('renderRecording EEG', () => {
  const rec = renderRecording({ seed: 12, modalities: ['EEG'], durationSec: 120 });
  const eeg = rec.signals.eeg;
  const labels = eeg?.channels ?? [];
  const ch = (label: string) => channel(eeg?.values ?? new Float32Array(0), labels.length, labels.indexOf(label));

  it('puts blinks on the frontal pole: slow (1-3 Hz) power at Fp1 far above O1', () => {
    expect(rec.events.blinksSec.length).toBeGreaterThan(15);
    expect(bandPower(ch('Fp1'), 256, 1, 3)).toBeGreaterThan(3 * bandPower(ch('O1'), 256, 1, 3));
  });

  it('has its alpha peak posteriorly: O2 8-12 Hz power above its 14-18 Hz power and above Fz alpha', () => {
    expect(bandPower(ch('O2'), 256, 8, 12)).toBeGreaterThan(2 * bandPower(ch('O2'), 256, 14, 18));
    expect(bandPower(ch('O2'), 256, 8, 12)).toBeGreaterThan(bandPower(ch('Fz'), 256, 8, 12));
  });

  it.each([
    [50, 50, 3],
    [60, 60, 3],
    [0, 50, 0],
  ] as const)('with lineNoiseHz %i puts a line at %i Hz (%i x the neighbouring power)', (lineNoiseHz, probeHz, factor) => {
    const r = renderRecording({ seed: 12, modalities: ['EEG'], durationSec: 20, eeg: { channels: ['Cz', 'T7'], lineNoiseHz } });
    for (const c of [0, 1]) {
      const x = channel(r.signals.eeg?.values ?? new Float32Array(0), 2, c);
      const line = bandPower(x, 256, probeHz, probeHz);
      const near = (bandPower(x, 256, probeHz - 5, probeHz - 5) + bandPower(x, 256, probeHz + 5, probeHz + 5)) / 2;
      if (factor > 0) expect(line).toBeGreaterThan(factor * near);
      else expect(line).toBeLessThan(2 * near);
    }
  });

  it('renders a custom montage with its labels and rate', () => {
    const r = renderRecording({ seed: 1, modalities: ['EEG'], durationSec: 5, eeg: { channels: ['F3', 'F4', 'Pz'], rateHz: 500 } });
    expect(r.signals.eeg?.channels).toEqual(['F3', 'F4', 'Pz']);
    expect(r.signals.eeg?.values.length).toBe(5 * 500 * 3);
    expect(r.signals.eeg?.values.every((x) => Number.isFinite(x) && Math.abs(x) < 1000)).toBe(true);
  });

  it('knows 10-20 positions: hemisphere from the number, region from the prefix', () => {
    expect(electrodePosition('F3')).toEqual({ region: 'frontal', side: -1, lateral: 2 });
    expect(electrodePosition('f4')).toEqual({ region: 'frontal', side: 1, lateral: 2 });
    expect(electrodePosition('FC5')?.region).toBe('frontal');
    expect(electrodePosition('Oz')).toEqual({ region: 'occipital', side: 0, lateral: 0 });
    expect(electrodePosition('T3')?.side).toBe(-1);
    expect(electrodePosition('X1')).toBeUndefined();
    expect(electrodePosition('F11')).toBeUndefined();
  });
});

describe('renderRecording heart', () => {
  const rec = renderRecording({ seed: 30, modalities: ['ECG', 'PPG'], durationSec: 120 });
  const ecg = Float64Array.from(rec.signals.ecg?.values ?? []);
  const ppg = Float64Array.from(rec.signals.ppg?.values ?? []);

  it('draws an ECG whose detected R peaks are the generator\'s beats (within one sample)', () => {
    const detected = detectRPeaks(ecg, 256);
    const truth = [...rec.events.rPeaksSec];
    expect(detected.length).toBe(truth.length);
    for (let i = 0; i < truth.length; i++) expect(Math.abs(detected[i] - truth[i])).toBeLessThanOrEqual(1 / 256 + 1e-9);
  });

  it('places each PPG pulse after its R peak (transit 200-300 ms to the foot, systolic peak ~0.3-0.45 s)', () => {
    const delays: number[] = [];
    for (const r of rec.events.rPeaksSec) {
      const a = Math.ceil(r * 64);
      const b = Math.min(ppg.length, Math.ceil((r + 0.55) * 64));
      if (b - a < 30) continue;
      let best = a;
      for (let i = a; i < b; i++) if (ppg[i] > ppg[best]) best = i;
      delays.push(best / 64 - r);
    }
    delays.sort((x, y) => x - y);
    const median = delays[Math.floor(delays.length / 2)];
    expect(median).toBeGreaterThan(0.3);
    expect(median).toBeLessThan(0.45);
  });
});

describe('seeded random streams', () => {
  it('derives distinct, reproducible seeds from a subject seed and tags', () => {
    expect(hashSeed(1, 'eeg')).toBe(hashSeed(1, 'eeg'));
    const seeds = new Set([hashSeed(1, 'eeg'), hashSeed(2, 'eeg'), hashSeed(1, 'ecg'), hashSeed(1, 'eeg', 0), hashSeed(2 ** 40, 'eeg'), hashSeed(0.5, 'eeg')]);
    expect(seeds.size).toBe(6);
  });

  it('draws standard normal values (mean 0, variance 1) and uniform values in [0, 1)', () => {
    const r = new Rng(123);
    let s = 0;
    let s2 = 0;
    let umin = 1;
    let umax = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const g = r.gaussian();
      s += g;
      s2 += g * g;
      const u = r.uniform();
      umin = Math.min(umin, u);
      umax = Math.max(umax, u);
    }
    expect(Math.abs(s / n)).toBeLessThan(0.01);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.02);
    expect(umin).toBeGreaterThanOrEqual(0);
    expect(umax).toBeLessThan(1);
    expect(new Rng(123).nextU32()).toBe(new Rng(123).nextU32());
    expect(new Rng(123).nextU32()).not.toBe(new Rng(124).nextU32());
  });
});
