// BIDS export of one session: EEG-BIDS (EDF+ with the EEG streams, channels.tsv, eeg.json,
// events.tsv from markers), each other numeric stream as physio (tsv.gz + json, on its own
// uniform grid), and the dataset files (dataset_description.json, participants.tsv, README).
// Several sessions can be exported into one dataset folder: dataset files are kept or extended.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { HimoeError } from '../../core/errors.js';
import { formatFloat32 } from '../csv/csv-export.js';
import { writeEdfFile } from '../edf/edf-writer.js';
import { shortUnit } from '../edf/edf-format.js';
import { planEdfExport } from '../export/edf-export.js';
import { gridSignal, type ExportSession, type ExportSignalStream } from '../export/export-session.js';

/** Errors of the BIDS exporter: bad labels, existing files, write failures. */
export class BidsError extends HimoeError {
  readonly domain = 'bids';
}

export const BIDS_VERSION = '1.10.0';

export interface BidsExportOptions {
  /** Participant label (alphanumeric); default: the session's pseudonymous subject id. */
  subject?: string;
  /** Session label (alphanumeric); default: the header's "session" field, else "01". */
  session?: string;
  /** Task label (alphanumeric); default: the header's "task" or "protocol" field, else "recording". */
  task?: string;
  run?: number;
  /** Mains frequency in Hz, when known (eeg.json PowerLineFrequency; default "n/a"). */
  powerLineHz?: number;
  /** Written as eeg.json EEGReference (default "n/a": the recording does not say). */
  eegReference?: string;
  datasetName?: string;
  /** Replace this session's files when they exist (default false). */
  overwrite?: boolean;
}

export interface BidsExportResult {
  root: string;
  subject: string;
  session: string;
  task: string;
  /** Files written, relative to root. */
  files: string[];
  warnings: string[];
}

/** BIDS channel types for our stream/channel types. */
const BIDS_TYPE: Readonly<Record<string, string>> = { EEG: 'EEG', EOG: 'EOG', ECG: 'ECG', EMG: 'EMG', EDA: 'GSR', GSR: 'GSR', PPG: 'PPG', RESP: 'RESP', TEMP: 'TEMP', TRIG: 'TRIG' };

/** A BIDS label: letters and digits only. */
export function bidsLabel(text: string): string {
  return text.replace(/[^A-Za-z0-9]/g, '');
}

function checkLabel(kind: string, label: string): string {
  const clean = bidsLabel(label);
  if (clean.length === 0) throw new BidsError('BAD_LABEL', `BIDS ${kind} label "${label}" has no letters or digits; labels are alphanumeric`, { field: kind });
  return clean;
}

function bidsUnit(unit: string): string {
  const u = shortUnit(unit);
  return u === '' || u === 'a.u.' ? 'n/a' : u;
}

function tsv(rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  return rows.map((r) => r.map((c) => (typeof c === 'number' ? String(c) : c.replace(/[\t\r\n]+/g, ' ') || 'n/a')).join('\t')).join('\n') + '\n';
}

export function exportBids(sessionData: ExportSession, root: string, opts: BidsExportOptions = {}): BidsExportResult {
  const warnings: string[] = [...sessionData.warnings];
  const h = sessionData.headerFields;
  const sub = checkLabel('subject', opts.subject ?? sessionData.subject ?? '');
  const ses = checkLabel('session', opts.session ?? h['session'] ?? '01');
  const task = checkLabel('task', opts.task ?? h['task'] ?? h['protocol'] ?? 'recording');
  if (opts.run !== undefined && (!Number.isInteger(opts.run) || opts.run < 0)) throw new BidsError('BAD_LABEL', `BIDS run index ${opts.run} is not a non-negative integer`, { field: 'run' });
  const eegStreams = sessionData.signals.filter((s) => s.info.type === 'EEG');
  const datatype = eegStreams.length > 0 ? 'eeg' : 'beh';
  const dirRel = join(`sub-${sub}`, `ses-${ses}`, datatype);
  const stem = `sub-${sub}_ses-${ses}_task-${task}${opts.run !== undefined ? `_run-${opts.run}` : ''}`;
  const files: string[] = [];
  try {
    mkdirSync(join(root, dirRel), { recursive: true });
  } catch (err) {
    throw new BidsError('IO_FAILED', `${root}: cannot create ${dirRel}: ${(err as Error).message}`, { path: root }, { cause: err });
  }
  const write = (rel: string, content: string | Uint8Array, sessionFile = true): void => {
    const path = join(root, rel);
    if (sessionFile && existsSync(path) && !opts.overwrite) throw new BidsError('FILE_EXISTS', `${path} exists; pass overwrite to replace this session's files`, { path });
    try {
      writeFileSync(path, content);
    } catch (err) {
      throw new BidsError('IO_FAILED', `${path}: write failed: ${(err as Error).message}`, { path }, { cause: err });
    }
    files.push(rel);
  };

  // EEG: EDF+ of the EEG streams; time zero of the session's BIDS files is its first record.
  let zeroSec = 0;
  if (datatype === 'eeg') {
    const plan = planEdfExport(sessionData, { format: 'edf', include: (s) => s.info.type === 'EEG', events: true, annotateGaps: true });
    warnings.push(...plan.warnings);
    zeroSec = plan.spec.recordOnsetsSec?.[0] ?? 0;
    const edfRel = join(dirRel, `${stem}_eeg.edf`);
    const edfPath = join(root, edfRel);
    if (existsSync(edfPath) && !opts.overwrite) throw new BidsError('FILE_EXISTS', `${edfPath} exists; pass overwrite to replace this session's files`, { path: edfPath });
    writeEdfFile(edfPath, plan.spec, { overwrite: true });
    files.push(edfRel);
    const rates = [...new Set(plan.channels.map((c) => c.rateHz))];
    const mainRate = Math.max(...rates);
    const recordSec = plan.spec.recordDurationSec;
    const counts: Record<string, number> = {};
    const rows: Array<Array<string | number>> = [['name', 'type', 'units', 'description', 'sampling_frequency', 'low_cutoff', 'high_cutoff', 'status']];
    for (const c of plan.channels) {
      const type = BIDS_TYPE[(c.stream.info.channels[c.channelIndex]?.type ?? c.stream.info.type).toUpperCase()] ?? 'MISC';
      counts[type] = (counts[type] ?? 0) + 1;
      rows.push([c.label, type, bidsUnit(c.unit), `${c.stream.info.name} channel ${c.stream.info.channels[c.channelIndex]!.label}`, c.rateHz, 'n/a', Math.round(0.45 * c.rateHz * 100) / 100, 'good']);
    }
    write(join(dirRel, `${stem}_channels.tsv`), tsv(rows));
    const desc = eegStreams[0]!.info.desc ?? {};
    const eegJson: Record<string, unknown> = {
      TaskName: task,
      SamplingFrequency: mainRate,
      EEGReference: opts.eegReference ?? (typeof desc['reference'] === 'string' ? desc['reference'] : 'n/a'),
      PowerLineFrequency: opts.powerLineHz ?? 'n/a',
      SoftwareFilters: {
        ResamplingLowPass: {
          Description: 'anti-aliased resampling of each stream onto a uniform grid from its synchronised timestamps (Kaiser-windowed sinc)',
          CutoffHz: Math.round(0.45 * mainRate * 100) / 100,
        },
      },
      Manufacturer: typeof desc['manufacturer'] === 'string' ? desc['manufacturer'] : 'n/a',
      ManufacturersModelName: eegStreams.map((s) => s.info.name).join(', '),
      EEGChannelCount: counts['EEG'] ?? 0,
      ECGChannelCount: counts['ECG'] ?? 0,
      EMGChannelCount: counts['EMG'] ?? 0,
      EOGChannelCount: counts['EOG'] ?? 0,
      MISCChannelCount: counts['MISC'] ?? 0,
      TriggerChannelCount: counts['TRIG'] ?? 0,
      RecordingDuration: plan.spec.recordCount * recordSec,
      RecordingType: plan.droppedRecords > 0 ? 'discontinuous' : 'continuous',
      HardwareFilters: 'n/a',
      SoftwareVersions: 'HiMoE Workstation 0.1.0',
    };
    if (rates.length > 1) warnings.push(`EEG channels at ${rates.join(', ')} Hz; per-channel rates are in channels.tsv sampling_frequency`);
    write(join(dirRel, `${stem}_eeg.json`), `${JSON.stringify(eegJson, null, 2)}\n`);
  }

  // Events: markers and other string streams.
  const events: Array<Array<string | number>> = [['onset', 'duration', 'trial_type', 'value']];
  for (const e of sessionData.events) events.push([Math.round((e.onsetSec - zeroSec) * 1e6) / 1e6, 0, e.streamType.toLowerCase(), e.text]);
  write(join(dirRel, `${stem}_events.tsv`), tsv(events));
  write(
    join(dirRel, `${stem}_events.json`),
    `${JSON.stringify(
      {
        onset: { Description: 'seconds from the first sample of the recording', Units: 's' },
        duration: { Description: 'seconds; 0 for instantaneous markers', Units: 's' },
        trial_type: { Description: 'type of the stream the event came from (marker, annotation, ...)' },
        value: { Description: 'the marker or annotation text as recorded' },
      },
      null,
      2,
    )}\n`,
  );

  // Physio: each other numeric stream on its own grid from its first sample.
  // recording-<type> ("ecg", "eda"), or <type><name> when a type occurs more than once.
  const physio = sessionData.signals.filter((s) => !(datatype === 'eeg' && s.info.type === 'EEG'));
  const typeCount = new Map<string, number>();
  for (const s of physio) typeCount.set(s.info.type, (typeCount.get(s.info.type) ?? 0) + 1);
  const usedRecordings = new Set<string>();
  for (const s of physio) {
    const base = bidsLabel((typeCount.get(s.info.type)! > 1 ? `${s.info.type}${s.info.name}` : s.info.type).toLowerCase()) || 'stream';
    let rec = base;
    for (let k = 2; usedRecordings.has(rec); k++) rec = `${base}${k}`;
    usedRecordings.add(rec);
    const { tsvGz, json } = physioFiles(s, zeroSec);
    write(join(dirRel, `${stem}_recording-${rec}_physio.tsv.gz`), tsvGz);
    write(join(dirRel, `${stem}_recording-${rec}_physio.json`), `${JSON.stringify(json, null, 2)}\n`);
  }

  // Dataset files: created once, participants extended.
  const descPath = join(root, 'dataset_description.json');
  if (!existsSync(descPath)) {
    write(
      'dataset_description.json',
      `${JSON.stringify({ Name: opts.datasetName ?? 'HiMoE Workstation export', BIDSVersion: BIDS_VERSION, DatasetType: 'raw', GeneratedBy: [{ Name: 'HiMoE Workstation', Version: '0.1.0' }] }, null, 2)}\n`,
      false,
    );
  }
  const partPath = join(root, 'participants.tsv');
  const existing = existsSync(partPath) ? readFileSync(partPath, 'utf8').split('\n').filter((l) => l.length > 0) : ['participant_id'];
  if (!existing.slice(1).some((l) => l.split('\t')[0] === `sub-${sub}`)) {
    const width = existing[0]!.split('\t').length;
    existing.push([`sub-${sub}`, ...new Array<string>(width - 1).fill('n/a')].join('\t'));
    write('participants.tsv', existing.join('\n') + '\n', false);
  }
  if (!existsSync(join(root, 'participants.json'))) {
    write('participants.json', `${JSON.stringify({ participant_id: { Description: 'pseudonymous participant label' } }, null, 2)}\n`, false);
  }
  if (!existsSync(join(root, 'README'))) {
    write('README', 'Exported by HiMoE Workstation from XDF session recordings.\nParticipant labels are pseudonymous.\n', false);
  }
  return { root, subject: sub, session: ses, task, files, warnings };
}

/** A stream's physio TSV (no header, n/a in gaps) and sidecar. */
function physioFiles(s: ExportSignalStream, zeroSec: number): { tsvGz: Uint8Array; json: Record<string, unknown> } {
  const first = s.timesSec[0]!;
  const last = s.timesSec[s.timesSec.length - 1]!;
  const length = Math.floor((last - first) * s.rateHz + 1e-6) + 1;
  const g = gridSignal(s, s.rateHz, length, first);
  const c = s.channelCount;
  const lines: string[] = new Array<string>(length);
  for (let i = 0; i < length; i++) {
    const row: string[] = new Array<string>(c);
    for (let k = 0; k < c; k++) row[k] = g.mask[i] ? formatFloat32(g.values[i * c + k]!) : 'n/a';
    lines[i] = row.join('\t');
  }
  const columns = s.info.channels.map((ch, k) => bidsLabel(ch.label).toLowerCase() || `col${k + 1}`);
  for (let k = 0; k < columns.length; k++) if (columns.indexOf(columns[k]!) !== k) columns[k] = `${columns[k]}${k + 1}`;
  const json: Record<string, unknown> = {
    SamplingFrequency: s.rateHz,
    StartTime: Math.round((first - zeroSec) * 1e6) / 1e6,
    Columns: columns,
  };
  s.info.channels.forEach((ch, k) => {
    json[columns[k]!] = { Description: `${s.info.type} ${ch.label} from ${s.info.name}`, Units: bidsUnit(ch.unit) };
  });
  return { tsvGz: gzipSync(lines.join('\n') + '\n'), json };
}
