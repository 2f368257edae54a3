import { describe, expect, it } from 'vitest';
import { ccc, pearson } from '../../../../src-main/core/annotation/correlation.js';
import { AnnotationError } from '../../../../src-main/core/annotation/errors.js';
import { LiveAgreement } from '../../../../src-main/core/annotation/live-agreement.js';
import { RunningCcc } from '../../../../src-main/core/annotation/running-ccc.js';
import { lcg } from './simulated-raters.js';

describe('RunningCcc', () => {
  it('equals the batch CCC and Pearson while the series is shorter than the time constant', () => {
    const rnd = lcg(3);
    const x = Array.from({ length: 50 }, () => rnd() * 2 - 1);
    const y = x.map((v) => 0.7 * v + 0.2 + 0.3 * (rnd() - 0.5));
    const r = new RunningCcc({ timeConstantSec: 1000 });
    x.forEach((v, i) => r.push(i * 0.25, v, y[i]));
    // 50 samples at 4 Hz = 12 s << 1000 s: the 1/n warm-up weights are the exact running averages.
    expect(r.ccc).toBeCloseTo(ccc(x, y), 10);
    expect(r.pearson).toBeCloseTo(pearson(x, y), 10);
    expect(r.count).toBe(50);
  });

  it('forgets an old regime after a few time constants', () => {
    const r = new RunningCcc({ timeConstantSec: 10 });
    // 200 s of perfect agreement, then 100 s of anti-agreement.
    for (let i = 0; i < 800; i++) r.push(i / 4, Math.sin(i / 7), Math.sin(i / 7));
    expect(r.ccc).toBeCloseTo(1, 6);
    for (let i = 800; i < 1200; i++) r.push(i / 4, Math.sin(i / 7), -Math.sin(i / 7));
    expect(r.ccc).toBeLessThan(-0.9);
  });

  it('ignores NaN pairs and is NaN before two pairs', () => {
    const r = new RunningCcc();
    r.push(0, Number.NaN, 1);
    r.push(1, 0.5, 0.5);
    expect(r.count).toBe(1);
    expect(r.ccc).toBeNaN();
  });

  it('rejects a non-positive time constant with a typed error', () => {
    expect(() => new RunningCcc({ timeConstantSec: 0 })).toThrow(AnnotationError);
  });
});

describe('LiveAgreement (prediction vs live annotation)', () => {
  it('holds a prediction until the annotation reaches its time, then pairs it with the interpolated annotation', () => {
    const live = new LiveAgreement({ timeConstantSec: 1000 });
    live.addPrediction(1.0, 0.1);
    live.addPrediction(1.5, 0.4);
    expect(live.snapshot().pairs).toBe(0);
    live.addAnnotation(0.9, 0.0);
    live.addAnnotation(1.1, 0.2); // annotation at 1.0 = 0.1
    expect(live.snapshot().pairs).toBe(1);
    live.addAnnotation(1.7, 0.6); // annotation at 1.5 = 0.2 + 0.4 * (0.4/0.6) = 0.4667
    expect(live.snapshot().pairs).toBe(2);
    expect(live.snapshot().lastPairSec).toBe(1.5);
  });

  it('compares prediction(t) with annotation(t + lag): a lagged rater agrees perfectly at the right lag', () => {
    const signal = (t: number) => Math.sin(t / 3) * 0.8;
    const withLag = new LiveAgreement({ annotationLagSec: 2, timeConstantSec: 60 });
    const noLag = new LiveAgreement({ timeConstantSec: 60 });
    for (let i = 0; i < 1200; i++) {
      const t = i / 20;
      if (i % 5 === 0) {
        withLag.addPrediction(t, signal(t));
        noLag.addPrediction(t, signal(t));
      }
      withLag.addAnnotation(t, signal(t - 2));
      noLag.addAnnotation(t, signal(t - 2));
    }
    expect(withLag.snapshot().ccc).toBeGreaterThan(0.999);
    expect(noLag.snapshot().ccc).toBeLessThan(0.9);
  });

  it('does not bridge annotation gaps longer than maxGapSec', () => {
    const live = new LiveAgreement({ maxGapSec: 0.5 });
    live.addAnnotation(0, 0.1);
    live.addAnnotation(2, 0.3);
    live.addPrediction(1, 0.2);
    expect(live.snapshot().pairs).toBe(0);
  });

  it('drops the oldest waiting prediction when the queue is full and counts it', () => {
    const live = new LiveAgreement({ pendingCapacity: 4 });
    for (let i = 0; i < 6; i++) live.addPrediction(i, 0);
    expect(live.snapshot().droppedPredictions).toBe(2);
  });
});
