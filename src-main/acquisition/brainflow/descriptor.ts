// BrainFlow board descriptors -> stream layouts: which rows of a preset's data hold EEG, ECG,
// EDA, PPG and accelerometer channels, the timestamp, package counter and marker rows, and
// each preset's rate. Pure: the descriptors come from BoardShim.getBoardDescr at run time.

import { SourceError } from '../../core/errors.js';
import type { ChannelInfo, StreamInfo } from '../../core/streams/types.js';

/** BrainFlowPresets: every preset has its own rate, timestamp row and package counter. */
export const BRAINFLOW_PRESETS = { default: 0, auxiliary: 1, ancillary: 2 } as const;
export const BRAINFLOW_PRESET_NAMES: Readonly<Record<number, string>> = { 0: 'default', 1: 'auxiliary', 2: 'ancillary' };

/** The JSON BoardShim.getBoardDescr(boardId, preset) returns (fields as in BrainFlow's brainflow_boards.cpp). */
export interface BrainFlowBoardDescr {
  name: string;
  num_rows: number;
  timestamp_channel: number;
  marker_channel: number;
  sampling_rate?: number;
  package_num_channel?: number;
  battery_channel?: number;
  eeg_channels?: number[];
  eeg_names?: string;
  emg_channels?: number[];
  ecg_channels?: number[];
  eog_channels?: number[];
  eda_channels?: number[];
  ppg_channels?: number[];
  accel_channels?: number[];
  gyro_channels?: number[];
  analog_channels?: number[];
  other_channels?: number[];
  temperature_channels?: number[];
  resistance_channels?: number[];
}

/** One numeric stream cut out of a preset's rows. */
export interface BrainFlowStreamLayout {
  info: StreamInfo;
  preset: number;
  rows: number[];
}

/** Everything the source needs to turn one preset's data block into chunks. */
export interface BrainFlowPresetLayout {
  preset: number;
  numRows: number;
  rateHz: number;
  timestampRow: number;
  packageRow: number | null;
  markerRow: number;
  streams: BrainFlowStreamLayout[];
}

export interface BrainFlowLayout {
  presets: BrainFlowPresetLayout[];
  /** The board's marker stream (markers of every preset land here). */
  markerStream: StreamInfo;
  streams: StreamInfo[];
}

/** Kinds taken from a descriptor, in priority order: a row used by an earlier kind is not reused
 *  (Cyton lists the same rows as EEG, EMG, ECG and EOG; they become one EEG stream). */
const KINDS: Array<{ field: keyof BrainFlowBoardDescr; key: string; type: string; unit: string; label: string }> = [
  { field: 'eeg_channels', key: 'eeg', type: 'EEG', unit: 'microvolts', label: 'EEG' },
  { field: 'ecg_channels', key: 'ecg', type: 'ECG', unit: 'microvolts', label: 'ECG' },
  { field: 'eda_channels', key: 'eda', type: 'EDA', unit: 'a.u.', label: 'EDA' },
  { field: 'ppg_channels', key: 'ppg', type: 'PPG', unit: 'a.u.', label: 'PPG' },
  { field: 'accel_channels', key: 'acc', type: 'ACC', unit: 'g', label: 'ACC' },
];
const ACC_AXES = ['X', 'Y', 'Z'];

function badDescr(sourceId: string, boardId: number, preset: number, what: string): never {
  throw new SourceError('BAD_DESCRIPTOR', sourceId, `BrainFlow board ${boardId}, ${BRAINFLOW_PRESET_NAMES[preset] ?? preset} preset: ${what}`, { boardId, preset });
}

function rowList(v: unknown): number[] {
  return Array.isArray(v) ? v.filter((x): x is number => Number.isInteger(x)) : [];
}

/**
 * Streams of a board from its per-preset descriptors. Stream ids are `${sourceId}:${kind}` for
 * the default preset and `${sourceId}:${preset}-${kind}` for the others.
 */
export function layoutFromDescriptors(
  sourceId: string,
  boardId: number,
  descrs: Array<{ preset: number; descr: BrainFlowBoardDescr }>,
): BrainFlowLayout {
  if (descrs.length === 0) badDescr(sourceId, boardId, 0, 'no presets');
  const presets: BrainFlowPresetLayout[] = [];
  const streams: StreamInfo[] = [];
  let boardName = '';
  for (const { preset, descr } of descrs) {
    const numRows = descr.num_rows;
    if (!Number.isInteger(numRows) || numRows < 1) badDescr(sourceId, boardId, preset, `num_rows is ${JSON.stringify(numRows)}; expected a positive integer`);
    if (!Number.isInteger(descr.timestamp_channel)) badDescr(sourceId, boardId, preset, 'no timestamp_channel');
    if (!Number.isInteger(descr.marker_channel)) badDescr(sourceId, boardId, preset, 'no marker_channel');
    const rateHz = descr.sampling_rate ?? 0;
    if (!(rateHz > 0)) badDescr(sourceId, boardId, preset, `sampling_rate is ${JSON.stringify(descr.sampling_rate)}; expected > 0`);
    if (preset === 0 || !boardName) boardName = descr.name;
    const presetName = BRAINFLOW_PRESET_NAMES[preset] ?? String(preset);
    const used = new Set<number>();
    const layout: BrainFlowPresetLayout = {
      preset,
      numRows,
      rateHz,
      timestampRow: descr.timestamp_channel,
      packageRow: Number.isInteger(descr.package_num_channel) ? (descr.package_num_channel as number) : null,
      markerRow: descr.marker_channel,
      streams: [],
    };
    for (const kind of KINDS) {
      const rows = rowList(descr[kind.field]).filter((r) => !used.has(r) && r >= 0 && r < numRows);
      if (rows.length === 0) continue;
      for (const r of rows) used.add(r);
      const eegNames = kind.key === 'eeg' && typeof descr.eeg_names === 'string' ? descr.eeg_names.split(',') : [];
      const channels: ChannelInfo[] = rows.map((_row, i) => ({
        label:
          kind.key === 'eeg' && eegNames.length === rows.length
            ? eegNames[i].trim()
            : kind.key === 'acc' && rows.length === 3
              ? `ACC-${ACC_AXES[i]}`
              : `${kind.label}${rows.length > 1 ? i + 1 : ''}`,
        unit: kind.unit,
      }));
      const alsoListedAs = KINDS.filter((k) => k !== kind && rowList(descr[k.field]).some((r) => rows.includes(r))).map((k) => k.type);
      for (const f of ['emg_channels', 'eog_channels'] as const) if (rowList(descr[f]).some((r) => rows.includes(r))) alsoListedAs.push(f.slice(0, 3).toUpperCase());
      const info: StreamInfo = {
        id: preset === 0 ? `${sourceId}:${kind.key}` : `${sourceId}:${presetName}-${kind.key}`,
        name: `${descr.name} ${kind.type}`,
        type: kind.type,
        channels,
        channelFormat: 'float32',
        nominalRateHz: rateHz,
        sourceId,
        desc: {
          manufacturer: 'BrainFlow',
          board: descr.name,
          boardId,
          preset: presetName,
          rows: rows.join(','),
          ...(alsoListedAs.length > 0 ? { alsoListedAs: alsoListedAs.join(',') } : {}),
        },
      };
      layout.streams.push({ info, preset, rows });
      streams.push(info);
    }
    presets.push(layout);
  }
  const markerStream: StreamInfo = {
    id: `${sourceId}:markers`,
    name: `${boardName} markers`,
    type: 'MARKER',
    channels: [{ label: 'marker', unit: '' }],
    channelFormat: 'string',
    nominalRateHz: 0,
    sourceId,
    desc: { manufacturer: 'BrainFlow', board: boardName, boardId },
  };
  streams.push(markerStream);
  return { presets, markerStream, streams };
}
