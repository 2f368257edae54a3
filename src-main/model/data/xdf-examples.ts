// Model examples from a recorded XDF session (issue 3 item 3): the streams whose type is one of
// the model's modalities (channels picked and ordered as the manifest wants), aligned by
// core/align, normalised with the session's own robust statistics (as in training), cut into
// windows; targets from a GROUND_TRUTH stream when there is one, else from the consensus of the
// raters' ANNOTATION traces (NaN where there is neither), trials from `onset:LABEL` /
// `offset:LABEL` markers.

import { windowsOver, type ModalityInput } from '../../core/align/index.js';
import { consensusTarget } from '../../core/annotation/target.js';
import { tracesFromStreams } from '../../core/annotation/trace.js';
import type { XdfFile, XdfStream } from '../../storage/xdf/index.js';
import { ModelError } from '../errors.js';
import type { HiMoEConfig } from '../himoe/config.js';
import type { Normalisation } from '../himoe/batch.js';
import { assertStreamsMatch, selectChannels, type StreamCheck } from '../io/manifest.js';
import { alignForModel, type Example } from '../training/examples.js';

export interface XdfExamplesOptions {
  /** Subject name of the examples (e.g. the file name). */
  subject: string;
  /** Name of the recording when the subject has several (Example.recording; trial ids start with it, else with the subject). */
  recording?: string;
  /** More ANNOTATION streams on the session clock (a workspace recording's post-hoc passes): raters of the targets with the file's own. */
  annotationStreams?: readonly XdfStream[];
  /** Step between window ends, seconds. */
  hopSec: number;
  /** Throw ModelError 'no-ground-truth' when the session has no GROUND_TRUTH stream. */
  requireTargets?: boolean;
  /** Name of the session in messages. */
  source?: string;
  /** Windows inside the session share its aligned arrays (default true; never write them, see
   *  AssembleOptions.shareAligned); false copies every window. */
  shareAligned?: boolean;
}

export interface XdfExamples {
  examples: Example[];
  normalisation: Normalisation;
  streamCheck: StreamCheck;
  hasTargets: boolean;
}

function numeric(stream: XdfStream, source: string): Float32Array {
  const ts = stream.timeSeries;
  if (ts instanceof Float32Array) return ts;
  if (Array.isArray(ts) || ts instanceof BigInt64Array) throw new ModelError('bad-stream', `${source}: stream "${stream.info.name}" (${stream.info.type}) is not numeric`, { streamId: stream.info.id });
  return Float32Array.from(ts);
}

/** Linear interpolation of channel `channel` of an irregular [n x C] series at `times`; NaN outside. */
function interpolateAt(timestamps: Float64Array, values: Float32Array, C: number, channel: number, times: ArrayLike<number>, out: Float32Array, stride: number, offset: number): void {
  const n = timestamps.length;
  let i = 0;
  for (let j = 0; j < times.length; j++) {
    const t = times[j]!;
    while (i + 1 < n && timestamps[i + 1]! <= t) i++;
    let v = Number.NaN;
    if (n > 0 && t >= timestamps[0]! && t <= timestamps[n - 1]!) {
      const t0 = timestamps[i]!;
      const t1 = i + 1 < n ? timestamps[i + 1]! : t0;
      const f = t1 > t0 ? (t - t0) / (t1 - t0) : 0;
      v = values[i * C + channel]! * (1 - f) + (i + 1 < n ? values[(i + 1) * C + channel]! * f : 0);
    }
    out[j * stride + offset] = v;
  }
}

/** Trial spans from `onset:LABEL` / `offset:LABEL` markers of MARKER streams. */
function trialSpans(file: XdfFile): Array<{ label: string; startSec: number; endSec: number }> {
  const spans: Array<{ label: string; startSec: number; endSec: number }> = [];
  for (const s of file.streams) {
    if (s.info.type !== 'MARKER' || !Array.isArray(s.timeSeries)) continue;
    const open = new Map<string, number>();
    s.timeSeries.forEach((text, i) => {
      const t = s.timestamps[i]!;
      if (text.startsWith('onset:')) open.set(text.slice(6), t);
      else if (text.startsWith('offset:') && open.has(text.slice(7))) {
        spans.push({ label: text.slice(7), startSec: open.get(text.slice(7))!, endSec: t });
        open.delete(text.slice(7));
      }
    });
  }
  return spans.sort((a, b) => a.startSec - b.startSec);
}

/** Windows (with targets when the session has ground truth) of one XDF session for a model config. */
export function xdfExamples(config: HiMoEConfig, file: XdfFile, options: XdfExamplesOptions): XdfExamples {
  const source = options.source ?? options.subject;
  const streamCheck = assertStreamsMatch(config, file.streams.map((s) => s.info));
  const inputs: ModalityInput[] = [];
  for (const match of streamCheck.matches) {
    if (match.streamId === undefined) continue;
    const stream = file.streams.find((s) => s.info.id === match.streamId)!;
    if (stream.timestamps.length === 0) continue;
    const values = selectChannels(numeric(stream, source), stream.channelCount, match);
    inputs.push({ modality: match.modality, channelCount: match.channelIndex.length, nominalRateHz: stream.nominalRateHz, timestamps: stream.timestamps, values, streamId: `${source}:${stream.info.name}` });
  }
  if (inputs.length === 0) throw new ModelError('no-modality', `${source}: no stream of the model's modalities (${config.modalities.map((s) => s.modality).join(', ')}) has samples`, { source });
  const startSec = Math.min(...inputs.map((i) => i.timestamps[0]!));
  const endSec = Math.max(...inputs.map((i) => i.timestamps[i.timestamps.length - 1]!));
  const { aligned, normalisation } = alignForModel(inputs, config, startSec, endSec);

  const gt = file.streams.find((s) => s.info.type === 'GROUND_TRUTH' && s.timestamps.length > 0);
  const D = config.outputs.length;
  // Without ground truth, the raters' continuous annotations are the targets: per dimension the
  // lag-corrected evaluator-weighted consensus on the token grid (NaN where too few raters).
  const consensus = gt === undefined ? annotationConsensus([...file.streams, ...(options.annotationStreams ?? [])], config, startSec, endSec) : null;
  if (gt === undefined && consensus === null && options.requireTargets === true) {
    throw new ModelError(
      'no-ground-truth',
      `${source}: no GROUND_TRUTH stream and no ANNOTATION traces of ${config.outputs.join('/')}; training needs one of them (record with the synthetic source, himoe synth-corpus, or annotate the session)`,
      { source },
    );
  }
  const gtChannels = config.outputs.map((o) => gt?.info.channels.findIndex((c) => c.label.toLowerCase() === o.toLowerCase()) ?? -1);
  if (gt !== undefined && gtChannels.some((c) => c < 0)) {
    throw new ModelError('no-ground-truth', `${source}: GROUND_TRUTH stream "${gt.info.name}" lacks ${config.outputs.filter((_, d) => gtChannels[d]! < 0).join(', ')} (has ${gt.info.channels.map((c) => c.label).join(', ')})`, { source });
  }
  const gtValues = gt !== undefined ? numeric(gt, source) : undefined;
  const trials = trialSpans(file);
  const examples: Example[] = [];
  // alignForModel normalised the aligned arrays in place, so the windows may share them.
  for (const window of windowsOver(aligned, { hopSec: options.hopSec, shareAligned: options.shareAligned ?? true })) {
    const targets = new Float32Array(window.referenceTimesSec.length * D).fill(Number.NaN);
    if (gt !== undefined) for (let d = 0; d < D; d++) interpolateAt(gt.timestamps, gtValues!, gt.channelCount, gtChannels[d]!, window.referenceTimesSec, targets, D, d);
    else if (consensus !== null) {
      for (let d = 0; d < D; d++) {
        const c = consensus[d];
        if (c) interpolateAt(c.timesSec, c.values, 1, 0, window.referenceTimesSec, targets, D, d);
      }
    }
    // Without stimulus markers the whole recording is one trial (a film watched start to end, a
    // continuous task): 'rest' means between stimuli, and protocols do not test on rest.
    const trial = trials.length === 0 ? 'session' : (trials.find((s) => s.startSec <= window.endSec && window.endSec < s.endSec)?.label ?? 'rest');
    const prefix = options.recording ?? options.subject;
    examples.push({ window, targets, subject: options.subject, trial: `${prefix}/${trial}`, ...(options.recording !== undefined ? { recording: options.recording } : {}) });
  }
  return { examples, normalisation, streamCheck, hasTargets: gt !== undefined || consensus !== null };
}

/** Per output dimension, the annotation consensus on a token-rate grid (NaN where masked), or null without traces. */
function annotationConsensus(streams: readonly XdfStream[], config: HiMoEConfig, startSec: number, endSec: number): Array<{ timesSec: Float64Array; values: Float32Array } | null> | null {
  const traces = tracesFromStreams(streams);
  if (traces.length === 0) return null;
  const n = Math.max(2, Math.floor((endSec - startSec) * config.tokenRateHz) + 1);
  const grid = Float64Array.from({ length: n }, (_, i) => startSec + i / config.tokenRateHz);
  const out = config.outputs.map((output) => {
    const mine = traces.filter((t) => t.dimension.toLowerCase() === output.toLowerCase());
    if (mine.length === 0) return null;
    const c = consensusTarget(mine, grid, { method: 'ewe', correctLag: mine.length > 1 });
    const values = Float32Array.from(c.values, (v, i) => (c.mask[i] ? v : Number.NaN));
    return { timesSec: c.timesSec, values };
  });
  return out.some((c) => c !== null) ? out : null;
}
