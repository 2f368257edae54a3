import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src-main/core/streams/clock.js';
import { SessionEngine, type EngineEvent } from '../../../src-main/engine/session-engine.js';
import { EngineError } from '../../../src-main/engine/errors.js';
import { readXdf } from '../../../src-main/storage/xdf/xdf-reader.js';
import { numericStream, ScriptedSource } from './scripted-source.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'himoe-engine-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function setup() {
  const clock = new ManualClock(100);
  const engine = new SessionEngine({ clock, bufferSec: 10 });
  const a = new ScriptedSource('dev-a', [numericStream('a:eeg', 'dev-a', 4, 100)]);
  const b = new ScriptedSource('dev-b', [numericStream('b:ecg', 'dev-b', 1, 50, 'ECG')]);
  engine.addSource(a);
  engine.addSource(b);
  const events: EngineEvent[] = [];
  engine.subscribe((e) => events.push(e));
  return { clock, engine, a, b, events };
}

describe('SessionEngine', () => {
  it('records every chunk and clock offset of every source into one XDF file', async () => {
    const { engine, a, b } = setup();
    const path = join(dir, 'rec.xdf');
    await engine.start({ recordPath: path, metadata: { subject: 'S07', notes: 'pilot' } });
    a.emit({ kind: 'clockOffset', measurement: { sourceId: 'dev-a', collectionTimeSec: 100, offsetSec: 0.25 } });
    for (let k = 0; k < 10; k++) a.emitRamp('a:eeg', k * 10, 10, 100);
    for (let k = 0; k < 5; k++) b.emitRamp('b:ecg', k * 10, 10, 50);
    await engine.stop();

    const file = await readXdf(path, { synchronizeClocks: false, dejitter: false });
    expect(file.fileHeader.xml).toContain('S07');
    const eeg = file.streams.find((s) => s.info.name === 'a:eeg');
    const ecg = file.streams.find((s) => s.info.name === 'b:ecg');
    expect(eeg?.timestamps.length).toBe(100);
    expect(ecg?.timestamps.length).toBe(50);
    expect(eeg?.channelCount).toBe(4);
    expect(Array.from((eeg?.timeSeries as Float32Array).subarray(4, 8))).toEqual([1, expect.closeTo(1.1, 5), expect.closeTo(1.2, 5), expect.closeTo(1.3, 5)]);
    expect(Array.from(eeg?.clockOffsets.values ?? [])).toEqual([0.25]);
    // Stored as LabRecorder does: the collection time on the source clock (session time - offset).
    expect(Array.from(eeg?.clockOffsets.times ?? [])).toEqual([99.75]);
    expect(ecg?.clockOffsets.values.length).toBe(0);
    expect(engine.recordStats().map((r) => r.sampleCount).sort()).toEqual([100, 50].sort());
  });

  it('maps chunks onto the session clock with the source clock offset before publishing', async () => {
    const { engine, a, events } = setup();
    await engine.start();
    a.emit({ kind: 'clockOffset', measurement: { sourceId: 'dev-a', collectionTimeSec: 100, offsetSec: 100 } });
    a.emitRamp('a:eeg', 0, 50, 100);
    const chunk = events.find((e): e is Extract<EngineEvent, { kind: 'chunk' }> => e.kind === 'chunk')?.chunk;
    expect(chunk?.timestampsSec[0]).toBeCloseTo(100, 3);
    expect(chunk?.timestampsSec[49]).toBeCloseTo(100.49, 3);
    const buf = engine.buffer('a:eeg');
    expect(buf?.size).toBe(50);
    expect(buf?.latestTimeSec).toBeCloseTo(100.49, 3);
    await engine.stop();
  });

  it('publishes a gap when a sample counter jumps, and counts the lost samples', async () => {
    const { engine, a, events } = setup();
    await engine.start();
    a.emitRamp('a:eeg', 0, 10, 100);
    a.emitRamp('a:eeg', 25, 10, 100);
    await engine.stop();
    const gaps = events.filter((e) => e.kind === 'gap');
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ streamId: 'a:eeg', gap: { firstMissingIndex: 10, missingCount: 15 } });
    expect(engine.stats().find((s) => s.info.id === 'a:eeg')?.lostSamples).toBe(15);
  });

  it('keeps recording the other sources when one fails to start, and finishes the file when one fails to stop', async () => {
    const { engine, a, b, events } = setup();
    const path = join(dir, 'partial.xdf');
    b.failStart = true;
    a.failStop = true;
    await engine.start({ recordPath: path });
    a.emitRamp('a:eeg', 0, 20, 100);
    await engine.stop();
    const errors = events.filter((e) => e.kind === 'sourceError');
    expect(errors.map((e) => (e as { sourceId: string }).sourceId).sort()).toEqual(['dev-a', 'dev-b']);
    const file = await readXdf(path, { synchronizeClocks: false, dejitter: false });
    expect(file.truncatedAt).toBeNull();
    expect(file.streams.every((s) => s.footer !== null)).toBe(true);
    expect(file.streams.find((s) => s.info.name === 'a:eeg')?.timestamps.length).toBe(20);
  });

  it('reports a chunk for an undeclared stream as a source error without recording it', async () => {
    const { engine, a, events } = setup();
    await engine.start();
    a.emit({ kind: 'chunk', chunk: { streamId: 'b:ecg', values: new Float32Array(1), timestamps: new Float64Array(1), firstIndex: 0 } });
    await engine.stop();
    const err = events.find((e) => e.kind === 'sourceError');
    expect(err && 'error' in err ? err.error.code : null).toBe('UNKNOWN_STREAM');
  });

  it('refuses duplicate sources and starting twice with typed errors', async () => {
    const { engine, a } = setup();
    expect(() => engine.addSource(a)).toThrow(EngineError);
    await engine.start();
    await expect(engine.start()).rejects.toMatchObject({ code: 'SESSION_RUNNING' });
    await engine.stop();
  });
});
