// Pull reader over an async sequence of byte chunks (a file read stream, an inflater's output, or
// one in-memory buffer): the MAT reader's input. It never allocates more than the bytes it has
// actually received, so a declared length alone cannot make it allocate anything large.

import { DatasetError } from '../dataset-error.js';

export class ByteStream {
  /** Bytes consumed so far. */
  pos = 0;
  private chunks: Uint8Array[] = [];
  private head = 0;
  private avail = 0;
  private received = 0;
  private done = false;

  constructor(
    private readonly it: AsyncIterator<Uint8Array>,
    /** Names the input in errors (file path, "variable X (inflated)"). */
    readonly label: string,
    /** Errors with TOO_LARGE once more than this many bytes have been received. */
    private readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {}

  static fromBytes(bytes: Uint8Array, label: string): ByteStream {
    return new ByteStream((async function* one() {
      yield bytes;
    })(), label);
  }

  /** Whether the input has no more bytes. */
  async atEnd(): Promise<boolean> {
    return !(await this.ensure(1));
  }

  /** Exactly n bytes (a view when they lie in one chunk), or MAT_TRUNCATED. */
  async read(n: number): Promise<Uint8Array> {
    if (!(await this.ensure(n))) this.truncated(n);
    const first = this.chunks[0];
    if (n === 0) return new Uint8Array(0);
    let out: Uint8Array;
    if (first && first.length - this.head >= n) {
      out = first.subarray(this.head, this.head + n);
      this.advance(n);
      return out;
    }
    out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      const c = this.chunks[0]!;
      const k = Math.min(n - o, c.length - this.head);
      out.set(c.subarray(this.head, this.head + k), o);
      o += k;
      this.advance(k);
    }
    return out;
  }

  /** Like read, but the bytes are never shared with the input's chunks (a copy when they were
 *  a view), so a typed array may alias them. */
  async readOwned(n: number): Promise<Uint8Array> {
    const first = this.chunks[0];
    const isView = n > 0 && first !== undefined && first.length - this.head >= n;
    const b = await this.read(n);
    return isView ? b.slice() : b;
  }

  /** Skips n bytes without keeping them. */
  async skip(n: number): Promise<void> {
    while (n > 0) {
      if (this.avail === 0 && !(await this.pull())) this.truncated(n);
      const c = this.chunks[0]!;
      const k = Math.min(n, c.length - this.head);
      this.advance(k);
      n -= k;
    }
  }

  private advance(k: number): void {
    this.head += k;
    this.avail -= k;
    this.pos += k;
    while (this.chunks.length > 0 && this.head >= this.chunks[0]!.length) {
      this.chunks.shift();
      this.head = 0;
    }
  }

  private async ensure(n: number): Promise<boolean> {
    while (this.avail < n) if (!(await this.pull())) return false;
    return true;
  }

  private async pull(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.it.next();
    if (r.done) {
      this.done = true;
      return false;
    }
    const c = r.value;
    if (c.length === 0) return true;
    this.received += c.length;
    if (this.received > this.maxBytes) {
      throw new DatasetError('TOO_LARGE', `${this.label}: more than ${this.maxBytes} bytes; refusing to read further (raise the limit if the file is genuine)`, {
        byteOffset: this.pos,
        maxBytes: this.maxBytes,
      });
    }
    this.chunks.push(c);
    this.avail += c.length;
    return true;
  }

  private truncated(n: number): never {
    throw new DatasetError('MAT_TRUNCATED', `${this.label}: the data ends at byte ${this.pos + this.avail}; expected ${n} more bytes at byte ${this.pos}`, {
      byteOffset: this.pos,
    });
  }
}
