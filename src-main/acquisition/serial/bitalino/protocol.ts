// SerialProtocol for BITalino (r)evolution: which sensor sits on which analog input (A1..A6),
// the sampling rate, the live/stop commands, and one stream per sensor in datasheet units.

import { SourceError } from '../../../core/errors.js';
import type { ProtocolStreamSpec, SampleSink, SerialProtocol } from '../protocol.js';
import {
  BITALINO_BAUD,
  BITALINO_RATES_HZ,
  BITALINO_STOP_COMMAND,
  bitalinoChannelBits,
  bitalinoFrameBytes,
  bitalinoRateCommand,
  bitalinoStartCommand,
  bitalinoUnit,
  type BitalinoRateHz,
  type BitalinoSensor,
} from './format.js';
import { BitalinoParser } from './parser.js';

export interface BitalinoChannel {
  /** Stream key, e.g. "ecg", "eda", "eeg2". */
  key: string;
  sensor: BitalinoSensor;
  /** Analog input 1..6 (A1..A6). */
  input: number;
}

export interface BitalinoOptions {
  channels: BitalinoChannel[];
  rateHz?: BitalinoRateHz;
}

const STREAM_TYPE: Record<BitalinoSensor, string> = { ecg: 'ECG', eeg: 'EEG', emg: 'EMG', eda: 'EDA', raw: 'MISC' };

export class BitalinoProtocol implements SerialProtocol {
  readonly name = 'bitalino';
  readonly baudRate = BITALINO_BAUD;
  readonly rateHz: BitalinoRateHz;
  /** Channels in acquisition (frame) order: ascending analog input. */
  readonly channels: readonly BitalinoChannel[];
  readonly analogMask: number;
  readonly frameBytes: number;
  readonly deviceDesc: Record<string, string | number | boolean>;

  constructor(options: BitalinoOptions) {
    this.rateHz = options.rateHz ?? 1000;
    if (!BITALINO_RATES_HZ.includes(this.rateHz)) {
      throw new SourceError('BAD_OPTION', 'bitalino', `rate: ${this.rateHz} Hz is not a BITalino rate (1, 10, 100, 1000)`, { option: 'rate' });
    }
    if (options.channels.length === 0) {
      throw new SourceError('BAD_OPTION', 'bitalino', 'no analog channel given: map sensors to inputs, e.g. ecg=A2,eda=A3', { option: 'channels' });
    }
    const seen = new Set<number>();
    for (const ch of options.channels) {
      if (!Number.isInteger(ch.input) || ch.input < 1 || ch.input > 6) {
        throw new SourceError('BAD_OPTION', 'bitalino', `${ch.key}: analog input must be A1..A6, got ${ch.input}`, { option: ch.key });
      }
      if (seen.has(ch.input)) throw new SourceError('BAD_OPTION', 'bitalino', `${ch.key}: input A${ch.input} is used twice`, { option: ch.key });
      seen.add(ch.input);
    }
    this.channels = [...options.channels].sort((a, b) => a.input - b.input);
    this.analogMask = this.channels.reduce((m, ch) => m | (1 << (ch.input - 1)), 0);
    this.frameBytes = bitalinoFrameBytes(this.channels.length);
    this.deviceDesc = {
      manufacturer: 'PLUX',
      model: 'BITalino (r)evolution',
      inputs: this.channels.map((ch) => `${ch.key}=A${ch.input}`).join(','),
    };
  }

  streams(): ProtocolStreamSpec[] {
    return this.channels.map((ch, position) => ({
      key: ch.key,
      name: `BITalino ${ch.key.toUpperCase()}`,
      type: STREAM_TYPE[ch.sensor],
      channels: [{ label: `${ch.key.toUpperCase()}-A${ch.input}`, unit: bitalinoUnit(ch.sensor) }],
      channelFormat: 'float32',
      nominalRateHz: this.rateHz,
      desc: { input: `A${ch.input}`, sensor: ch.sensor, adcBits: bitalinoChannelBits(position) },
    }));
  }

  createParser(sink: SampleSink): BitalinoParser {
    return new BitalinoParser(this, sink);
  }

  startCommands(): Uint8Array[] {
    return [Uint8Array.of(bitalinoRateCommand(this.rateHz)), Uint8Array.of(bitalinoStartCommand(this.analogMask))];
  }

  stopCommands(): Uint8Array[] {
    return [Uint8Array.of(BITALINO_STOP_COMMAND)];
  }
}
