// `himoe analyze FILE.xdf` (ECG R-peaks/HR/HRV, EDA tonic/phasic/SCRs, EEG band powers as CSV
// tables plus a JSON summary) and `himoe dsp rpeaks` (R-peaks of one CSV column as JSON): the
// core/dsp features on recorded files, without the desktop app.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { detectRPeaks, heartRateBpm, type EcgPolarity } from '../core/dsp/ecg.js';
import { analyzeEda } from '../core/dsp/eda.js';
import { bandPowersFromSpectrum, EEG_BANDS, frontalAlphaAsymmetry, lineNoiseLevel } from '../core/dsp/eeg.js';
import { hrvFrequencyDomain, hrvTimeDomain, type HrvFrequencyDomain, type HrvTimeDomain } from '../core/dsp/hrv.js';
import { WelchEstimator } from '../core/dsp/spectrum.js';
import { readXdf, type XdfStream } from '../storage/xdf/xdf-reader.js';
import { CliError } from './errors.js';
import type { CliIo } from './main.js';

export interface AnalyzeOptions {
  ecg?: boolean;
  eda?: boolean;
  eegBands?: boolean;
  out: string;
  line?: string;
}

export interface EcgChannelSummary {
  stream: string;
  channel: string;
  beats: number;
  heartRateBpm: number | null;
  polarity: 1 | -1;
  hrv: HrvTimeDomain | null;
  hrvFrequency: HrvFrequencyDomain | null;
  file: string;
}

export interface EdaChannelSummary {
  stream: string;
  channel: string;
  durationSec: number;
  scrCount: number;
  scrRatePerMin: number;
  meanScrAmplitude: number | null;
  meanTonic: number;
  unit: string;
  files: string[];
}

export interface EegStreamSummary {
  stream: string;
  channels: string[];
  bands: Array<{ name: string; lowHz: number; highHz: number }>;
  /** Per channel: absolute power per band (unit^2), relative power, differential entropy (nats). */
  absolute: number[][];
  relative: number[][];
  differentialEntropy: number[][];
  frontalAlphaAsymmetry: number | null;
  lineNoise: { lineHz: number; ratio: number[]; worstChannel: string };
  segmentsAveraged: number;
  file: string;
}

export interface AnalyzeSummary {
  file: string;
  ecg: EcgChannelSummary[];
  eda: EdaChannelSummary[];
  eeg: EegStreamSummary[];
}

const MIN_HRV_FREQ_SEC = 60;

function fileStem(kind: string, s: XdfStream): string {
  return `${kind}-${s.id}-${s.info.name.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 60)}`;
}

function rateOf(s: XdfStream): number {
  return s.nominalRateHz > 0 ? s.nominalRateHz : s.effectiveRateHz;
}

/** One channel of rows [first, last] as float64. */
function channelSlice(s: XdfStream, channel: number, first: number, last: number): Float64Array {
  const ts = s.timeSeries;
  if (Array.isArray(ts)) throw new CliError('BAD_STREAM', `stream "${s.info.name}" holds strings, not samples`);
  const ch = s.channelCount;
  const out = new Float64Array(last - first + 1);
  for (let i = first; i <= last; i++) out[i - first] = Number(ts[i * ch + channel]!);
  return out;
}

function numericStreams(streams: XdfStream[], type: string): XdfStream[] {
  return streams.filter((s) => String(s.info.type).toUpperCase() === type && s.channelFormat !== 'string' && s.timestamps.length > 0 && rateOf(s) > 0);
}

const num = (v: number, digits = 6): string => (Number.isFinite(v) ? String(Number(v.toPrecision(digits))) : '');
const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

async function analyzeEcg(s: XdfStream, outDir: string, lineHz: 50 | 60): Promise<EcgChannelSummary[]> {
  const rate = rateOf(s);
  const stem = fileStem('ecg', s);
  const rows = ['channel,sample,time_s,rr_ms,hr_bpm'];
  const out: EcgChannelSummary[] = [];
  for (let c = 0; c < s.channelCount; c++) {
    const label = s.info.channels[c]?.label ?? `ch${c + 1}`;
    const rr: number[] = [];
    let beats = 0;
    let polarityVotes = 0;
    let longest: number[] = [];
    for (const [first, last] of s.segments) {
      if ((last - first + 1) / rate < 3) continue;
      const r = detectRPeaks(channelSlice(s, c, first, last), rate, { lineHz });
      polarityVotes += r.polarity * r.peaks.length;
      const times: number[] = [];
      for (let k = 0; k < r.peaks.length; k++) {
        const sample = first + r.peaks[k]!;
        const t = s.timestamps[sample]!;
        const rrMs = k > 0 ? ((r.peaks[k]! - r.peaks[k - 1]!) * 1000) / rate : Number.NaN;
        if (k > 0) rr.push(rrMs);
        rows.push(`${label},${sample},${t.toFixed(4)},${num(rrMs)},${num(60000 / rrMs)}`);
        times.push(t);
      }
      beats += r.peaks.length;
      if (times.length > 0 && (longest.length === 0 || times[times.length - 1]! - times[0]! > longest[longest.length - 1]! - longest[0]!)) longest = times;
    }
    let hrv: HrvTimeDomain | null = null;
    let freq: HrvFrequencyDomain | null = null;
    if (rr.length >= 2) hrv = hrvTimeDomain(rr);
    if (longest.length >= 4 && longest[longest.length - 1]! - longest[0]! >= MIN_HRV_FREQ_SEC) freq = hrvFrequencyDomain(longest);
    out.push({
      stream: s.info.name,
      channel: label,
      beats,
      heartRateBpm: hrv ? hrv.meanHrBpm : null,
      polarity: polarityVotes < 0 ? -1 : 1,
      hrv,
      hrvFrequency: freq,
      file: `${stem}-rpeaks.csv`,
    });
  }
  await writeFile(join(outDir, `${stem}-rpeaks.csv`), `${rows.join('\n')}\n`);
  return out;
}

async function analyzeEdaStream(s: XdfStream, outDir: string): Promise<EdaChannelSummary[]> {
  const rate = rateOf(s);
  const stem = fileStem('eda', s);
  const scrRows = ['channel,onset_s,peak_s,amplitude,rise_time_s,half_recovery_s'];
  const labels = s.info.channels.map((ch, c) => ch.label || `ch${c + 1}`);
  const compRows: string[] = [['time_s', ...labels.flatMap((l) => [`${l}_clean`, `${l}_tonic`, `${l}_phasic`])].join(',')];
  const comp: Array<{ time: number; values: number[] }> = [];
  const out: EdaChannelSummary[] = [];
  for (let c = 0; c < s.channelCount; c++) {
    let scrCount = 0;
    let ampSum = 0;
    let duration = 0;
    let tonicSum = 0;
    let tonicN = 0;
    for (const [first, last] of s.segments) {
      if (last - first + 1 < Math.max(8, 4 * rate)) continue;
      const a = analyzeEda(channelSlice(s, c, first, last), rate);
      duration += a.durationSec;
      scrCount += a.scrs.length;
      for (const scr of a.scrs) {
        ampSum += scr.amplitude;
        const t0 = s.timestamps[first + scr.onsetIndex]!;
        const tp = s.timestamps[first + scr.peakIndex]!;
        scrRows.push(`${labels[c]},${t0.toFixed(3)},${tp.toFixed(3)},${num(scr.amplitude)},${num(scr.riseTimeSec)},${num(scr.halfRecoverySec)}`);
      }
      for (let i = 0; i < a.cleaned.length; i++) {
        const row = first + i;
        if (c === 0) comp[row] = { time: s.timestamps[row]!, values: new Array<number>(3 * s.channelCount).fill(Number.NaN) };
        const entry = comp[row];
        if (entry) {
          entry.values[3 * c] = a.cleaned[i]!;
          entry.values[3 * c + 1] = a.deconvolution.tonic[i]!;
          entry.values[3 * c + 2] = a.deconvolution.phasic[i]!;
        }
        tonicSum += a.deconvolution.tonic[i]!;
        tonicN++;
      }
    }
    out.push({
      stream: s.info.name,
      channel: labels[c]!,
      durationSec: duration,
      scrCount,
      scrRatePerMin: duration > 0 ? (60 * scrCount) / duration : Number.NaN,
      meanScrAmplitude: scrCount > 0 ? ampSum / scrCount : null,
      meanTonic: tonicN > 0 ? tonicSum / tonicN : Number.NaN,
      unit: s.info.channels[c]?.unit ?? '',
      files: [`${stem}-scr.csv`, `${stem}-components.csv`],
    });
  }
  for (const entry of comp) if (entry) compRows.push(`${entry.time.toFixed(4)},${entry.values.map((v) => num(v)).join(',')}`);
  await writeFile(join(outDir, `${stem}-scr.csv`), `${scrRows.join('\n')}\n`);
  await writeFile(join(outDir, `${stem}-components.csv`), `${compRows.join('\n')}\n`);
  return out;
}

async function analyzeEeg(s: XdfStream, outDir: string, lineHz: 50 | 60 | 'auto'): Promise<EegStreamSummary> {
  const rate = rateOf(s);
  const ch = s.channelCount;
  const segmentLength = Math.max(8, Math.round(2 * rate));
  const est = new WelchEstimator(rate, ch, { segmentLength, detrend: 'linear' });
  const ts = s.timeSeries;
  if (Array.isArray(ts)) throw new CliError('BAD_STREAM', `stream "${s.info.name}" holds strings, not samples`);
  const values = ts instanceof Float32Array || ts instanceof Float64Array ? ts : Float64Array.from(ts as ArrayLike<number | bigint>, Number);
  for (const [first, last] of s.segments) est.addRun(values, first, last + 1);
  if (est.segments === 0) {
    throw new CliError('TOO_SHORT', `EEG stream "${s.info.name}": no stretch without gaps is ${(segmentLength / rate).toFixed(1)} s long; cannot estimate spectra`);
  }
  const ps = est.result();
  const bp = bandPowersFromSpectrum(ps, EEG_BANDS);
  const labels = s.info.channels.map((c, k) => c.label || `ch${k + 1}`);
  const nb = EEG_BANDS.length;
  const perChannel = (arr: Float64Array) => labels.map((_, c) => Array.from(arr.subarray(c * nb, (c + 1) * nb)));
  const line = lineNoiseLevel(ps, lineHz);
  let worst = 0;
  for (let c = 1; c < ch; c++) if (line.ratio[c]! > line.ratio[worst]!) worst = c;
  const stem = fileStem('eeg', s);
  const header = ['channel', ...EEG_BANDS.map((b) => `${b.name}_abs`), ...EEG_BANDS.map((b) => `${b.name}_rel`), ...EEG_BANDS.map((b) => `${b.name}_de`), 'line_ratio'];
  const rows = [header.join(',')];
  for (let c = 0; c < ch; c++) {
    const cells = [labels[c]!];
    for (let b = 0; b < nb; b++) cells.push(num(bp.absolute[c * nb + b]!));
    for (let b = 0; b < nb; b++) cells.push(num(bp.relative[c * nb + b]!));
    for (let b = 0; b < nb; b++) cells.push(num(bp.differentialEntropy[c * nb + b]!));
    cells.push(num(line.ratio[c]!));
    rows.push(cells.join(','));
  }
  await writeFile(join(outDir, `${stem}-bands.csv`), `${rows.join('\n')}\n`);
  return {
    stream: s.info.name,
    channels: labels,
    bands: EEG_BANDS.map((b) => ({ ...b })),
    absolute: perChannel(bp.absolute),
    relative: perChannel(bp.relative),
    differentialEntropy: perChannel(bp.differentialEntropy),
    frontalAlphaAsymmetry: finiteOrNull(frontalAlphaAsymmetry(bp, labels)),
    lineNoise: { lineHz: line.lineHz, ratio: Array.from(line.ratio), worstChannel: labels[worst]! },
    segmentsAveraged: est.segments,
    file: `${stem}-bands.csv`,
  };
}

function parseLine(line: string | undefined): 50 | 60 | 'auto' {
  if (line === undefined || line === 'auto') return 'auto';
  if (line === '50' || line === '60') return Number(line) as 50 | 60;
  throw new CliError('BAD_FLAG', `--line: expected 50, 60 or auto, got "${line}"`);
}

/** Run the analyses on an XDF file; writes CSV tables and summary.json into opts.out. */
export async function runAnalyze(file: string, opts: AnalyzeOptions): Promise<AnalyzeSummary> {
  const line = parseLine(opts.line);
  const all = !opts.ecg && !opts.eda && !opts.eegBands;
  const xdf = await readXdf(file);
  await mkdir(opts.out, { recursive: true });
  const summary: AnalyzeSummary = { file, ecg: [], eda: [], eeg: [] };
  const available = xdf.streams.map((s) => `${s.info.name} (${s.info.type})`).join(', ') || 'none';
  const pick = (type: string, wanted: boolean | undefined): XdfStream[] => {
    const found = numericStreams(xdf.streams, type);
    if (wanted && found.length === 0) throw new CliError('NO_STREAMS', `${file} has no numeric ${type} stream to analyse (streams: ${available})`);
    return wanted || all ? found : [];
  };
  const ecgStreams = pick('ECG', opts.ecg);
  const edaStreams = pick('EDA', opts.eda);
  const eegStreams = pick('EEG', opts.eegBands);
  if (ecgStreams.length + edaStreams.length + eegStreams.length === 0) {
    throw new CliError('NO_STREAMS', `${file} has no ECG, EDA or EEG stream to analyse (streams: ${available})`);
  }
  for (const s of ecgStreams) summary.ecg.push(...(await analyzeEcg(s, opts.out, line === 'auto' ? 50 : line)));
  for (const s of edaStreams) summary.eda.push(...(await analyzeEdaStream(s, opts.out)));
  for (const s of eegStreams) summary.eeg.push(await analyzeEeg(s, opts.out, line));
  await writeFile(join(opts.out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

function formatAnalyze(summary: AnalyzeSummary, outDir: string): string {
  const lines = [`analysed ${summary.file} -> ${outDir}`];
  for (const e of summary.ecg) {
    const hr = e.heartRateBpm === null ? 'n/a' : e.heartRateBpm.toFixed(1);
    lines.push(`  ECG ${e.stream}/${e.channel}: ${e.beats} beats, HR ${hr} bpm` + (e.hrv ? `, SDNN ${e.hrv.sdnnMs.toFixed(1)} ms, RMSSD ${e.hrv.rmssdMs.toFixed(1)} ms` : '') + (e.hrvFrequency ? `, LF/HF ${e.hrvFrequency.lfHf.toFixed(2)}` : ''));
  }
  for (const e of summary.eda) {
    lines.push(`  EDA ${e.stream}/${e.channel}: ${e.scrCount} SCRs (${e.scrRatePerMin.toFixed(2)}/min), mean tonic ${e.meanTonic.toFixed(3)} ${e.unit}`);
  }
  for (const e of summary.eeg) {
    const faa = e.frontalAlphaAsymmetry === null ? 'n/a' : e.frontalAlphaAsymmetry.toFixed(3);
    lines.push(`  EEG ${e.stream}: ${e.channels.length} channels, FAA ${faa}, line ${e.lineNoise.lineHz} Hz worst in ${e.lineNoise.worstChannel}`);
  }
  lines.push('  summary.json written');
  return `${lines.join('\n')}\n`;
}

/** Split one CSV line (quotes allowed) by `delimiter`. */
function splitCsv(line: string, delimiter: string): string[] {
  const cells: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) {
      cells.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  cells.push(cur.trim());
  return cells;
}

/** The numbers of one named column of a CSV text with a header row (',', ';' or tab separated). */
export function csvColumn(text: string, column: string, fileName = '<csv>'): Float64Array {
  const lines = text.split(/\r?\n/);
  const header = lines[0] ?? '';
  const delimiter = [',', ';', '\t'].reduce((best, d) => (header.split(d).length > header.split(best).length ? d : best), ',');
  const names = splitCsv(header.replace(/^\uFEFF/, ''), delimiter);
  const col = names.indexOf(column);
  if (col < 0) {
    throw new CliError('BAD_FLAG', `--column: ${fileName} has no column "${column}"; its columns are ${names.map((n) => `"${n}"`).join(', ')}`);
  }
  const values: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const cell = splitCsv(line, delimiter)[col];
    const v = cell === undefined || cell === '' ? Number.NaN : Number(cell);
    if (!Number.isFinite(v)) {
      throw new CliError('BAD_CSV', `${fileName} line ${i + 1}: column "${column}" holds "${cell ?? ''}", not a number`, { line: i + 1 });
    }
    values.push(v);
  }
  if (values.length === 0) throw new CliError('BAD_CSV', `${fileName}: no data rows under the header`);
  return Float64Array.from(values);
}

export function registerDspCommands(program: Command, io: CliIo): void {
  program
    .command('analyze')
    .description('ECG (R-peaks, HR, HRV), EDA (tonic/phasic, SCRs) and EEG (band powers, FAA, DE, line noise) of an XDF file, as CSV tables and summary.json')
    .argument('<file>', 'XDF file')
    .option('--ecg', 'analyse ECG streams (default: every analysable stream)')
    .option('--eda', 'analyse EDA streams')
    .option('--eeg-bands', 'analyse EEG streams')
    .requiredOption('--out <dir>', 'folder for the CSV files and summary.json (created)')
    .option('--line <hz>', 'power-line frequency: 50, 60 or auto', 'auto')
    .option('--json', 'print the summary as JSON', false)
    .action(async (file: string, opts: AnalyzeOptions & { json: boolean }) => {
      const summary = await runAnalyze(file, opts);
      io.stdout(opts.json ? `${JSON.stringify(summary)}\n` : formatAnalyze(summary, opts.out));
    });

  const dsp = program.command('dsp').description('signal-processing tools for plain files');
  dsp
    .command('rpeaks')
    .description('R-peaks of an ECG column of a CSV file, printed as {"peaks":[sample indices],"heartRateBpm":...}')
    .requiredOption('--csv <file>', 'CSV file with a header row')
    .requiredOption('--column <name>', 'the ECG column')
    .requiredOption('--fs <hz>', 'sampling rate, Hz')
    .option('--polarity <p>', 'auto, positive or negative', 'auto')
    .option('--line <hz>', 'power-line frequency to notch before locating peaks: 50 or 60', '50')
    .action(async (opts: { csv: string; column: string; fs: string; polarity: string; line: string }) => {
      const fs = Number(opts.fs);
      if (!Number.isFinite(fs) || fs <= 0) throw new CliError('BAD_FLAG', `--fs: expected a positive sampling rate in Hz, got "${opts.fs}"`);
      if (!['auto', 'positive', 'negative'].includes(opts.polarity)) {
        throw new CliError('BAD_FLAG', `--polarity: expected auto, positive or negative, got "${opts.polarity}"`);
      }
      const line = parseLine(opts.line);
      const signal = csvColumn(await readFile(opts.csv, 'utf8'), opts.column, opts.csv);
      const r = detectRPeaks(signal, fs, { polarity: opts.polarity as EcgPolarity, lineHz: line === 'auto' ? 50 : line });
      const hr = heartRateBpm(r.peaks, fs);
      io.stdout(`${JSON.stringify({ peaks: Array.from(r.peaks), heartRateBpm: Number.isFinite(hr) ? Number(hr.toFixed(3)) : null })}\n`);
    });
}
