// The rater's input devices, shared by live and post-hoc annotation (views/Annotate.svelte,
// components/annotate-replay.svelte): held arrow keys move the cursor at a set speed, the
// gamepad's left stick sets it; both on [-1, 1] in the 1-D or 2-D mode.

export type AnnotateMode = '2d' | '1d';
export type AnnotateDimension = 'valence' | 'arousal';
export interface RatingPoint {
  valence: number;
  arousal: number;
}

export const ARROW_KEYS: ReadonlySet<string> = new Set(['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown']);

const clamp = (x: number) => Math.max(-1, Math.min(1, x));

/** The point after `step` scale units of movement by the held arrow keys. */
export function keyboardStep(held: ReadonlySet<string>, mode: AnnotateMode, dimension: AnnotateDimension, p: RatingPoint, step: number): RatingPoint {
  let v = p.valence;
  let a = p.arousal;
  if (mode === '2d') {
    if (held.has('ArrowRight')) v += step;
    if (held.has('ArrowLeft')) v -= step;
    if (held.has('ArrowUp')) a += step;
    if (held.has('ArrowDown')) a -= step;
  } else {
    const d = (held.has('ArrowRight') || held.has('ArrowUp') ? step : 0) - (held.has('ArrowLeft') || held.has('ArrowDown') ? step : 0);
    if (dimension === 'valence') v += d;
    else a += d;
  }
  return { valence: clamp(v), arousal: clamp(a) };
}

/** The first connected gamepad's left stick (right = positive valence, up = high arousal), or null without one. */
export function gamepadPoint(mode: AnnotateMode, dimension: AnnotateDimension, p: RatingPoint): { point: RatingPoint; name: string } | null {
  const pads = navigator.getGamepads?.() ?? [];
  const pad = pads.find((x) => x && x.connected) ?? null;
  if (!pad) return null;
  if (pad.axes.length < 2) return { point: p, name: pad.id };
  const dead = (x: number) => (Math.abs(x) < 0.08 ? 0 : x);
  const sx = clamp(dead(pad.axes[0]));
  const sy = clamp(-dead(pad.axes[1]));
  const point = mode === '2d' ? { valence: sx, arousal: sy } : dimension === 'valence' ? { valence: sx, arousal: p.arousal } : { valence: p.valence, arousal: sy };
  return { point, name: pad.id };
}

/** True when a key event is typing into a form control (then it is not a rating key). */
export function isTyping(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  return !!t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT');
}

/** The circumplex trail: the last `keepSec` of positions as [valence, arousal, ageSec] triples, oldest first. */
export class RatingTrail {
  private readonly points: Array<[number, number, number]> = [];
  private triples: Float64Array<ArrayBuffer> = new Float64Array(0);

  constructor(readonly keepSec = 3) {}

  /** Add the point at `nowSec` (when it moved), drop old ones, and return the triples (reused while the length holds). */
  update(p: RatingPoint, nowSec: number): Float64Array<ArrayBuffer> {
    const last = this.points[this.points.length - 1];
    if (!last || last[0] !== p.valence || last[1] !== p.arousal) this.points.push([p.valence, p.arousal, nowSec]);
    while (this.points.length > 0 && nowSec - this.points[0][2] > this.keepSec) this.points.shift();
    if (this.triples.length !== this.points.length * 3) this.triples = new Float64Array(this.points.length * 3);
    this.points.forEach(([v, a, t], i) => this.triples.set([v, a, nowSec - t], 3 * i));
    return this.triples;
  }
}
