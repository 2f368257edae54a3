// The XML parts of XDF: a small, strict-enough parser for the header/footer XML of any writer
// (LabRecorder, pyxdf tests, ours), and the builders our writer and repair use for the
// FileHeader, StreamHeader and StreamFooter chunks.

import type { StreamInfo } from '../../core/streams/types.js';
import { formatNumber } from './xdf-format.js';

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Concatenated text directly inside this element (entities decoded, CDATA included). */
  text: string;
}

/** Thrown by parseXml; callers wrap it into an XdfError naming the file and chunk offset. */
export class XmlSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(s: string, basePos: number): string {
  if (!s.includes('&')) return s;
  return s.replace(/&([^;&\s]{1,10});/g, (whole, ent: string) => {
    if (ent[0] === '#') {
      const code = ent[1] === 'x' || ent[1] === 'X' ? parseInt(ent.slice(2), 16) : parseInt(ent.slice(1), 10);
      if (!Number.isFinite(code) || code < 0 || code > 0x10ffff) {
        throw new XmlSyntaxError(`bad character reference "${whole}"`, basePos);
      }
      return String.fromCodePoint(code);
    }
    const named = NAMED_ENTITIES[ent];
    if (named === undefined) throw new XmlSyntaxError(`unknown entity "${whole}"`, basePos);
    return named;
  });
}

const NAME_RE = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const ATTR_RE = /\s*([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*("([^"]*)"|'([^']*)')/y;

/** Parses one XML document and returns its root element. Comments, processing instructions
 *  and a DOCTYPE are skipped; attributes are kept; mixed content text is concatenated. */
export function parseXml(xml: string): XmlElement {
  let pos = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  const n = xml.length;
  while (pos < n) {
    const lt = xml.indexOf('<', pos);
    const textEnd = lt < 0 ? n : lt;
    if (textEnd > pos) {
      const raw = xml.slice(pos, textEnd);
      const top = stack[stack.length - 1];
      if (top) top.text += decodeEntities(raw, pos);
      else if (raw.trim() !== '') throw new XmlSyntaxError('text outside the root element', pos);
    }
    if (lt < 0) break;
    pos = lt;
    if (xml.startsWith('<?', pos)) {
      const end = xml.indexOf('?>', pos + 2);
      if (end < 0) throw new XmlSyntaxError('unterminated processing instruction', pos);
      pos = end + 2;
    } else if (xml.startsWith('<!--', pos)) {
      const end = xml.indexOf('-->', pos + 4);
      if (end < 0) throw new XmlSyntaxError('unterminated comment', pos);
      pos = end + 3;
    } else if (xml.startsWith('<![CDATA[', pos)) {
      const end = xml.indexOf(']]>', pos + 9);
      if (end < 0) throw new XmlSyntaxError('unterminated CDATA section', pos);
      const top = stack[stack.length - 1];
      if (!top) throw new XmlSyntaxError('CDATA outside the root element', pos);
      top.text += xml.slice(pos + 9, end);
      pos = end + 3;
    } else if (xml.startsWith('<!', pos)) {
      const end = xml.indexOf('>', pos + 2);
      if (end < 0) throw new XmlSyntaxError('unterminated declaration', pos);
      pos = end + 1;
    } else if (xml.startsWith('</', pos)) {
      NAME_RE.lastIndex = pos + 2;
      const m = NAME_RE.exec(xml);
      if (!m) throw new XmlSyntaxError('bad closing tag', pos);
      const top = stack.pop();
      if (!top || top.name !== m[0]) {
        throw new XmlSyntaxError(`closing tag </${m[0]}> does not match <${top ? top.name : '(none)'}>`, pos);
      }
      const gt = xml.indexOf('>', NAME_RE.lastIndex);
      if (gt < 0 || xml.slice(NAME_RE.lastIndex, gt).trim() !== '') throw new XmlSyntaxError('bad closing tag', pos);
      pos = gt + 1;
    } else {
      NAME_RE.lastIndex = pos + 1;
      const m = NAME_RE.exec(xml);
      if (!m) throw new XmlSyntaxError('bad element name', pos);
      const el: XmlElement = { name: m[0], attributes: {}, children: [], text: '' };
      let p = NAME_RE.lastIndex;
      for (;;) {
        ATTR_RE.lastIndex = p;
        const a = ATTR_RE.exec(xml);
        if (!a) break;
        el.attributes[a[1]!] = decodeEntities(a[3] ?? a[4] ?? '', p);
        p = ATTR_RE.lastIndex;
      }
      while (p < n && /\s/.test(xml[p]!)) p++;
      let selfClosing = false;
      if (xml.startsWith('/>', p)) {
        selfClosing = true;
        p += 2;
      } else if (xml[p] === '>') {
        p += 1;
      } else {
        throw new XmlSyntaxError(`malformed start tag <${el.name}>`, pos);
      }
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(el);
      else if (root) throw new XmlSyntaxError('more than one root element', pos);
      else root = el;
      if (!selfClosing) stack.push(el);
      pos = p;
    }
  }
  if (stack.length > 0) throw new XmlSyntaxError(`element <${stack[stack.length - 1]!.name}> is not closed`, n);
  if (!root) throw new XmlSyntaxError('no root element', 0);
  return root;
}

export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

export function childText(el: XmlElement | undefined, name: string): string | undefined {
  const c = child(el, name);
  return c ? c.text.trim() : undefined;
}

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : c === '"' ? '&quot;' : '&apos;'));
}

/** A name usable as an XML element name: invalid characters become "_", a bad first
 *  character gets a "_" prefix. Device metadata keys go through this. */
export function toXmlName(key: string): string {
  let s = key.replace(/[^-A-Za-z0-9_.]/g, '_');
  if (s === '' || !/^[A-Za-z_]/.test(s)) s = `_${s}`;
  if (/^xml/i.test(s)) s = `_${s}`;
  return s;
}

const XML_DECL = '<?xml version="1.0"?>';

function el(name: string, text: string): string {
  return `<${name}>${escapeXml(text)}</${name}>`;
}

export function buildFileHeaderXml(datetimeIso: string, fields: Record<string, string>): string {
  let body = el('version', '1.0') + el('datetime', datetimeIso);
  for (const [k, v] of Object.entries(fields)) {
    const name = toXmlName(k);
    if (name === 'version' || name === 'datetime') continue;
    body += el(name, v);
  }
  return `${XML_DECL}<info>${body}</info>`;
}

export interface StreamHeaderExtra {
  createdAtSec: number;
  uid: string;
  hostname: string;
}

/** StreamHeader XML in the layout LSL/LabRecorder use, plus desc/channels and info.desc. The
 *  workstation's own stream id goes into desc/himoe_stream_id so a reader can map it back. */
export function buildStreamHeaderXml(info: StreamInfo, extra: StreamHeaderExtra): string {
  let channels = '';
  for (const ch of info.channels) {
    channels += `<channel>${el('label', ch.label)}${el('unit', ch.unit)}${ch.type !== undefined ? el('type', ch.type) : ''}</channel>`;
  }
  let descFields = el('himoe_stream_id', info.id);
  const used = new Set(['channels', 'himoe_stream_id']);
  for (const [k, v] of Object.entries(info.desc ?? {})) {
    let name = toXmlName(k);
    while (used.has(name)) name = `${name}_`;
    used.add(name);
    descFields += el(name, String(v));
  }
  const body =
    el('name', info.name) +
    el('type', info.type) +
    el('channel_count', String(info.channels.length)) +
    el('channel_format', info.channelFormat) +
    el('source_id', info.sourceId) +
    el('nominal_srate', formatNumber(info.nominalRateHz)) +
    el('version', '1.1') +
    el('created_at', formatNumber(extra.createdAtSec)) +
    el('uid', extra.uid) +
    el('session_id', 'default') +
    el('hostname', extra.hostname) +
    `<desc><channels>${channels}</channels>${descFields}</desc>`;
  return `${XML_DECL}<info>${body}</info>`;
}

export interface FooterData {
  firstTimestamp: number;
  lastTimestamp: number;
  sampleCount: number;
  offsetTimes: ArrayLike<number>;
  offsetValues: ArrayLike<number>;
}

export function buildStreamFooterXml(f: FooterData): string {
  let offsets = '';
  for (let i = 0; i < f.offsetTimes.length; i++) {
    offsets += `<offset><time>${formatNumber(f.offsetTimes[i]!)}</time><value>${formatNumber(f.offsetValues[i]!)}</value></offset>`;
  }
  const body =
    el('first_timestamp', formatNumber(f.firstTimestamp)) +
    el('last_timestamp', formatNumber(f.lastTimestamp)) +
    el('sample_count', String(f.sampleCount)) +
    `<clock_offsets>${offsets}</clock_offsets>`;
  return `${XML_DECL}<info>${body}</info>`;
}
