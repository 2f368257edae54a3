// A bounded FIFO of received bytes for the streaming parsers in serial/<protocol>/: bytes are
// appended as the port delivers them and consumed frame by frame, without per-push allocation.

/** Bytes waiting to be parsed. `data[start..end)` holds them; capacity never exceeds `maxBytes`. */
export class ByteQueue {
  data: Uint8Array;
  start = 0;
  end = 0;

  constructor(
    initialBytes: number,
    /** Hard bound: when appending would exceed it, the oldest bytes are dropped (see `append`). */
    readonly maxBytes: number,
  ) {
    this.data = new Uint8Array(Math.min(initialBytes, maxBytes));
  }

  get length(): number {
    return this.end - this.start;
  }

  /**
   * Append bytes. Returns how many of the oldest queued bytes had to be dropped to stay within
   * `maxBytes` (0 normally; a parser counts them as discarded).
   */
  append(bytes: Uint8Array): number {
    let dropped = 0;
    let src = bytes;
    if (src.length >= this.maxBytes) {
      dropped = this.length + src.length - this.maxBytes;
      src = src.subarray(src.length - this.maxBytes);
      this.start = 0;
      this.end = 0;
    } else if (this.length + src.length > this.maxBytes) {
      dropped = this.length + src.length - this.maxBytes;
      this.start += dropped;
    }
    if (this.end + src.length > this.data.length) {
      const needed = this.length + src.length;
      if (needed > this.data.length) {
        let cap = this.data.length;
        while (cap < needed) cap *= 2;
        const grown = new Uint8Array(Math.min(cap, this.maxBytes));
        grown.set(this.data.subarray(this.start, this.end));
        this.data = grown;
      } else {
        this.data.copyWithin(0, this.start, this.end);
      }
      this.end -= this.start;
      this.start = 0;
    }
    this.data.set(src, this.end);
    this.end += src.length;
    return dropped;
  }

  consume(n: number): void {
    this.start += n;
    if (this.start >= this.end) {
      this.start = 0;
      this.end = 0;
    }
  }

  clear(): void {
    this.start = 0;
    this.end = 0;
  }
}
