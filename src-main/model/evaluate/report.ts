// The evaluation report (issue 3 item 5): per-architecture means and standard deviations over
// folds of RMSE, PCC and CCC per dimension, robustness curves, the acceptance comparisons of
// issue 3 item 10 (stated as measured, pass or fail), and the files report.json, report.md and
// SVG plots (robustness curves, predicted vs true traces, routing weights).

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expertNames } from '../himoe/config.js';
import { writeAtomically } from '../io/model-files.js';
import { ARCH_DESCRIPTIONS, BASELINES, isArchName } from './architectures.js';
import type { EvaluationRun, FoldArchResult, TraceSample } from './evaluate.js';
import { PERTURBATION_UNITS, type PerturbationKind } from './robustness.js';
import { lineChart, stackedAreaChart, PALETTE } from './svg.js';
import { claimVerdict } from './verdict.js';

export { claimVerdict } from './verdict.js';

export interface MeanSd {
  mean: number;
  sd: number;
}

export interface ArchSummary {
  arch: string;
  description: string;
  parameters: number;
  folds: number;
  trainSec: number;
  dimensions: Record<string, { ccc: MeanSd; pcc: MeanSd; rmse: MeanSd }>;
  meanCcc: MeanSd;
}

export interface RobustnessPoint {
  arch: string;
  kind: PerturbationKind | 'none';
  level: number;
  /** Mean over folds of each dimension's CCC, and of their mean. */
  ccc: Record<string, number>;
  meanCcc: number;
}

/** A comparison fold by fold: Hi-MoE's advantage in each fold where both arms have a result. */
export interface PairedDifference {
  /** Mean over folds of Hi-MoE's advantage (its CCC minus the other's; or the other's drop minus Hi-MoE's). */
  mean: number;
  /** 95 % confidence interval of that mean (Student t over folds); NaN with fewer than 2 folds. */
  ci95: [number, number];
  /** Folds in which Hi-MoE was ahead, and folds compared. */
  foldsAhead: number;
  folds: number;
}

export interface Claim {
  claim: string;
  /** The issue's criterion on the means over folds. */
  passed: boolean;
  detail: string;
  /** The same comparison paired by fold, to tell a difference from fold-to-fold noise. */
  paired?: PairedDifference;
}

export interface EvaluationReport {
  format: 'himoe-evaluation';
  version: 1;
  createdAt: string;
  run: EvaluationRun;
  outputs: string[];
  summary: ArchSummary[];
  robustness: RobustnessPoint[];
  claims: Claim[];
  plots: string[];
}

export function meanSd(values: number[]): MeanSd {
  const v = values.filter(Number.isFinite);
  if (v.length === 0) return { mean: Number.NaN, sd: Number.NaN };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { mean, sd };
}

function byArch(run: EvaluationRun): Map<string, FoldArchResult[]> {
  const map = new Map<string, FoldArchResult[]>();
  for (const a of run.archs) map.set(a, []);
  for (const r of run.results) map.get(r.arch)?.push(r);
  return map;
}

export function summarise(run: EvaluationRun): { summary: ArchSummary[]; robustness: RobustnessPoint[]; outputs: string[] } {
  const outputs = run.fingerprint.config.outputs;
  const summary: ArchSummary[] = [];
  const robustness: RobustnessPoint[] = [];
  for (const [arch, results] of byArch(run)) {
    if (results.length === 0) continue;
    const dimensions: ArchSummary['dimensions'] = {};
    for (const d of outputs) {
      dimensions[d] = {
        ccc: meanSd(results.map((r) => r.metrics.dimensions[d]?.ccc ?? Number.NaN)),
        pcc: meanSd(results.map((r) => r.metrics.dimensions[d]?.pcc ?? Number.NaN)),
        rmse: meanSd(results.map((r) => r.metrics.dimensions[d]?.rmse ?? Number.NaN)),
      };
    }
    summary.push({
      arch,
      description: isArchName(arch) ? ARCH_DESCRIPTIONS[arch] : `trained model ${arch}`,
      parameters: results[0]!.parameters,
      folds: results.length,
      trainSec: results.reduce((s, r) => s + r.trainSec, 0),
      dimensions,
      meanCcc: meanSd(results.map((r) => r.metrics.meanCcc)),
    });
    const keys = new Map<string, { kind: PerturbationKind | 'none'; level: number }>();
    for (const r of results) for (const p of r.robustness) keys.set(`${p.kind}@${p.level}`, { kind: p.kind, level: p.level });
    for (const { kind, level } of keys.values()) {
      const at = results.map((r) => r.robustness.find((p) => p.kind === kind && p.level === level)).filter((p) => p !== undefined);
      const ccc: Record<string, number> = {};
      for (const d of outputs) ccc[d] = meanSd(at.map((p) => p.metrics.dimensions[d]?.ccc ?? Number.NaN)).mean;
      robustness.push({ arch, kind, level, ccc, meanCcc: meanSd(at.map((p) => p.metrics.meanCcc)).mean });
    }
  }
  return { summary, robustness, outputs };
}

const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');
const signed3 = (v: number) => (Number.isFinite(v) ? `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(3)}` : 'n/a');

// Two-sided 95 % quantiles of Student's t for 1-30 degrees of freedom (beyond: the normal 1.96).
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** Mean, t-based 95 % CI and sign count of per-fold differences (NaN entries are left out). */
export function pairedDifference(differences: readonly number[]): PairedDifference {
  const v = differences.filter(Number.isFinite);
  const { mean, sd } = meanSd(v);
  const half = v.length > 1 ? (T975[v.length - 2] ?? 1.96) * (sd / Math.sqrt(v.length)) : Number.NaN;
  return { mean, ci95: [mean - half, mean + half], foldsAhead: v.filter((x) => x > 0).length, folds: v.length };
}

function describePaired(p: PairedDifference): string {
  const ci = Number.isFinite(p.ci95[0]) ? ` (95 % CI ${signed3(p.ci95[0])} to ${signed3(p.ci95[1])})` : '';
  return `by fold: Hi-MoE ahead ${signed3(p.mean)}${ci}, in ${p.foldsAhead} of ${p.folds} folds`;
}

/** One fold's CCC on dimension d, clean ('none') or under a perturbation; NaN when not in the result. */
function foldCcc(r: FoldArchResult | undefined, kind: PerturbationKind | 'none', level: number, d: string): number {
  const metrics = kind === 'none' ? r?.metrics : r?.robustness.find((p) => p.kind === kind && Math.abs(p.level - level) < 1e-9)?.metrics;
  return metrics?.dimensions[d]?.ccc ?? Number.NaN;
}

/**
 * The comparisons of issue 3 item 10, on whatever this run holds (skipped when an arm is missing).
 * `passed` is the issue's criterion on the means over folds. With the per-fold results, each claim
 * also carries the comparison paired by fold (mean advantage, 95 % CI, folds ahead), and the drop
 * claims say what fraction of its clean CCC each model keeps: an absolute drop is bounded by what a
 * model had learned, so a model that learned little of a dimension has little to lose.
 */
export function acceptanceClaims(summary: ArchSummary[], robustness: RobustnessPoint[], outputs: string[], results: readonly FoldArchResult[] = []): Claim[] {
  const claims: Claim[] = [];
  const himoe = summary.find((s) => s.arch === 'himoe');
  if (himoe === undefined) return claims;
  const folds = [...new Set(results.map((r) => r.fold))].sort((a, b) => a - b);
  const at = (arch: string, fold: number) => results.find((r) => r.arch === arch && r.fold === fold);
  const paired = (advantage: (fold: number) => number): Pick<Claim, 'paired'> => (folds.length > 0 ? { paired: pairedDifference(folds.map(advantage)) } : {});
  const withPaired = (detail: string, p: Pick<Claim, 'paired'>) => (p.paired !== undefined && p.paired.folds > 0 ? `${detail}; ${describePaired(p.paired)}` : detail);
  for (const b of BASELINES) {
    const base = summary.find((s) => s.arch === b);
    if (base === undefined) continue;
    for (const d of outputs) {
      const h = himoe.dimensions[d]!.ccc.mean;
      const o = base.dimensions[d]!.ccc.mean;
      const p = paired((f) => foldCcc(at('himoe', f), 'none', 0, d) - foldCcc(at(b, f), 'none', 0, d));
      claims.push({ claim: `Hi-MoE beats ${b} in ${d} CCC (all modalities present)`, passed: h > o, detail: withPaired(`${f3(h)} vs ${f3(o)}`, p), ...p });
    }
  }
  const point = (arch: string, kind: PerturbationKind | 'none', level: number) => robustness.find((p) => p.arch === arch && p.kind === kind && (kind === 'none' || Math.abs(p.level - level) < 1e-9));
  const drop = (arch: string, kind: PerturbationKind, level: number, d: string) => (point(arch, 'none', 0)?.ccc[d] ?? Number.NaN) - (point(arch, kind, level)?.ccc[d] ?? Number.NaN);
  const kept = (arch: string, kind: PerturbationKind, level: number, d: string) => (point(arch, kind, level)?.ccc[d] ?? Number.NaN) / (point(arch, 'none', 0)?.ccc[d] ?? Number.NaN);
  const pct = (v: number) => (Number.isFinite(v) ? `${Math.round(100 * v)} %` : 'n/a');
  for (const [kind, level, label] of [['modality-missing', 0.5, '50 % modality-missing rate'], ['shift', 1, '1 s asynchrony shift']] as const) {
    for (const d of outputs) {
      const h = drop('himoe', kind, level, d);
      const e = drop('early-fusion', kind, level, d);
      if (!Number.isFinite(h) || !Number.isFinite(e)) continue;
      const foldDrop = (arch: string, f: number) => foldCcc(at(arch, f), 'none', 0, d) - foldCcc(at(arch, f), kind, level, d);
      const p = paired((f) => foldDrop('early-fusion', f) - foldDrop('himoe', f));
      claims.push({
        claim: `at a ${label}, Hi-MoE's ${d} CCC falls by less than early fusion's`,
        passed: h < e,
        detail: withPaired(`drop ${f3(h)} vs ${f3(e)} (keeps ${pct(kept('himoe', kind, level, d))} vs ${pct(kept('early-fusion', kind, level, d))} of its clean CCC)`, p),
        ...p,
      });
    }
  }
  return claims;
}

function markdown(r: EvaluationReport): string {
  const fp = r.run.fingerprint;
  const c = fp.config;
  const lines: string[] = [
    '# Evaluation report',
    '',
    `Data \`${fp.data}\`; protocol **${fp.protocol}** (${fp.folds} folds${r.run.results.length < fp.folds * r.run.archs.length ? `, ${new Set(r.run.results.map((x) => x.fold)).size} run here` : ''}); seed ${fp.seed}; evaluation version ${fp.evaluationVersion}; created ${r.createdAt}; ${r.run.results.reduce((t, x) => t + x.trainSec, 0).toFixed(0)} s of training in all (${r.run.elapsedSec.toFixed(0)} s in the process that wrote this report: results of earlier runs are read, not recomputed)${r.run.cancelled ? '; **cancelled before the end: partial results**' : ''}.`,
    `Model config: ${c.modalities.map((s) => `${s.modality} ${s.channelLabels.length} ch @ ${s.rateHz} Hz`).join(', ')}; d=${c.dModel}, ${c.heads} heads, encoder ${c.encoderLayers} / temporal ${c.temporalLayers} / emotion ${c.emotionLayers} layers, ${c.prototypes} prototypes, window ${c.windowSec} s at ${c.tokenRateHz} tokens/s, modality routing ${c.modalityRouting === 'per-output' ? 'per output' : 'shared by the outputs'}.`,
    `Training (every architecture alike): ${Object.entries(fp.train).map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ')}.`,
    fp.fixedModel !== undefined ? `A trained model (${fp.fixedModel}) was scored on every fold's test set without retraining.` : '',
    `Scores: per fold over the labelled tokens of the test windows (tokens at ${c.tokenRateHz} Hz, ${c.windowSec} s causal windows), then mean ± s.d. over folds. ${fp.evaluationVersion >= 3 ? 'Each instant is scored once, in the window that gives it the most context (a recording\'s first window whole, every later window on its last hop), as live use reads it' + (fp.evaluationVersion >= 4 ? ', and early stopping selects each network\'s epoch on the same rule over its validation windows' : ' (early stopping selected epochs on every token of the validation windows)') + '. ' : 'Every token of the overlapping windows is scored (evaluation version 1-2), so an instant counts once per window that holds it. '}Every architecture is scored on the same tokens; where a model has no input in reach of a token (eeg-only on a window that lost its EEG, a token inside a gap) it predicts neutral (0).`,
    '',
    '## Results (all modalities present)',
    '',
    `| architecture | parameters | ${r.outputs.map((d) => `${d} CCC | ${d} PCC | ${d} RMSE`).join(' | ')} | mean CCC |`,
    `|---|---:|${r.outputs.map(() => '---:|---:|---:').join('|')}|---:|`,
  ];
  const ms = (m: MeanSd) => `${f3(m.mean)} ± ${f3(m.sd)}`;
  for (const s of r.summary) {
    lines.push(`| ${s.arch} | ${s.parameters.toLocaleString('en-US')} | ${r.outputs.map((d) => `${ms(s.dimensions[d]!.ccc)} | ${ms(s.dimensions[d]!.pcc)} | ${ms(s.dimensions[d]!.rmse)}`).join(' | ')} | ${ms(s.meanCcc)} |`);
  }
  lines.push('', ...r.summary.map((s) => `- **${s.arch}**: ${s.description} (${s.folds} fold(s), ${s.trainSec.toFixed(0)} s training in all).`));
  if (r.claims.length > 0) {
    lines.push('', '## Acceptance comparisons (issue 3 item 10)', '', '| claim | measured | result |', '|---|---|---|');
    for (const cl of r.claims) {
      const verdict = claimVerdict(cl);
      lines.push(`| ${cl.claim} | ${cl.detail} | ${cl.passed ? verdict : `**${verdict}**`} |`);
    }
  }
  const kinds = [...new Set(r.robustness.map((p) => p.kind))].filter((k) => k !== 'none') as PerturbationKind[];
  if (kinds.length > 0) lines.push('', '## Robustness (mean CCC over dimensions; level 0 = clean)');
  for (const kind of kinds) {
    const levels = [0, ...new Set(r.robustness.filter((p) => p.kind === kind).map((p) => p.level))].sort((a, b) => a - b);
    lines.push('', `### ${kind} (${PERTURBATION_UNITS[kind]})`, '', `| architecture | ${levels.join(' | ')} |`, `|---|${levels.map(() => '---:').join('|')}|`);
    for (const s of r.summary) {
      const row = levels.map((l) => r.robustness.find((p) => p.arch === s.arch && (l === 0 ? p.kind === 'none' : p.kind === kind && p.level === l))?.meanCcc ?? Number.NaN);
      lines.push(`| ${s.arch} | ${row.map(f3).join(' | ')} |`);
    }
    lines.push('', `![${kind}](robustness-${kind}.svg)`);
  }
  lines.push('', '## Per fold (mean CCC)', '', `| fold | ${r.run.archs.join(' | ')} |`, `|---|${r.run.archs.map(() => '---:').join('|')}|`);
  for (const f of r.run.folds) {
    if (!r.run.results.some((x) => x.fold === f.index)) continue;
    lines.push(`| ${f.index + 1}: ${f.name} (train ${f.train}, val ${f.validation}, test ${f.test} windows) | ${r.run.archs.map((a) => f3(r.run.results.find((x) => x.fold === f.index && x.arch === a)?.metrics.meanCcc ?? Number.NaN)).join(' | ')} |`);
  }
  if (r.plots.includes('traces.svg')) lines.push('', '## Predicted vs true (first fold, first test subject; last token of each window)', '', '![traces](traces.svg)');
  if (r.plots.includes('routing.svg')) lines.push('', '## Modality Expert Bank routing weights (Hi-MoE, same windows; one chart per output with per-output routing)', '', '![routing](routing.svg)');
  return `${lines.filter((l, i, all) => !(l === '' && all[i - 1] === '')).join('\n')}\n`;
}

function plots(run: EvaluationRun, robustness: RobustnessPoint[], outputs: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const kinds = [...new Set(robustness.map((p) => p.kind))].filter((k) => k !== 'none') as PerturbationKind[];
  for (const kind of kinds) {
    out.set(`robustness-${kind}.svg`, lineChart({
      title: `Robustness: ${kind}`,
      xLabel: PERTURBATION_UNITS[kind],
      yLabel: 'mean CCC (valence, arousal)',
      series: run.archs.map((arch, i) => ({
        name: arch,
        color: PALETTE[i % PALETTE.length]!,
        widthPx: arch === 'himoe' ? 3 : 1.5,
        points: robustness.filter((p) => p.arch === arch && (p.kind === kind || p.kind === 'none')).map((p) => [p.kind === 'none' ? 0 : p.level, p.meanCcc] as [number, number]).sort((a, b) => a[0] - b[0]),
      })),
    }));
  }
  const firstFold = Math.min(...run.results.map((r) => r.fold));
  const traces = run.results.filter((r) => r.fold === firstFold && r.trace.samples.length > 0);
  if (traces.length > 0) {
    // Test windows skip the rest between trials: break the lines there instead of bridging them.
    const withBreaks = (samples: TraceSample[], value: (s: TraceSample) => number): Array<[number, number]> => {
      const gaps = samples.slice(1).map((s, i) => s.tSec - samples[i]!.tSec).sort((a, b) => a - b);
      const step = gaps[Math.floor(gaps.length / 2)] ?? Number.POSITIVE_INFINITY;
      return samples.flatMap((s, i) => (i > 0 && s.tSec - samples[i - 1]!.tSec > 2.5 * step ? [[s.tSec, Number.NaN], [s.tSec, value(s)]] : [[s.tSec, value(s)]]) as Array<[number, number]>);
    };
    const charts = outputs.map((d, di) => {
      const truth = withBreaks(traces[0]!.trace.samples, (s) => s.truth[di]!);
      return lineChart({
        title: `${d}: subject ${traces[0]!.trace.subject}`,
        xLabel: 'session time, s',
        yLabel: `${d} (-1 to 1)`,
        yRange: [-1, 1],
        heightPx: 300,
        series: [
          { name: 'true', points: truth, color: '#000000', widthPx: 2.5 },
          ...traces.map((r, i) => ({ name: r.arch, color: PALETTE[run.archs.indexOf(r.arch) % PALETTE.length] ?? PALETTE[i]!, widthPx: r.arch === 'himoe' ? 2 : 1, dashed: r.arch !== 'himoe', points: withBreaks(r.trace.samples, (s) => s.prediction[di]!) })),
        ],
      });
    });
    out.set('traces.svg', stackCharts(charts));
    const himoe = traces.find((r) => r.arch === 'himoe');
    if (himoe !== undefined) {
      const experts = expertNames(run.fingerprint.config);
      const samples = himoe.trace.samples;
      const chart = (title: string, weights: (s: TraceSample) => number[] | undefined) => stackedAreaChart({
        title,
        xLabel: 'session time, s',
        yLabel: 'weight (fraction)',
        x: samples.map((s) => s.tSec),
        layers: experts.map((name, e) => ({ name, values: samples.map((s) => weights(s)?.[e] ?? 0) })),
      });
      // Per-output routing: one chart per output (what each leans on) instead of their mean.
      const perOutput = samples.length > 0 && samples.every((s) => s.outputWeights?.length === outputs.length);
      out.set('routing.svg', perOutput
        ? stackCharts(outputs.map((d, di) => chart(`Hi-MoE routing weights for ${d}: subject ${himoe.trace.subject}`, (s) => s.outputWeights![di])))
        : chart(`Hi-MoE routing weights: subject ${himoe.trace.subject}`, (s) => s.weights));
    }
  }
  return out;
}

/** Charts of svg.ts stacked top to bottom into one SVG file. */
function stackCharts(charts: readonly string[]): string {
  const size = (svg: string, key: 'width' | 'height') => Number(new RegExp(`^<svg[^>]* ${key}="(\\d+)"`).exec(svg)?.[1] ?? (key === 'width' ? 640 : 360));
  const bodies = charts.map((svg) => svg.replace(/^<svg[^>]*>\n?/, '').replace(/<\/svg>\n?$/, ''));
  const widthPx = Math.max(...charts.map((svg) => size(svg, 'width')));
  const tops = charts.map((_, i) => charts.slice(0, i).reduce((h, svg) => h + size(svg, 'height'), 0));
  const heightPx = charts.reduce((h, svg) => h + size(svg, 'height'), 0);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${widthPx}" height="${heightPx}" viewBox="0 0 ${widthPx} ${heightPx}">\n${bodies.map((b, i) => `<g transform="translate(0 ${tops[i]})">\n${b}</g>`).join('\n')}\n</svg>\n`;
}

/** Build the report of a run and write report.json, report.md and the SVG plots into outDir. */
export async function writeReport(run: EvaluationRun, outDir: string): Promise<EvaluationReport> {
  await mkdir(outDir, { recursive: true });
  const { summary, robustness, outputs } = summarise(run);
  const svgs = plots(run, robustness, outputs);
  const report: EvaluationReport = {
    format: 'himoe-evaluation',
    version: 1,
    createdAt: new Date().toISOString(),
    run,
    outputs,
    summary,
    robustness,
    claims: acceptanceClaims(summary, robustness, outputs, run.results),
    plots: [...svgs.keys()],
  };
  for (const [name, svg] of svgs) await writeFile(join(outDir, name), svg);
  await writeAtomically(join(outDir, 'report.json'), `${JSON.stringify(report, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))}\n`);
  await writeAtomically(join(outDir, 'report.md'), markdown(report));
  return report;
}
