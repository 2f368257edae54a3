// The writer's byte buffer must make room for a whole chunk (length field, tag and content)
// wherever in its capacity the chunk starts: a chunk that ended 1-2 bytes past the end threw
// after its header was written, and the next chunk then overwrote the lost content.
import { describe, expect, it } from 'vitest';
import { ByteSink } from '../../../../src-main/storage/xdf/xdf-byte-sink.js';
import { chunkHeaderSize } from '../../../../src-main/storage/xdf/xdf-format.js';
import { TAG_STREAM_HEADER } from '../../../../src-main/storage/xdf/xdf-format.js';

const START = 64;

describe('ByteSink', () => {
  it('grows for a whole chunk at every fill level: boundary, clock offset, XML chunks', () => {
    for (let fill = 0; fill <= START; fill++) {
      const boundary = new ByteSink(START);
      boundary.length = fill;
      expect(() => boundary.appendBoundary(), `boundary at fill ${fill}`).not.toThrow();
      expect(boundary.length).toBe(fill + 1 + 1 + 2 + 16);

      const offset = new ByteSink(START);
      offset.length = fill;
      expect(() => offset.appendClockOffset(7, 1.5, -0.25), `clock offset at fill ${fill}`).not.toThrow();
      expect(offset.length).toBe(fill + 1 + 1 + 2 + 20);
      expect(offset.view.getFloat64(fill + 4 + 12, true)).toBe(-0.25);

      const xml = new ByteSink(START);
      xml.length = fill;
      const text = '<info>'.padEnd(40, 'x');
      expect(() => xml.appendXmlChunk(TAG_STREAM_HEADER, 3, text), `xml at fill ${fill}`).not.toThrow();
      expect(xml.length).toBe(fill + chunkHeaderSize(4 + text.length + 2) + 4 + text.length);
    }
  });

  it('counts the tag in the header size, so length field + tag + content is what a chunk takes', () => {
    expect(chunkHeaderSize(18)).toBe(4); // 1 length byte, 1-byte length, 2-byte tag
    expect(chunkHeaderSize(300)).toBe(7); // 1 length byte, 4-byte length, 2-byte tag
  });
});
