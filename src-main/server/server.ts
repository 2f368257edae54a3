// Headless mode: the workstation API over WebSocket, and the built renderer over HTTP, on
// loopback by default. Every connection must present the per-run token and come from the
// server's own origin; every message is size-limited and validated against the contract.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { requestEnvelopeSchema, type ResponseEnvelope } from '../api/contract.js';
import { ApiSession } from '../engine/api-session.js';
import { answerMediaRequest, MEDIA_URL_PREFIX, type MediaTickets } from '../engine/media-serving.js';
import type { WorkstationService } from '../engine/workstation-service.js';

export const WS_PATH = '/ws';
export const WS_PROTOCOL = 'himoe.v1';
/** Client messages are small requests; anything larger is refused (close code 1009). */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024;
/** A client that cannot keep up gets frames skipped rather than an unbounded queue. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export interface ServerOptions {
  service: WorkstationService;
  /** Folder of the built renderer (index.html and assets). */
  staticDir: string;
  host?: string;
  port?: number;
  /** The per-run token; generated when omitted. */
  token?: string;
  maxMessageBytes?: number;
  log?: (line: string) => void;
  /** Stimulus media registered for post-hoc annotation, served at /media/<ticket> with byte ranges. */
  media?: MediaTickets;
}

export interface RunningServer {
  url: string;
  /** The URL to open in a browser (carries the token in the fragment, never sent over HTTP). */
  openUrl: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

export function generateToken(): string {
  return randomBytes(24).toString('hex');
}

function tokenMatches(expected: string, given: string | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token from `Sec-WebSocket-Protocol: himoe.v1, token.<hex>`. */
function tokenFromProtocols(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const p of header.split(',').map((s) => s.trim())) if (p.startsWith('token.')) return p.slice('token.'.length);
  return undefined;
}

/** Same-origin check: the page that opens the socket must be served by this server. */
function originAllowed(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  const host = req.headers.host;
  if (!origin || !host) return false;
  try {
    const u = new URL(origin);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host === host;
  } catch {
    return false;
  }
}

function securityHeaders(res: ServerResponse): void {
  res.setHeader(
    'Content-Security-Policy',
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
  );
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
}

async function serveStatic(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  securityHeaders(res);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  let rel = decodeURIComponent(url.pathname);
  if (rel.endsWith('/')) rel += 'index.html';
  const file = normalize(join(root, rel));
  if (file !== root && !file.startsWith(root + sep)) {
    res.writeHead(403).end('forbidden');
    return;
  }
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new Error('not a file');
    res.writeHead(200, { 'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': st.size, 'Cache-Control': 'no-cache' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  } catch {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
  }
}

/** GET/HEAD /media/<ticket>: only files registered for a session, never a path from the URL. */
async function serveMedia(tickets: MediaTickets, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  securityHeaders(res);
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  const reply = await answerMediaRequest(tickets, { method: req.method ?? 'GET', pathname, headers });
  res.writeHead(reply.status, reply.headers);
  if (reply.body) {
    const stream = reply.body();
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  } else res.end(reply.text);
}

function send(ws: WebSocket, message: ResponseEnvelope): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? generateToken();
  const root = resolve(opts.staticDir);
  const log = opts.log ?? (() => {});
  const service = opts.service;

  const http: Server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (opts.media && pathname.startsWith(MEDIA_URL_PREFIX)) void serveMedia(opts.media, req, res, pathname);
    else void serveStatic(root, req, res);
  });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });

  http.on('upgrade', (req, socket, head) => {
    const reject = (status: number, text: string) => {
      log(`refused WebSocket from ${req.socket.remoteAddress}: ${text}`);
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== WS_PATH) return reject(404, 'Not Found');
    if (!originAllowed(req)) return reject(403, 'Forbidden');
    if (!tokenMatches(token, tokenFromProtocols(req.headers['sec-websocket-protocol']))) return reject(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    const api = new ApiSession(service, (_viewId, bytes) => {
      if (ws.readyState === ws.OPEN && ws.bufferedAmount < MAX_BUFFERED_BYTES) ws.send(bytes, { binary: true });
    });
    const offEvents = service.onEvent((event) => send(ws, { type: 'event', event }));
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        ws.close(1003, 'binary messages are not accepted');
        return;
      }
      void handle(String(data));
    });
    // Protocol violations (oversized frames, bad UTF-8) close the socket; log, never crash.
    ws.on('error', (err) => log(`WebSocket closed on error: ${err.message}`));
    ws.on('close', () => {
      offEvents();
      api.close();
    });

    async function handle(text: string): Promise<void> {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        ws.close(1007, 'message is not JSON');
        return;
      }
      const env = requestEnvelopeSchema.safeParse(json);
      if (!env.success) {
        ws.close(1008, 'message is not a request envelope {id, method, params}');
        return;
      }
      const outcome = await api.handle(env.data.method, env.data.params);
      send(ws, { type: 'response', id: env.data.id, ...outcome });
    }
  });

  await new Promise<void>((resolveListen, rejectListen) => {
    http.once('error', rejectListen);
    http.listen(opts.port ?? 0, host, () => resolveListen());
  });
  const port = (http.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}/`;
  return {
    url,
    openUrl: `${url}#token=${token}`,
    port,
    token,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
