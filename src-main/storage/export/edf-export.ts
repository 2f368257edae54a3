// Session -> EDF+/BDF+: every numeric stream resampled onto its own uniform grid, a record
// duration that gives each rate an integer number of samples, records without any data
// dropped (EDF+D, the rest at their true onsets), markers and data gaps as annotations.

import { EdfError } from '../edf/edf-error.js';
import { shortUnit, type EdfFormat } from '../edf/edf-format.js';
import type { EdfAnnotation } from '../edf/edf-tal.js';
import { chooseRecordDuration, writeEdfFile, type EdfSignalSpec, type EdfWriteResult, type EdfWriteSpec } from '../edf/edf-writer.js';
import { BYTES_PER_SAMPLE } from '../edf/edf-format.js';
import { gridSignal, maskGaps, type ExportSession, type ExportSignalStream } from './export-session.js';

export interface EdfExportOptions {
  format: EdfFormat;
  /** Which numeric streams to write (default: all). */
  include?: (stream: ExportSignalStream) => boolean;
  /** Record duration in seconds (default: chosen from the rates, 1 s when it works). */
  recordDurationSec?: number;
  /** Write string-stream events (markers, annotation labels) as annotations (default true). */
  events?: boolean;
  /** Annotate each stream's gaps ("gap: <stream>") so zero-valued gap samples are not taken
   *  for data (default true). */
  annotateGaps?: boolean;
}

/** One EDF signal: which stream channel it holds and at what rate. */
export interface EdfExportChannel {
  label: string;
  stream: ExportSignalStream;
  channelIndex: number;
  rateHz: number;
  samplesPerRecord: number;
  unit: string;
}

export interface EdfExportPlan {
  spec: EdfWriteSpec;
  channels: EdfExportChannel[];
  /** Records of the full timeline without any data, left out (EDF+D when > 0). */
  droppedRecords: number;
  warnings: string[];
}

const LABEL_TYPES = new Set(['EEG', 'ECG', 'EOG', 'EMG', 'EDA', 'PPG', 'RESP']);

/** EDF+ style label "<type> <name>" in at most 16 characters, unique among `used`. */
function edfLabel(type: string, label: string, used: Set<string>): string {
  const prefix = LABEL_TYPES.has(type.toUpperCase()) && !label.toUpperCase().startsWith(type.toUpperCase()) ? `${type.toUpperCase() === 'RESP' ? 'Resp' : type.toUpperCase()} ` : '';
  let name = `${prefix}${label}`.slice(0, 16);
  for (let k = 2; used.has(name); k++) name = `${name.slice(0, 16 - String(k).length - 1)}~${k}`;
  used.add(name);
  return name;
}

/** Plans an export: grids, record layout, labels, annotations. Nothing is written. */
export function planEdfExport(session: ExportSession, opts: EdfExportOptions): EdfExportPlan {
  const warnings: string[] = [];
  const streams = session.signals.filter(opts.include ?? (() => true));
  if (streams.length === 0) throw new EdfError('BAD_INPUT', `${session.source}: no numeric stream to write to ${opts.format.toUpperCase()}`, { field: 'streams' });
  const bps = BYTES_PER_SAMPLE[opts.format];
  const channelRates = streams.flatMap((s) => new Array<number>(s.channelCount).fill(s.rateHz));
  let recordSec = opts.recordDurationSec ?? chooseRecordDuration(channelRates, bps);
  const rates = new Map<ExportSignalStream, number>();
  if (recordSec === null) {
    recordSec = 1;
    for (const s of streams) {
      const r = Math.max(1, Math.round(s.rateHz));
      warnings.push(`stream "${s.info.name}": ${s.rateHz} Hz has no whole number of samples in any record length; resampled to ${r} Hz`);
      rates.set(s, r);
    }
  } else {
    for (const s of streams) {
      const spr = Math.round(s.rateHz * recordSec);
      if (spr < 1 || Math.abs(spr - s.rateHz * recordSec) > 1e-9 * spr) {
        throw new EdfError('BAD_INPUT', `record duration ${recordSec} s holds ${s.rateHz * recordSec} samples of stream "${s.info.name}" (${s.rateHz} Hz); it must be a whole number`, { field: 'recordDurationSec' });
      }
      rates.set(s, s.rateHz);
    }
  }
  const recordCount = Math.max(1, Math.ceil(session.durationSec / recordSec - 1e-9));

  // Each stream on its grid over the whole timeline; a record is kept when any stream has data in it.
  const grids = streams.map((s) => {
    const rateHz = rates.get(s)!;
    const spr = Math.round(rateHz * recordSec);
    return { s, rateHz, spr, grid: gridSignal(s, rateHz, recordCount * spr) };
  });
  const keep = new Uint8Array(recordCount);
  for (const g of grids) {
    for (let r = 0; r < recordCount; r++) {
      if (keep[r]) continue;
      for (let i = r * g.spr; i < (r + 1) * g.spr; i++) {
        if (g.grid.mask[i]) {
          keep[r] = 1;
          break;
        }
      }
    }
  }
  // Records with data; empty records at the end are cut, empty ones inside are gaps (EDF+D).
  const kept: number[] = [];
  for (let r = 0; r < recordCount; r++) if (keep[r]) kept.push(r);
  if (kept.length === 0) throw new EdfError('BAD_INPUT', `${session.source}: the selected streams hold no samples`, { field: 'streams' });
  const droppedRecords = kept[kept.length - 1]! + 1 - kept.length - kept[0]!;

  const signals: EdfSignalSpec[] = [];
  const channels: EdfExportChannel[] = [];
  const used = new Set<string>();
  const annotations: EdfAnnotation[] = [];
  for (const g of grids) {
    const c = g.s.channelCount;
    let values = g.grid.values;
    if (kept.length < recordCount) {
      values = new Float32Array(kept.length * g.spr * c);
      kept.forEach((r, k) => values.set(g.grid.values.subarray(r * g.spr * c, (r + 1) * g.spr * c), k * g.spr * c));
    }
    const cutoffHz = Math.round(0.45 * Math.min(g.rateHz, g.s.rateHz) * 100) / 100;
    g.s.info.channels.forEach((ch, ci) => {
      const label = edfLabel(ch.type ?? g.s.info.type, ch.label, used);
      const unit = shortUnit(ch.unit);
      signals.push({
        label,
        transducer: g.s.info.name,
        physicalDimension: unit,
        prefiltering: `LP:${cutoffHz}Hz (resampling)`,
        samplesPerRecord: g.spr,
        values,
        stride: c,
        offset: ci,
      });
      channels.push({ label, stream: g.s, channelIndex: ci, rateHz: g.rateHz, samplesPerRecord: g.spr, unit });
    });
    if (opts.annotateGaps ?? true) {
      // Only inside the span of the written records (the trailing empty ones are cut).
      const first = kept[0]! * g.spr;
      const end = (kept[kept.length - 1]! + 1) * g.spr;
      for (const [a, b] of maskGaps(g.grid.mask.subarray(first, end))) {
        annotations.push({ onsetSec: (first + a) / g.rateHz, durationSec: (b - a) / g.rateHz, text: `gap: ${g.s.info.name}` });
      }
    }
  }
  if (opts.events ?? true) {
    for (const e of session.events) {
      if (e.onsetSec < 0 || e.onsetSec > recordCount * recordSec) {
        warnings.push(`event "${e.text}" at ${e.onsetSec.toFixed(3)} s lies outside the recording; not written`);
        continue;
      }
      annotations.push({ onsetSec: e.onsetSec, text: e.streamType === 'MARKER' ? e.text : `${e.streamName}: ${e.text}` });
    }
  }
  annotations.sort((a, b) => a.onsetSec - b.onsetSec);
  const spec: EdfWriteSpec = {
    format: opts.format,
    plus: true,
    patient: { code: session.subject ?? '' },
    recording: { equipment: 'HiMoE_Workstation', additional: session.headerFields['protocol'] },
    startDate: session.startDate,
    recordDurationSec: recordSec,
    recordCount: kept.length,
    recordOnsetsSec: Float64Array.from(kept, (r) => r * recordSec!),
    signals,
    annotations,
  };
  return { spec, channels, droppedRecords, warnings };
}

/** Plans and writes `path`. */
export function exportEdf(session: ExportSession, path: string, opts: EdfExportOptions & { overwrite?: boolean }): EdfWriteResult & { plan: EdfExportPlan } {
  const plan = planEdfExport(session, opts);
  const result = writeEdfFile(path, plan.spec, { overwrite: opts.overwrite });
  return { ...result, plan };
}
