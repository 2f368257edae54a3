// The simulated subject's hidden state at a 32 Hz control rate: felt valence/arousal driven
// by the stimulus schedule (smooth first-order approach + idiosyncratic fluctuation), the
// autonomic drives derived from it (heart, EDA tonic level, breathing), and the discrete
// physiological events (heart beats, SCR onsets, blinks). Renderers turn it into signals.

import { hashSeed, Rng } from './prng.js';
import { StimulusCursor, type Stimulus, type StimulusTimeline } from './stimuli.js';
import type { SubjectParams } from './subject.js';

export const CONTROL_RATE_HZ = 32;
/** How far ahead of a render request the control track and event lists are computed. */
export const LOOKAHEAD_SEC = 2;
const RING = 4096; // 128 s of history at 32 Hz; renderers only look a few seconds back.
const ORIENTING_SCR_PROB = 0.8;
const TONIC_DRIFT_SD_US = 0.3;
const TONIC_DRIFT_TAU_SEC = 30;

/** Append-only event list with absolute indices, pruned from the front. */
export class EventList {
  private times: number[] = [];
  private a: number[] = [];
  private b: number[] = [];
  private base = 0;
  /** Keep every event (batch rendering wants the full list). */
  retainAll = false;

  /** Absolute index one past the last event. */
  get end(): number {
    return this.base + this.times.length;
  }
  get first(): number {
    return this.base;
  }
  time(k: number): number {
    return this.times[k - this.base];
  }
  valueA(k: number): number {
    return this.a[k - this.base];
  }
  valueB(k: number): number {
    return this.b[k - this.base];
  }
  /** Insert keeping time order (events arrive nearly sorted, so search from the back). */
  insert(tSec: number, a: number, b = 0): void {
    let i = this.times.length;
    while (i > 0 && this.times[i - 1] > tSec) i--;
    if (i === this.times.length) {
      this.times.push(tSec);
      this.a.push(a);
      this.b.push(b);
    } else {
      this.times.splice(i, 0, tSec);
      this.a.splice(i, 0, a);
      this.b.splice(i, 0, b);
    }
  }
  /** Drop events before `tSec` (only in bulk, to keep it cheap). */
  pruneBefore(tSec: number): void {
    if (this.retainAll) return;
    let n = 0;
    while (n < this.times.length && this.times[n] < tSec) n++;
    if (n < 256) return;
    this.times.splice(0, n);
    this.a.splice(0, n);
    this.b.splice(0, n);
    this.base += n;
  }
  /** All event times (for batch output). */
  allTimes(): Float64Array {
    return Float64Array.from(this.times);
  }
}

function clamp1(x: number): number {
  return x > 1 ? 1 : x < -1 ? -1 : x;
}

export class LatentTrack {
  readonly controlRateHz = CONTROL_RATE_HZ;
  /** Felt valence and arousal in [-1, 1] (the ground truth). */
  readonly valence = new Float64Array(RING);
  readonly arousal = new Float64Array(RING);
  /** Arousal low-passed by the heart's autonomic time constant; drives HR, HRV, PPG, breathing. */
  readonly autonomic = new Float64Array(RING);
  /** EDA tonic level (uS). */
  readonly tonicUs = new Float64Array(RING);
  /** Cumulative breathing phase (rad) and depth. */
  readonly respPhase = new Float64Array(RING);
  readonly respDepth = new Float64Array(RING);
  /** R-peak times (s); valueA = RR interval to the next beat (s), valueB = autonomic drive at the beat. */
  readonly beats = new EventList();
  /** SCR onset times (s); valueA = amplitude (uS). */
  readonly scrOnsets = new EventList();
  /** Blink times (s); valueA = amplitude (uV at Fp1/Fp2). */
  readonly blinks = new EventList();

  /** Control samples computed so far; sample k is at k / CONTROL_RATE_HZ. */
  private count = 0;
  private readonly dt = 1 / CONTROL_RATE_HZ;
  private readonly cursor: StimulusCursor;
  private prevStimulus: Stimulus | undefined;
  private readonly latentRng: Rng;
  private readonly beatRng: Rng;
  private readonly scrRng: Rng;
  private readonly blinkRng: Rng;
  private readonly tonicRng: Rng;
  // Dynamic state.
  private xv = 0;
  private xa: number;
  private nv: number;
  private na: number;
  private auto: number;
  private tonicDrive: number;
  private tonicWalk: number;
  private tonicWalkDrive: number;
  private phase = 0;
  private nextBeatSec: number;
  private readonly mayerPhase0: number;
  // Per-step decay factors.
  private readonly kv: number;
  private readonly ka: number;
  private readonly rhoNoise: number;
  private readonly kAuto: number;
  private readonly kTonic: number;
  private readonly rhoWalk: number;
  private readonly kWalk: number;

  constructor(
    private readonly subject: SubjectParams,
    timeline: StimulusTimeline,
  ) {
    const seed = subject.seed;
    this.cursor = new StimulusCursor(timeline);
    this.latentRng = new Rng(hashSeed(seed, 'latent'));
    this.beatRng = new Rng(hashSeed(seed, 'beats'));
    this.scrRng = new Rng(hashSeed(seed, 'scr'));
    this.blinkRng = new Rng(hashSeed(seed, 'blinks'));
    this.tonicRng = new Rng(hashSeed(seed, 'tonic'));
    const dt = this.dt;
    this.kv = 1 - Math.exp(-dt / subject.valenceTauSec);
    this.ka = 1 - Math.exp(-dt / subject.arousalTauSec);
    this.rhoNoise = Math.exp(-dt / subject.latentNoiseTauSec);
    this.kAuto = 1 - Math.exp(-dt / subject.hrTauSec);
    this.kTonic = 1 - Math.exp(-dt / 15);
    this.rhoWalk = Math.exp(-dt / TONIC_DRIFT_TAU_SEC);
    this.kWalk = 1 - Math.exp(-dt / TONIC_DRIFT_TAU_SEC);
    this.xa = subject.restArousal;
    this.nv = subject.latentNoiseSd * this.latentRng.gaussian();
    this.na = subject.latentNoiseSd * this.latentRng.gaussian();
    this.auto = subject.restArousal;
    this.tonicDrive = subject.restArousal;
    this.tonicWalkDrive = TONIC_DRIFT_SD_US * this.tonicRng.gaussian();
    this.tonicWalk = this.tonicWalkDrive;
    this.mayerPhase0 = this.latentRng.range(0, 2 * Math.PI);
    this.phase = this.latentRng.range(0, 2 * Math.PI);
    this.nextBeatSec = this.beatRng.range(0, 0.8);
  }

  /** Seconds up to which control samples exist. */
  get computedUntilSec(): number {
    return (this.count - 1) * this.dt;
  }

  /** Make sure control samples and events cover `tSec + LOOKAHEAD_SEC`. */
  ensure(tSec: number): void {
    const need = tSec + LOOKAHEAD_SEC;
    while ((this.count - 1) * this.dt < need) this.stepOnce();
  }

  /** Linear interpolation of a control array at `tSec` (must lie within the computed window). */
  at(arr: Float64Array, tSec: number): number {
    const x = tSec * CONTROL_RATE_HZ;
    let k = Math.floor(x);
    if (k < 0) k = 0;
    const f = x - k;
    if (k + 1 >= this.count) return arr[(this.count - 1) % RING];
    return arr[k % RING] * (1 - f) + arr[(k + 1) % RING] * f;
  }

  /** Value of a control array at control sample `k` (piecewise constant lookups). */
  sample(arr: Float64Array, k: number): number {
    return arr[(k < 0 ? 0 : k) % RING];
  }

  /** Drop events that no renderer needs any more (older than `tSec`). */
  prune(tSec: number): void {
    this.beats.pruneBefore(tSec);
    this.scrOnsets.pruneBefore(tSec);
    this.blinks.pruneBefore(tSec);
  }

  private stepOnce(): void {
    const s = this.subject;
    const k = this.count;
    const dt = this.dt;
    const t = k * dt;
    const stim = this.cursor.activeAt(t);
    const targetV = stim ? s.valenceReactivity * stim.valence : 0;
    const targetA = stim ? s.arousalReactivity * stim.arousal : s.restArousal;
    const rng = this.latentRng;
    if (k > 0) {
      this.xv += (targetV - this.xv) * this.kv;
      this.xa += (targetA - this.xa) * this.ka;
      const innov = s.latentNoiseSd * Math.sqrt(1 - this.rhoNoise * this.rhoNoise);
      this.nv = this.nv * this.rhoNoise + innov * rng.gaussian();
      this.na = this.na * this.rhoNoise + innov * rng.gaussian();
    }
    const v = clamp1(this.xv + this.nv);
    const a = clamp1(this.xa + this.na);
    this.auto += (a - this.auto) * this.kAuto;
    this.tonicDrive += (a - this.tonicDrive) * this.kTonic;
    // Slow, smooth drift of the skin conductance level: an OU process, low-passed again so
    // its slope stays far below that of an SCR.
    this.tonicWalkDrive = this.tonicWalkDrive * this.rhoWalk + TONIC_DRIFT_SD_US * Math.sqrt(1 - this.rhoWalk * this.rhoWalk) * this.tonicRng.gaussian();
    this.tonicWalk += (this.tonicWalkDrive - this.tonicWalk) * this.kWalk;
    const tonic = Math.max(0.3, s.edaTonicBaseUs + s.edaTonicGainUs * this.tonicDrive + this.tonicWalk);
    if (k > 0) {
      const respRateBpm = s.respRateBaseBpm + s.respRateGainBpm * this.auto;
      this.phase += (2 * Math.PI * respRateBpm * dt) / 60;
    }
    const i = k % RING;
    this.valence[i] = v;
    this.arousal[i] = a;
    this.autonomic[i] = this.auto;
    this.tonicUs[i] = tonic;
    this.respPhase[i] = this.phase;
    this.respDepth[i] = s.respDepth * Math.exp(s.respDepthLogGain * this.auto);
    this.count++;

    this.drawScrs(t, a, stim);
    this.drawBlink(t, a);
    this.prevStimulus = stim;
    this.drawBeats(t);
  }

  /** Phasic SCRs: a Poisson process whose rate and amplitude follow arousal, with onsets
   *  1-3 s after the eliciting moment; plus an orienting response to most clip onsets. */
  private drawScrs(t: number, a: number, stim: Stimulus | undefined): void {
    const s = this.subject;
    const r = this.scrRng;
    const ratePerSec = (s.scrRateBasePerMin / 60) * Math.exp(s.scrRateLogGain * a);
    const u = r.uniform();
    const when = t + r.uniform() * this.dt;
    const latency = Math.min(3, Math.max(1, s.scrLatencySec + 0.3 * r.gaussian()));
    const amp = s.scrAmpMedianUs * Math.exp(s.scrAmpLogGain * a + 0.35 * r.gaussian());
    if (u < ratePerSec * this.dt) this.scrOnsets.insert(when + latency, amp);
    if (stim && stim !== this.prevStimulus) {
      const p = r.uniform();
      const lat = Math.min(3, Math.max(1, s.scrLatencySec + 0.3 * r.gaussian()));
      const ampO = 1.3 * s.scrAmpMedianUs * Math.exp(s.scrAmpLogGain * s.arousalReactivity * stim.arousal + 0.3 * r.gaussian());
      if (p < ORIENTING_SCR_PROB) this.scrOnsets.insert(stim.onsetSec + lat, ampO);
    }
  }

  private drawBlink(t: number, a: number): void {
    const s = this.subject;
    const r = this.blinkRng;
    const ratePerSec = (s.blinkRatePerMin / 60) * Math.exp(0.3 * a);
    const u = r.uniform();
    const when = t + r.uniform() * this.dt;
    const amp = s.blinkAmpUv * r.range(0.7, 1.3);
    if (u < ratePerSec * this.dt) this.blinks.insert(when, amp);
  }

  /** Heart beats up to the computed window: RR from heart rate (autonomic drive), RSA
   *  locked to the breathing phase (weaker at high arousal), Mayer waves and white noise. */
  private drawBeats(tUntil: number): void {
    const s = this.subject;
    while (this.nextBeatSec <= tUntil) {
      const tb = this.nextBeatSec;
      const drive = this.at(this.autonomic, tb);
      const hrBpm = s.hrBaseBpm + s.hrGainBpm * drive;
      const rsa = s.rsaFraction * Math.exp(-0.7 * drive) * Math.sin(this.at(this.respPhase, tb));
      const lf = s.lfFraction * Math.sin(this.mayerPhase0 + 2 * Math.PI * 0.1 * tb);
      let rr = (60 / hrBpm) * (1 + rsa + lf + s.rrNoiseFraction * this.beatRng.gaussian());
      rr = Math.min(2, Math.max(0.3, rr));
      this.beats.insert(tb, rr, drive);
      this.nextBeatSec = tb + rr;
    }
  }
}
