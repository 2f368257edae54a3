// Wire-level fuzzing of the headless server: random text and binary frames (garbage, invalid
// UTF-8, random JSON, envelopes with random methods and params) each get a response envelope or
// a close with a protocol code, and the server keeps serving well-formed requests afterwards.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../../src-main/server/server.js';
import fc from 'fast-check';
import { hostileJson, requestEnvelope } from './fuzz-arbitraries.js';
import { fuzzProperty } from './fuzz-runner.js';
import { makeWorkstation } from './workstation-fixture.js';

const CASES = Number(process.env.HIMOE_FUZZ_WS_CASES ?? 400);
const dir = mkdtempSync(join(tmpdir(), 'himoe-fuzz-ws-'));
const { service, shutdown } = makeWorkstation(join(dir, 'ws'));
let server: RunningServer;
let origin: string;

beforeAll(async () => {
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  server = await startServer({ service, staticDir: dir, port: 0, token: 'f'.repeat(32), maxMessageBytes: 64 * 1024 });
  origin = server.url.replace(/\/$/, '');
});
afterAll(async () => {
  await shutdown();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

type Frame = { data: string | Uint8Array; binary: boolean };

/** Binary garbage, invalid UTF-8 as text, random JSON, and request envelopes (most often). */
const frameArb: fc.Arbitrary<Frame> = fc.oneof(
  { weight: 15, arbitrary: fc.uint8Array({ maxLength: 200 }).map((data) => ({ data, binary: true })) },
  { weight: 15, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => ({ data: Buffer.from(b).toString('latin1'), binary: false })) },
  { weight: 15, arbitrary: hostileJson.map((v) => ({ data: JSON.stringify(v) ?? 'null', binary: false })) },
  { weight: 55, arbitrary: requestEnvelope.map((v) => ({ data: JSON.stringify(v) ?? 'null', binary: false })) },
);

function connect(): Promise<WebSocket> {
  const ws = new WebSocket(`${origin.replace('http', 'ws')}/ws`, ['himoe.v1', `token.${server.token}`], { origin });
  return new Promise((res, rej) => {
    ws.once('open', () => res(ws));
    ws.once('error', rej);
  });
}

/** Sends one frame; resolves 'response' on a response envelope, or the close code. */
function exchange(ws: WebSocket, frame: Frame): Promise<'response' | number> {
  return new Promise((res) => {
    const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
      if (isBinary) return;
      const msg = JSON.parse(String(data)) as { type: string };
      if (msg.type === 'response') {
        ws.off('message', onMessage);
        res('response');
      }
    };
    ws.on('message', onMessage);
    ws.once('close', (code) => res(code));
    ws.on('error', () => {});
    ws.send(frame.data, { binary: frame.binary });
  });
}

describe('fuzzing the WebSocket server', () => {
  it(`answers or closes with a protocol code on ${CASES} random frames, and keeps serving`, async () => {
    let ws = await connect();
    const codes = new Map<string, number>();
    await fuzzProperty('server frames', frameArb, async (frame) => {
      if (ws.readyState !== WebSocket.OPEN) ws = await connect();
      const outcome = await exchange(ws, frame);
      codes.set(String(outcome), (codes.get(String(outcome)) ?? 0) + 1);
      if (outcome === 'response') return 'accepted';
      // 1003 binary, 1007 not JSON / bad UTF-8, 1008 not an envelope, 1009 too big.
      expect([1003, 1007, 1008, 1009]).toContain(outcome);
      return 'rejected';
    }, { seed: 2024, numRuns: CASES, caseTimeMs: 5000 });
    if (ws.readyState === WebSocket.OPEN) ws.close();

    const fresh = await connect();
    const status = await exchange(fresh, { data: JSON.stringify({ id: 1, method: 'session.status', params: {} }), binary: false });
    fresh.close();
    expect(status).toBe('response');
    expect(codes.get('response')).toBeGreaterThan(CASES / 4);
    expect([...codes.keys()].length).toBeGreaterThanOrEqual(3);
  });
});
