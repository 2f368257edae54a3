// The one conformance suite every SignalSource passes (synthetic, each serial protocol,
// BrainFlow, playback): lifecycle, stream shapes, timestamps, clean release, typed errors.
// Call describeSourceConformance() from the source's own test file.

import { describe, expect, it } from 'vitest';
import { SourceError } from '../../../src-main/core/errors.js';
import { OnlineDejitter } from '../../../src-main/core/streams/dejitter.js';
import type { SignalSource, SourceEvent } from '../../../src-main/core/streams/source.js';
import type { Chunk } from '../../../src-main/core/streams/types.js';

export interface ConformanceSubject {
  source: SignalSource;
  /** Extra teardown (close a pseudo-terminal, stop an emulator). */
  cleanup?: () => Promise<void>;
}

export interface ConformanceOptions {
  /** How long to let the source run while collecting data (default 1500 ms). */
  runMs?: number;
  /** Streams that must deliver at least one chunk while running (default: every stream with nominalRateHz > 0). */
  requiredStreamIds?: string[];
}

interface Collected {
  events: SourceEvent[];
  chunks: Chunk[];
}

function collect(source: SignalSource): Collected & { unsubscribe: () => void } {
  const events: SourceEvent[] = [];
  const chunks: Chunk[] = [];
  const unsubscribe = source.subscribe((event) => {
    events.push(event);
    if (event.kind === 'chunk') chunks.push(event.chunk);
  });
  return { events, chunks, unsubscribe };
}

/** Active libuv resources by type, e.g. { Timeout: 2, TTYWrap: 1 }. */
function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of process.getActiveResourcesInfo()) counts.set(name, (counts.get(name) ?? 0) + 1);
  return counts;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

export function describeSourceConformance(
  name: string,
  makeSubject: () => ConformanceSubject | Promise<ConformanceSubject>,
  options: ConformanceOptions = {},
): void {
  const runMs = options.runMs ?? 1500;

  describe(`SignalSource conformance: ${name}`, () => {
    it('moves idle -> running -> stopped -> released, and every transition is idempotent', async () => {
      const { source, cleanup } = await makeSubject();
      try {
        expect(source.state).toBe('idle');
        await source.start();
        await source.start();
        expect(['running', 'disconnected']).toContain(source.state);
        await source.stop();
        await source.stop();
        expect(source.state).toBe('stopped');
        await source.release();
        await source.release();
        expect(source.state).toBe('released');
      } finally {
        await source.release();
        await cleanup?.();
      }
    });

    it('rejects start() after release() with a typed SourceError', async () => {
      const { source, cleanup } = await makeSubject();
      try {
        await source.release();
        const err = await source.start().then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(SourceError);
        expect((err as SourceError).code).toEqual(expect.any(String));
        expect((err as SourceError).sourceId).toBe(source.id);
      } finally {
        await cleanup?.();
      }
    });

    it('delivers chunks whose shape matches the StreamInfo, with finite, dejitterable timestamps', async () => {
      const { source, cleanup } = await makeSubject();
      const c = collect(source);
      try {
        const required =
          options.requiredStreamIds ?? source.streams.filter((s) => s.nominalRateHz > 0).map((s) => s.id);
        expect(required.length).toBeGreaterThan(0);
        await source.start();
        const seen = () => required.every((id) => c.chunks.some((ch) => ch.streamId === id));
        const ok = await waitFor(seen, runMs * 4);
        await sleep(runMs / 3);
        await source.stop();
        expect(ok, `every required stream delivered a chunk within ${runMs * 4} ms`).toBe(true);

        const byId = new Map(source.streams.map((s) => [s.id, s]));
        const dejitters = new Map<string, OnlineDejitter>();
        const lastTime = new Map<string, number>();
        for (const chunk of c.chunks) {
          const info = byId.get(chunk.streamId);
          expect(info, `chunk for unknown stream ${chunk.streamId}`).toBeDefined();
          if (!info) continue;
          const n = chunk.timestamps.length;
          expect(chunk.values.length).toBe(n * info.channels.length);
          expect(info.channelFormat === 'string').toBe(Array.isArray(chunk.values));
          expect(Number.isInteger(chunk.firstIndex)).toBe(true);
          for (let i = 0; i < n; i++) expect(Number.isFinite(chunk.timestamps[i])).toBe(true);
          if (info.nominalRateHz > 0) {
            let dj = dejitters.get(info.id);
            if (!dj) {
              dj = new OnlineDejitter(info.nominalRateHz);
              dejitters.set(info.id, dj);
            }
            const smoothed = dj.process(chunk.firstIndex, chunk.timestamps);
            let prev = lastTime.get(info.id) ?? -Infinity;
            for (let i = 0; i < n; i++) {
              expect(smoothed[i]).toBeGreaterThanOrEqual(prev);
              prev = smoothed[i];
            }
            lastTime.set(info.id, prev);
          }
        }
        for (const e of c.events) {
          if (e.kind === 'error') expect(e.error).toBeInstanceOf(SourceError);
          if (e.kind === 'clockOffset') {
            expect(e.measurement.sourceId).toBe(source.id);
            expect(Number.isFinite(e.measurement.offsetSec)).toBe(true);
          }
        }
        for (const info of source.streams) expect(info.sourceId).toBe(source.id);
      } finally {
        c.unsubscribe();
        await source.release();
        await cleanup?.();
      }
    });

    it('emits nothing after stop() and leaves no timers or handles after release()', async () => {
      const before = activeResources();
      const { source, cleanup } = await makeSubject();
      const c = collect(source);
      await source.start();
      await sleep(Math.min(runMs, 300));
      await source.stop();
      const countAtStop = c.chunks.length;
      await sleep(150);
      expect(c.chunks.length).toBe(countAtStop);
      await source.release();
      c.unsubscribe();
      await cleanup?.();
      // Let closed handles finish closing before counting.
      await sleep(50);
      const after = activeResources();
      for (const [type, n] of after) {
        expect(n, `${type} handles left after release`).toBeLessThanOrEqual(before.get(type) ?? 0);
      }
    });
  });
}
