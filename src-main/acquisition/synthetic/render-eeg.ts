// Synthetic EEG: turns the latent track into multichannel scalp signals (uV). Per channel:
// 1/f background (three equal-variance AR(1)s at log-spaced corners + a shared, volume-
// conducted component), alpha (noise-driven resonator at the subject's alpha frequency,
// posterior-weighted, falls with arousal, frontal right-left asymmetry follows valence), beta
// (broad resonator around 20 Hz, rises with arousal), blinks on frontal channels, line noise.
//
// Speed: the per-channel loop keeps every state (filters and an inlined xorshift128) in
// locals and draws two 16-bit uniforms per 32-bit word; all per-sample shared terms (gains,
// blinks, line noise) are computed once per sample into preallocated scratch arrays.

import { type LatentTrack } from './latent-track.js';
import { electrodePosition, type ScalpRegion } from './montage.js';
import { hashSeed, Rng } from './prng.js';
import type { SignalRenderer } from './renderer.js';
import type { SubjectParams } from './subject.js';

const ALPHA_WEIGHT: Record<ScalpRegion, number> = {
  prefrontal: 0.55,
  frontal: 0.6,
  central: 0.7,
  temporal: 0.55,
  parietal: 0.95,
  occipital: 1.0,
};
const BETA_WEIGHT: Record<ScalpRegion, number> = {
  prefrontal: 0.9,
  frontal: 1.0,
  central: 1.0,
  temporal: 0.9,
  parietal: 0.75,
  occipital: 0.6,
};
const BLINK_PEAK_SEC = 0.1;
const BLINK_SUPPORT_SEC = 0.8;
const WHITE_NOISE_UV = 0.5;
const COMMON_WEIGHT = 0.4;
/** Unit-variance scale of a signed 16-bit uniform. */
const U16 = Math.sqrt(3) / 32768;

function blinkWeight(label: string, region: ScalpRegion, lateral: number): number {
  const l = label.toUpperCase();
  if (l.startsWith('FP')) return 1.0;
  if (l.startsWith('AF')) return 0.6;
  if (region === 'frontal' && !l.startsWith('FC')) return lateral >= 4 ? 0.35 : 0.3;
  if (l.startsWith('FC') || l.startsWith('FT')) return 0.12;
  return 0.03;
}

/** Unit-variance input gain of y[n] = p1 y[n-1] + p2 y[n-2] + g e[n] for unit-variance e. */
function ar2Gain(p1: number, p2: number): number {
  const varFactor = (1 - p2) / ((1 + p2) * ((1 - p2) * (1 - p2) - p1 * p1));
  return 1 / Math.sqrt(varFactor);
}

export class EegRenderer implements SignalRenderer {
  readonly channelCount: number;
  private next = 0;
  // Per-channel constants.
  private readonly bgScale: Float64Array;
  private readonly alphaW: Float64Array;
  private readonly betaW: Float64Array;
  private readonly blinkW: Float64Array;
  private readonly lineAmp: Float64Array;
  /** -1 left frontal, +1 right frontal, 0 elsewhere (alpha asymmetry applies to frontal sites). */
  private readonly faaSide: Int8Array;
  // Per-channel state: three AR(1)s, two AR(2)s, xorshift128 words.
  private readonly state: Float64Array;
  private readonly rng: Int32Array;
  // Filter coefficients.
  private readonly p: Float64Array;
  private readonly g: Float64Array;
  private readonly a1: number;
  private readonly a2: number;
  private readonly aG: number;
  private readonly b1: number;
  private readonly b2: number;
  private readonly bG: number;
  private readonly commonP: number;
  private readonly commonG: number;
  private commonState: number;
  private readonly sharedRng: Rng;
  private readonly lineOmega: number;
  private readonly linePhase0: number;
  private blinkCursor = 0;
  // Shared per-sample scratch.
  private cap = 0;
  private gAlphaL = new Float64Array(0);
  private gAlphaM = new Float64Array(0);
  private gAlphaR = new Float64Array(0);
  private gBeta = new Float64Array(0);
  private common = new Float64Array(0);
  private blink = new Float64Array(0);
  private line = new Float64Array(0);

  constructor(
    private readonly subject: SubjectParams,
    private readonly track: LatentTrack,
    readonly labels: readonly string[],
    readonly rateHz: number,
    lineNoiseHz: number,
  ) {
    const C = labels.length;
    this.channelCount = C;
    this.bgScale = new Float64Array(C);
    this.alphaW = new Float64Array(C);
    this.betaW = new Float64Array(C);
    this.blinkW = new Float64Array(C);
    this.lineAmp = new Float64Array(C);
    this.faaSide = new Int8Array(C);
    this.state = new Float64Array(C * 7);
    this.rng = new Int32Array(C * 4);
    const seed = subject.seed;
    const chanRng = new Rng(hashSeed(seed, 'eeg-channels'));
    for (let c = 0; c < C; c++) {
      const pos = electrodePosition(labels[c]) ?? { region: 'central' as const, side: 0 as const, lateral: 0 };
      // Homologous left/right sites share their scale, so asymmetry comes only from valence.
      const symRng = new Rng(hashSeed(seed, 'eeg-site', pos.region, pos.lateral));
      this.bgScale[c] = subject.backgroundUv * symRng.range(0.85, 1.15);
      this.alphaW[c] = ALPHA_WEIGHT[pos.region] * symRng.range(0.9, 1.1);
      this.betaW[c] = BETA_WEIGHT[pos.region] * symRng.range(0.9, 1.1);
      this.blinkW[c] = blinkWeight(labels[c], pos.region, pos.lateral);
      this.lineAmp[c] = chanRng.range(1.5, 6);
      this.faaSide[c] = pos.region === 'prefrontal' || pos.region === 'frontal' ? pos.side : 0;
      const noiseRng = new Rng(hashSeed(seed, 'eeg-noise', c));
      noiseRng.fillState(this.rng.subarray(c * 4, c * 4 + 4));
    }
    const fs = rateHz;
    // 1/f background: equal-variance Lorentzians at 1, 6 and 36 Hz corners.
    const corners = [1, 6, 36];
    this.p = new Float64Array(corners.map((fc) => Math.exp((-2 * Math.PI * fc) / fs)));
    this.g = new Float64Array([...this.p].map((p) => Math.sqrt(1 - p * p)));
    const resonator = (f0: number, bwHz: number) => {
      const r = Math.exp((-Math.PI * bwHz) / fs);
      const p1 = 2 * r * Math.cos((2 * Math.PI * f0) / fs);
      const p2 = -r * r;
      return [p1, p2, ar2Gain(p1, p2)];
    };
    [this.a1, this.a2, this.aG] = resonator(subject.alphaFreqHz, 2);
    [this.b1, this.b2, this.bG] = resonator(20, 12);
    this.commonP = Math.exp((-2 * Math.PI * 2) / fs);
    this.commonG = Math.sqrt(1 - this.commonP * this.commonP);
    this.sharedRng = new Rng(hashSeed(seed, 'eeg-shared'));
    this.commonState = this.sharedRng.gaussian();
    this.lineOmega = lineNoiseHz > 0 && lineNoiseHz < fs / 2 ? (2 * Math.PI * lineNoiseHz) / fs : 0;
    this.linePhase0 = this.sharedRng.range(0, 2 * Math.PI);
    // Start the filters in their stationary regime (no warm-up transient).
    for (let c = 0; c < C; c++) {
      const o = c * 7;
      for (let i = 0; i < 3; i++) this.state[o + i] = chanRng.gaussian();
    }
  }

  private ensureCapacity(n: number): void {
    if (n <= this.cap) return;
    this.cap = Math.max(n, this.cap * 2);
    this.gAlphaL = new Float64Array(this.cap);
    this.gAlphaM = new Float64Array(this.cap);
    this.gAlphaR = new Float64Array(this.cap);
    this.gBeta = new Float64Array(this.cap);
    this.common = new Float64Array(this.cap);
    this.blink = new Float64Array(this.cap);
    this.line = new Float64Array(this.cap);
  }

  render(out: Float32Array, outRow: number, n0: number, count: number): void {
    if (n0 !== this.next) throw new Error(`EEG renderer: expected sample ${this.next}, got ${n0}`);
    this.next = n0 + count;
    this.ensureCapacity(count);
    this.sharedTerms(n0, count);
    const C = this.channelCount;
    const st = this.state;
    const rs = this.rng;
    const [p1, p2, p3] = this.p;
    const [g1, g2, g3] = this.g;
    const { a1, a2, aG, b1, b2, bG } = this;
    const gAlphaL = this.gAlphaL;
    const gAlphaM = this.gAlphaM;
    const gAlphaR = this.gAlphaR;
    const gBeta = this.gBeta;
    const common = this.common;
    const blink = this.blink;
    const line = this.line;
    const ownW = Math.sqrt(1 - COMMON_WEIGHT * COMMON_WEIGHT) / Math.sqrt(3);
    for (let c = 0; c < C; c++) {
      const o = c * 7;
      let s1 = st[o];
      let s2 = st[o + 1];
      let s3 = st[o + 2];
      let ya1 = st[o + 3];
      let ya2 = st[o + 4];
      let yb1 = st[o + 5];
      let yb2 = st[o + 6];
      let x = rs[c * 4];
      let y = rs[c * 4 + 1];
      let z = rs[c * 4 + 2];
      let w = rs[c * 4 + 3];
      const bgOwn = this.bgScale[c] * ownW;
      const bgCommon = this.bgScale[c] * COMMON_WEIGHT;
      const aw = this.alphaW[c];
      const bw = this.betaW[c];
      const kw = this.blinkW[c];
      const lw = this.lineAmp[c];
      const side = this.faaSide[c];
      const gAlpha = side < 0 ? gAlphaL : side > 0 ? gAlphaR : gAlphaM;
      let idx = outRow * C + c;
      for (let i = 0; i < count; i++) {
        // Three xorshift128 words -> six unit-variance uniforms.
        let t = x ^ (x << 11);
        x = y;
        y = z;
        z = w;
        w = w ^ (w >>> 19) ^ (t ^ (t >>> 8));
        const r1 = w;
        t = x ^ (x << 11);
        x = y;
        y = z;
        z = w;
        w = w ^ (w >>> 19) ^ (t ^ (t >>> 8));
        const r2 = w;
        t = x ^ (x << 11);
        x = y;
        y = z;
        z = w;
        w = w ^ (w >>> 19) ^ (t ^ (t >>> 8));
        const r3 = w;
        s1 = p1 * s1 + g1 * U16 * (r1 >> 16);
        s2 = p2 * s2 + g2 * U16 * ((r1 << 16) >> 16);
        s3 = p3 * s3 + g3 * U16 * (r2 >> 16);
        const ya = a1 * ya1 + a2 * ya2 + aG * U16 * ((r2 << 16) >> 16);
        ya2 = ya1;
        ya1 = ya;
        const yb = b1 * yb1 + b2 * yb2 + bG * U16 * (r3 >> 16);
        yb2 = yb1;
        yb1 = yb;
        out[idx] =
          bgOwn * (s1 + s2 + s3) +
          bgCommon * common[i] +
          aw * gAlpha[i] * ya +
          bw * gBeta[i] * yb +
          kw * blink[i] +
          lw * line[i] +
          WHITE_NOISE_UV * U16 * ((r3 << 16) >> 16);
        idx += C;
      }
      st[o] = s1;
      st[o + 1] = s2;
      st[o + 2] = s3;
      st[o + 3] = ya1;
      st[o + 4] = ya2;
      st[o + 5] = yb1;
      st[o + 6] = yb2;
      rs[c * 4] = x;
      rs[c * 4 + 1] = y;
      rs[c * 4 + 2] = z;
      rs[c * 4 + 3] = w;
    }
  }

  /** Gains from the latent state, the shared background, blinks and line noise, per sample. */
  private sharedTerms(n0: number, count: number): void {
    const s = this.subject;
    const tr = this.track;
    const fs = this.rateHz;
    const blinks = tr.blinks;
    if (this.blinkCursor < blinks.first) this.blinkCursor = blinks.first;
    for (let i = 0; i < count; i++) {
      const tSec = (n0 + i) / fs;
      const a = tr.at(tr.arousal, tSec);
      const v = tr.at(tr.valence, tSec);
      const alpha = s.alphaAmpUv * Math.exp(s.alphaLogGain * a);
      const asym = Math.exp(0.5 * (s.faaGain * v + s.faaBias));
      this.gAlphaL[i] = alpha / asym;
      this.gAlphaM[i] = alpha;
      this.gAlphaR[i] = alpha * asym;
      this.gBeta[i] = s.betaAmpUv * Math.exp(s.betaLogGain * a);
      this.commonState = this.commonP * this.commonState + this.commonG * this.sharedRng.gaussian();
      this.common[i] = this.commonState;
      this.line[i] = this.lineOmega > 0 ? Math.sin(this.linePhase0 + this.lineOmega * (n0 + i)) : 0;
      // Blinks: (tau / tp) exp(1 - tau / tp) with peak at tp.
      while (this.blinkCursor < blinks.end && blinks.time(this.blinkCursor) + BLINK_SUPPORT_SEC <= tSec) this.blinkCursor++;
      let b = 0;
      for (let k = this.blinkCursor; k < blinks.end; k++) {
        const tau = tSec - blinks.time(k);
        if (tau < 0) break;
        const u = tau / BLINK_PEAK_SEC;
        b += blinks.valueA(k) * u * Math.exp(1 - u);
      }
      this.blink[i] = b;
    }
  }
}
