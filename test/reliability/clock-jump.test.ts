// A device whose clock jumps by +3600 s in the middle of a recording (a firmware reset to a wrong
// RTC, a host resynchronising the device): the engine keeps going and keeps every sample, the
// jump stays visible in the recorded raw timestamps and clock offsets, and the file read with
// clock-reset handling maps both sides onto one continuous session timeline.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src-main/core/streams/clock.js';
import { SessionEngine } from '../../src-main/engine/session-engine.js';
import { readXdf } from '../../src-main/storage/xdf/index.js';
import { numericStream, ScriptedSource } from '../unit/engine/scripted-source.js';

const dir = mkdtempSync(join(tmpdir(), 'himoe-clock-jump-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RATE_HZ = 250;
const JUMP_SEC = 3600;
const JUMP_AT_SEC = 20;
const END_SEC = 40;
const OFFSET_SEC = 0.3;

/** The device clock: session time + a constant offset, plus an hour from JUMP_AT_SEC on. */
const deviceTime = (sessionSec: number) => sessionSec - OFFSET_SEC + (sessionSec >= JUMP_AT_SEC ? JUMP_SEC : 0);

describe('device clock jump while recording', () => {
  it('keeps every sample, shows the jump in the raw data, and reads back onto one continuous timeline', async () => {
    const clock = new ManualClock(0);
    const engine = new SessionEngine({ clock });
    const source = new ScriptedSource('dev', [numericStream('dev:eeg', 'dev', 4, RATE_HZ)]);
    engine.addSource(source);
    const problems: string[] = [];
    const live: Array<{ index: number; tSec: number }> = [];
    engine.subscribe((ev) => {
      if (ev.kind === 'sourceError' || ev.kind === 'recorderError') problems.push(ev.error.message);
      if (ev.kind === 'chunk' && ev.chunk.streamId === 'dev:eeg') {
        const n = ev.chunk.timestampsSec.length;
        live.push({ index: ev.chunk.firstIndex + n - 1, tSec: ev.chunk.timestampsSec[n - 1]! });
      }
    });
    const path = join(dir, 'jump.xdf');
    await engine.start({ recordPath: path });

    const perChunk = RATE_HZ / 10;
    for (let k = 0; k < (END_SEC * RATE_HZ) / perChunk; k++) {
      const first = k * perChunk;
      const tSec = (first + perChunk) / RATE_HZ;
      clock.advanceTo(tSec);
      const values = new Float32Array(perChunk * 4).fill(k);
      const timestamps = Float64Array.from({ length: perChunk }, (_, i) => deviceTime((first + i) / RATE_HZ));
      source.emit({ kind: 'chunk', chunk: { streamId: 'dev:eeg', values, timestamps, firstIndex: first } });
      if (k % 5 === 4) source.emit({ kind: 'clockOffset', measurement: { sourceId: 'dev', collectionTimeSec: tSec, offsetSec: tSec - deviceTime(tSec) } });
    }
    await engine.release();

    const raw = await readXdf(path, { synchronizeClocks: false, dejitter: false });
    const synced = await readXdf(path);

    const total = END_SEC * RATE_HZ;
    expect(problems).toEqual([]);
    expect(engine.recordStats()[0]!.sampleCount).toBe(total);
    // Live: once offsets after the jump arrived (2 s later), the engine maps back onto session time.
    const late = live.filter((c) => c.index / RATE_HZ > JUMP_AT_SEC + 2);
    for (const c of late) expect(Math.abs(c.tSec - c.index / RATE_HZ)).toBeLessThan(0.05);
    // Raw file: the jump is visible in the device timestamps and in the clock offsets.
    const r = raw.streams[0]!;
    expect(r.timestamps.length).toBe(total);
    const jumpAt = JUMP_AT_SEC * RATE_HZ;
    expect(r.timestamps[jumpAt]! - r.timestamps[jumpAt - 1]!).toBeCloseTo(JUMP_SEC + 1 / RATE_HZ, 3);
    expect(Math.min(...r.clockOffsets.values)).toBeCloseTo(-JUMP_SEC + OFFSET_SEC, 3);
    // Read with clock-reset handling: one continuous timeline at the nominal rate.
    const s = synced.streams[0]!;
    expect(s.timestamps.length).toBe(total);
    let worst = 0;
    for (let i = 0; i < total; i++) worst = Math.max(worst, Math.abs(s.timestamps[i]! - i / RATE_HZ));
    expect(worst).toBeLessThan(0.05);
  });
});
