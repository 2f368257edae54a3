// A growable little-endian byte buffer with XDF chunk encoders. The writer encodes every chunk
// into one of these (no I/O per call); repair uses it to build the footer chunks it appends.

import {
  BOUNDARY_UUID,
  TAG_BOUNDARY,
  TAG_CLOCK_OFFSET,
  chunkHeaderSize,
  writeVarLen,
} from './xdf-format.js';

const utf8 = new TextEncoder();

export class ByteSink {
  bytes: Uint8Array;
  view: DataView;
  length = 0;

  constructor(initialCapacity = 64 * 1024) {
    this.bytes = new Uint8Array(initialCapacity);
    this.view = new DataView(this.bytes.buffer);
  }

  /** Makes room for `extra` more bytes, growing geometrically. */
  ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.bytes.length) return;
    let cap = this.bytes.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  /** Writes [NumLengthBytes][Length][Tag] for a chunk whose content after the tag has
   *  `contentBytes` bytes; returns the offset where the content starts. Call ensure first. */
  chunkHeader(tag: number, contentBytes: number): number {
    const len = contentBytes + 2;
    let off = writeVarLen(this.view, this.length, len);
    this.view.setUint16(off, tag, true);
    off += 2;
    this.length = off;
    return off;
  }

  /** Appends a whole chunk holding an optional stream id and UTF-8 text (header/footer XML). */
  appendXmlChunk(tag: number, streamId: number | null, xml: string): void {
    const text = utf8.encode(xml);
    const content = (streamId === null ? 0 : 4) + text.length;
    this.ensure(chunkHeaderSize(content + 2) + content);
    let off = this.chunkHeader(tag, content);
    if (streamId !== null) {
      this.view.setUint32(off, streamId, true);
      off += 4;
    }
    this.bytes.set(text, off);
    this.length = off + text.length;
  }

  appendBoundary(): void {
    this.ensure(chunkHeaderSize(16 + 2) + 16);
    const off = this.chunkHeader(TAG_BOUNDARY, 16);
    this.bytes.set(BOUNDARY_UUID, off);
    this.length = off + 16;
  }

  appendClockOffset(streamId: number, collectionTimeSec: number, offsetSec: number): void {
    this.ensure(chunkHeaderSize(20 + 2) + 20);
    const off = this.chunkHeader(TAG_CLOCK_OFFSET, 20);
    this.view.setUint32(off, streamId, true);
    this.view.setFloat64(off + 4, collectionTimeSec, true);
    this.view.setFloat64(off + 12, offsetSec, true);
    this.length = off + 20;
  }

  /** The filled part (a view, not a copy). */
  filled(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}
