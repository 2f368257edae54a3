// The contract between a serial device's byte protocol (parser, commands, stream layout)
// and the serial transport (port, reconnection, host timestamps) that turns it into a
// SignalSource. Each protocol lives in its own folder beside this file with its emulator.

import type { ChannelInfo, ChannelFormat } from '../../core/streams/types.js';

/** One stream a protocol produces, before the transport gives it a session-unique id. */
export interface ProtocolStreamSpec {
  /** Key within the device, e.g. "eeg", "aux", "ecg". The source's stream id is `${sourceId}:${key}`. */
  key: string;
  name: string;
  type: string;
  channels: ChannelInfo[];
  channelFormat: ChannelFormat;
  nominalRateHz: number;
  desc?: Record<string, string | number | boolean>;
}

/**
 * Receives decoded samples. `values` holds `count` samples x the stream's channels,
 * row-major; it may be a reused buffer, so copy what you keep. `firstIndex` is the device
 * sample counter of the first sample, unwrapped (a jump means lost samples).
 * `deviceTimeSec`, when the device stamps samples itself, holds their device-clock times.
 */
export type SampleSink = (
  streamKey: string,
  firstIndex: number,
  values: Float32Array,
  count: number,
  deviceTimeSec?: Float64Array,
) => void;

export interface ParserStats {
  bytes: number;
  /** Frames that passed every check and produced samples. */
  frames: number;
  /** Frames rejected by a check (CRC, footer, sequence, length). */
  badFrames: number;
  /** Times the parser lost sync and searched for the next frame start. */
  resyncs: number;
  /** Bytes skipped while searching. */
  discardedBytes: number;
}

/** A streaming byte parser. Never throws on device bytes: bad frames are counted and skipped. */
export interface ByteParser {
  push(bytes: Uint8Array): void;
  /** Forget partial frames and counters (after a reconnect). */
  reset(): void;
  readonly stats: ParserStats;
}

export interface SerialProtocol {
  /** Protocol name as used on the command line, e.g. "cyton", "cyton-daisy", "bitalino", "text", "himoe". */
  readonly name: string;
  readonly baudRate: number;
  /** The streams this device configuration produces (from its descriptor/config, never hard-coded rows downstream). */
  streams(): ProtocolStreamSpec[];
  createParser(sink: SampleSink): ByteParser;
  /** Bytes to send to start streaming (in order), and to stop. */
  startCommands(): Uint8Array[];
  stopCommands(): Uint8Array[];
  /** Descriptive device metadata for the XDF header. */
  readonly deviceDesc?: Record<string, string | number | boolean>;
}

/**
 * A TypeScript device emulator writing the exact byte stream of a protocol, for tests over
 * pseudo-terminals and for benchmarks. It reacts to the protocol's commands.
 */
export interface DeviceEmulator {
  /** Feed bytes the host wrote (commands). */
  receive(bytes: Uint8Array): void;
  /** True while the host has started streaming. */
  readonly streaming: boolean;
  /** Bytes the device emits over the next `durationSec` of device time (empty when not streaming). */
  produce(durationSec: number): Uint8Array;
}
