// Frame synchronisation for protocols of fixed-size frames without a length field (OpenBCI
// Cyton, BITalino): finds frame boundaries in a byte stream, resynchronises after garbage, and
// releases a frame only once later frames confirm the alignment. Used by serial/<protocol>/parser.ts.
//
// Rule: a frame is released when it passes its own check AND the `confirmDepth` frames that
// follow it at the same alignment pass theirs (with consecutive sequence numbers when the
// protocol has them). While searching (after a reset or a broken run) a run must be
// `lockDepth` frames long before its first frame is released. A weak per-frame check (BITalino's
// 4-bit CRC passes 1 random frame in 16) thus cannot release garbage: a false release needs
// several independent checks to pass at once. The price is latency: `confirmDepth` frames.

import { ByteQueue } from './byte-queue.js';
import type { ParserStats } from '../protocol.js';

export interface FixedFrameSpec {
  frameBytes: number;
  /** Returns the frame's sequence number (0..seqModulus-1) when it passes its checks, else -1. */
  check(buf: Uint8Array, offset: number): number;
  /** Sequence numbers wrap at this modulus; 0 when the protocol has none to check. */
  seqModulus: number;
  /** Frames after a frame that must check out before it is released while in sync. */
  confirmDepth: number;
  /** Run length needed to (re)gain sync. */
  lockDepth: number;
  /**
   * Frames dropped at the start of a run found after a resync or a sequence jump. When bytes
   * were cut out or inserted, the frame at the seam can carry a real frame's tail (sequence
   * number and checksum) over foreign data, and garbage before it can pass a weak check by
   * chance: with a 4-bit CRC, dropping k frames makes a false release ~16^-(2k) likely per seam.
   */
  dropAtRunStart?: number;
  /** Called for each released frame, in order. */
  release(buf: Uint8Array, offset: number): void;
}

export class FixedFrameSync {
  private readonly queue: ByteQueue;
  /** Frames verified ahead of the queue head (a run at the head's alignment). */
  private runLength = 0;
  private lastSeq = -1;
  private locked = false;
  private searching = false;
  /** Frames still to drop at the start of the run at the head (see dropAtRunStart). */
  private suspectFrames = 0;

  constructor(
    private readonly spec: FixedFrameSpec,
    private readonly stats: ParserStats,
  ) {
    const keep = spec.frameBytes * (Math.max(spec.confirmDepth, spec.lockDepth) + 2);
    this.queue = new ByteQueue(Math.max(4096, keep * 4), Math.max(65536, keep * 4));
  }

  /** Bytes held (bounded). */
  get bufferedBytes(): number {
    return this.queue.length;
  }

  push(bytes: Uint8Array): void {
    this.stats.bytes += bytes.length;
    const dropped = this.queue.append(bytes);
    if (dropped > 0) {
      // Cannot happen while frames are being consumed; kept as a safety bound.
      this.stats.discardedBytes += dropped;
      this.breakRun();
    }
    this.scan();
  }

  reset(): void {
    this.queue.clear();
    this.runLength = 0;
    this.lastSeq = -1;
    this.locked = false;
    this.searching = false;
    this.suspectFrames = 0;
  }

  private breakRun(): void {
    this.runLength = 0;
    this.lastSeq = -1;
    this.locked = false;
  }

  private scan(): void {
    const { frameBytes: n, seqModulus, confirmDepth, lockDepth } = this.spec;
    const q = this.queue;
    const stats = this.stats;
    for (;;) {
      if (this.runLength >= (this.locked ? confirmDepth + 1 : lockDepth)) {
        if (this.suspectFrames > 0) {
          this.suspectFrames--;
          stats.badFrames++;
          stats.discardedBytes += n;
        } else {
          this.spec.release(q.data, q.start);
          stats.frames++;
        }
        this.locked = true;
        this.searching = false;
        this.runLength--;
        q.consume(n);
        continue;
      }
      const at = q.start + this.runLength * n;
      if (at + n > q.end) return;
      const seq = this.spec.check(q.data, at);
      const mustFollow = this.runLength > 0 || this.locked;
      if (seq >= 0 && (!mustFollow || seqModulus === 0 || seq === (this.lastSeq + 1) % seqModulus)) {
        this.runLength++;
        this.lastSeq = seq;
        continue;
      }
      if (this.locked) {
        // In sync until now: the held frames were never confirmed, so they are dropped.
        if (this.runLength > 0) {
          stats.badFrames += this.runLength;
          stats.discardedBytes += this.runLength * n;
          q.consume(this.runLength * n);
        }
        this.breakRun();
        this.suspectFrames = this.spec.dropAtRunStart ?? 0;
        // A frame that checks out but skips sequence numbers: frames were lost on the device
        // side (or bytes were cut out); a fresh run starting here must prove itself.
        if (seq >= 0) continue;
        stats.badFrames++;
      }
      // Searching: the candidate alignment at the head failed; slide by one byte.
      if (!this.searching) {
        stats.resyncs++;
        this.searching = true;
      }
      this.suspectFrames = this.spec.dropAtRunStart ?? 0;
      this.runLength = 0;
      this.lastSeq = -1;
      stats.discardedBytes++;
      q.consume(1);
    }
  }
}
