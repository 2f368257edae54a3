import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AnnotationError } from '../../../src-main/core/annotation/errors.js';
import { ManualClock } from '../../../src-main/core/streams/clock.js';
import type { Chunk } from '../../../src-main/core/streams/types.js';
import { AnnotationInput } from '../../../src-main/engine/annotation-input.js';
import { readAnnotationTraces, writeTracesCsv } from '../../../src-main/engine/annotation-io.js';
import { SessionEngine } from '../../../src-main/engine/session-engine.js';
import { describeSourceConformance } from '../acquisition/source-conformance.js';
import { numericStream, ScriptedSource } from './scripted-source.js';

const hostClock = { nowSec: () => performance.now() / 1000 };

describeSourceConformance(
  'AnnotationInput (built-in feeder)',
  () => ({
    source: new AnnotationInput({
      raterId: 'conf',
      dimensions: ['valence', 'arousal'],
      device: 'joystick',
      clock: hostClock,
      feeder: { rateHz: 30, sample: (t, out) => {
        out[0] = Math.sin(t);
        out[1] = Math.cos(t);
      } },
    }),
  }),
  { requiredStreamIds: ['annotation:conf'], runMs: 600 },
);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'himoe-annotation-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function collect(input: AnnotationInput): Chunk[] {
  const chunks: Chunk[] = [];
  input.subscribe((e) => {
    if (e.kind === 'chunk') chunks.push(e.chunk);
  });
  return chunks;
}

describe('AnnotationInput', () => {
  it('batches pushed samples into chunks with consecutive sample counters, flushing on stop', async () => {
    const input = new AnnotationInput({ raterId: 'r1', dimensions: ['valence'], device: 'mouse', clock: new ManualClock(0), flushIntervalMs: 10_000, bufferSamples: 4 });
    const chunks = collect(input);
    await input.start();
    for (let i = 0; i < 6; i++) expect(input.push(i * 0.1, [i / 10])).toBe(true);
    expect(chunks).toHaveLength(1); // the 5th push found the 4-sample buffer full
    await input.stop();
    expect(chunks.map((c) => [c.firstIndex, c.timestamps.length])).toEqual([[0, 4], [4, 2]]);
    expect(Array.from(chunks[1].values as Float32Array)).toEqual([expect.closeTo(0.4, 6), expect.closeTo(0.5, 6)]);
    await input.release();
  });

  it('emits a zero clock offset at start: its timestamps are session time', async () => {
    const input = new AnnotationInput({ raterId: 'r1', dimensions: ['valence'], device: 'mouse', clock: new ManualClock(42) });
    const offsets: number[] = [];
    input.subscribe((e) => {
      if (e.kind === 'clockOffset') offsets.push(e.measurement.offsetSec, e.measurement.collectionTimeSec);
    });
    await input.start();
    await input.release();
    expect(offsets).toEqual([0, 42]);
  });

  it('clamps values outside [-1, 1], keeps NaN as "no rating", and drops pushes while not running', async () => {
    const input = new AnnotationInput({ raterId: 'r1', dimensions: ['valence', 'arousal'], device: 'slider', clock: new ManualClock(0), flushIntervalMs: 0 });
    const chunks = collect(input);
    expect(input.push(0, [0, 0])).toBe(false);
    await input.start();
    input.push(1, [1.5, Number.NaN]);
    await input.stop();
    expect(input.push(2, [0, 0])).toBe(false);
    expect(Array.from(chunks[0].values as Float32Array)).toEqual([1, NaN]);
    expect(input.clampedSamples).toBe(1);
    expect(input.droppedSamples).toBe(2);
    await input.release();
  });

  it('rejects a wrong number of values, a non-finite time and time going backwards with typed errors', async () => {
    const input = new AnnotationInput({ raterId: 'r1', dimensions: ['valence'], device: 'mouse', clock: new ManualClock(0) });
    await input.start();
    expect(() => input.push(0, [0, 1])).toThrow(AnnotationError);
    expect(() => input.push(Number.NaN, [0])).toThrowError(/finite session seconds/);
    input.push(5, [0]);
    expect(() => input.push(4, [0])).toThrowError(/before the previous sample/);
    expect(() => input.push(6, [Infinity])).toThrowError(/expected a number on \[-1, 1\]/);
    await input.release();
  });

  it('is recorded by the engine into the XDF and read back as per-dimension traces with rater and device', async () => {
    const clock = new ManualClock(10);
    const engine = new SessionEngine({ clock });
    const input = new AnnotationInput({ raterId: 'R2', dimensions: ['valence', 'arousal'], device: 'joystick', clock, flushIntervalMs: 0 });
    const eeg = new ScriptedSource('dev', [numericStream('dev:eeg', 'dev', 2, 100)]);
    engine.addSource(input);
    engine.addSource(eeg);
    const path = join(dir, 'session.xdf');
    await engine.start({ recordPath: path });
    for (let i = 0; i < 50; i++) {
      clock.advanceTo(10 + i * 0.05);
      input.pushNow([Math.sin(i / 5), -0.5]);
    }
    eeg.emitRamp('dev:eeg', 0, 100, 100, 10);
    await engine.stop();
    await engine.release();

    const { traces, dimensions } = await readAnnotationTraces(path);
    expect(dimensions).toEqual(['valence', 'arousal']);
    const valence = traces.find((t) => t.dimension === 'valence')!;
    expect(valence).toMatchObject({ raterId: 'R2', device: 'joystick', kind: 'rater' });
    expect(valence.timesSec.length).toBe(50);
    expect(valence.timesSec[0]).toBeCloseTo(10, 9);
    expect(valence.timesSec[49]).toBeCloseTo(12.45, 9);
    expect(valence.values[10]).toBeCloseTo(Math.sin(2), 6);

    const csvPath = join(dir, 'traces.csv');
    await writeTracesCsv(csvPath, traces, { rateHz: 20 });
    const csv = readFileSync(csvPath, 'utf8').split('\n');
    expect(csv.find((l) => l.startsWith('time_s'))).toBe('time_s,R2:valence,R2:arousal');
    expect(csv.filter((l) => /^\d/.test(l))).toHaveLength(50);
  });
});
