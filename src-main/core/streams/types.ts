// Stream descriptions and sample chunks: the unit of data that flows from every
// SignalSource through the engine to the recorder, the aligner and the UI publishers.

/** Kinds of stream the workstation knows. Other XDF types (from files) are kept as strings. */
export const STREAM_TYPES = [
  'EEG',
  'ECG',
  'EDA',
  'PPG',
  'RESP',
  'ACC',
  'MARKER',
  'ANNOTATION',
  'PREDICTION',
  'GROUND_TRUTH',
] as const;
export type KnownStreamType = (typeof STREAM_TYPES)[number];
export type StreamType = KnownStreamType | (string & {});

/** XDF 1.0 channel formats. Live numeric chunks always carry Float32Array values; the
 *  format says how the recorder stores them and how a file stored them. */
export const CHANNEL_FORMATS = ['float32', 'double64', 'string', 'int8', 'int16', 'int32', 'int64'] as const;
export type ChannelFormat = (typeof CHANNEL_FORMATS)[number];

export interface ChannelInfo {
  /** Channel label, e.g. a 10-20 name ("Fp1") or "ECG-II". */
  label: string;
  /** Unit of the values, e.g. "microvolts", "microsiemens", "bpm", "a.u.". */
  unit: string;
  /** Channel type when it differs from the stream's (e.g. "EOG" inside an EEG stream). */
  type?: string;
}

export interface StreamInfo {
  /** Unique within a session, stable across reconnects, e.g. "synthetic:eeg". */
  id: string;
  name: string;
  type: StreamType;
  channels: readonly ChannelInfo[];
  channelFormat: ChannelFormat;
  /** Nominal sampling rate in Hz; 0 for irregular streams (markers, annotations). */
  nominalRateHz: number;
  /** The source (device) that produces the stream; streams of one source share a clock. */
  sourceId: string;
  /** Free-form device metadata written to the XDF <desc> element (manufacturer, serial, ...). */
  desc?: Record<string, string | number | boolean>;
}

/** A block of consecutive samples of one stream. */
export interface Chunk {
  streamId: string;
  /** n x channelCount values, row-major (sample-major). Strings for string streams. */
  values: Float32Array | string[];
  /** n timestamps in seconds on the source's clock. */
  timestamps: Float64Array;
  /** Sample counter of the first sample (the device's own count, unwrapped). A jump in the
   *  counter between chunks is lost data, and is recorded as a gap, never papered over. */
  firstIndex: number;
}

export function channelCount(info: StreamInfo): number {
  return info.channels.length;
}

export function chunkLength(chunk: Chunk): number {
  return chunk.timestamps.length;
}

export function isStringStream(info: StreamInfo): boolean {
  return info.channelFormat === 'string';
}

/** One LSL-style clock offset measurement: at `collectionTimeSec` (session clock), the
 *  source clock read `collectionTimeSec - offsetSec`, i.e. sessionTime = sourceTime + offsetSec. */
export interface ClockOffsetMeasurement {
  sourceId: string;
  collectionTimeSec: number;
  offsetSec: number;
}
