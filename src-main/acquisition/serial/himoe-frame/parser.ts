// Streaming parser of the framed binary protocol: splits at 0x00, COBS-decodes, checks CRC-16,
// version, kind and length, learns descriptors, unwraps the 32-bit counter and microsecond tick,
// and emits samples with their device times. Resync is inherent: every 0x00 starts a new frame.

import { SampleBatcher } from '../parsing/sample-batcher.js';
import { emptyParserStats } from '../parsing/stats.js';
import type { ByteParser, ParserStats, SampleSink } from '../protocol.js';
import {
  HIMOE_HEADER_BYTES,
  HIMOE_KIND_DATA,
  HIMOE_KIND_DESCRIPTOR,
  HIMOE_MAX_FRAME_BYTES,
  checkFrame,
  cobsDecode,
  maxWireBytes,
  parseDescriptor,
  readU32,
  sameDescriptor,
} from './codec.js';
import type { HimoeFrameProtocol, HimoeStreamConfig } from './protocol.js';

const TWO_32 = 4294967296;

interface StreamState {
  config: HimoeStreamConfig;
  batch: SampleBatcher;
  scale: Float64Array;
  offset: Float64Array;
  announced: boolean;
  lastCounter: number;
  counterBase: number;
  lastTick: number;
  tickBase: number;
}

export class HimoeFrameParser implements ByteParser {
  readonly stats: ParserStats = emptyParserStats();
  /** Valid descriptor frames that matched the expected layout. */
  descriptorFrames = 0;
  /** Valid descriptor frames that did not (their stream is not decoded until one matches). */
  descriptorMismatches = 0;
  /** Valid data frames skipped because their stream's descriptor was not seen yet. */
  framesBeforeDescriptor = 0;
  /** Valid frames for a stream id that is not configured. */
  unknownStreamFrames = 0;
  /** Status byte of the most recent valid frame per stream id (HIMOE_STATUS_* flags). */
  readonly lastStatus = new Uint8Array(16);
  private readonly wire = new Uint8Array(maxWireBytes(HIMOE_MAX_FRAME_BYTES));
  private wireLength = 0;
  private overflow = false;
  private readonly frame = new Uint8Array(HIMOE_MAX_FRAME_BYTES + 2);
  private readonly streams: (StreamState | undefined)[] = new Array(16);
  private readonly requireDescriptor: boolean;

  constructor(protocol: HimoeFrameProtocol, sink: SampleSink) {
    this.requireDescriptor = protocol.requireDescriptor;
    for (const config of protocol.streamConfigs) {
      const maxSamples = 255;
      this.streams[config.streamId] = {
        config,
        batch: new SampleBatcher(config.key, config.channels.length, sink, maxSamples, true),
        scale: Float64Array.from(config.channels, (c) => Math.fround(c.scale)),
        offset: Float64Array.from(config.channels, (c) => Math.fround(c.offset)),
        announced: false,
        lastCounter: -1,
        counterBase: 0,
        lastTick: -1,
        tickBase: 0,
      };
    }
  }

  get bufferedBytes(): number {
    return this.wireLength;
  }

  push(bytes: Uint8Array): void {
    this.stats.bytes += bytes.length;
    const wire = this.wire;
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i];
      if (c === 0) {
        this.endFrame();
      } else if (this.wireLength < wire.length) {
        wire[this.wireLength++] = c;
      } else {
        if (!this.overflow) this.stats.resyncs++;
        this.overflow = true;
        this.stats.discardedBytes++;
      }
    }
    for (const s of this.streams) s?.batch.flush();
  }

  reset(): void {
    this.wireLength = 0;
    this.overflow = false;
    for (const s of this.streams) {
      if (!s) continue;
      s.batch.discard();
      s.announced = false;
      s.lastCounter = -1;
      s.counterBase = 0;
      s.lastTick = -1;
      s.tickBase = 0;
    }
  }

  private endFrame(): void {
    const len = this.wireLength;
    const overflow = this.overflow;
    this.wireLength = 0;
    this.overflow = false;
    if (len === 0 && !overflow) return; // idle delimiter
    if (overflow) {
      this.stats.badFrames++;
      this.stats.discardedBytes += len + 1;
      return;
    }
    const f = this.frame;
    const decoded = cobsDecode(this.wire, 0, len, f);
    const n = decoded < 0 ? -1 : checkFrame(f, decoded);
    if (n < 0 || !this.onFrame(f, n)) {
      this.stats.badFrames++;
      this.stats.discardedBytes += len + 1;
      this.stats.resyncs++;
    }
  }

  /** Handle a frame whose CRC and version passed; false when a structural check fails. */
  private onFrame(f: Uint8Array, n: number): boolean {
    const kind = f[1] >> 4;
    const streamId = f[1] & 0x0f;
    if (kind === HIMOE_KIND_DESCRIPTOR) {
      const d = parseDescriptor(f, n);
      if (!d) return false;
      const s = this.streams[streamId];
      if (!s) {
        this.unknownStreamFrames++;
      } else if (sameDescriptor(s.config, d)) {
        s.announced = true;
        this.descriptorFrames++;
      } else {
        s.announced = false;
        this.descriptorMismatches++;
      }
      return true;
    }
    if (kind !== HIMOE_KIND_DATA) return false;
    const s = this.streams[streamId];
    const count = f[HIMOE_HEADER_BYTES];
    if (!s) {
      this.unknownStreamFrames++;
      return true;
    }
    const m = s.config.channels.length;
    const w = s.config.bytesPerValue;
    if (count === 0 || n !== HIMOE_HEADER_BYTES + 1 + count * m * w) return false;
    this.lastStatus[streamId] = f[2];
    if (!s.announced && this.requireDescriptor) {
      this.framesBeforeDescriptor++;
      return true;
    }
    const counter = readU32(f, 3);
    const tick = readU32(f, 7);
    if (s.lastCounter >= 0 && counter < s.lastCounter) {
      if (s.lastCounter - counter > TWO_32 / 2) {
        s.counterBase += TWO_32;
      } else {
        // The device restarted its count (reset): its tick restarted too.
        s.counterBase = 0;
        s.tickBase = 0;
        s.lastTick = -1;
      }
    }
    if (s.lastTick >= 0 && tick < s.lastTick) s.tickBase += TWO_32;
    s.lastCounter = counter;
    s.lastTick = tick;
    const index = s.counterBase + counter;
    const t0Sec = (s.tickBase + tick) / 1e6;
    const dtSec = 1 / s.config.rateHz;
    const batch = s.batch;
    const v = batch.values;
    let r = HIMOE_HEADER_BYTES + 1;
    for (let i = 0; i < count; i++) {
      const row = batch.row(index + i, t0Sec + i * dtSec);
      for (let c = 0; c < m; c++) {
        let raw: number;
        if (w === 2) {
          raw = ((f[r] | (f[r + 1] << 8)) << 16) >> 16;
          r += 2;
        } else {
          raw = ((f[r] | (f[r + 1] << 8) | (f[r + 2] << 16)) << 8) >> 8;
          r += 3;
        }
        v[row + c] = raw * s.scale[c] + s.offset[c];
      }
    }
    this.stats.frames++;
    return true;
  }
}
