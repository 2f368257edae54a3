// Stimulus media for post-hoc annotation over HTTP (`himoe serve`) and the desktop app's
// protocol: byte ranges (200 / 206 / 416), only ticketed files, foreign sites refused.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMediaRequest, mediaProtocolResponse } from '../../../src-main/app/media-protocol.js';
import { answerMediaRequest, MediaTickets, parseByteRange } from '../../../src-main/engine/media-serving.js';
import { WorkstationService } from '../../../src-main/engine/workstation-service.js';
import { startServer, type RunningServer } from '../../../src-main/server/server.js';

let dir: string;
let file: string;
const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
const tickets = new MediaTickets();
let ticket: string;
let server: RunningServer;
let service: WorkstationService;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'himoe-media-'));
  file = join(dir, 'clip.webm');
  writeFileSync(file, bytes);
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  ticket = tickets.issue(file);
  service = new WorkstationService({ planRecording: async () => ({ path: join(dir, 'unused.xdf'), finish: async () => {} }) });
  server = await startServer({ service, staticDir: dir, media: tickets });
});

afterAll(async () => {
  await server.close();
  await service.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

describe('parseByteRange', () => {
  it.each([
    [undefined, { kind: 'full' }],
    ['bytes=0-99', { kind: 'partial', start: 0, end: 99 }],
    ['bytes=900-', { kind: 'partial', start: 900, end: 999 }],
    ['bytes=-100', { kind: 'partial', start: 900, end: 999 }],
    ['bytes=-5000', { kind: 'partial', start: 0, end: 999 }],
    ['bytes=990-5000', { kind: 'partial', start: 990, end: 999 }],
    ['bytes=1000-', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    ['bytes=0-10, 20-30', { kind: 'full' }],
    ['items=0-10', { kind: 'full' }],
    ['bytes=50-10', { kind: 'full' }],
  ])('%s on 1000 bytes -> %j', (header, expected) => {
    expect(parseByteRange(header, 1000)).toEqual(expected);
  });
});

describe('answerMediaRequest', () => {
  const req = (headers: Record<string, string> = {}, method = 'GET', t = ticket) => answerMediaRequest(tickets, { method, pathname: `/media/${t}`, headers: { host: 'h:1', ...headers } });

  it('refuses unknown tickets, other methods and requests on behalf of another site', async () => {
    expect((await req({}, 'GET', 'A'.repeat(24))).status).toBe(404);
    expect((await req({}, 'GET', '..%2Fetc%2Fpasswd')).status).toBe(404);
    expect((await req({}, 'POST')).status).toBe(405);
    expect((await req({ 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await req({ origin: 'http://evil.example' })).status).toBe(403);
    expect((await req({ 'sec-fetch-site': 'same-origin', origin: 'http://h:1' })).status).toBe(200);
  });

  it('HEAD gives the size and no body', async () => {
    const r = await req({}, 'HEAD');
    expect(r.status).toBe(200);
    expect(r.headers['Content-Length']).toBe('1000');
    expect(r.body).toBeUndefined();
  });
});

describe('media over himoe serve', () => {
  const get = (path: string, headers: Record<string, string> = {}) => fetch(new URL(path, server.url), { headers });

  it('serves a ticketed file whole (200) and by range (206, Content-Range), with the right type', async () => {
    const full = await get(`media/${ticket}`);
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('video/webm');
    expect(full.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(await full.arrayBuffer())).toEqual(bytes);

    const part = await get(`media/${ticket}`, { Range: 'bytes=100-199' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 100-199/1000');
    expect(part.headers.get('content-length')).toBe('100');
    expect(Buffer.from(await part.arrayBuffer())).toEqual(bytes.subarray(100, 200));
  });

  it('answers an unsatisfiable range with 416 and the size, and an unknown ticket with 404', async () => {
    const r = await get(`media/${ticket}`, { Range: 'bytes=5000-' });
    expect(r.status).toBe(416);
    expect(r.headers.get('content-range')).toBe('bytes */1000');
    expect((await get('media/not-a-ticket-at-all-xx')).status).toBe(404);
    // The renderer's static files are still served beside the media route.
    expect((await get('index.html')).status).toBe(200);
  });
});

describe('media over the desktop protocol (himoe://app/media/<ticket>)', () => {
  it('answers a range request with 206 and the bytes, and only for our origin under /media/', async () => {
    expect(isMediaRequest(`himoe://app/media/${ticket}`)).toBe(true);
    expect(isMediaRequest(`himoe://other/media/${ticket}`)).toBe(false);
    expect(isMediaRequest('himoe://app/index.html')).toBe(false);

    const r = await mediaProtocolResponse(tickets, new Request(`himoe://app/media/${ticket}`, { headers: { Range: 'bytes=-10', Origin: 'himoe://app' } }));

    expect(r.status).toBe(206);
    expect(r.headers.get('content-range')).toBe('bytes 990-999/1000');
    expect(Buffer.from(await r.arrayBuffer())).toEqual(bytes.subarray(990));
    const foreign = await mediaProtocolResponse(tickets, new Request(`himoe://app/media/${ticket}`, { headers: { Origin: 'https://evil.example' } }));
    expect(foreign.status).toBe(403);
  });
});
