// Test helper: builds XDF bytes by hand, independently of the writer under test, so reader
// tests do not share the writer's encoding bugs; and lists a file's chunk tags.

export interface RawChunk {
  tag: number;
  content: Uint8Array;
  /** Force the NumLengthBytes width (default: 1 if it fits, else 4). */
  lengthBytes?: 1 | 4 | 8;
}

const enc = new TextEncoder();

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export function u8(...bytes: number[]): Uint8Array {
  return new Uint8Array(bytes);
}

export function u16(v: number): Uint8Array {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setUint16(0, v, true);
  return b;
}

export function u32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, true);
  return b;
}

export function u64(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
}

export function f64(v: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, v, true);
  return b;
}

export function i16(v: number): Uint8Array {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setInt16(0, v, true);
  return b;
}

export function text(s: string): Uint8Array {
  return enc.encode(s);
}

export function chunk(c: RawChunk): Uint8Array {
  const len = c.content.length + 2;
  const width = c.lengthBytes ?? (len < 256 ? 1 : 4);
  const lenBytes = width === 1 ? u8(len) : width === 4 ? u32(len) : u64(BigInt(len));
  return concat([u8(width), lenBytes, u16(c.tag), c.content]);
}

export function xdf(...chunks: Uint8Array[]): Uint8Array {
  return concat([text('XDF:'), ...chunks]);
}

export const fileHeader = (): Uint8Array => chunk({ tag: 1, content: text('<?xml version="1.0"?><info><version>1.0</version></info>') });

export function streamHeader(id: number, fields: { name?: string; format: string; channels: number; rate: number }): Uint8Array {
  const xml =
    `<?xml version="1.0"?><info><name>${fields.name ?? `s${id}`}</name><type>EEG</type>` +
    `<channel_count>${fields.channels}</channel_count><nominal_srate>${fields.rate}</nominal_srate>` +
    `<channel_format>${fields.format}</channel_format></info>`;
  return chunk({ tag: 2, content: concat([u32(id), text(xml)]) });
}

/** A Samples chunk of an int16 stream: each sample either [timestamp, values] or [null, values]. */
export function int16Samples(id: number, samples: Array<[number | null, number[]]>): Uint8Array {
  const parts: Uint8Array[] = [u32(id), u8(1, samples.length)];
  for (const [ts, values] of samples) {
    parts.push(ts === null ? u8(0) : concat([u8(8), f64(ts)]));
    for (const v of values) parts.push(i16(v));
  }
  return chunk({ tag: 3, content: concat(parts) });
}

export const BOUNDARY = u8(0x43, 0xa5, 0x46, 0xdc, 0xcb, 0xf5, 0x41, 0x0f, 0xb3, 0x0e, 0xd5, 0x46, 0x73, 0x83, 0xcb, 0xe4);

/** Tags of the complete chunks of an XDF file, in order (walks lengths only). */
export function chunkTags(bytes: Uint8Array): number[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tags: number[] = [];
  let pos = 4;
  while (pos < bytes.length) {
    const width = bytes[pos]!;
    const len = width === 1 ? dv.getUint8(pos + 1) : width === 4 ? dv.getUint32(pos + 1, true) : Number(dv.getBigUint64(pos + 1, true));
    const tagAt = pos + 1 + width;
    if (tagAt + len > bytes.length) break;
    tags.push(dv.getUint16(tagAt, true));
    pos = tagAt + len;
  }
  return tags;
}
