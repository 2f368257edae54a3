// Streaming parser of the line-based text protocol: splits lines, parses decimal fields without
// building strings, counts lines that do not parse as bad, and emits one stream per column.
// A line has no checksum: a byte flipped inside a number cannot be detected (see README).

import { CounterUnwrapper } from '../../../core/streams/gap-detector.js';
import { SampleBatcher } from '../parsing/sample-batcher.js';
import { emptyParserStats } from '../parsing/stats.js';
import type { ByteParser, ParserStats, SampleSink } from '../protocol.js';
import type { TextProtocol } from './protocol.js';

const NL = 0x0a;
const CR = 0x0d;
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * Parse a decimal number in `b[s..e)` (surrounding spaces allowed). NaN when malformed.
 * Plain decimals of up to 15 significant digits are computed as integer / 10^k, which rounds
 * exactly as Number() does; anything else (exponents, long mantissas) goes through Number().
 */
export function parseDecimal(b: Uint8Array, s: number, e: number): number {
  while (s < e && (b[s] === 0x20 || b[s] === 0x09)) s++;
  while (e > s && (b[e - 1] === 0x20 || b[e - 1] === 0x09)) e--;
  if (s === e) return Number.NaN;
  let i = s;
  let neg = false;
  if (b[i] === 0x2d || b[i] === 0x2b) {
    neg = b[i] === 0x2d;
    i++;
  }
  let mant = 0;
  let digits = 0;
  let frac = 0;
  let seenDot = false;
  for (; i < e; i++) {
    const c = b[i];
    if (c >= 0x30 && c <= 0x39) {
      mant = mant * 10 + (c - 0x30);
      digits++;
      if (seenDot) frac++;
    } else if (c === 0x2e && !seenDot) {
      seenDot = true;
    } else {
      break;
    }
  }
  if (digits === 0) return Number.NaN;
  if (i === e && digits <= 15 && frac < POW10.length) {
    const v = mant / POW10[frac];
    return neg ? -v : v;
  }
  if (b[i] !== 0x65 && b[i] !== 0x45 && i !== e) return Number.NaN;
  // Exponent or long mantissa: validate the tail, then let Number() round it.
  let j = i;
  if (j < e) {
    j++;
    if (b[j] === 0x2d || b[j] === 0x2b) j++;
    const expStart = j;
    while (j < e && b[j] >= 0x30 && b[j] <= 0x39) j++;
    if (j === expStart || j !== e) return Number.NaN;
  }
  let text = '';
  for (let k = s; k < e; k++) text += String.fromCharCode(b[k]);
  return Number(text);
}

export class TextLineParser implements ByteParser {
  readonly stats: ParserStats = emptyParserStats();
  /** Lines starting with '#' (comments, banners) that were skipped. */
  commentLines = 0;
  private readonly line: Uint8Array;
  private lineLength = 0;
  private overflow = false;
  /** Skip up to the first newline after a reset: the first bytes may be the tail of a line. */
  private atLineStart = false;
  private lineNo = 0;
  private readonly batchers: SampleBatcher[];
  private readonly roles: Int32Array;
  private readonly sep: number;
  private readonly anySpace: boolean;
  private readonly tsDivisor: number;
  private readonly fieldValues: Float64Array;
  private readonly hasTimestamp: boolean;
  private readonly counterWrap: number;
  private readonly unwrapper: CounterUnwrapper | null;

  constructor(protocol: TextProtocol, sink: SampleSink) {
    const o = protocol.options;
    this.line = new Uint8Array(o.maxLineBytes ?? 256);
    this.roles = protocol.fieldRoles;
    this.hasTimestamp = o.timestampColumn !== undefined;
    this.batchers = o.columns.map((c) => new SampleBatcher(c.key, 1, sink, 64, this.hasTimestamp));
    const sep = o.separator ?? ',';
    this.anySpace = sep === ' ';
    this.sep = sep.charCodeAt(0);
    this.tsDivisor = o.timestampUnit === 's' ? 1 : 1000;
    this.fieldValues = new Float64Array(this.roles.length);
    this.counterWrap = o.counterWrap ?? Number.MAX_SAFE_INTEGER;
    this.unwrapper = o.counterWrap !== undefined ? new CounterUnwrapper(o.counterWrap) : null;
  }

  get bufferedBytes(): number {
    return this.lineLength;
  }

  push(bytes: Uint8Array): void {
    this.stats.bytes += bytes.length;
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i];
      if (c === NL) {
        this.endLine();
      } else if (this.lineLength < this.line.length) {
        this.line[this.lineLength++] = c;
      } else {
        this.overflow = true;
      }
    }
    for (const b of this.batchers) b.flush();
  }

  reset(): void {
    this.lineLength = 0;
    this.overflow = false;
    this.atLineStart = false;
    this.lineNo = 0;
    this.unwrapper?.reset();
    for (const b of this.batchers) b.discard();
  }

  private endLine(): void {
    let len = this.lineLength;
    const overflow = this.overflow;
    this.lineLength = 0;
    this.overflow = false;
    if (!this.atLineStart) {
      // The bytes before the first newline may be the tail of a line cut by the (re)connect.
      this.atLineStart = true;
      if (this.line[0] === 0x23 && !overflow) {
        this.commentLines++;
      } else if (len > 0) {
        this.stats.discardedBytes += len;
        this.stats.resyncs++;
      }
      return;
    }
    if (len > 0 && this.line[len - 1] === CR) len--;
    if (len === 0 && !overflow) return;
    if (this.line[0] === 0x23 && !overflow) {
      this.commentLines++;
      return;
    }
    const lineNo = this.lineNo++;
    if (overflow || !this.parseFields(len)) {
      this.stats.badFrames++;
      this.stats.discardedBytes += len + 1;
      return;
    }
    let index = lineNo;
    let tSec = Number.NaN;
    for (let f = 0; f < this.roles.length; f++) {
      if (this.roles[f] === -2) index = this.unwrapper ? this.unwrapper.next(this.fieldValues[f]) : this.fieldValues[f];
      else if (this.roles[f] === -1) tSec = this.fieldValues[f] / this.tsDivisor;
    }
    for (let f = 0; f < this.roles.length; f++) {
      const col = this.roles[f];
      if (col < 0) continue;
      const batch = this.batchers[col];
      batch.values[batch.row(index, tSec)] = this.fieldValues[f];
    }
    this.stats.frames++;
  }

  /** Split the line into exactly the expected fields and parse each; false when it does not fit. */
  private parseFields(len: number): boolean {
    const b = this.line;
    const want = this.roles.length;
    let field = 0;
    let s = 0;
    if (this.anySpace) while (s < len && (b[s] === 0x20 || b[s] === 0x09)) s++;
    while (s <= len) {
      let e = s;
      if (this.anySpace) while (e < len && b[e] !== 0x20 && b[e] !== 0x09) e++;
      else while (e < len && b[e] !== this.sep) e++;
      if (field >= want) return false;
      const v = parseDecimal(b, s, e);
      if (!Number.isFinite(v)) return false;
      this.fieldValues[field++] = v;
      if (this.anySpace) {
        while (e < len && (b[e] === 0x20 || b[e] === 0x09)) e++;
        if (e >= len) break;
        s = e;
      } else {
        if (e >= len) break;
        s = e + 1;
      }
    }
    if (field !== want) return false;
    for (let f = 0; f < want; f++) {
      if (this.roles[f] === -2) {
        const n = this.fieldValues[f];
        if (!Number.isSafeInteger(n) || n < 0 || n >= this.counterWrap) return false;
      }
    }
    return true;
  }
}
