// Stimulus schedules for the synthetic subject: what the subject "watches" and the
// valence/arousal each clip aims at. The latent emotion trajectory is driven by it, and the
// synthetic-stimulus source emits its onsets/offsets as markers. Pure TS.

import { hashSeed, Rng } from './prng.js';

export interface Stimulus {
  /** Onset in seconds since the simulated world started. */
  onsetSec: number;
  durationSec: number;
  label: string;
  /** Target valence and arousal of the clip, in [-1, 1]. */
  valence: number;
  arousal: number;
}

export type StimulusSchedule = readonly Stimulus[];

export type Quadrant = 'HVHA' | 'HVLA' | 'LVHA' | 'LVLA';

/** Seconds of rest before the first clip of the default schedule (baseline). */
export const DEFAULT_BASELINE_SEC = 10;
const CLIP_MIN_SEC = 50;
const CLIP_MAX_SEC = 70;
const REST_MIN_SEC = 15;
const REST_MAX_SEC = 25;
const QUADRANTS: readonly Quadrant[] = ['HVHA', 'HVLA', 'LVHA', 'LVLA'];

/** Quadrant of the circumplex a (valence, arousal) pair falls in. */
export function quadrantOf(valence: number, arousal: number): Quadrant {
  return `${valence >= 0 ? 'HV' : 'LV'}${arousal >= 0 ? 'HA' : 'LA'}` as Quadrant;
}

/**
 * The default schedule: ~60 s clips (50-70 s) separated by 15-25 s of rest, after a 10 s
 * baseline; every block of four clips visits the four circumplex quadrants in a seeded
 * order, with |valence| and |arousal| drawn in [0.45, 0.9]. Infinite and lazily extended;
 * clip i depends only on the seed, so a longer run starts with the same clips.
 */
export class DefaultStimulusGenerator {
  private readonly clips: Stimulus[] = [];
  private nextOnsetSec = DEFAULT_BASELINE_SEC;
  private block = 0;

  constructor(private readonly seed: number) {}

  /** Clip `i` (0-based). */
  get(i: number): Stimulus {
    while (this.clips.length <= i) this.extend();
    return this.clips[i];
  }

  private extend(): void {
    const rng = new Rng(hashSeed(this.seed, 'stimuli', this.block));
    const order = rng.shuffle([...QUADRANTS]);
    for (const q of order) {
      const durationSec = Math.round(rng.range(CLIP_MIN_SEC, CLIP_MAX_SEC) * 10) / 10;
      const v = rng.range(0.45, 0.9) * (q.startsWith('HV') ? 1 : -1);
      const a = rng.range(0.45, 0.9) * (q.endsWith('HA') ? 1 : -1);
      const index = this.clips.length + 1;
      this.clips.push({
        onsetSec: this.nextOnsetSec,
        durationSec,
        label: `clip-${String(index).padStart(3, '0')}-${q}`,
        valence: Math.round(v * 1000) / 1000,
        arousal: Math.round(a * 1000) / 1000,
      });
      this.nextOnsetSec += durationSec + Math.round(rng.range(REST_MIN_SEC, REST_MAX_SEC) * 10) / 10;
    }
    this.block++;
  }
}

/** The default schedule's clips that start before `untilSec`. */
export function defaultStimulusSchedule(seed: number, untilSec: number): Stimulus[] {
  const gen = new DefaultStimulusGenerator(seed);
  const out: Stimulus[] = [];
  for (let i = 0; ; i++) {
    const s = gen.get(i);
    if (s.onsetSec >= untilSec) return out;
    out.push(s);
  }
}

/** Random access over either a fixed schedule or the infinite default one. */
export class StimulusTimeline {
  private readonly generator: DefaultStimulusGenerator | undefined;

  constructor(
    seed: number,
    private readonly fixed: StimulusSchedule | undefined,
  ) {
    this.generator = fixed ? undefined : new DefaultStimulusGenerator(seed);
  }

  /** Stimulus `i` in onset order, or undefined past the end of a fixed schedule. */
  get(i: number): Stimulus | undefined {
    if (this.fixed) return this.fixed[i];
    return this.generator?.get(i);
  }

  /** The stimuli that start before `untilSec` (for reports and evaluation). */
  scheduleUntil(untilSec: number): Stimulus[] {
    const out: Stimulus[] = [];
    for (let i = 0; ; i++) {
      const s = this.get(i);
      if (!s || s.onsetSec >= untilSec) return out;
      out.push(s);
    }
  }
}

/** Walks a timeline forwards in time: which stimulus is active at a (non-decreasing) time. */
export class StimulusCursor {
  private index = 0;
  constructor(private readonly timeline: StimulusTimeline) {}

  /** The stimulus active at `tSec` (onset <= t < offset), or undefined during rest. Calls
   *  must have non-decreasing `tSec`. */
  activeAt(tSec: number): Stimulus | undefined {
    for (;;) {
      const s = this.timeline.get(this.index);
      if (!s) return undefined;
      if (tSec < s.onsetSec) return undefined;
      if (tSec < s.onsetSec + s.durationSec) return s;
      this.index++;
    }
  }
}
