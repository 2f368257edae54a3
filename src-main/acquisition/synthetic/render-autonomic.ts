// Synthetic EDA and respiration from the latent track. EDA (uS): tonic level plus phasic
// SCRs with a bi-exponential shape (rise and decay time constants of the subject), onsets
// from the track's SCR list (rate and amplitude follow arousal, 1-3 s latency). Respiration
// (a.u., belt): breathing phase and depth from the track (faster, shallower with arousal).

import type { LatentTrack } from './latent-track.js';
import { hashSeed, Rng } from './prng.js';
import type { SignalRenderer } from './renderer.js';
import type { SubjectParams } from './subject.js';

const EDA_NOISE_US = 0.003;
const RESP_NOISE = 0.02;

export class EdaRenderer implements SignalRenderer {
  readonly channelCount = 1;
  private next = 0;
  private cursor = 0;
  private readonly rng: Rng;
  /** Sums of SCR amplitudes decayed by the decay and the rise time constants. */
  private slow = 0;
  private fast = 0;
  private readonly decaySlow: number;
  private readonly decayFast: number;
  /** 1 / peak of exp(-t/tauDecay) - exp(-t/tauRise), so an SCR's amplitude is its peak. */
  private readonly norm: number;

  constructor(
    private readonly subject: SubjectParams,
    private readonly track: LatentTrack,
    readonly rateHz: number,
  ) {
    this.rng = new Rng(hashSeed(subject.seed, 'eda-noise'));
    const td = subject.scrDecayTauSec;
    const tr = subject.scrRiseTauSec;
    this.decaySlow = Math.exp(-1 / (rateHz * td));
    this.decayFast = Math.exp(-1 / (rateHz * tr));
    const tPeak = (Math.log(td / tr) * td * tr) / (td - tr);
    this.norm = 1 / (Math.exp(-tPeak / td) - Math.exp(-tPeak / tr));
  }

  render(out: Float32Array, outRow: number, n0: number, count: number): void {
    if (n0 !== this.next) throw new Error(`EDA renderer: expected sample ${this.next}, got ${n0}`);
    this.next = n0 + count;
    const fs = this.rateHz;
    const tr = this.track;
    const onsets = tr.scrOnsets;
    const td = this.subject.scrDecayTauSec;
    const tRise = this.subject.scrRiseTauSec;
    if (this.cursor < onsets.first) this.cursor = onsets.first;
    for (let i = 0; i < count; i++) {
      const tSec = (n0 + i) / fs;
      while (this.cursor < onsets.end && onsets.time(this.cursor) <= tSec) {
        const age = tSec - onsets.time(this.cursor);
        const a = onsets.valueA(this.cursor) * this.norm;
        this.slow += a * Math.exp(-age / td);
        this.fast += a * Math.exp(-age / tRise);
        this.cursor++;
      }
      out[outRow + i] = tr.at(tr.tonicUs, tSec) + (this.slow - this.fast) + EDA_NOISE_US * this.rng.gaussian();
      this.slow *= this.decaySlow;
      this.fast *= this.decayFast;
    }
  }
}

export class RespRenderer implements SignalRenderer {
  readonly channelCount = 1;
  private next = 0;
  private readonly rng: Rng;

  constructor(
    subject: SubjectParams,
    private readonly track: LatentTrack,
    readonly rateHz: number,
  ) {
    this.rng = new Rng(hashSeed(subject.seed, 'resp-noise'));
  }

  render(out: Float32Array, outRow: number, n0: number, count: number): void {
    if (n0 !== this.next) throw new Error(`RESP renderer: expected sample ${this.next}, got ${n0}`);
    this.next = n0 + count;
    const fs = this.rateHz;
    const tr = this.track;
    for (let i = 0; i < count; i++) {
      const tSec = (n0 + i) / fs;
      const phase = tr.at(tr.respPhase, tSec);
      const depth = tr.at(tr.respDepth, tSec);
      out[outRow + i] = depth * (Math.sin(phase) + 0.2 * Math.sin(2 * phase - 0.6)) + RESP_NOISE * this.rng.gaussian();
    }
  }
}
