// The headless server's boundary: token, origin, message size and schema checks, static files.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WorkstationService } from '../../../src-main/engine/workstation-service.js';
import { startServer, type RunningServer } from '../../../src-main/server/server.js';

let dir: string;
let server: RunningServer;
let service: WorkstationService;
let origin: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'himoe-server-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  service = new WorkstationService({
    planRecording: async () => ({ path: join(dir, `rec-${Date.now()}.xdf`), finish: async () => {} }),
  });
  server = await startServer({ service, staticDir: dir, port: 0, token: 'a'.repeat(32) });
  origin = server.url.replace(/\/$/, '');
});

afterAll(async () => {
  await service.shutdown();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function connect(opts: { token?: string | null; origin?: string } = {}): WebSocket {
  const protocols = ['himoe.v1'];
  const token = opts.token === undefined ? server.token : opts.token;
  if (token !== null) protocols.push(`token.${token}`);
  return new WebSocket(`${origin.replace('http', 'ws')}/ws`, protocols, { origin: opts.origin ?? origin });
}

function refusedStatus(ws: WebSocket): Promise<number> {
  return new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => reject(new Error('connection was accepted')));
    ws.on('error', () => {});
  });
}

function opened(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
}

function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}

function request(ws: WebSocket, id: number, method: string, params: unknown): Promise<{ ok: boolean; result?: unknown; error?: { code: string; message: string } }> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
      if (isBinary) return;
      const msg = JSON.parse(String(data));
      if (msg.type === 'response' && msg.id === id) {
        ws.off('message', onMessage);
        resolve(msg);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ id, method, params }));
  });
}

describe('himoe serve boundary', () => {
  it('refuses a WebSocket without a token or with a wrong one (401)', async () => {
    await expect(refusedStatus(connect({ token: null }))).resolves.toBe(401);
    await expect(refusedStatus(connect({ token: 'b'.repeat(32) }))).resolves.toBe(401);
  });

  it('refuses a WebSocket opened by a page from a foreign origin (403), even with the token', async () => {
    await expect(refusedStatus(connect({ origin: 'http://evil.example' }))).resolves.toBe(403);
  });

  it('closes the connection on an oversized message (1009) and on binary input (1003)', async () => {
    const big = connect();
    await opened(big);
    const bigClosed = closed(big);
    big.send(JSON.stringify({ id: 1, method: 'marker.add', params: { label: 'x'.repeat(100_000) } }));
    await expect(bigClosed).resolves.toBe(1009);
    const bin = connect();
    await opened(bin);
    const binClosed = closed(bin);
    bin.send(Buffer.from([1, 2, 3]));
    await expect(binClosed).resolves.toBe(1003);
  });

  it('answers bad parameters with an error naming the field, and unknown methods by name', async () => {
    const ws = connect();
    await opened(ws);
    const bad = await request(ws, 1, 'session.start', { seed: -4 });
    expect(bad.ok).toBe(false);
    expect(bad.error?.code).toBe('BAD_PARAMS');
    expect(bad.error?.message).toMatch(/seed/);
    const unknown = await request(ws, 2, 'session.format', {});
    expect(unknown.error).toEqual({ code: 'UNKNOWN_METHOD', message: 'unknown method "session.format"' });
    const noSession = await request(ws, 3, 'marker.add', { label: 'go' });
    expect(noSession.error?.code).toBe('NO_SESSION');
    ws.close();
  });

  it('serves the renderer with a CSP and never a file outside its folder', async () => {
    const res = await fetch(`${origin}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    const escape = await fetch(`${origin}/..%2f..%2fetc%2fpasswd`);
    expect([403, 404]).toContain(escape.status);
  });

  it('streams decimated frames of a running session to a subscribed view', async () => {
    const ws = connect();
    await opened(ws);
    const started = await request(ws, 1, 'session.start', { modalities: ['EEG'], record: false });
    expect(started.ok).toBe(true);
    const frames: Buffer[] = [];
    ws.on('message', (data, isBinary) => {
      if (isBinary) frames.push(data as Buffer);
    });
    const sub = await request(ws, 2, 'view.subscribe', { viewId: 'v', streamIds: ['synthetic:eeg'], timeBaseSec: 5, columns: 200, maxFps: 20 });
    expect(sub.ok).toBe(true);
    await new Promise((r) => setTimeout(r, 1000));
    await request(ws, 3, 'session.stop', {});
    // At most ~20 frames a second for one stream, and some arrived.
    expect(frames.length).toBeGreaterThan(5);
    expect(frames.length).toBeLessThanOrEqual(24);
    ws.close();
  });
});

