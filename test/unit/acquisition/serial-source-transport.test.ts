// SerialSource transport logic without a real port (an injected opener): command writes on
// start/stop, back-dated host timestamps, chunks split at counter jumps, a throwing parser,
// the silence watchdog, and backoff while the port is missing. Runs everywhere (no socat).

import { describe, expect, it } from 'vitest';
import type { SerialPortHandle, PortOpener } from '../../../src-main/acquisition/serial/serial-port.js';
import type { ByteParser, SampleSink, SerialProtocol } from '../../../src-main/acquisition/serial/protocol.js';
import { SerialSource } from '../../../src-main/acquisition/serial/serial-source.js';
import { ManualClock } from '../../../src-main/core/streams/clock.js';
import type { SourceEvent } from '../../../src-main/core/streams/source.js';
import type { Chunk } from '../../../src-main/core/streams/types.js';
import { LineTestProtocol, sleep, waitFor } from '../../integration/serial-harness.js';

class FakePort implements SerialPortHandle {
  data: ((b: Uint8Array) => void) | null = null;
  closeListener: ((err: Error | null) => void) | null = null;
  writes: string[] = [];
  closed = false;
  onData(l: (b: Uint8Array) => void): void {
    this.data = l;
  }
  onClose(l: (err: Error | null) => void): void {
    this.closeListener = l;
  }
  async write(bytes: Uint8Array): Promise<void> {
    this.writes.push(new TextDecoder().decode(bytes));
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  feed(text: string): void {
    this.data?.(new TextEncoder().encode(text));
  }
}

function fakeOpener(): { opener: PortOpener; ports: FakePort[]; failNext: { n: number } } {
  const ports: FakePort[] = [];
  const failNext = { n: 0 };
  const opener: PortOpener = async (path) => {
    if (failNext.n > 0) {
      failNext.n--;
      throw new Error(`${path}: No such file or directory`);
    }
    const p = new FakePort();
    ports.push(p);
    return p;
  };
  return { opener, ports, failNext };
}

function collect(source: SerialSource): { events: SourceEvent[]; chunks: Chunk[] } {
  const events: SourceEvent[] = [];
  const chunks: Chunk[] = [];
  source.subscribe((e) => {
    events.push(e);
    if (e.kind === 'chunk') chunks.push(e.chunk);
  });
  return { events, chunks };
}

describe('SerialSource transport', () => {
  it('sends the start command on start and the stop command on stop, and closes the port', async () => {
    const { opener, ports } = fakeOpener();
    const source = new SerialSource({ id: 's', path: '/dev/fake', protocol: new LineTestProtocol(100), clock: new ManualClock(0), openPort: opener, dataTimeoutSec: 0 });
    await source.start();
    await source.stop();
    expect(ports[0].writes).toEqual(['b', 's']);
    expect(ports[0].closed).toBe(true);
    await source.start();
    expect(ports[1].writes).toEqual(['b']);
    await source.release();
  });

  it('stamps the last sample of a read with the receive time and back-dates the others by the sample period', async () => {
    const { opener, ports } = fakeOpener();
    const clock = new ManualClock(10);
    const source = new SerialSource({ id: 's', path: '/dev/fake', protocol: new LineTestProtocol(100), clock, openPort: opener, dataTimeoutSec: 0 });
    const { chunks } = collect(source);
    await source.start();
    clock.advanceTo(12);
    ports[0].feed('0,1,2\n1,1,2\n2,1,2\n');
    await source.release();
    expect(chunks).toHaveLength(1);
    expect(Array.from(chunks[0].timestamps)).toEqual([12 - 0.02, 12 - 0.01, 12]);
    expect(chunks[0].firstIndex).toBe(0);
  });

  it('splits a read at a counter jump into two chunks so the engine sees the loss', async () => {
    const { opener, ports } = fakeOpener();
    const source = new SerialSource({ id: 's', path: '/dev/fake', protocol: new LineTestProtocol(100), clock: new ManualClock(1), openPort: opener, dataTimeoutSec: 0 });
    const { chunks } = collect(source);
    await source.start();
    ports[0].feed('0,1,2\n1,1,2\n5,1,2\n6,1,2\n');
    await source.release();
    expect(chunks.map((c) => [c.firstIndex, c.timestamps.length])).toEqual([
      [0, 2],
      [5, 2],
    ]);
    // back-dating follows the counter: sample 1 is 5 periods before sample 6
    expect(chunks[1].timestamps[1] - chunks[0].timestamps[1]).toBeCloseTo(0.05, 9);
  });

  it('reports a parser that throws as PARSER_FAILED and keeps running', async () => {
    const { opener, ports } = fakeOpener();
    const throwing: SerialProtocol = {
      ...new LineTestProtocol(100),
      name: 'broken',
      baudRate: 9600,
      streams: () => new LineTestProtocol(100).streams(),
      startCommands: () => [],
      stopCommands: () => [],
      createParser: (_sink: SampleSink): ByteParser => ({
        push: () => {
          throw new Error('boom');
        },
        reset: () => {},
        stats: { bytes: 0, frames: 0, badFrames: 0, resyncs: 0, discardedBytes: 0 },
      }),
    };
    const source = new SerialSource({ id: 's', path: '/dev/fake', protocol: throwing, clock: new ManualClock(0), openPort: opener, dataTimeoutSec: 0 });
    const { events } = collect(source);
    await source.start();
    ports[0].feed('x');
    expect(source.state).toBe('running');
    const err = events.find((e) => e.kind === 'error');
    expect(err?.kind === 'error' && err.error.code).toBe('PARSER_FAILED');
    await source.release();
  });

  it('treats a silent port as unplugged and reopens it', async () => {
    const { opener, ports } = fakeOpener();
    const source = new SerialSource({
      id: 's',
      path: '/dev/fake',
      protocol: new LineTestProtocol(100),
      clock: new ManualClock(0),
      openPort: opener,
      dataTimeoutSec: 0.1,
      reconnect: { initialDelayMs: 10, maxDelayMs: 10 },
    });
    const { events } = collect(source);
    await source.start();
    const reopened = await waitFor(() => ports.length >= 2, 2000);
    await source.release();
    expect(reopened).toBe(true);
    expect(ports[0].closed).toBe(true);
    const err = events.find((e) => e.kind === 'error');
    expect(err?.kind === 'error' && err.error.message).toMatch(/no data for/);
  });

  it('retries a missing port with growing delays and reports the failure once', async () => {
    const { opener, ports, failNext } = fakeOpener();
    failNext.n = 4;
    const source = new SerialSource({
      id: 's',
      path: '/dev/fake',
      protocol: new LineTestProtocol(100),
      clock: new ManualClock(0),
      openPort: opener,
      dataTimeoutSec: 0,
      reconnect: { initialDelayMs: 20, maxDelayMs: 1000 },
    });
    const { events } = collect(source);
    const t0 = performance.now();
    await source.start();
    expect(source.state).toBe('disconnected');
    const ok = await waitFor(() => source.state === 'running', 3000);
    const waitedMs = performance.now() - t0;
    await source.release();
    expect(ok).toBe(true);
    expect(ports).toHaveLength(1);
    // 20 + 40 + 80 + 160 ms of backoff before the fifth attempt
    expect(waitedMs).toBeGreaterThan(250);
    expect(events.filter((e) => e.kind === 'error')).toHaveLength(1);
    await sleep(0);
  });
});
