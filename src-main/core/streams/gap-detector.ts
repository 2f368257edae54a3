// Sample-counter gap detection: the engine runs every chunk of a stream through one of these.
// A jump in the device's sample counter is lost data; it is reported as a gap (a fact about
// the recording), never interpolated over. Also unwraps devices' short wrapping counters.

import { StreamError } from '../errors.js';

export interface Gap {
  /** Counter of the first missing sample. */
  firstMissingIndex: number;
  /** Number of samples lost. */
  missingCount: number;
  /** Timestamp of the last sample before the gap and of the first one after it (source clock). */
  beforeTimeSec: number;
  afterTimeSec: number;
}

export class GapDetector {
  private expectedIndex: number | null = null;
  private lastTimeSec = Number.NaN;
  private lost = 0;
  private gapCount = 0;
  private received = 0;

  /** Samples received so far. */
  get receivedCount(): number {
    return this.received;
  }

  /** Samples known to be missing (counter jumps). */
  get lostCount(): number {
    return this.lost;
  }

  get gaps(): number {
    return this.gapCount;
  }

  /**
   * Account for a chunk of `n` samples whose first counter is `firstIndex`. Returns the gap
   * that precedes the chunk, or null when it follows on. A counter that goes backwards means
   * the device restarted its count: that starts a new sequence (and is not a gap).
   */
  observe(firstIndex: number, n: number, firstTimeSec: number, lastTimeSec: number): Gap | null {
    if (!Number.isFinite(firstIndex) || n < 0) {
      throw new StreamError('BAD_COUNTER', `chunk counter ${firstIndex} with ${n} samples is not a valid sample counter`);
    }
    let gap: Gap | null = null;
    if (this.expectedIndex !== null && firstIndex > this.expectedIndex) {
      gap = {
        firstMissingIndex: this.expectedIndex,
        missingCount: firstIndex - this.expectedIndex,
        beforeTimeSec: this.lastTimeSec,
        afterTimeSec: firstTimeSec,
      };
      this.lost += gap.missingCount;
      this.gapCount += 1;
    }
    if (n > 0) {
      this.expectedIndex = firstIndex + n;
      this.lastTimeSec = lastTimeSec;
      this.received += n;
    }
    return gap;
  }

  reset(): void {
    this.expectedIndex = null;
    this.lastTimeSec = Number.NaN;
  }
}

/**
 * Unwraps a device counter that counts modulo `modulus` (e.g. OpenBCI's 0..255 byte) into a
 * monotonically increasing counter. A counter lower than the previous one is a wrap; the same
 * counter twice is a duplicate and unwraps to the same value. A loss of a whole cycle or more
 * cannot be seen from the counter alone (callers compare timestamps for that).
 */
export class CounterUnwrapper {
  private last: number | null = null;
  private base = 0;

  constructor(private readonly modulus: number) {
    if (!Number.isInteger(modulus) || modulus < 2) {
      throw new StreamError('BAD_MODULUS', `counter modulus must be an integer >= 2, got ${modulus}`);
    }
  }

  next(raw: number): number {
    if (!Number.isInteger(raw) || raw < 0 || raw >= this.modulus) {
      throw new StreamError('BAD_COUNTER', `counter value ${raw} outside 0..${this.modulus - 1}`);
    }
    if (this.last !== null && raw < this.last) this.base += this.modulus;
    this.last = raw;
    return this.base + raw;
  }

  reset(): void {
    this.last = null;
    this.base = 0;
  }
}
