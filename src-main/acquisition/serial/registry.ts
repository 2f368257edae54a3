// Protocol names and options as typed on the command line (`--source bitalino:/dev/rfcomm0:ecg=A2,eda=A3`)
// -> a configured SerialProtocol. The transport (SerialSource) and the CLI call protocolFor().

import { SourceError } from '../../core/errors.js';
import { BitalinoProtocol, type BitalinoChannel } from './bitalino/protocol.js';
import { BITALINO_RATES_HZ, type BitalinoRateHz, type BitalinoSensor } from './bitalino/format.js';
import { CytonProtocol } from './cyton/protocol.js';
import { HimoeFrameProtocol } from './himoe-frame/protocol.js';
import type { SerialProtocol } from './protocol.js';
import { TextProtocol, type TextColumn } from './text/protocol.js';

export const SERIAL_PROTOCOL_NAMES = ['cyton', 'cyton-daisy', 'bitalino', 'text', 'himoe'] as const;

const BITALINO_SENSORS: readonly BitalinoSensor[] = ['ecg', 'eeg', 'emg', 'eda', 'raw'];

function badOption(protocol: string, option: string, message: string): SourceError {
  return new SourceError('BAD_OPTION', protocol, `${protocol} option "${option}": ${message}`, { option });
}

/**
 * Split an option string into key=value pairs. Pairs are separated by ";" when the text has
 * one, else by ","; a piece without "=" continues the previous value, so both
 * `columns=ecg:mV,eda:uS;rate=100` and `ecg=A2,eda=A3,rate=1000` read as meant.
 */
export function parseProtocolOptions(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (text.trim() === '') return out;
  const sep = text.includes(';') ? ';' : ',';
  let lastKey: string | null = null;
  for (const piece of text.split(sep)) {
    const eq = piece.indexOf('=');
    if (eq < 0) {
      if (lastKey === null) throw new SourceError('BAD_OPTION', 'serial', `option "${piece}" has no "=": expected key=value`, { option: piece });
      out[lastKey] += `,${piece.trim()}`;
      continue;
    }
    lastKey = piece.slice(0, eq).trim();
    if (lastKey === '') throw new SourceError('BAD_OPTION', 'serial', `option "${piece}" has an empty key`, { option: piece });
    out[lastKey] = piece.slice(eq + 1).trim();
  }
  return out;
}

function checkKnown(protocol: string, options: Record<string, string>, known: (key: string) => boolean, hint: string): void {
  for (const key of Object.keys(options)) {
    if (!known(key)) throw badOption(protocol, key, `unknown option; expected ${hint}`);
  }
}

function numberOption(protocol: string, options: Record<string, string>, key: string): number | undefined {
  const raw = options[key];
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (raw === '' || !Number.isFinite(v)) throw badOption(protocol, key, `expected a number, got "${raw}"`);
  return v;
}

function fieldOption(protocol: string, options: Record<string, string>, key: string): number | undefined {
  const v = numberOption(protocol, options, key);
  if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw badOption(protocol, key, `expected a 0-based field index, got "${options[key]}"`);
  return v;
}

function boolOption(protocol: string, options: Record<string, string>, key: string): boolean | undefined {
  const raw = options[key];
  if (raw === undefined) return undefined;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw badOption(protocol, key, `expected true/false, got "${raw}"`);
}

/** Unescape "\n", "\r", "\t" in command strings given on the command line. */
function unescapeCommand(s: string): string {
  return s.replace(/\\([nrt\\])/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c === 't' ? '\t' : '\\'));
}

function cyton(name: string, options: Record<string, string>): CytonProtocol {
  const daisy = name === 'cyton-daisy';
  checkKnown(name, options, (k) => ['gain', 'labels', 'accel', 'aux'].includes(k), 'gain, labels, aux, accel');
  let gains: number | number[] | undefined;
  if (options.gain !== undefined) {
    const parts = options.gain.split(',').map((g) => Number(g.trim()));
    if (parts.some((g) => !Number.isFinite(g))) throw badOption(name, 'gain', `expected a gain or a comma-separated list, got "${options.gain}"`);
    gains = parts.length === 1 ? parts[0] : parts;
  }
  const labels = options.labels?.split(',').map((l) => l.trim());
  const aux = options.aux;
  if (aux !== undefined && aux !== 'accel' && aux !== 'analog' && aux !== 'none') throw badOption(name, 'aux', `expected accel, analog or none, got "${aux}"`);
  return new CytonProtocol({ daisy, gains, labels, aux, accel: boolOption(name, options, 'accel') });
}

function bitalino(options: Record<string, string>): BitalinoProtocol {
  const channels: BitalinoChannel[] = [];
  let rateHz: BitalinoRateHz = 1000;
  for (const [key, value] of Object.entries(options)) {
    if (key === 'rate') {
      const r = Number(value);
      if (!BITALINO_RATES_HZ.includes(r as BitalinoRateHz)) throw badOption('bitalino', 'rate', `expected 1, 10, 100 or 1000 Hz, got "${value}"`);
      rateHz = r as BitalinoRateHz;
      continue;
    }
    const sensor = BITALINO_SENSORS.find((s) => key.toLowerCase().startsWith(s));
    if (!sensor || !/^[a-z]+[0-9]*$/i.test(key)) {
      throw badOption('bitalino', key, `unknown option; expected rate=HZ or SENSOR=A1..A6 with SENSOR one of ${BITALINO_SENSORS.join(', ')} (e.g. ecg=A2, eeg2=A4)`);
    }
    const m = /^A([1-6])$/i.exec(value.trim());
    if (!m) throw badOption('bitalino', key, `expected an analog input A1..A6, got "${value}"`);
    channels.push({ key: key.toLowerCase(), sensor, input: Number(m[1]) });
  }
  if (channels.length === 0) throw badOption('bitalino', 'channels', 'map at least one sensor to an input, e.g. ecg=A2,eda=A3');
  return new BitalinoProtocol({ channels, rateHz });
}

const SEPARATOR_NAMES: Record<string, string> = { comma: ',', semicolon: ';', tab: '\t', space: ' ', ',': ',', '\\t': '\t' };

function text(options: Record<string, string>): TextProtocol {
  const known = ['columns', 'rate', 'separator', 'timestamp', 'timestampUnit', 'counter', 'counterWrap', 'maxLine', 'start', 'stop', 'baud'];
  checkKnown('text', options, (k) => known.includes(k), known.join(', '));
  if (!options.columns) throw badOption('text', 'columns', 'required, e.g. columns=ecg:mV,eda:uS');
  const columns: TextColumn[] = options.columns.split(',').map((spec) => {
    const [key, unit, type, ...rest] = spec.split(':').map((s) => s.trim());
    if (!key || unit === undefined || unit === '' || rest.length > 0) throw badOption('text', 'columns', `"${spec}" is not name:unit or name:unit:TYPE`);
    return type ? { key, unit, type } : { key, unit };
  });
  const rateHz = numberOption('text', options, 'rate');
  if (rateHz === undefined || rateHz <= 0) throw badOption('text', 'rate', `required, a positive rate in Hz${options.rate ? `, got "${options.rate}"` : ''}`);
  let separator: string | undefined;
  if (options.separator !== undefined) {
    separator = SEPARATOR_NAMES[options.separator];
    if (separator === undefined) throw badOption('text', 'separator', `expected comma, semicolon, tab or space, got "${options.separator}"`);
  }
  const timestampUnit = options.timestampUnit;
  if (timestampUnit !== undefined && timestampUnit !== 'ms' && timestampUnit !== 's') {
    throw badOption('text', 'timestampUnit', `expected ms or s, got "${timestampUnit}"`);
  }
  const baud = numberOption('text', options, 'baud');
  return new TextProtocol({
    columns,
    rateHz,
    separator,
    timestampColumn: fieldOption('text', options, 'timestamp'),
    timestampUnit,
    counterColumn: fieldOption('text', options, 'counter'),
    counterWrap: numberOption('text', options, 'counterWrap'),
    maxLineBytes: numberOption('text', options, 'maxLine'),
    startCommand: options.start !== undefined ? unescapeCommand(options.start) : undefined,
    stopCommand: options.stop !== undefined ? unescapeCommand(options.stop) : undefined,
    baudRate: baud,
  });
}

/**
 * The protocol called `name` configured from `options` (already split into key=value, see
 * parseProtocolOptions). Throws SourceError code BAD_OPTION naming the option, or
 * UNKNOWN_PROTOCOL.
 */
export function protocolFor(name: string, options: Record<string, string> = {}): SerialProtocol {
  switch (name) {
    case 'cyton':
    case 'cyton-daisy':
      return cyton(name, options);
    case 'bitalino':
      return bitalino(options);
    case 'text':
      return text(options);
    case 'himoe': {
      checkKnown('himoe', options, (k) => k === 'requireDescriptor' || k === 'baud', 'requireDescriptor, baud');
      return new HimoeFrameProtocol({ requireDescriptor: boolOption('himoe', options, 'requireDescriptor'), baudRate: numberOption('himoe', options, 'baud') });
    }
    default:
      throw new SourceError('UNKNOWN_PROTOCOL', name, `unknown serial protocol "${name}"; expected one of ${SERIAL_PROTOCOL_NAMES.join(', ')}`, { option: 'protocol' });
  }
}
