// Plot frames from the engine to the views: grid columns equal to a fresh decimation, one
// decimation per stream however many views, a frame soon after samples arrive, the rate cap.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeFrame, FrameAssembler, type Frame } from '../../../src-main/api/frames.js';
import { ManualClock } from '../../../src-main/core/streams/clock.js';
import { decimateMinMax } from '../../../src-main/core/streams/decimate.js';
import { ListenerSet } from '../../../src-main/core/streams/source.js';
import { RingBuffer } from '../../../src-main/core/streams/ring-buffer.js';
import { PlotFramePublisher, type PlotSource, type ViewParams } from '../../../src-main/engine/plot-frames.js';
import type { EngineEvent } from '../../../src-main/engine/session-engine.js';

const RATE_HZ = 100;
const CHANNELS = 2;

/** A running session reduced to what the frames read: a clock, one stream's buffer, chunk events. */
class FakeSession implements PlotSource {
  readonly clock = new ManualClock(40);
  readonly ring = new RingBuffer(CHANNELS, 10_000);
  private readonly listeners = new ListenerSet<EngineEvent>();
  private index = 0;

  buffer(streamId: string): RingBuffer | null {
    return streamId === 's' ? this.ring : null;
  }
  streamRateHz(): number {
    return RATE_HZ;
  }
  subscribe(listener: (e: EngineEvent) => void): () => void {
    return this.listeners.add(listener);
  }

  /** `n` samples from the current index on (values: a sine per channel), the clock at the last. */
  deliver(n: number, lateSec = 0): void {
    const values = new Float32Array(n * CHANNELS);
    const timestampsSec = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const k = this.index + i;
      // Off the column edges: a sample exactly on an edge may fall either side of it.
      timestampsSec[i] = 40 + (k + 0.3) / RATE_HZ;
      values[i * CHANNELS] = Math.sin(k / 7);
      values[i * CHANNELS + 1] = 3 * Math.cos(k / 11);
    }
    this.ring.push(values, timestampsSec, this.index);
    this.clock.advanceTo(timestampsSec[n - 1] + lateSec);
    this.listeners.emit({ kind: 'chunk', chunk: { streamId: 's', values, timestampsSec, firstIndex: this.index } });
    this.index += n;
  }
}

const view = (viewId: string, over: Partial<ViewParams> = {}): ViewParams => ({ viewId, streamIds: ['s'], timeBaseSec: 2, columns: 50, maxFps: 30, ...over });
const nextFrame = () => new Promise((r) => setTimeout(r, 40));

let publisher: PlotFramePublisher | null = null;
afterEach(() => {
  publisher?.close();
  publisher = null;
  vi.useRealTimers();
});

describe('PlotFramePublisher', () => {
  it('sends deltas that, reassembled, equal a fresh decimation of the whole window, late samples included', async () => {
    const session = new FakeSession();
    publisher = new PlotFramePublisher();
    publisher.attach(session);
    const frames: Frame[] = [];
    publisher.open(view('live'), (bytes) => frames.push(decodeFrame(bytes)));
    const assembler = new FrameAssembler();
    for (let step = 0; step < 30; step++) {
      session.deliver(7, step % 5 === 0 ? 0.15 : 0); // now and then the clock runs ahead of the samples
      await nextFrame();
    }
    expect(frames.length).toBeGreaterThan(20);
    const deltas = frames.filter((f) => f.header.columns < f.header.windowColumns!);
    expect(deltas.length).toBeGreaterThan(10);
    // Deltas carry a few columns, not the window.
    expect(Math.max(...deltas.map((f) => f.header.columns))).toBeLessThan(15);
    for (const f of frames) expect(assembler.push(f)).toBe(true);
    const whole = assembler.frame()!;
    const { columns, t0Sec, t1Sec } = whole.header;
    expect(columns).toBe(50);
    expect(t1Sec - t0Sec).toBeCloseTo(2, 9);
    const read = session.ring.readRange(t0Sec, t1Sec);
    const expected = decimateMinMax(read.values, read.timestamps, read.count, CHANNELS, t0Sec, t1Sec, columns);
    expect(Array.from(whole.minMax)).toEqual(Array.from(expected));
    expect(whole.header.latestSec).toBeCloseTo(40 + (30 * 7 - 1 + 0.3) / RATE_HZ, 9);
  });

  it('decimates once per stream and window however many views show it, each view with its own sequence', async () => {
    const session = new FakeSession();
    publisher = new PlotFramePublisher();
    publisher.attach(session);
    const a: Frame[] = [];
    const b: Frame[] = [];
    publisher.open(view('live'), (bytes) => a.push(decodeFrame(bytes)));
    publisher.open(view('other'), (bytes) => b.push(decodeFrame(bytes)));
    for (let step = 0; step < 5; step++) {
      session.deliver(10);
      await nextFrame();
    }
    expect(a.length).toBeGreaterThanOrEqual(5);
    expect(b.length).toBe(a.length);
    expect(publisher.decimations('s')).toBe(a.length);
    expect(b.map((f) => f.header.viewId)).toEqual(b.map(() => 'other'));
    expect(b.map((f) => f.header.seq)).toEqual(b.map((_, i) => i));
  });

  it('sends a frame within milliseconds of new samples, at most maxFps a second', async () => {
    const session = new FakeSession();
    publisher = new PlotFramePublisher();
    publisher.attach(session);
    const sentMs: number[] = [];
    publisher.open(view('live', { maxFps: 10 }), () => sentMs.push(performance.now()));
    await new Promise((r) => setTimeout(r, 150)); // idle frames only
    const before = sentMs.length;
    const t0 = performance.now();
    session.deliver(5);
    while (sentMs.length === before && performance.now() - t0 < 1000) await new Promise((r) => setImmediate(r));
    // The idle frame may have just gone out: then the cap (100 ms) decides.
    expect(sentMs[before] - t0).toBeLessThan(110);
    const t1 = performance.now();
    while (performance.now() - t1 < 600) {
      session.deliver(1);
      await new Promise((r) => setTimeout(r, 5));
    }
    const inWindow = sentMs.filter((t) => t >= t1);
    expect(inWindow.length).toBeGreaterThanOrEqual(4);
    expect(inWindow.length).toBeLessThanOrEqual(7);
    for (let i = 1; i < inWindow.length; i++) expect(inWindow[i] - inWindow[i - 1]).toBeGreaterThanOrEqual(95);
  });

  it('sends nothing without a session, and starts over with a keyframe when a new one attaches', async () => {
    publisher = new PlotFramePublisher();
    const frames: Frame[] = [];
    publisher.open(view('live'), (bytes) => frames.push(decodeFrame(bytes)));
    await nextFrame();
    expect(frames).toHaveLength(0);
    const first = new FakeSession();
    publisher.attach(first);
    first.deliver(10);
    await nextFrame();
    first.deliver(10);
    await nextFrame();
    publisher.attach(null);
    const n = frames.length;
    await nextFrame();
    expect(frames).toHaveLength(n);
    publisher.attach(new FakeSession());
    await nextFrame();
    expect(frames.length).toBeGreaterThan(n);
    expect(frames[n].header.columns).toBe(frames[n].header.windowColumns);
    expect(frames[n].header.prevSeq).toBeUndefined();
  });
});
