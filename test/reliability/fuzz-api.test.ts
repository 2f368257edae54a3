// Property-based fuzzing (fast-check, fixed seed) of every API request (the WebSocket and IPC
// messages), generated from the zod contract with hostile values, through ApiSession.handle over the fully wired workstation: random methods and random or near-valid
// params never throw, always answer {ok, result} or {ok:false, error:{code, message}}, answer
// invalid params with ok:false, and never fail with an untyped (INTERNAL) error.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requestEnvelopeSchema, requests, isRequestName } from '../../src-main/api/contract.js';
import { requestEnvelope } from './fuzz-arbitraries.js';
import { fuzzProperty } from './fuzz-runner.js';
import { makeWorkstation } from './workstation-fixture.js';

const CASES = Number(process.env.HIMOE_FUZZ_CASES ?? 3000);
const dir = mkdtempSync(join(tmpdir(), 'himoe-fuzz-api-'));
const { api, shutdown } = makeWorkstation(join(dir, 'ws'));
afterAll(async () => {
  await shutdown();
  rmSync(dir, { recursive: true, force: true });
});

describe('fuzzing the API messages', () => {
  it(`answers ${CASES} random and near-valid requests without throwing, untyped errors or ok for invalid params`, async () => {
    const seen = new Map<string, number>();
    const report = await fuzzProperty('ApiSession.handle', requestEnvelope, async (envelope) => {
      // The transport's envelope check comes first (server.ts / ipc-transport.ts).
      const env = requestEnvelopeSchema.safeParse(envelope);
      if (!env.success) return 'rejected';
      const { method, params } = env.data;
      const out = await api.handle(method, params);
      const key = `${method.slice(0, 24)} ${out.ok ? 'ok' : out.error.code}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      if (out.ok) {
        expect(isRequestName(method)).toBe(true);
        expect(requests[method as keyof typeof requests].params.safeParse(params ?? {}).success).toBe(true);
        return 'accepted';
      }
      expect(typeof out.error.code).toBe('string');
      expect(typeof out.error.message).toBe('string');
      expect(out.error.message.length).toBeGreaterThan(0);
      if (out.error.code === 'INTERNAL') throw new Error(`${method} failed with an untyped error: ${out.error.message} (params ${JSON.stringify(params)})`);
      return 'rejected';
    }, { seed: 31337, numRuns: CASES, caseTimeMs: 2000 });

    if (process.env.HIMOE_FUZZ_VERBOSE) console.log([...seen].sort().map(([k, n]) => `${k}: ${n}`).join('\n'));
    // The fuzz reached the handlers: some requests succeeded, some were refused after validation.
    expect(report.rejected).toBeLessThan(CASES);
    const okMethods = [...seen.keys()].filter((k) => k.endsWith(' ok'));
    expect(okMethods.length).toBeGreaterThanOrEqual(5);
    expect([...seen.keys()].some((k) => !k.endsWith(' ok') && !k.endsWith('BAD_PARAMS') && !k.endsWith('UNKNOWN_METHOD'))).toBe(true);
  });
});
