// Stimulus media for post-hoc annotation, served to the UI: replay-handlers registers a file the
// user attached to a session and hands the UI an unguessable ticket URL ('media/<ticket>'); the
// HTTP server (server/server.ts) and the Electron protocol (app/main.ts) answer that URL here,
// with byte ranges (video seeking needs them). Only registered files are ever served, and the
// ticket is not the session token, so a media URL in a log or history opens nothing else.

import { randomBytes } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';

/** The URL path prefix of media tickets (relative to the page: 'media/<ticket>'). */
export const MEDIA_URL_PREFIX = '/media/';

/** Media the Annotate view can play, by file extension. */
export const MEDIA_TYPES: Readonly<Record<string, { mime: string; kind: 'audio' | 'video' }>> = {
  '.wav': { mime: 'audio/wav', kind: 'audio' },
  '.mp3': { mime: 'audio/mpeg', kind: 'audio' },
  '.m4a': { mime: 'audio/mp4', kind: 'audio' },
  '.oga': { mime: 'audio/ogg', kind: 'audio' },
  '.ogg': { mime: 'audio/ogg', kind: 'audio' },
  '.opus': { mime: 'audio/ogg', kind: 'audio' },
  '.flac': { mime: 'audio/flac', kind: 'audio' },
  '.webm': { mime: 'video/webm', kind: 'video' },
  '.ogv': { mime: 'video/ogg', kind: 'video' },
  '.mp4': { mime: 'video/mp4', kind: 'video' },
  '.m4v': { mime: 'video/mp4', kind: 'video' },
};

export function mediaTypeOf(path: string): { mime: string; kind: 'audio' | 'video' } | null {
  return MEDIA_TYPES[extname(path).toLowerCase()] ?? null;
}

/** Tickets for registered media files: ticket -> absolute path, newest kept when full. */
export class MediaTickets {
  private readonly byTicket = new Map<string, string>();
  private readonly byPath = new Map<string, string>();

  constructor(private readonly capacity = 1024) {}

  /** The ticket of `absPath` (one per file, reused). */
  issue(absPath: string): string {
    const known = this.byPath.get(absPath);
    if (known) return known;
    if (this.byTicket.size >= this.capacity) {
      const [oldTicket, oldPath] = this.byTicket.entries().next().value as [string, string];
      this.byTicket.delete(oldTicket);
      this.byPath.delete(oldPath);
    }
    const ticket = randomBytes(18).toString('base64url');
    this.byTicket.set(ticket, absPath);
    this.byPath.set(absPath, ticket);
    return ticket;
  }

  resolve(ticket: string): string | null {
    return this.byTicket.get(ticket) ?? null;
  }

  /** The page-relative URL of a ticket. */
  static url(ticket: string): string {
    return `${MEDIA_URL_PREFIX.slice(1)}${ticket}`;
  }
}

export type ByteRange = { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

/**
 * A `Range` header against a file of `size` bytes (RFC 9110 §14): one `bytes=a-b`, `bytes=a-`
 * or `bytes=-n` range. No header, another unit, or several ranges: the full file (allowed by
 * the RFC); a range starting at or past the end: unsatisfiable (416).
 */
export function parseByteRange(header: string | undefined, size: number): ByteRange {
  if (header === undefined) return { kind: 'full' };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return { kind: 'full' };
  const [, a, b] = m;
  if (a === '' && b === '') return { kind: 'full' };
  if (a === '') {
    const n = Number(b);
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (start >= size) return { kind: 'unsatisfiable' };
  if (end < start) return { kind: 'full' }; // syntactically invalid: ignore the header
  return { kind: 'partial', start, end };
}

export interface MediaRequest {
  method: string;
  /** URL path, e.g. '/media/<ticket>'. */
  pathname: string;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string | undefined>>;
}

export interface MediaReply {
  status: number;
  headers: Record<string, string>;
  /** The bytes to send (absent for HEAD and errors): a stream of the file's [start, end]. */
  body?: () => ReadStream;
  text?: string;
}

/** Refuse a request made on behalf of another site (fetch metadata / Origin), as the WebSocket does. */
function foreignRequest(headers: MediaRequest['headers']): boolean {
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  const origin = headers.origin;
  if (origin === undefined || origin === 'null') return false;
  try {
    return new URL(origin).host !== headers.host;
  } catch {
    return true;
  }
}

/** Answer a media request: 200 / 206 with the bytes, 416, 403 (foreign site), 404 (no such ticket), 405. */
export async function answerMediaRequest(tickets: MediaTickets, req: MediaRequest): Promise<MediaReply> {
  const plain = (status: number, text: string, extra: Record<string, string> = {}): MediaReply => ({
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', ...extra },
    text,
  });
  if (req.method !== 'GET' && req.method !== 'HEAD') return plain(405, 'method not allowed', { Allow: 'GET, HEAD' });
  if (foreignRequest(req.headers)) return plain(403, 'forbidden');
  const ticket = req.pathname.startsWith(MEDIA_URL_PREFIX) ? req.pathname.slice(MEDIA_URL_PREFIX.length) : '';
  const path = /^[A-Za-z0-9_-]{16,64}$/.test(ticket) ? tickets.resolve(ticket) : null;
  const type = path ? mediaTypeOf(path) : null;
  if (!path || !type) return plain(404, 'not found');
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) return plain(404, 'not found');
    size = st.size;
  } catch {
    return plain(404, 'not found');
  }
  const base = { 'Content-Type': type.mime, 'Accept-Ranges': 'bytes', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };
  const range = parseByteRange(req.headers.range, size);
  if (range.kind === 'unsatisfiable') return { status: 416, headers: { ...base, 'Content-Range': `bytes */${size}` } };
  const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, size - 1];
  const headers: Record<string, string> = { ...base, 'Content-Length': String(Math.max(0, end - start + 1)) };
  if (range.kind === 'partial') headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  const reply: MediaReply = { status: range.kind === 'partial' ? 206 : 200, headers };
  if (req.method === 'GET' && size > 0) reply.body = () => createReadStream(path, { start, end });
  return reply;
}
