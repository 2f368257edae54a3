// Figures: (1) offline agreement analysis of a 10-min session annotated by 3 raters
// (10 Hz grid: ICC x6, interval alpha, 3 pairwise CCC/Pearson, lags, EWE, one reference,
// all with 1000 moving-block bootstrap resamples); (2) live running-CCC pairing cost per
// prediction sample (prediction 4 Hz, annotation 30 Hz).
// Run: npx tsx bench/agreement.ts [--minutes 10] [--runs 5]
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { LiveAgreement } from '../src-main/core/annotation/live-agreement.js';
import { analyzeAgreement } from '../src-main/core/annotation/report.js';
import type { AnnotationTrace } from '../src-main/core/annotation/trace.js';
import { argNumber, median } from './bench-util.js';

const minutes = argNumber('--minutes', 10);
const runs = Math.max(3, argNumber('--runs', 5));
const durSec = minutes * 60;

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}
const latent = (t: number) => 0.5 * Math.sin(t / 9) + 0.3 * Math.sin(t / 23 + 1) + 0.1 * Math.sin(t / 3.7);

function rater(id: string, lagSec: number, seed: number): AnnotationTrace {
  const rnd = lcg(seed);
  const n = Math.floor(durSec * 20);
  const timesSec = new Float64Array(n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    timesSec[i] = i / 20;
    values[i] = latent(timesSec[i] - lagSec) + 0.1 * (rnd() - 0.5);
  }
  return { raterId: id, dimension: 'valence', device: 'joystick', kind: 'rater', timesSec, values };
}
const traces = [rater('a', 1, 1), rater('b', 2, 2), rater('c', 1.5, 3)];
const ref: AnnotationTrace = { ...rater('gt', 0, 4), raterId: 'ground-truth', kind: 'ground-truth' };

const offlineMs: number[] = [];
for (let r = 0; r < runs; r++) {
  const t0 = performance.now();
  analyzeAgreement([...traces, ref], { bootstrap: { resamples: 1000, seed: r + 1 } });
  offlineMs.push(performance.now() - t0);
}

const liveUs: number[] = [];
for (let r = 0; r < runs; r++) {
  const live = new LiveAgreement({ timeConstantSec: 30 });
  const predictions = durSec * 4;
  const t0 = performance.now();
  for (let i = 0; i < durSec * 30; i++) {
    const t = i / 30;
    live.addAnnotation(t, latent(t));
    if (i % 7 === 0) live.addPrediction(t, latent(t));
  }
  liveUs.push(((performance.now() - t0) * 1000) / predictions);
}

const meta = { runs, node: process.version, cpu: cpus()[0]?.model ?? 'unknown', date: new Date().toISOString().slice(0, 10) };
console.log(
  JSON.stringify({
    figure: 'agreement-offline',
    what: `analyzeAgreement: ${minutes}-min session, 3 raters + 1 reference, 10 Hz grid, 1000 block-bootstrap resamples`,
    medianMs: Number(median(offlineMs).toFixed(1)),
    ...meta,
  }),
);
console.log(
  JSON.stringify({
    figure: 'agreement-live',
    what: 'LiveAgreement: pairing + running CCC, per prediction sample incl. ~7.5 annotation samples',
    medianUsPerPrediction: Number(median(liveUs).toFixed(3)),
    ...meta,
  }),
);
