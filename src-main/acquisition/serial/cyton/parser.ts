// Streaming parser of the Cyton byte stream: packet sync (FixedFrameSync), 24-bit channels to
// microvolts, the accelerometer, counter unwrapping, and Daisy pairing. Feeds a SampleSink.

import { CounterUnwrapper } from '../../../core/streams/gap-detector.js';
import { emptyParserStats } from '../parsing/stats.js';
import { FixedFrameSync } from '../parsing/fixed-frame-sync.js';
import { SampleBatcher } from '../parsing/sample-batcher.js';
import type { ByteParser, ParserStats, SampleSink } from '../protocol.js';
import {
  CYTON_ACCEL_G_PER_COUNT,
  CYTON_FOOTER_ACCEL,
  CYTON_FOOTER_ANALOG,
  CYTON_FOOTER_MAX,
  CYTON_FOOTER_MIN,
  CYTON_HEADER,
  CYTON_PACKET_BYTES,
  readInt16Be,
  readInt24Be,
} from './format.js';
import type { CytonProtocol } from './protocol.js';

export class CytonParser implements ByteParser {
  readonly stats: ParserStats = emptyParserStats();
  /** Daisy: packets that arrived without their partner (a lost half of a 16-channel sample). */
  unpairedPackets = 0;
  private readonly sync: FixedFrameSync;
  private readonly counter = new CounterUnwrapper(256);
  private readonly eeg: SampleBatcher;
  /** The aux stream ('accel' or 'analog'), null for aux 'none'. */
  private readonly aux: SampleBatcher | null;
  private readonly auxFooter: number;
  private readonly auxScale: number;
  /** The accelerometer reports at 25 Hz and sends zeros between readings: hold the last one. */
  private readonly auxHold: boolean;
  private readonly uvPerCount: Float64Array;
  private readonly daisy: boolean;
  /** Aux values of the current sample (the accelerometer: last reading, NaN before the first). */
  private readonly auxValue = new Float64Array([Number.NaN, Number.NaN, Number.NaN]);
  /** Daisy: the board half (channels 1-8) waiting for its daisy half. */
  private readonly pendingUv = new Float64Array(8);
  private readonly pendingAux = new Float64Array(3);
  private pendingHasAux = false;
  private pendingCounter = -1;

  constructor(protocol: CytonProtocol, sink: SampleSink) {
    this.daisy = protocol.channelCount === 16;
    this.uvPerCount = protocol.uvPerCount;
    this.eeg = new SampleBatcher('eeg', protocol.channelCount, sink);
    this.aux = protocol.aux === 'none' ? null : new SampleBatcher(protocol.aux, 3, sink);
    this.auxFooter = protocol.aux === 'analog' ? CYTON_FOOTER_ANALOG : CYTON_FOOTER_ACCEL;
    this.auxScale = protocol.aux === 'analog' ? 1 : CYTON_ACCEL_G_PER_COUNT;
    this.auxHold = protocol.aux === 'accel';
    this.sync = new FixedFrameSync(
      {
        frameBytes: CYTON_PACKET_BYTES,
        // The sample number must advance by one within a run: a header and footer that happen to
        // line up around garbage do not continue the count. A jump (lost packets, or bytes cut
        // out so that a packet's head meets a later packet's tail) drops the packet before it,
        // which nothing confirms, and starts a new run.
        seqModulus: 256,
        confirmDepth: 1,
        lockDepth: 2,
        check: (b, o) => {
          const footer = b[o + 32];
          return b[o] === CYTON_HEADER && footer >= CYTON_FOOTER_MIN && footer <= CYTON_FOOTER_MAX ? b[o + 1] : -1;
        },
        release: (b, o) => this.onPacket(b, o),
      },
      this.stats,
    );
  }

  get bufferedBytes(): number {
    return this.sync.bufferedBytes;
  }

  push(bytes: Uint8Array): void {
    this.sync.push(bytes);
    this.eeg.flush();
    this.aux?.flush();
  }

  reset(): void {
    this.sync.reset();
    this.counter.reset();
    this.eeg.discard();
    this.aux?.discard();
    this.auxValue.fill(Number.NaN);
    this.pendingCounter = -1;
  }

  private onPacket(b: Uint8Array, o: number): void {
    const counter = b[o + 1];
    const hasAux =
      b[o + 32] === this.auxFooter && (!this.auxHold || (b[o + 26] | b[o + 27] | b[o + 28] | b[o + 29] | b[o + 30] | b[o + 31]) !== 0);
    if (!this.daisy) {
      const index = this.counter.next(counter);
      if (hasAux) this.readAux(b, o, this.auxValue);
      else if (!this.auxHold) this.auxValue.fill(Number.NaN);
      const row = this.eeg.row(index);
      const v = this.eeg.values;
      for (let c = 0; c < 8; c++) v[row + c] = readInt24Be(b, o + 2 + 3 * c) * this.uvPerCount[c];
      this.writeAux(index);
      return;
    }
    // Cyton + Daisy: odd sample numbers carry the board's channels 1-8, the next (even) one the
    // daisy's channels 9-16 (BrainFlow's cyton_daisy.cpp); the aux values of the two are averaged.
    if ((counter & 1) === 1) {
      if (this.pendingCounter >= 0) this.unpairedPackets++;
      this.pendingCounter = counter;
      for (let c = 0; c < 8; c++) this.pendingUv[c] = readInt24Be(b, o + 2 + 3 * c) * this.uvPerCount[c];
      this.pendingHasAux = hasAux;
      if (hasAux) this.readAux(b, o, this.pendingAux);
      return;
    }
    if (this.pendingCounter < 0 || ((this.pendingCounter + 1) & 0xff) !== counter) {
      this.unpairedPackets += this.pendingCounter >= 0 ? 2 : 1;
      this.pendingCounter = -1;
      return;
    }
    const index = (this.counter.next(this.pendingCounter) - 1) / 2;
    this.pendingCounter = -1;
    if (hasAux) {
      this.readAux(b, o, this.auxValue);
      if (this.pendingHasAux) for (let k = 0; k < 3; k++) this.auxValue[k] = (this.auxValue[k] + this.pendingAux[k]) / 2;
    } else if (this.pendingHasAux) {
      this.auxValue.set(this.pendingAux);
    } else if (!this.auxHold) {
      this.auxValue.fill(Number.NaN);
    }
    const row = this.eeg.row(index);
    const v = this.eeg.values;
    for (let c = 0; c < 8; c++) v[row + c] = this.pendingUv[c];
    for (let c = 0; c < 8; c++) v[row + 8 + c] = readInt24Be(b, o + 2 + 3 * c) * this.uvPerCount[8 + c];
    this.writeAux(index);
  }

  private readAux(b: Uint8Array, o: number, into: Float64Array): void {
    for (let k = 0; k < 3; k++) into[k] = readInt16Be(b, o + 26 + 2 * k) * this.auxScale;
  }

  private writeAux(index: number): void {
    if (!this.aux) return;
    const row = this.aux.row(index);
    this.aux.values[row] = this.auxValue[0];
    this.aux.values[row + 1] = this.auxValue[1];
    this.aux.values[row + 2] = this.auxValue[2];
  }
}
