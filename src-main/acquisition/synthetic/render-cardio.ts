// Synthetic ECG and PPG from the latent track's heart beats. ECG: P-QRS-T as a sum of
// Gaussians per beat (McSharry-style morphology written in time, P and T intervals scaled by
// sqrt(RR)), baseline wander from breathing, sensor noise (mV). PPG: one pulse per beat
// after the pulse transit time (shorter and smaller with arousal), systolic peak plus
// dicrotic wave, breathing-driven baseline (a.u.). Pure TS; one channel each.

import type { LatentTrack } from './latent-track.js';
import { hashSeed, Rng } from './prng.js';
import type { SignalRenderer } from './renderer.js';
import type { SubjectParams } from './subject.js';

// P, Q, R, S, T: offset from the R peak (s, at RR = 1 s), amplitude (x subject ECG
// amplitude), Gaussian width (s), and whether offset/width scale with sqrt(RR).
const ECG_WAVES: ReadonlyArray<readonly [number, number, number, boolean]> = [
  [-0.2, 0.15, 0.025, true],
  [-0.035, -0.12, 0.01, false],
  [0, 1.0, 0.011, false],
  [0.035, -0.25, 0.011, false],
  [0.28, 0.3, 0.06, true],
];
const ECG_NOISE_MV = 0.012;
const ECG_WANDER = 0.06;

export class EcgRenderer implements SignalRenderer {
  readonly channelCount = 1;
  private next = 0;
  private cursor = 0;
  private readonly rng: Rng;
  private readonly off = new Float64Array(5);
  private readonly amp = new Float64Array(5);
  private readonly inv2w2 = new Float64Array(5);

  constructor(
    private readonly subject: SubjectParams,
    private readonly track: LatentTrack,
    readonly rateHz: number,
  ) {
    this.rng = new Rng(hashSeed(subject.seed, 'ecg-noise'));
  }

  render(out: Float32Array, outRow: number, n0: number, count: number): void {
    if (n0 !== this.next) throw new Error(`ECG renderer: expected sample ${this.next}, got ${n0}`);
    this.next = n0 + count;
    const fs = this.rateHz;
    const tr = this.track;
    const ampMv = this.subject.ecgAmplitudeMv;
    for (let i = 0; i < count; i++) {
      const tSec = (n0 + i) / fs;
      out[outRow + i] = ECG_WANDER * ampMv * Math.sin(tr.at(tr.respPhase, tSec)) + ECG_NOISE_MV * this.rng.gaussian();
    }
    const beats = tr.beats;
    const tStart = n0 / fs;
    const tEnd = (n0 + count) / fs;
    if (this.cursor < beats.first) this.cursor = beats.first;
    while (this.cursor < beats.end && beats.time(this.cursor) + 0.28 * Math.sqrt(beats.valueA(this.cursor)) + 0.3 <= tStart) this.cursor++;
    for (let k = this.cursor; k < beats.end; k++) {
      const rPeak = beats.time(k);
      const sq = Math.sqrt(beats.valueA(k));
      const from = rPeak - 0.2 * sq - 0.1;
      if (from >= tEnd) break;
      const to = rPeak + 0.28 * sq + 0.3;
      for (let j = 0; j < 5; j++) {
        const [o, a, w, scaled] = ECG_WAVES[j];
        this.off[j] = scaled ? o * sq : o;
        this.amp[j] = a * ampMv * (j === 4 ? this.subject.tWaveGain : 1);
        const ww = scaled ? w * sq : w;
        this.inv2w2[j] = 1 / (2 * ww * ww);
      }
      const lo = Math.max(n0, Math.ceil(from * fs));
      const hi = Math.min(n0 + count, Math.ceil(to * fs));
      for (let n = lo; n < hi; n++) {
        const tau = n / fs - rPeak;
        let v = 0;
        for (let j = 0; j < 5; j++) {
          const d = tau - this.off[j];
          v += this.amp[j] * Math.exp(-d * d * this.inv2w2[j]);
        }
        out[outRow + n - n0] += v;
      }
    }
  }
}

const PPG_SYS_SEC = 0.12;
const PPG_SYS_W = 0.05;
const PPG_DIA_SEC = 0.32;
const PPG_DIA_W = 0.07;
const PPG_DIA_REL = 0.45;
const PPG_SUPPORT = [-0.1, 0.75] as const;

export class PpgRenderer implements SignalRenderer {
  readonly channelCount = 1;
  private next = 0;
  private cursor = 0;
  private readonly rng: Rng;

  constructor(
    private readonly subject: SubjectParams,
    private readonly track: LatentTrack,
    readonly rateHz: number,
  ) {
    this.rng = new Rng(hashSeed(subject.seed, 'ppg-noise'));
  }

  /** Pulse foot time of beat k: R peak + pulse transit time (shorter at high arousal). */
  private foot(k: number): number {
    const beats = this.track.beats;
    return beats.time(k) + this.subject.pttSec + this.subject.pttGainSec * beats.valueB(k);
  }

  render(out: Float32Array, outRow: number, n0: number, count: number): void {
    if (n0 !== this.next) throw new Error(`PPG renderer: expected sample ${this.next}, got ${n0}`);
    this.next = n0 + count;
    const s = this.subject;
    const fs = this.rateHz;
    const tr = this.track;
    for (let i = 0; i < count; i++) {
      const tSec = (n0 + i) / fs;
      out[outRow + i] = 0.15 * s.ppgAmplitude * Math.sin(tr.at(tr.respPhase, tSec) + 0.5) + 0.01 * s.ppgAmplitude * this.rng.gaussian();
    }
    const beats = tr.beats;
    const tStart = n0 / fs;
    const tEnd = (n0 + count) / fs;
    if (this.cursor < beats.first) this.cursor = beats.first;
    while (this.cursor < beats.end && this.foot(this.cursor) + PPG_SUPPORT[1] <= tStart) this.cursor++;
    const iSys = 1 / (2 * PPG_SYS_W * PPG_SYS_W);
    const iDia = 1 / (2 * PPG_DIA_W * PPG_DIA_W);
    for (let k = this.cursor; k < beats.end; k++) {
      const foot = this.foot(k);
      if (foot + PPG_SUPPORT[0] >= tEnd) break;
      const amp = s.ppgAmplitude * Math.exp(s.ppgAmpLogGain * beats.valueB(k));
      const lo = Math.max(n0, Math.ceil((foot + PPG_SUPPORT[0]) * fs));
      const hi = Math.min(n0 + count, Math.ceil((foot + PPG_SUPPORT[1]) * fs));
      for (let n = lo; n < hi; n++) {
        const u = n / fs - foot;
        const ds = u - PPG_SYS_SEC;
        const dd = u - PPG_DIA_SEC;
        out[outRow + n - n0] += amp * (Math.exp(-ds * ds * iSys) + PPG_DIA_REL * Math.exp(-dd * dd * iDia));
      }
    }
  }
}
