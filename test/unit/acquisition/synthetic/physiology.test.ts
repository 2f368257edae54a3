// The synthetic physiology follows its ground truth: checked on what the live source emits
// (fast pacing, 10-minute runs) with simple detectors written here, not with the
// generator's own internals.

import { beforeAll, describe, expect, it } from 'vitest';
import type { Stimulus } from '../../../../src-main/acquisition/synthetic/stimuli.js';
import {
  assemble,
  bandPower,
  channel,
  detectRPeaks,
  detectScrOnsets,
  mean,
  pearson,
  runSession,
} from './signal-checks.js';

const DURATION_SEC = 600;
const EEG_HZ = 256;
const GT_HZ = 32;

interface Run {
  gtValence: Float64Array;
  gtArousal: Float64Array;
  ecg: Float64Array;
  eda: Float64Array;
  ppg: Float64Array;
  resp: Float64Array;
  eeg: Float32Array;
  labels: string[];
  clips: Stimulus[];
}

async function tenMinuteRun(seed: number): Promise<Run> {
  const r = await runSession({ seed, modalities: ['EEG', 'ECG', 'EDA', 'PPG', 'RESP'], durationSec: DURATION_SEC, pacing: 'fast' });
  const one = (id: string) => channel(assemble(r.streams.get(id) ?? [], 1).values, 1, 0);
  const gt = assemble(r.streams.get('synthetic:ground-truth') ?? [], 2).values;
  return {
    gtValence: channel(gt, 2, 0),
    gtArousal: channel(gt, 2, 1),
    ecg: one('synthetic:ecg'),
    eda: one('synthetic:eda'),
    ppg: one('synthetic:ppg'),
    resp: one('synthetic:resp'),
    eeg: assemble(r.streams.get('synthetic:eeg') ?? [], 32).values,
    labels: [...r.session.config.eeg.channels],
    clips: r.session.stimulusSchedule(DURATION_SEC),
  };
}

/** Mean ground truth over [fromSec, toSec). */
function gtMean(x: Float64Array, fromSec: number, toSec: number): number {
  return mean(x, Math.round(fromSec * GT_HZ), Math.min(x.length, Math.round(toSec * GT_HZ)));
}

/** The settled part of each clip (after the latent state has moved towards the target). */
function settled(clips: Stimulus[]): Array<{ clip: Stimulus; fromSec: number; toSec: number }> {
  return clips
    .map((clip) => ({ clip, fromSec: clip.onsetSec + 10, toSec: Math.min(DURATION_SEC, clip.onsetSec + clip.durationSec) }))
    .filter((c) => c.toSec - c.fromSec >= 20);
}

describe.each([3, 11])('synthetic physiology over a 10-minute run (seed %i)', (seed) => {
  let run: Run;
  beforeAll(async () => {
    run = await tenMinuteRun(seed);
  });

  it('covers both arousal halves and both valence halves with its default clips', () => {
    const clips = settled(run.clips);
    expect(clips.some((c) => c.clip.arousal > 0)).toBe(true);
    expect(clips.some((c) => c.clip.arousal < 0)).toBe(true);
    expect(clips.some((c) => c.clip.valence > 0)).toBe(true);
    expect(clips.some((c) => c.clip.valence < 0)).toBe(true);
    for (const x of [...run.gtValence, ...run.gtArousal]) expect(Math.abs(x)).toBeLessThanOrEqual(1);
  });

  it('heart rate from R peaks detected in the emitted ECG correlates with ground-truth arousal (r > 0.8, 10 s windows)', () => {
    const peaks = detectRPeaks(run.ecg, 256);
    const hr: number[] = [];
    const arousal: number[] = [];
    for (let w = 0; w < DURATION_SEC / 10; w++) {
      const inWindow = peaks.filter((t) => t >= w * 10 && t < w * 10 + 10);
      if (inWindow.length < 3) continue;
      hr.push((60 * (inWindow.length - 1)) / (inWindow[inWindow.length - 1] - inWindow[0]));
      arousal.push(gtMean(run.gtArousal, w * 10, w * 10 + 10));
    }
    expect(hr.length).toBeGreaterThanOrEqual(55);
    expect(Math.min(...hr)).toBeGreaterThan(50);
    expect(Math.max(...hr)).toBeLessThan(105);
    expect(pearson(hr, arousal)).toBeGreaterThan(0.8);
  });

  it('SCR onsets detected in the emitted EDA are more frequent in high- than in low-arousal clips', () => {
    const onsets = detectScrOnsets(run.eda, 32);
    let highCount = 0;
    let highSec = 0;
    let lowCount = 0;
    let lowSec = 0;
    for (const clip of run.clips) {
      // SCRs answer 1-3 s late: count in the clip window shifted by 2 s.
      const from = clip.onsetSec + 2;
      const to = Math.min(DURATION_SEC, clip.onsetSec + clip.durationSec + 2);
      if (to <= from) continue;
      const n = onsets.filter((t) => t >= from && t < to).length;
      if (gtMean(run.gtArousal, from, to) > 0) {
        highCount += n;
        highSec += to - from;
      } else {
        lowCount += n;
        lowSec += to - from;
      }
    }
    expect(highSec).toBeGreaterThan(60);
    expect(lowSec).toBeGreaterThan(60);
    const highPerMin = (60 * highCount) / highSec;
    const lowPerMin = (60 * lowCount) / lowSec;
    expect(highPerMin).toBeGreaterThan(1.5 * lowPerMin);
  });

  it('frontal alpha asymmetry ln P(F4) - ln P(F3) has the sign of the ground-truth valence in every clip', () => {
    const f3 = channel(run.eeg, 32, run.labels.indexOf('F3'));
    const f4 = channel(run.eeg, 32, run.labels.indexOf('F4'));
    const clips = settled(run.clips);
    expect(clips.length).toBeGreaterThanOrEqual(5);
    for (const { fromSec, toSec } of clips) {
      const a = Math.round(fromSec * EEG_HZ);
      const b = Math.round(toSec * EEG_HZ);
      const faa = Math.log(bandPower(f4.subarray(a, b), EEG_HZ, 8, 12)) - Math.log(bandPower(f3.subarray(a, b), EEG_HZ, 8, 12));
      const valence = gtMean(run.gtValence, fromSec, toSec);
      expect(Math.sign(faa), `clip ${fromSec}-${toSec} s: valence ${valence.toFixed(2)}, FAA ${faa.toFixed(2)}`).toBe(Math.sign(valence));
    }
  });

  it('posterior alpha power falls and frontal beta power rises with arousal across clips', () => {
    const o1 = channel(run.eeg, 32, run.labels.indexOf('O1'));
    const fz = channel(run.eeg, 32, run.labels.indexOf('Fz'));
    const alpha: number[] = [];
    const beta: number[] = [];
    const arousal: number[] = [];
    for (const { fromSec, toSec } of settled(run.clips)) {
      const a = Math.round(fromSec * EEG_HZ);
      const b = Math.round(toSec * EEG_HZ);
      alpha.push(Math.log(bandPower(o1.subarray(a, b), EEG_HZ, 8, 12)));
      beta.push(Math.log(bandPower(fz.subarray(a, b), EEG_HZ, 18, 28)));
      arousal.push(gtMean(run.gtArousal, fromSec, toSec));
    }
    expect(pearson(alpha, arousal)).toBeLessThan(-0.8);
    expect(pearson(beta, arousal)).toBeGreaterThan(0.8);
  });

  it('PPG pulse amplitude falls and breathing speeds up with arousal across clips', () => {
    const amp: number[] = [];
    const breaths: number[] = [];
    const arousal: number[] = [];
    for (const { fromSec, toSec } of settled(run.clips)) {
      // Pulse amplitude: mean of per-second (max - min) of the PPG.
      let sum = 0;
      let n = 0;
      for (let t = fromSec; t + 1 <= toSec; t += 1) {
        const seg = run.ppg.subarray(Math.round(t * 64), Math.round((t + 1) * 64));
        sum += Math.max(...seg) - Math.min(...seg);
        n++;
      }
      amp.push(sum / n);
      // Breathing rate: upward zero crossings of the mean-removed belt signal per minute.
      const resp = run.resp.subarray(Math.round(fromSec * 32), Math.round(toSec * 32));
      const m = mean(resp);
      let crossings = 0;
      for (let i = 1; i < resp.length; i++) if (resp[i - 1] - m < 0 && resp[i] - m >= 0) crossings++;
      breaths.push((60 * crossings) / (toSec - fromSec));
      arousal.push(gtMean(run.gtArousal, fromSec, toSec));
    }
    expect(pearson(amp, arousal)).toBeLessThan(-0.7);
    expect(pearson(breaths, arousal)).toBeGreaterThan(0.6);
  });
});
