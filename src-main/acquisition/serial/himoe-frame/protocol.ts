// SerialProtocol for the project's framed binary protocol (native/ firmware): the expected
// stream descriptors (the reference EDA + ECG + PPG sensor by default), start/stop commands and
// the parser factory. The device announces each stream's descriptor; data is decoded only for a
// stream whose announced descriptor matches the expected one, so no channel order is assumed.

import { SourceError } from '../../../core/errors.js';
import type { ProtocolStreamSpec, SampleSink, SerialProtocol } from '../protocol.js';
import type { HimoeDescriptor } from './codec.js';
import { HimoeFrameParser } from './parser.js';

export interface HimoeStreamConfig extends HimoeDescriptor {
  /** Stream key within the device, e.g. "ecg". */
  key: string;
}

export interface HimoeOptions {
  streams?: HimoeStreamConfig[];
  /** Decode data only after the device announced a matching descriptor (default true). */
  requireDescriptor?: boolean;
  baudRate?: number;
}

/** Host commands of the reference firmware: 'S' start (re-announces descriptors), 'X' stop. */
export const HIMOE_START_COMMAND = 0x53;
export const HIMOE_STOP_COMMAND = 0x58;
export const HIMOE_BAUD = 115200;

/**
 * The reference sensor of native/firmware (keep in sync with native/firmware/streams.c):
 * EDA on the ADC (12-bit, 0.025 µS per count), ECG from an AD8232 (gain 100, mid-rail 1.65 V,
 * 3.3 V / 4096 per count), PPG red + IR from a MAX30102 (18-bit counts in int24).
 */
export const REFERENCE_STREAMS: readonly HimoeStreamConfig[] = [
  {
    key: 'eda',
    streamId: 0,
    type: 'EDA',
    name: 'HiMoE EDA',
    rateHz: 32,
    bytesPerValue: 2,
    channels: [{ label: 'EDA', unit: 'microsiemens', scale: 0.025, offset: 0 }],
  },
  {
    key: 'ecg',
    streamId: 1,
    type: 'ECG',
    name: 'HiMoE ECG',
    rateHz: 250,
    bytesPerValue: 2,
    channels: [{ label: 'ECG', unit: 'microvolts', scale: 8.056640625, offset: -16500 }],
  },
  {
    key: 'ppg',
    streamId: 2,
    type: 'PPG',
    name: 'HiMoE PPG',
    rateHz: 100,
    bytesPerValue: 3,
    channels: [
      { label: 'PPG-Red', unit: 'counts', scale: 1, offset: 0 },
      { label: 'PPG-IR', unit: 'counts', scale: 1, offset: 0 },
    ],
  },
];

export class HimoeFrameProtocol implements SerialProtocol {
  readonly name = 'himoe';
  readonly baudRate: number;
  readonly streamConfigs: readonly HimoeStreamConfig[];
  readonly requireDescriptor: boolean;
  readonly deviceDesc = { manufacturer: 'HiMoE', model: 'reference EDA/ECG/PPG sensor', protocol: 'himoe-frame v1' };

  constructor(options: HimoeOptions = {}) {
    this.streamConfigs = options.streams ?? REFERENCE_STREAMS;
    this.requireDescriptor = options.requireDescriptor ?? true;
    this.baudRate = options.baudRate ?? HIMOE_BAUD;
    const ids = new Set<number>();
    for (const s of this.streamConfigs) {
      if (!Number.isInteger(s.streamId) || s.streamId < 0 || s.streamId > 15 || ids.has(s.streamId)) {
        throw new SourceError('BAD_OPTION', 'himoe', `streams: stream id ${s.streamId} of "${s.key}" must be a unique integer 0..15`, { option: 'streams' });
      }
      ids.add(s.streamId);
    }
  }

  streams(): ProtocolStreamSpec[] {
    return this.streamConfigs.map((s) => ({
      key: s.key,
      name: s.name,
      type: s.type,
      channels: s.channels.map((c) => ({ label: c.label, unit: c.unit })),
      channelFormat: 'float32',
      nominalRateHz: s.rateHz,
      desc: { streamId: s.streamId, bytesPerValue: s.bytesPerValue },
    }));
  }

  createParser(sink: SampleSink): HimoeFrameParser {
    return new HimoeFrameParser(this, sink);
  }

  startCommands(): Uint8Array[] {
    return [Uint8Array.of(HIMOE_START_COMMAND)];
  }

  stopCommands(): Uint8Array[] {
    return [Uint8Array.of(HIMOE_STOP_COMMAND)];
  }
}
