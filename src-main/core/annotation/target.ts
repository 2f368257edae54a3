// Continuous training targets from annotation: the lag-corrected consensus of several
// raters' traces sampled on the model's time grid, with a validity mask (what the model
// training calls to turn recorded annotation into targets).

import { eweConsensus, weightedConsensus } from './consensus.js';
import { AnnotationError } from './errors.js';
import { resampleTrace, traceSpan, uniformGrid, type ResampleOptions } from './grid.js';
import { estimateRaterLags, lagCorrectTraces, type RaterLags } from './rater-lags.js';
import { validateTrace, type AnnotationTrace } from './trace.js';

export interface ConsensusTargetOptions extends ResampleOptions {
  /** 'ewe' (default) or 'mean'. */
  method?: 'ewe' | 'mean';
  /** Correct each rater's reaction lag before combining (default true). */
  correctLag?: boolean;
  /** Lag search range (default 5 s). */
  maxLagSec?: number;
  /** Estimate lags against this trace (absolute lags) instead of relative to the group. */
  lagReference?: AnnotationTrace;
  /** Grid rate of lag and weight estimation (default 10 Hz). */
  analysisRateHz?: number;
  /** Fewest raters that must be present for a valid target sample (default 1). */
  minRaters?: number;
}

export interface ConsensusTarget {
  /** The requested grid. */
  timesSec: Float64Array;
  /** Consensus per grid time; NaN where mask is 0. */
  values: Float32Array;
  /** 1 where at least minRaters raters (with weight > 0) were present. */
  mask: Uint8Array;
  raterIds: string[];
  /** Lags applied (0 when correctLag is false). */
  lags: RaterLags | null;
  weights: Float64Array;
  method: 'ewe' | 'mean';
}

/** Lag-corrected consensus of `traces` (one dimension) on `gridTimesSec` (increasing). */
export function consensusTarget(traces: readonly AnnotationTrace[], gridTimesSec: Float64Array, opts: ConsensusTargetOptions = {}): ConsensusTarget {
  if (traces.length === 0) throw new AnnotationError('NO_ANNOTATIONS', 'consensusTarget: no traces given');
  const dims = new Set(traces.map((t) => t.dimension));
  if (dims.size > 1) throw new AnnotationError('BAD_TRACE', `consensusTarget: traces of several dimensions (${[...dims].join(', ')}); pass one dimension`);
  for (const t of traces) validateTrace(t);
  for (let i = 1; i < gridTimesSec.length; i++) {
    if (!(gridTimesSec[i] > gridTimesSec[i - 1])) throw new AnnotationError('BAD_OPTION', `consensusTarget: grid time ${i} does not increase`);
  }
  const method = opts.method ?? (traces.length >= 2 ? 'ewe' : 'mean');
  const minRaters = opts.minRaters ?? 1;
  const rateHz = opts.analysisRateHz ?? 10;
  const canLag = opts.lagReference !== undefined || traces.length >= 2;
  const lags = (opts.correctLag ?? true) && canLag
    ? estimateRaterLags(traces, { ...opts, rateHz, reference: opts.lagReference })
    : null;
  const corrected = lags ? lagCorrectTraces(traces, lags) : [...traces];
  // Weights from the analysis grid (dense, whole span); values on the requested grid.
  let weights: Float64Array;
  if (method === 'ewe' && corrected.length >= 2) {
    const span = traceSpan(corrected);
    const g = uniformGrid(span.startSec, span.endSec, rateHz);
    weights = eweConsensus(corrected.map((t) => resampleTrace(t, g, opts))).weights;
  } else {
    weights = new Float64Array(corrected.length).fill(1 / corrected.length);
  }
  const cols = corrected.map((t) => resampleTrace(t, gridTimesSec, opts));
  const { values, ratersPresent } = weightedConsensus(cols, weights);
  const out = new Float32Array(values.length);
  const mask = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const ok = ratersPresent[i] >= minRaters && values[i] === values[i];
    mask[i] = ok ? 1 : 0;
    out[i] = ok ? values[i] : Number.NaN;
  }
  return { timesSec: gridTimesSec, values: out, mask, raterIds: traces.map((t) => t.raterId), lags, weights, method };
}
