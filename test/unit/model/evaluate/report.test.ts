import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EVALUATION_VERSION, acceptanceClaims, claimVerdict, meanSd, pairedDifference, summarise, writeReport, type EvaluationRun, type FoldArchResult } from '../../../../src-main/model/evaluate/index.js';
import { lineChart, niceTicks } from '../../../../src-main/model/evaluate/svg.js';
import { resolveHiMoEConfig } from '../../../../src-main/model/himoe/index.js';

const metrics = (v: number, a: number) => ({ dimensions: { valence: { rmse: 0.5, pcc: v, ccc: v, n: 10 }, arousal: { rmse: 0.4, pcc: a, ccc: a, n: 10 } }, meanCcc: (v + a) / 2 });

function result(fold: number, arch: string, v: number, a: number, missingDrop: number, shiftDrop: number): FoldArchResult {
  return {
    fold,
    foldName: `test subject s${fold}`,
    arch,
    parameters: 100,
    training: [],
    trainWindows: 10,
    validationWindows: 5,
    testWindows: 5,
    trainSec: 1,
    metrics: metrics(v, a),
    robustness: [
      { kind: 'none', level: 0, metrics: metrics(v, a) },
      { kind: 'modality-missing', level: 0.5, metrics: metrics(v - missingDrop, a - missingDrop) },
      { kind: 'shift', level: 1, metrics: metrics(v - shiftDrop, a - shiftDrop) },
    ],
    trace: { subject: `s${fold}`, samples: [0, 1, 2].map((t) => ({ tSec: t, truth: [0.1 * t, -0.1 * t], prediction: [0.1, 0.2], weights: [0.5, 0.3, 0.2, 0] })) },
  };
}

function run(results: FoldArchResult[], evaluationVersion = EVALUATION_VERSION): EvaluationRun {
  const config = resolveHiMoEConfig({});
  return {
    fingerprint: { evaluationVersion, data: 'synthetic:subjects=3', protocol: 'loso', folds: 2, seed: 1, config: { ...config, modalities: config.modalities.slice(0, 3) }, train: { epochs: 1 }, robustness: false },
    folds: [0, 1].map((index) => ({ index, name: `test subject s${index}`, testSubjects: [`s${index}`], testTrials: [], droppedOverlapping: 0, train: 10, validation: 5, test: 5 })),
    archs: [...new Set(results.map((r) => r.arch))],
    results,
    cancelled: false,
    elapsedSec: 3,
  };
}

describe('evaluation report', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('computes mean and sample standard deviation over folds, ignoring NaN', () => {
    expect(meanSd([1, 2, 3, Number.NaN])).toEqual({ mean: 2, sd: 1 });
    expect(meanSd([0.5])).toEqual({ mean: 0.5, sd: 0 });
    expect(Number.isNaN(meanSd([]).mean)).toBe(true);
  });

  it('summarises per architecture and states each acceptance comparison with its measured values', () => {
    const r = run([
      result(0, 'himoe', 0.6, 0.7, 0.05, 0.01),
      result(1, 'himoe', 0.4, 0.5, 0.05, 0.01),
      result(0, 'early-fusion', 0.5, 0.8, 0.2, 0.0),
      result(1, 'early-fusion', 0.3, 0.6, 0.2, 0.0),
    ]);
    const { summary, robustness, outputs } = summarise(r);
    expect(summary.map((s) => s.arch)).toEqual(['himoe', 'early-fusion']);
    expect(summary[0]!.dimensions.valence!.ccc.mean).toBeCloseTo(0.5, 12);
    expect(summary[0]!.dimensions.valence!.ccc.sd).toBeCloseTo(Math.SQRT2 * 0.1, 12);
    const claims = acceptanceClaims(summary, robustness, outputs, r.results);
    const byClaim = Object.fromEntries(claims.map((c) => [c.claim, c.passed]));
    expect(byClaim['Hi-MoE beats early-fusion in valence CCC (all modalities present)']).toBe(true);
    expect(byClaim['Hi-MoE beats early-fusion in arousal CCC (all modalities present)']).toBe(false);
    expect(byClaim["at a 50 % modality-missing rate, Hi-MoE's valence CCC falls by less than early fusion's"]).toBe(true);
    expect(byClaim["at a 1 s asynchrony shift, Hi-MoE's arousal CCC falls by less than early fusion's"]).toBe(false);
    // Hi-MoE keeps 0.45/0.5 = 90 % of its clean valence CCC, early fusion 0.2/0.4 = 50 %; it is ahead by 0.15 in both folds (no spread, so a zero-width CI).
    const missing = claims.find((c) => c.claim.startsWith('at a 50 %') && c.claim.includes('valence'))!;
    expect(missing.detail).toBe('drop 0.050 vs 0.200 (keeps 90 % vs 50 % of its clean CCC); by fold: Hi-MoE ahead +0.150 (95 % CI +0.150 to +0.150), in 2 of 2 folds');
    expect(missing.paired).toMatchObject({ foldsAhead: 2, folds: 2 });
    expect(missing.paired!.mean).toBeCloseTo(0.15, 12);
    // Without per-fold results the claims are the means alone.
    expect(acceptanceClaims(summary, robustness, outputs).every((c) => c.paired === undefined && !c.detail.includes('by fold'))).toBe(true);
  });

  it('states a claim whose paired interval includes 0 as within fold noise, whichever side it lands on', () => {
    const paired = (lo: number, hi: number) => ({ mean: (lo + hi) / 2, ci95: [lo, hi] as [number, number], foldsAhead: 4, folds: 8 });
    expect(claimVerdict({ passed: true, paired: paired(0.01, 0.05) })).toBe('pass');
    expect(claimVerdict({ passed: true, paired: paired(-0.027, 0.028) })).toBe('pass, within fold noise');
    expect(claimVerdict({ passed: false, paired: paired(-0.02, 0.008) })).toBe('fail, within fold noise');
    expect(claimVerdict({ passed: false, paired: paired(-0.063, -0.016) })).toBe('fail');
    // One fold (no interval) or no per-fold results: the criterion alone.
    expect(claimVerdict({ passed: true, paired: paired(Number.NaN, Number.NaN) })).toBe('pass');
    expect(claimVerdict({ passed: false })).toBe('fail');
  });

  it('pairs a comparison by fold: mean advantage, a Student t 95 % CI, and the folds ahead', () => {
    // Differences 0.1, 0.3, -0.1, 0.1: mean 0.1, s.d. sqrt(0.08/3), t(3) = 3.182.
    const p = pairedDifference([0.1, 0.3, -0.1, 0.1, Number.NaN]);
    const half = 3.182 * Math.sqrt(0.08 / 3) / 2;
    expect(p.mean).toBeCloseTo(0.1, 12);
    expect(p.ci95[0]).toBeCloseTo(0.1 - half, 12);
    expect(p.ci95[1]).toBeCloseTo(0.1 + half, 12);
    expect(p).toMatchObject({ foldsAhead: 3, folds: 4 });
    expect(Number.isNaN(pairedDifference([0.2]).ci95[0])).toBe(true);
    // Per-fold CCC differences from results: himoe 0.6/0.4 vs eeg-only 0.5/0.6 in valence -> +0.1 and -0.2.
    const r = run([result(0, 'himoe', 0.6, 0.7, 0, 0), result(1, 'himoe', 0.4, 0.5, 0, 0), result(0, 'eeg-only', 0.5, 0.1, 0, 0), result(1, 'eeg-only', 0.6, 0.1, 0, 0)]);
    const { summary, robustness, outputs } = summarise(r);
    const valence = acceptanceClaims(summary, robustness, outputs, r.results).find((c) => c.claim === 'Hi-MoE beats eeg-only in valence CCC (all modalities present)')!;
    expect(valence.passed).toBe(false);
    expect(valence.paired!.mean).toBeCloseTo(-0.05, 12);
    expect(valence.paired).toMatchObject({ foldsAhead: 1, folds: 2 });
  });

  it('writes report.json, report.md with the results table and the plots it links', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'himoe-report-'));
    dirs.push(dir);
    const report = await writeReport(run([result(0, 'himoe', 0.6, 0.7, 0.05, 0.01), result(0, 'eeg-only', 0.2, 0.1, 0.1, 0.1)]), dir);
    const md = await readFile(join(dir, 'report.md'), 'utf8');
    expect(md).toMatch(/\| himoe \| 100 \| 0\.600 ± 0\.000 \|/);
    // Training time of every result, also of results read from an earlier process (each result here took 1 s).
    expect(md).toContain('2 s of training in all (3 s in the process that wrote this report');
    expect(md).toMatch(/\| Hi-MoE beats eeg-only in valence CCC \(all modalities present\) \| 0\.600 vs 0\.200; by fold: Hi-MoE ahead \+0\.400, in 1 of 1 folds \| pass \|/);
    // The scoring rule of the version that computed the results, not of this program.
    expect(md).toContain('Each instant is scored once, in the window that gives it the most context');
    expect(md).toContain('early stopping selects each network\'s epoch on the same rule over its validation windows');
    await writeReport(run([result(0, 'himoe', 0.6, 0.7, 0.05, 0.01)], 3), join(dir, 'v3'));
    expect(await readFile(join(dir, 'v3', 'report.md'), 'utf8')).toContain('(early stopping selected epochs on every token of the validation windows)');
    await writeReport(run([result(0, 'himoe', 0.6, 0.7, 0.05, 0.01)], 2), join(dir, 'v2'));
    expect(await readFile(join(dir, 'v2', 'report.md'), 'utf8')).toContain('Every token of the overlapping windows is scored (evaluation version 1-2)');
    expect(report.plots.sort()).toEqual(['robustness-modality-missing.svg', 'robustness-shift.svg', 'routing.svg', 'traces.svg']);
    for (const p of report.plots) {
      expect(md).toContain(`(${p})`);
      expect(await readFile(join(dir, p), 'utf8')).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"[\s\S]*<\/svg>\n$/);
    }
    const json = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as { format: string; summary: unknown[] };
    expect(json.format).toBe('himoe-evaluation');
    expect(json.summary).toHaveLength(2);
  });

  it('draws one chart per output when the trace has each output\'s own weights, one chart otherwise', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'himoe-report-'));
    dirs.push(dir);
    const shared = result(0, 'himoe', 0.6, 0.7, 0.05, 0.01);
    const perOutput = { ...shared, trace: { ...shared.trace, samples: shared.trace.samples.map((x) => ({ ...x, outputWeights: [[0.9, 0, 0, 0.1], [0.1, 0.6, 0.2, 0.1]] })) } };
    await writeReport(run([perOutput]), join(dir, 'per-output'));
    await writeReport(run([shared]), join(dir, 'shared'));
    const split = await readFile(join(dir, 'per-output', 'routing.svg'), 'utf8');
    const one = await readFile(join(dir, 'shared', 'routing.svg'), 'utf8');
    expect(split).toContain('Hi-MoE routing weights for valence: subject s0');
    expect(split).toContain('Hi-MoE routing weights for arousal: subject s0');
    expect(one).toContain('Hi-MoE routing weights: subject s0');
    const height = (svg: string) => Number(/^<svg[^>]* height="(\d+)"/.exec(svg)![1]);
    expect(height(split)).toBe(2 * height(one));
    expect(split).toMatch(/<g transform="translate\(0 0\)">[\s\S]*<g transform="translate\(0 \d+\)">/);
  });
});

describe('SVG charts', () => {
  it('picks round ticks covering the range', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-1, 1)).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(niceTicks(0, 70)).toEqual([0, 20, 40, 60]);
  });

  it('breaks a line at a missing value instead of drawing through it, and escapes labels', () => {
    const svg = lineChart({ title: 'a < b & c', xLabel: 'x', yLabel: 'y', series: [{ name: 's', points: [[0, 0], [1, Number.NaN], [2, 1], [3, 0]] }] });
    const d = /<path d="([^"]+)"/.exec(svg)![1]!;
    expect(d.match(/M/g)).toHaveLength(2);
    expect(d).not.toContain('NaN');
    expect(svg).toContain('a &lt; b &amp; c');
  });

  it('widens the chart for a long legend name instead of cutting it off, keeping the plot area', () => {
    const short = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'himoe', points: [[0, 0], [1, 1]] }] });
    const long = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'ablation-softmax-attention', points: [[0, 0], [1, 1]] }] });
    const width = (svg: string) => Number(/^<svg[^>]* width="(\d+)"/.exec(svg)![1]);
    const plotWidth = (svg: string) => Number(/<rect x="64" y="36" width="([\d.]+)"/.exec(svg)![1]);
    expect(width(short)).toBe(640);
    // 26 characters at ~7 px plus the swatch fit right of the plot.
    expect(width(long) - 64 - plotWidth(long)).toBeGreaterThanOrEqual(32 + 7 * 26);
    expect(plotWidth(long)).toBe(plotWidth(short));
  });
});
