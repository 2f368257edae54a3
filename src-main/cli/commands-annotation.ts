// `himoe agreement FILE.xdf`: inter-rater reliability of the continuous annotation in a
// recording (ICC table, Krippendorff's alpha, pairwise CCC/Pearson with intervals, reaction
// lags, EWE weights), with a PREDICTION / GROUND_TRUTH stream compared as an extra rater.

import type { Command } from 'commander';
import type { AgreementReport } from '../core/annotation/report.js';
import { analyzeAgreement } from '../core/annotation/report.js';
import { AnnotationError } from '../core/annotation/errors.js';
import { readAnnotationTraces, writeTracesCsv } from '../engine/annotation-io.js';
import { CliError } from './errors.js';
import type { CliIo } from './main.js';

interface AgreementFlags {
  dimension?: string;
  json: boolean;
  gridHz: string;
  bootstrap: string;
  seed: string;
  blockSec: string;
  maxLagSec: string;
  confidence: string;
  lagCorrect: boolean;
  csv?: string;
}

function num(flag: string, text: string, check: (v: number) => boolean, expected: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || !check(v)) throw new CliError('BAD_FLAG', `${flag}: "${text}" is not ${expected}`);
  return v;
}

export function registerAnnotationCommands(program: Command, io: CliIo): void {
  program
    .command('agreement')
    .description('inter-rater agreement of the annotation traces in an XDF recording (ICC, alpha, CCC, lags, EWE)')
    .argument('<file>', 'XDF file with ANNOTATION streams')
    .option('--dimension <name>', 'only this dimension (e.g. valence, arousal); default: every annotated dimension')
    .option('--json', 'print the reports as JSON', false)
    .option('--grid-hz <hz>', 'common grid rate of the comparison', '10')
    .option('--bootstrap <n>', 'bootstrap resamples (0: F intervals only)', '1000')
    .option('--seed <n>', 'bootstrap seed', '1')
    .option('--block-sec <sec>', 'moving-block length of the bootstrap, seconds', '5')
    .option('--max-lag-sec <sec>', 'reaction-lag search range, seconds', '5')
    .option('--confidence <level>', 'confidence level of the intervals', '0.95')
    .option('--lag-correct', 'correct each rater\'s relative lag before comparing', false)
    .option('--csv <file>', 'also write the traces (raters and references) as CSV on the grid')
    .action(async (file: string, flags: AgreementFlags) => {
      const gridRateHz = num('--grid-hz', flags.gridHz, (v) => v > 0 && v <= 1000, 'a rate in (0, 1000] Hz');
      const resamples = num('--bootstrap', flags.bootstrap, (v) => Number.isInteger(v) && (v === 0 || v >= 10), 'an integer >= 10 (or 0)');
      const seed = num('--seed', flags.seed, Number.isInteger, 'an integer');
      const blockSec = num('--block-sec', flags.blockSec, (v) => v > 0, 'a positive number of seconds');
      const maxLagSec = num('--max-lag-sec', flags.maxLagSec, (v) => v >= 0 && v <= 60, 'a number of seconds in [0, 60]');
      const confidence = num('--confidence', flags.confidence, (v) => v > 0 && v < 1, 'a level in (0, 1), e.g. 0.95');

      const contents = await readAnnotationTraces(file);
      if (contents.dimensions.length === 0) {
        throw new AnnotationError('NO_ANNOTATIONS', `${file}: no ANNOTATION streams; nothing to compare`, { file });
      }
      let dims = contents.dimensions;
      if (flags.dimension !== undefined) {
        const want = flags.dimension.trim().toLowerCase();
        if (!dims.includes(want)) {
          throw new CliError('BAD_FLAG', `--dimension: "${flags.dimension}" is not annotated in ${file}; annotated: ${dims.join(', ')}`);
        }
        dims = [want];
      }
      const reports = dims.map((dimension) =>
        analyzeAgreement(
          contents.traces.filter((t) => t.dimension === dimension),
          {
            gridRateHz,
            confidence,
            maxLagSec,
            lagCorrect: flags.lagCorrect,
            bootstrap: resamples === 0 ? false : { resamples, seed, blockSec },
          },
        ),
      );
      if (flags.csv) {
        await writeTracesCsv(flags.csv, contents.traces.filter((t) => dims.includes(t.dimension)), { rateHz: gridRateHz });
      }
      if (flags.json) {
        io.stdout(`${JSON.stringify({ file, reports, warnings: contents.warnings })}\n`);
        return;
      }
      io.stdout(reports.map((r) => formatAgreement(file, r)).join('\n'));
      if (flags.csv) io.stdout(`traces written to ${flags.csv}\n`);
    });
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '  n/a');
const f2s = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(2)}` : 'n/a');
const f1 = (x: number) => {
  const s = x.toFixed(1);
  return s === '-0.0' ? '0.0' : s;
};
const ci = (c: { lower: number; upper: number } | null | undefined) => (c ? `[${f3(c.lower)}, ${f3(c.upper)}]` : '');

/** Plain-text report of one dimension. */
export function formatAgreement(file: string, r: AgreementReport): string {
  const pct = Math.round((r.icc?.forms[0]?.ci.confidence ?? r.alpha?.bootstrap?.confidence ?? 0.95) * 100);
  const L: string[] = [];
  L.push(`${file}: ${r.dimension} — ${r.raters.length} rater(s) on a ${r.gridRateHz} Hz grid, ${f1(r.startSec)}–${f1(r.endSec)} s ` +
    `(${r.gridPoints} points, ${r.completePoints} rated by all)${r.lagCorrected ? ', after lag correction' : ''}`);
  L.push('  raters:');
  for (const x of r.raters) L.push(`    ${x.raterId.padEnd(14)} ${x.device.padEnd(10)} ${String(x.samples).padStart(7)} samples  ${f1(x.startSec)}–${f1(x.endSec)} s`);
  for (const x of r.references) L.push(`    ${x.raterId.padEnd(14)} ${x.kind} (${x.device}), compared with the consensus`);
  if (r.icc) {
    L.push(`  ICC (Shrout & Fleiss / McGraw & Wong; ${r.icc.anova.n} targets x ${r.icc.anova.k} raters)     value   ${pct}% CI (F)          ${pct}% CI (bootstrap)`);
    for (const f of r.icc.forms) {
      const name = `${f.form} ${f.mcGrawWong}`.padEnd(20);
      const what = `${f.model}, ${f.type}`.padEnd(35);
      L.push(`    ${name} ${what} ${f3(f.value)}   ${ci(f.ci).padEnd(18)}   ${ci(f.bootstrap)}`);
    }
  }
  if (r.alpha) {
    L.push(`  Krippendorff's alpha (interval)  ${f3(r.alpha.value)}   bootstrap ${ci(r.alpha.bootstrap)}   (${r.alpha.pairableValues} values in ${r.alpha.pairableUnits} units)`);
  }
  if (r.pairwise.length > 0) {
    L.push(`  pairwise                        n     CCC [${pct}% CI]              Pearson [${pct}% CI]`);
    for (const p of r.pairwise) {
      L.push(`    ${`${p.a} – ${p.b}`.padEnd(26)} ${String(p.n).padStart(6)}   ${f3(p.ccc.value)} ${ci(p.ccc.bootstrap).padEnd(18)}   ${f3(p.pearson.value)} ${ci(p.pearson.bootstrap)}`);
    }
  }
  if (r.lags) {
    L.push('  reaction lags relative to the group (+ = later than the others):');
    for (const l of r.lags.lags) L.push(`    ${l.raterId.padEnd(14)} ${f2s(l.lagSec)} s  (mean peak r ${f3(l.peakCorrelation)})${l.atBoundary ? '  at the search limit' : ''}`);
  }
  L.push(`  consensus (${r.consensus.method.toUpperCase()}) weights:${r.consensus.fallback ? ' (fallback: equal)' : ''}`);
  for (const w of r.consensus.weights) {
    L.push(`    ${w.raterId.padEnd(14)} ${f3(w.weight)}${Number.isFinite(w.correlation) ? `  (r with the others ${f3(w.correlation)})` : ''}`);
  }
  for (const c of r.referenceComparisons) {
    L.push(`  ${c.raterId} vs consensus: n ${c.n}, CCC ${f3(c.ccc.value)} ${ci(c.ccc.bootstrap)}, Pearson ${f3(c.pearson.value)} ${ci(c.pearson.bootstrap)}`);
    L.push(`    consensus lag behind ${c.raterId}: ${f2s(c.consensusLagSec)} s; rater lags: ${c.raterLags.map((l) => `${l.raterId} ${f2s(l.lagSec)} s`).join(', ')}`);
  }
  if (r.notes.length > 0) {
    L.push('  notes:');
    for (const n of r.notes) L.push(`    - ${n}`);
  }
  return `${L.join('\n')}\n`;
}
