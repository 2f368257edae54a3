// DeviceStatusMonitor: connected state, measured vs nominal rate, lost samples, last-sample age
// and last error, all derived from SessionEngine events of a hand-driven source.

import { describe, expect, it } from 'vitest';
import { SourceError } from '../../../src-main/core/errors.js';
import { ManualClock } from '../../../src-main/core/streams/clock.js';
import { ListenerSet, type SignalSource, type SourceEvent, type SourceState } from '../../../src-main/core/streams/source.js';
import type { StreamInfo } from '../../../src-main/core/streams/types.js';
import { DeviceStatusMonitor, type DeviceStatus } from '../../../src-main/engine/device-status.js';
import { SessionEngine } from '../../../src-main/engine/session-engine.js';

class HandSource implements SignalSource {
  readonly listeners = new ListenerSet<SourceEvent>();
  state: SourceState = 'idle';
  readonly streams: StreamInfo[];
  constructor(
    readonly id: string,
    readonly rateHz: number,
  ) {
    this.streams = [{ id: `${id}:x`, name: 'x', type: 'EDA', channels: [{ label: 'x', unit: 'uS' }], channelFormat: 'float32', nominalRateHz: rateHz, sourceId: id }];
  }
  get label(): string {
    return `hand ${this.id}`;
  }
  subscribe(l: (e: SourceEvent) => void): () => void {
    return this.listeners.add(l);
  }
  setState(state: SourceState): void {
    this.state = state;
    this.listeners.emit({ kind: 'state', state });
  }
  async start(): Promise<void> {
    this.setState('running');
  }
  async stop(): Promise<void> {
    this.setState('stopped');
  }
  async release(): Promise<void> {
    this.state = 'released';
  }
  emit(firstIndex: number, n: number, t0: number): void {
    const ts = new Float64Array(n);
    for (let i = 0; i < n; i++) ts[i] = t0 + i / this.rateHz;
    this.listeners.emit({ kind: 'chunk', chunk: { streamId: `${this.id}:x`, values: new Float32Array(n), timestamps: ts, firstIndex } });
  }
}

describe('DeviceStatusMonitor', () => {
  it('reports measured vs nominal rate, losses, sample age, connection and the last error per device', async () => {
    const clock = new ManualClock(0);
    const engine = new SessionEngine({ clock });
    const a = new HandSource('dev-a', 100);
    const b = new HandSource('dev-b', 50);
    engine.addSource(a);
    engine.addSource(b);
    const monitor = new DeviceStatusMonitor(engine, { sources: [a, b], windowSec: 5 });
    const published: DeviceStatus[][] = [];
    const off = monitor.subscribe((s) => published.push(s), 60_000);
    await engine.start();

    // dev-a delivers 10 samples every 0.1 s at 90 % of its nominal rate (9 per 0.1 s), with one jump of 20
    let idx = 0;
    for (let k = 1; k <= 80; k++) {
      clock.advanceTo(k * 0.1);
      if (k === 40) idx += 20;
      a.emit(idx, 9, k * 0.1 - 0.09);
      idx += 9;
      if (k <= 20) b.emit((k - 1) * 5, 5, k * 0.1 - 0.1);
    }
    b.setState('disconnected');
    b.listeners.emit({ kind: 'error', error: new SourceError('DISCONNECTED', 'dev-b', 'port went away') });
    const snap = monitor.snapshot();
    // Half a chunk later, between arrivals, the rate must not sag.
    clock.advanceTo(8.05);
    const between = monitor.snapshot();
    off();
    monitor.dispose();
    await engine.stop();

    const da = snap.find((d) => d.sourceId === 'dev-a')!;
    const db = snap.find((d) => d.sourceId === 'dev-b')!;
    expect(da.connected).toBe(true);
    expect(da.label).toBe('hand dev-a');
    expect(da.streams[0].nominalRateHz).toBe(100);
    expect(da.streams[0].measuredRateHz).toBeCloseTo(90, 0);
    expect(between.find((d) => d.sourceId === 'dev-a')!.streams[0].measuredRateHz).toBeCloseTo(90, 0);
    expect(da.streams[0].lostSamples).toBe(20);
    expect(da.streams[0].gaps).toBe(1);
    expect(da.streams[0].lastSampleAgeSec).toBeLessThan(0.1);
    expect(db.state).toBe('disconnected');
    expect(db.connected).toBe(false);
    expect(db.streams[0].measuredRateHz).toBe(0); // nothing in the last 5 s
    expect(db.streams[0].lastSampleAgeSec).toBeCloseTo(8 - 1.98, 1);
    expect(db.lastError).toMatchObject({ code: 'DISCONNECTED' });
    // published at the state change, without waiting for the timer
    expect(published.some((s) => s.find((d) => d.sourceId === 'dev-b')?.state === 'disconnected')).toBe(true);
  });
});
