// SerialProtocol for line-based text from DIY sensors (Arduino GSR/ECG shields printing
// "1234,0.52,3.1\n"): configurable columns (name:unit), rate, separator, optional device
// timestamp and counter columns, optional start/stop commands. One stream per data column.

import { SourceError } from '../../../core/errors.js';
import type { ProtocolStreamSpec, SampleSink, SerialProtocol } from '../protocol.js';
import { TextLineParser } from './parser.js';

export interface TextColumn {
  /** Stream key and label, e.g. "ecg". */
  key: string;
  /** Unit as printed by the device, e.g. "mV", "uS". */
  unit: string;
  /** Stream type; inferred from the key (ecg, eeg, eda/gsr, ppg, resp, acc) when absent. */
  type?: string;
}

export interface TextOptions {
  columns: TextColumn[];
  rateHz: number;
  /** Field separator: ",", ";", "\t" or " " (any run of spaces/tabs). Default ",". */
  separator?: string;
  /** 0-based field holding the device's timestamp. */
  timestampColumn?: number;
  /** Unit of the timestamp field (default "ms"). */
  timestampUnit?: 'ms' | 's';
  /** 0-based field holding a sample counter (non-negative integer). */
  counterColumn?: number;
  /** The counter wraps to 0 at this value (e.g. 65536 for a uint16_t); unwrapped into a continuous count. */
  counterWrap?: number;
  /** Sent to start/stop streaming (default: none; the device streams from power-up). */
  startCommand?: string;
  stopCommand?: string;
  baudRate?: number;
  /** Longer lines are rejected (default 256 bytes). */
  maxLineBytes?: number;
}

const SEPARATORS = [',', ';', '\t', ' '];

export function inferStreamType(key: string): string {
  const k = key.toLowerCase();
  if (k.startsWith('ecg')) return 'ECG';
  if (k.startsWith('eeg')) return 'EEG';
  if (k.startsWith('eda') || k.startsWith('gsr')) return 'EDA';
  if (k.startsWith('ppg')) return 'PPG';
  if (k.startsWith('resp')) return 'RESP';
  if (k.startsWith('acc')) return 'ACC';
  return 'MISC';
}

const UNIT_NAMES: Record<string, string> = { uv: 'microvolts', mv: 'millivolts', v: 'volts', us: 'microsiemens', 'µs': 'microsiemens', 'µv': 'microvolts' };

export class TextProtocol implements SerialProtocol {
  readonly name = 'text';
  readonly baudRate: number;
  readonly options: Readonly<TextOptions>;
  /** For each field of a line: -1 timestamp, -2 counter, else the column index. */
  readonly fieldRoles: Int32Array;
  readonly deviceDesc: Record<string, string | number | boolean>;

  constructor(options: TextOptions) {
    const fail = (option: string, message: string) => new SourceError('BAD_OPTION', 'text', `${option}: ${message}`, { option });
    if (options.columns.length === 0) throw fail('columns', 'at least one column is needed, e.g. columns=ecg:mV,eda:uS');
    const keys = new Set<string>();
    for (const c of options.columns) {
      if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(c.key)) throw fail('columns', `"${c.key}" is not a column name (letters, digits, _ and -)`);
      if (keys.has(c.key)) throw fail('columns', `"${c.key}" appears twice`);
      keys.add(c.key);
    }
    if (!(options.rateHz > 0) || !Number.isFinite(options.rateHz)) throw fail('rate', `expected a positive rate in Hz, got ${options.rateHz}`);
    const sep = options.separator ?? ',';
    if (!SEPARATORS.includes(sep)) throw fail('separator', `expected one of comma, semicolon, tab, space; got ${JSON.stringify(sep)}`);
    const fieldCount = options.columns.length + (options.timestampColumn !== undefined ? 1 : 0) + (options.counterColumn !== undefined ? 1 : 0);
    for (const [option, at] of [['timestamp', options.timestampColumn], ['counter', options.counterColumn]] as const) {
      if (at !== undefined && (!Number.isInteger(at) || at < 0 || at >= fieldCount)) throw fail(option, `field index must be 0..${fieldCount - 1}, got ${at}`);
    }
    if (options.timestampColumn !== undefined && options.timestampColumn === options.counterColumn) throw fail('counter', 'cannot be the timestamp field too');
    if (options.maxLineBytes !== undefined && (!Number.isInteger(options.maxLineBytes) || options.maxLineBytes < 16 || options.maxLineBytes > 65536)) {
      throw fail('maxLine', `expected an integer 16..65536 (bytes), got ${options.maxLineBytes}`);
    }
    if (options.counterWrap !== undefined) {
      if (options.counterColumn === undefined) throw fail('counterWrap', 'needs a counter field (counter=FIELD)');
      if (!Number.isSafeInteger(options.counterWrap) || options.counterWrap < 2) throw fail('counterWrap', `expected an integer >= 2, got ${options.counterWrap}`);
    }
    const roles = new Int32Array(fieldCount);
    let col = 0;
    for (let f = 0; f < fieldCount; f++) {
      roles[f] = f === options.timestampColumn ? -1 : f === options.counterColumn ? -2 : col++;
    }
    this.fieldRoles = roles;
    this.options = { ...options, separator: sep, timestampUnit: options.timestampUnit ?? 'ms', maxLineBytes: options.maxLineBytes ?? 256 };
    this.baudRate = options.baudRate ?? 115200;
    this.deviceDesc = { model: 'text line protocol', columns: options.columns.map((c) => `${c.key}:${c.unit}`).join(',') };
  }

  streams(): ProtocolStreamSpec[] {
    return this.options.columns.map((c) => ({
      key: c.key,
      name: c.key.toUpperCase(),
      type: c.type ?? inferStreamType(c.key),
      channels: [{ label: c.key, unit: UNIT_NAMES[c.unit.toLowerCase()] ?? c.unit }],
      channelFormat: 'float32',
      nominalRateHz: this.options.rateHz,
    }));
  }

  createParser(sink: SampleSink): TextLineParser {
    return new TextLineParser(this, sink);
  }

  startCommands(): Uint8Array[] {
    return this.options.startCommand ? [new TextEncoder().encode(this.options.startCommand)] : [];
  }

  stopCommands(): Uint8Array[] {
    return this.options.stopCommand ? [new TextEncoder().encode(this.options.stopCommand)] : [];
  }
}
