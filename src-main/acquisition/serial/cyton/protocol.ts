// SerialProtocol for the OpenBCI Cyton (8 ch, 250 Hz) and Cyton + Daisy (16 ch, 125 Hz):
// stream layout, 'b'/'s' commands and the parser factory, used by SerialSource via registry.ts.

import { SourceError } from '../../../core/errors.js';
import type { ByteParser, ProtocolStreamSpec, SampleSink, SerialProtocol } from '../protocol.js';
import { CYTON_BAUD, CYTON_DEFAULT_GAIN, CYTON_RATE_HZ, cytonUvPerCount } from './format.js';
import { CytonParser } from './parser.js';

export interface CytonOptions {
  /** Cyton + Daisy: 16 channels at 125 Hz. */
  daisy?: boolean;
  /** ADS1299 gain per channel (1, 2, 4, 6, 8, 12, 24), or one for all (default 24). */
  gains?: number | number[];
  /** Channel labels (default CH1..CHn). */
  labels?: string[];
  /**
   * What the 6 aux bytes become: 'accel' (footer 0xC0, the default), 'analog' (footer 0xC1,
   * three 16-bit reads in counts) or 'none'. Packets with other footers (0xC2..0xC6) carry
   * EEG as usual; their aux bytes are not decoded.
   */
  aux?: CytonAuxMode;
  /** Shorthand: accel=false is aux='none'. */
  accel?: boolean;
}

export type CytonAuxMode = 'accel' | 'analog' | 'none';

const VALID_GAINS = new Set([1, 2, 4, 6, 8, 12, 24]);

export class CytonProtocol implements SerialProtocol {
  readonly name: string;
  readonly baudRate = CYTON_BAUD;
  readonly channelCount: number;
  readonly rateHz: number;
  readonly uvPerCount: Float64Array;
  readonly labels: string[];
  readonly aux: CytonAuxMode;
  readonly deviceDesc: Record<string, string | number | boolean>;

  constructor(options: CytonOptions = {}) {
    const daisy = options.daisy ?? false;
    this.name = daisy ? 'cyton-daisy' : 'cyton';
    this.channelCount = daisy ? 16 : 8;
    this.rateHz = daisy ? CYTON_RATE_HZ / 2 : CYTON_RATE_HZ;
    const gains = Array.isArray(options.gains)
      ? options.gains
      : new Array<number>(this.channelCount).fill(options.gains ?? CYTON_DEFAULT_GAIN);
    if (gains.length !== this.channelCount) {
      throw new SourceError('BAD_OPTION', this.name, `gain: expected ${this.channelCount} values, got ${gains.length}`, { option: 'gain' });
    }
    for (const g of gains) {
      if (!VALID_GAINS.has(g)) throw new SourceError('BAD_OPTION', this.name, `gain: ${g} is not an ADS1299 gain (1, 2, 4, 6, 8, 12, 24)`, { option: 'gain' });
    }
    this.uvPerCount = Float64Array.from(gains, cytonUvPerCount);
    this.labels = options.labels ?? Array.from({ length: this.channelCount }, (_, i) => `CH${i + 1}`);
    if (this.labels.length !== this.channelCount) {
      throw new SourceError('BAD_OPTION', this.name, `labels: expected ${this.channelCount} labels, got ${this.labels.length}`, { option: 'labels' });
    }
    this.aux = options.aux ?? (options.accel === false ? 'none' : 'accel');
    this.deviceDesc = { manufacturer: 'OpenBCI', model: daisy ? 'Cyton + Daisy' : 'Cyton', gains: gains.join(',') };
  }

  streams(): ProtocolStreamSpec[] {
    const specs: ProtocolStreamSpec[] = [
      {
        key: 'eeg',
        name: this.name === 'cyton' ? 'Cyton EEG' : 'Cyton+Daisy EEG',
        type: 'EEG',
        channels: this.labels.map((label) => ({ label, unit: 'microvolts' })),
        channelFormat: 'float32',
        nominalRateHz: this.rateHz,
      },
    ];
    if (this.aux === 'analog') {
      specs.push({
        key: 'analog',
        name: 'Cyton analog inputs',
        type: 'MISC',
        channels: ['AUX1', 'AUX2', 'AUX3'].map((label) => ({ label, unit: 'counts' })),
        channelFormat: 'float32',
        nominalRateHz: this.rateHz,
        desc: { note: "the board's analog read mode (footer 0xC1); NaN in packets without it" },
      });
    }
    if (this.aux === 'accel') {
      specs.push({
        key: 'accel',
        name: 'Cyton accelerometer',
        type: 'ACC',
        channels: ['X', 'Y', 'Z'].map((axis) => ({ label: `Accel${axis}`, unit: 'g' })),
        channelFormat: 'float32',
        nominalRateHz: this.rateHz,
        desc: { note: 'sample-and-hold of the 25 Hz accelerometer; NaN before its first reading' },
      });
    }
    return specs;
  }

  createParser(sink: SampleSink): CytonParser & ByteParser {
    return new CytonParser(this, sink);
  }

  startCommands(): Uint8Array[] {
    return [Uint8Array.of(0x62)]; // 'b'
  }

  stopCommands(): Uint8Array[] {
    return [Uint8Array.of(0x73)]; // 's'
  }
}
