// One agreement analysis of a dimension's traces, as the CLI, the API and evaluation
// reports show it: ICC table, Krippendorff's alpha, pairwise CCC/Pearson, reaction lags,
// EWE weights, and model / ground-truth traces compared with the raters' consensus.

import type { BootstrapOptions } from './bootstrap.js';
import { eweConsensus, meanConsensus } from './consensus.js';
import { pairAgreement, type PairAgreement } from './correlation.js';
import { AnnotationError } from './errors.js';
import { resampleTrace, traceSpan, uniformGrid, type ResampleOptions } from './grid.js';
import { icc, type IccResult } from './icc.js';
import { krippendorffAlpha, type AlphaResult } from './krippendorff.js';
import { estimateLag } from './lag.js';
import { estimateRaterLags, lagCorrectTraces, type RaterLags } from './rater-lags.js';
import { ratingMatrixFromColumns } from './rating-matrix.js';
import { validateTrace, type AnnotationTrace } from './trace.js';

export interface AgreementAnalysisOptions extends ResampleOptions {
  /** Common grid of the comparison (default 10 Hz). */
  gridRateHz?: number;
  confidence?: number;
  /** Moving-block bootstrap over grid time points: resamples (default 1000), seed (1) and block
   *  length in seconds (default 5 s, about the decorrelation time of annotation traces); false to skip. */
  bootstrap?: (Omit<BootstrapOptions, 'blockLength' | 'confidence'> & { blockSec?: number }) | false;
  /** Lag search range (default 5 s). */
  maxLagSec?: number;
  /** Compare the raters after correcting their relative lags (default false: as annotated). */
  lagCorrect?: boolean;
}

export interface RaterSummary {
  raterId: string;
  kind: AnnotationTrace['kind'];
  device: string;
  samples: number;
  startSec: number;
  endSec: number;
}

export interface PairwiseAgreement extends PairAgreement {
  a: string;
  b: string;
}

export interface ReferenceComparison extends PairAgreement {
  /** The model or ground-truth trace, compared as an extra rater with the EWE consensus. */
  raterId: string;
  kind: AnnotationTrace['kind'];
  /** Lag of the consensus behind this reference (positive: raters late). */
  consensusLagSec: number;
  consensusLagPeak: number;
  /** Each rater's lag behind this reference. */
  raterLags: RaterLags['lags'];
}

export interface AgreementReport {
  dimension: string;
  gridRateHz: number;
  startSec: number;
  endSec: number;
  gridPoints: number;
  /** Grid points rated by every rater (what the ICC uses). */
  completePoints: number;
  raters: RaterSummary[];
  references: RaterSummary[];
  lagCorrected: boolean;
  icc: IccResult | null;
  alpha: AlphaResult | null;
  pairwise: PairwiseAgreement[];
  /** Relative reaction lags (null with a single rater). */
  lags: RaterLags | null;
  consensus: { method: 'ewe' | 'mean'; weights: Array<{ raterId: string; weight: number; correlation: number }>; fallback: boolean };
  referenceComparisons: ReferenceComparison[];
  bootstrap: { resamples: number; seed: number; blockSec: number; blockLength: number; method: string } | null;
  notes: string[];
}

function summary(t: AnnotationTrace): RaterSummary {
  const n = t.timesSec.length;
  return { raterId: t.raterId, kind: t.kind, device: t.device, samples: n, startSec: n ? t.timesSec[0] : Number.NaN, endSec: n ? t.timesSec[n - 1] : Number.NaN };
}

/** Analyse one dimension: `traces` holds the raters (kind 'rater') and optional references. */
export function analyzeAgreement(traces: readonly AnnotationTrace[], opts: AgreementAnalysisOptions = {}): AgreementReport {
  const dims = new Set(traces.map((t) => t.dimension));
  if (dims.size !== 1) {
    throw new AnnotationError('BAD_TRACE', `analyzeAgreement: expected traces of one dimension; got ${dims.size === 0 ? 'none' : [...dims].join(', ')}`);
  }
  for (const t of traces) validateTrace(t);
  const dimension = [...dims][0];
  const raters = traces.filter((t) => t.kind === 'rater' && t.timesSec.length > 0);
  const refs = traces.filter((t) => t.kind !== 'rater' && t.timesSec.length > 0);
  if (raters.length === 0) throw new AnnotationError('NO_ANNOTATIONS', `no annotation traces for dimension "${dimension}"`, { dimension });
  const ids = new Set<string>();
  for (const t of raters) {
    if (ids.has(t.raterId)) throw new AnnotationError('BAD_TRACE', `rater "${t.raterId}" has two "${dimension}" traces; give each pass its own id`);
    ids.add(t.raterId);
  }
  const gridRateHz = opts.gridRateHz ?? 10;
  const confidence = opts.confidence ?? 0.95;
  const maxLagSec = opts.maxLagSec ?? 5;
  const notes: string[] = [];
  const bootOpt = opts.bootstrap === false ? null : (opts.bootstrap ?? {});
  const blockSec = bootOpt?.blockSec ?? 5;
  const blockLength = Math.max(1, Math.round(blockSec * gridRateHz));
  const boot: BootstrapOptions | false = bootOpt ? { resamples: bootOpt.resamples ?? 1000, seed: bootOpt.seed ?? 1, blockLength, confidence } : false;

  const lags = raters.length >= 2 ? estimateRaterLags(raters, { ...opts, rateHz: gridRateHz, maxLagSec }) : null;
  const lagCorrected = !!(opts.lagCorrect && lags);
  const used = lagCorrected && lags ? lagCorrectTraces(raters, lags) : raters;

  const span = traceSpan(used);
  const grid = uniformGrid(span.startSec, span.endSec, gridRateHz);
  const cols = used.map((t) => resampleTrace(t, grid, opts));
  const matrix = ratingMatrixFromColumns(cols);

  let iccResult: IccResult | null = null;
  let alpha: AlphaResult | null = null;
  const pairwise: PairwiseAgreement[] = [];
  if (raters.length >= 2) {
    try {
      iccResult = icc(matrix, { confidence, bootstrap: boot });
    } catch (err) {
      if (!(err instanceof AnnotationError)) throw err;
      notes.push(`ICC not computed: ${err.message}`);
    }
    try {
      alpha = krippendorffAlpha(matrix, { metric: 'interval', confidence, bootstrap: boot });
    } catch (err) {
      if (!(err instanceof AnnotationError)) throw err;
      notes.push(`Krippendorff's alpha not computed: ${err.message}`);
    }
    for (let i = 0; i < used.length; i++) {
      for (let j = i + 1; j < used.length; j++) {
        pairwise.push({ a: used[i].raterId, b: used[j].raterId, ...pairAgreement(cols[i], cols[j], { bootstrap: boot, confidence }) });
      }
    }
  } else {
    notes.push('one rater: ICC, alpha and pairwise agreement need at least two');
  }
  const cons = used.length >= 2 ? eweConsensus(cols) : meanConsensus(cols);
  if (cons.fallback) notes.push('EWE: no rater correlated positively with the others; equal weights used');

  const referenceComparisons: ReferenceComparison[] = refs.map((ref) => {
    const refCol = resampleTrace(ref, grid, opts);
    let consensusLagSec = Number.NaN;
    let consensusLagPeak = Number.NaN;
    try {
      const e = estimateLag(cons.values, refCol, gridRateHz, { maxLagSec });
      consensusLagSec = e.lagSec;
      consensusLagPeak = e.peakCorrelation;
    } catch (err) {
      if (!(err instanceof AnnotationError)) throw err;
      notes.push(`lag of the consensus behind ${ref.raterId} not estimated: ${err.message}`);
    }
    let raterLags: RaterLags['lags'] = [];
    try {
      raterLags = estimateRaterLags(raters, { ...opts, rateHz: gridRateHz, maxLagSec, reference: ref }).lags;
    } catch (err) {
      if (!(err instanceof AnnotationError)) throw err;
      notes.push(`rater lags behind ${ref.raterId} not estimated: ${err.message}`);
    }
    return {
      raterId: ref.raterId,
      kind: ref.kind,
      ...pairAgreement(refCol, cons.values, { bootstrap: boot, confidence }),
      consensusLagSec,
      consensusLagPeak,
      raterLags,
    };
  });

  let complete = 0;
  for (let i = 0; i < matrix.targets; i++) {
    let ok = true;
    for (let j = 0; j < matrix.raters && ok; j++) if (Number.isNaN(matrix.values[i * matrix.raters + j])) ok = false;
    if (ok) complete++;
  }
  if (iccResult) notes.push('ICC F-test intervals assume independent targets; grid points of a trace are autocorrelated, so prefer the block-bootstrap intervals');
  if (boot) notes.push(`bootstrap: moving blocks of ${blockLength} grid points (${blockSec} s) over time, percentile intervals`);
  return {
    dimension,
    gridRateHz,
    startSec: span.startSec,
    endSec: span.endSec,
    gridPoints: grid.length,
    completePoints: complete,
    raters: raters.map(summary),
    references: refs.map(summary),
    lagCorrected,
    icc: iccResult,
    alpha,
    pairwise,
    lags,
    consensus: {
      method: cons.method,
      weights: used.map((t, j) => ({ raterId: t.raterId, weight: cons.weights[j], correlation: cons.correlations[j] })),
      fallback: cons.fallback,
    },
    referenceComparisons,
    bootstrap: boot ? { resamples: boot.resamples ?? 1000, seed: boot.seed ?? 1, blockSec, blockLength, method: 'moving-block-bootstrap-percentile' } : null,
    notes,
  };
}
