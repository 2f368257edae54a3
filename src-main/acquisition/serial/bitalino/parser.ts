// Streaming parser of BITalino frames: alignment by CRC-4 and sequence continuity
// (FixedFrameSync), the 4-bit sequence number unwrapped into a sample counter, and each analog
// channel through its sensor's transfer function into its own stream.

import { CounterUnwrapper } from '../../../core/streams/gap-detector.js';
import { FixedFrameSync } from '../parsing/fixed-frame-sync.js';
import { SampleBatcher } from '../parsing/sample-batcher.js';
import { emptyParserStats } from '../parsing/stats.js';
import type { ByteParser, ParserStats, SampleSink } from '../protocol.js';
import { bitalinoChannel, bitalinoChannelBits, bitalinoCrc4, bitalinoTransfer, type BitalinoSensor } from './format.js';
import type { BitalinoProtocol } from './protocol.js';

export interface BitalinoParserOptions {
  /** Frames that must follow a frame (CRC and sequence) before it is released (default 2). */
  confirmDepth?: number;
  /** Run of frames needed to regain sync (default 4). */
  lockDepth?: number;
  /** Frames dropped at the start of a run found after a resync or jump (default 3). */
  dropAtRunStart?: number;
}

export class BitalinoParser implements ByteParser {
  readonly stats: ParserStats = emptyParserStats();
  private readonly sync: FixedFrameSync;
  private readonly counter = new CounterUnwrapper(16);
  private readonly batchers: SampleBatcher[];
  private readonly sensors: BitalinoSensor[];
  private readonly frameBytes: number;

  constructor(protocol: BitalinoProtocol, sink: SampleSink, options: BitalinoParserOptions = {}) {
    this.frameBytes = protocol.frameBytes;
    this.batchers = protocol.channels.map((ch) => new SampleBatcher(ch.key, 1, sink));
    this.sensors = protocol.channels.map((ch) => ch.sensor);
    const n = this.frameBytes;
    this.sync = new FixedFrameSync(
      {
        frameBytes: n,
        seqModulus: 16,
        confirmDepth: options.confirmDepth ?? 2,
        lockDepth: options.lockDepth ?? 4,
        dropAtRunStart: options.dropAtRunStart ?? 3,
        check: (b, o) => ((b[o + n - 1] & 0x0f) === bitalinoCrc4(b, o, n) ? b[o + n - 1] >> 4 : -1),
        release: (b, o) => this.onFrame(b, o),
      },
      this.stats,
    );
  }

  get bufferedBytes(): number {
    return this.sync.bufferedBytes;
  }

  push(bytes: Uint8Array): void {
    this.sync.push(bytes);
    for (const b of this.batchers) b.flush();
  }

  reset(): void {
    this.sync.reset();
    this.counter.reset();
    for (const b of this.batchers) b.discard();
  }

  private onFrame(b: Uint8Array, o: number): void {
    const n = this.frameBytes;
    const index = this.counter.next(b[o + n - 1] >> 4);
    for (let k = 0; k < this.batchers.length; k++) {
      const batch = this.batchers[k];
      const row = batch.row(index);
      batch.values[row] = bitalinoTransfer(this.sensors[k], bitalinoChannel(b, o, n, k), bitalinoChannelBits(k));
    }
  }
}
