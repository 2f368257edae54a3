import { describe, expect, it } from 'vitest';
import { StreamError } from '../../../../src-main/core/errors.js';
import {
  ClockSync,
  detectClockResetRanges,
  synchronizeClocksOffline,
} from '../../../../src-main/core/streams/clock-sync.js';
import { deviceTime, makeGaussian, makeRng, sessionTimeOf, simulateOffsets, type DeviceClock } from './clock-sim.js';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(StreamError);
    return (err as StreamError).code;
  }
  return undefined;
}

describe('ClockSync', () => {
  it('maps identically with no measurement and by a constant offset with one', () => {
    // Arrange
    const sync = new ClockSync();

    // Act / Assert
    expect(sync.toSessionTime(12.5)).toBe(12.5);
    expect(sync.fit).toBeNull();
    sync.addMeasurement(100, -0.25);
    expect(sync.measurementCount).toBe(1);
    expect(sync.toSessionTime(50)).toBeCloseTo(49.75, 12);
    expect(sync.toSessionTime(5000)).toBeCloseTo(4999.75, 12);
    expect(sync.fit?.slope).toBe(0);
  });

  it('follows drift exactly with offsets of a day and 50 ppm, because it fits against source time', () => {
    // Arrange: an LSL-like device clock far from the session clock. A fit against session
    // time evaluated at source time would be off by drift × offset = 4.3 s here.
    const clock: DeviceClock = { drift: 50e-6, offsetSec: 86_400.03 };
    const sync = new ClockSync();
    for (let c = 0; c <= 300; c += 5) sync.addMeasurement(c, c - deviceTime(clock, c));

    // Act / Assert
    for (const t of [0, 123.4, 300, 320]) {
      expect(Math.abs(sync.toSessionTime(deviceTime(clock, t)) - t)).toBeLessThan(1e-6);
    }
  });

  it('keeps at most windowSize measurements and mapInPlace agrees with toSessionTime', () => {
    // Arrange
    const sync = new ClockSync({ windowSize: 10 });
    const clock: DeviceClock = { drift: -20e-6, offsetSec: 3.5 };
    for (let c = 0; c < 100; c += 5) sync.addMeasurement(c, c - deviceTime(clock, c));
    const ts = new Float64Array([deviceTime(clock, 90), deviceTime(clock, 95.5), deviceTime(clock, 101)]);
    const expected = Array.from(ts, (t) => sync.toSessionTime(t));

    // Act
    sync.mapInPlace(ts);

    // Assert
    expect(sync.measurementCount).toBe(10);
    expect(Array.from(ts)).toEqual(expected);
    expect(Math.abs(ts[1] - 95.5)).toBeLessThan(1e-9);
  });

  it('detects a clock reset and restarts the fit from the new measurements', () => {
    // Arrange: 0.3 ms noise; at 300 s the device clock restarts from 2 s.
    const gauss = makeGaussian(makeRng(3));
    const before: DeviceClock = { drift: 30e-6, offsetSec: 1000 };
    const after: DeviceClock = { drift: 30e-6, offsetSec: 2 - 300 * (1 + 30e-6) };
    const sync = new ClockSync();
    for (let c = 0; c < 300; c += 5) sync.addMeasurement(c, c - deviceTime(before, c) + 0.3e-3 * gauss());
    expect(sync.measurementCount).toBe(60);

    // Act: the first post-reset measurement is only a candidate, the second confirms it.
    sync.addMeasurement(300, 300 - deviceTime(after, 300) + 0.3e-3 * gauss());
    const afterOne = { resets: sync.resetCount, count: sync.measurementCount };
    sync.addMeasurement(305, 305 - deviceTime(after, 305) + 0.3e-3 * gauss());
    for (let c = 310; c <= 400; c += 5) sync.addMeasurement(c, c - deviceTime(after, c) + 0.3e-3 * gauss());

    // Assert
    expect(afterOne).toEqual({ resets: 0, count: 60 });
    expect(sync.resetCount).toBe(1);
    expect(sync.measurementCount).toBe(2 + 19);
    expect(Math.abs(sync.toSessionTime(deviceTime(after, 390)) - 390)).toBeLessThan(0.5e-3);
  });

  it('treats a single far-off measurement as an outlier, not a reset', () => {
    // Arrange
    const gauss = makeGaussian(makeRng(4));
    const clock: DeviceClock = { drift: 10e-6, offsetSec: -7 };
    const sync = new ClockSync();
    for (let c = 0; c < 200; c += 5) sync.addMeasurement(c, c - deviceTime(clock, c) + 0.3e-3 * gauss());

    // Act: one 0.5 s spike, then normal measurements again.
    sync.addMeasurement(200, 200 - deviceTime(clock, 200) + 0.5);
    for (let c = 205; c <= 250; c += 5) sync.addMeasurement(c, c - deviceTime(clock, c) + 0.3e-3 * gauss());

    // Assert
    expect(sync.resetCount).toBe(0);
    expect(sync.measurementCount).toBe(40 + 10);
    expect(Math.abs(sync.toSessionTime(deviceTime(clock, 250)) - 250)).toBeLessThan(0.5e-3);
  });

  it('rejects non-finite measurements and bad options', () => {
    // Arrange
    const sync = new ClockSync();

    // Act / Assert
    expect(codeOf(() => sync.addMeasurement(Number.NaN, 0))).toBe('NON_FINITE');
    expect(codeOf(() => new ClockSync({ windowSize: 1 }))).toBe('BAD_OPTION');
    expect(codeOf(() => new ClockSync({ resetConfirmations: 0 }))).toBe('BAD_OPTION');
    expect(sync.measurementCount).toBe(0);
  });
});

describe('synchronizeClocksOffline', () => {
  it('shifts the timestamps of minimal.xdf by its constant offset of -0.1 s', () => {
    // Arrange: the values documented for ../shared/fixtures/xdf/minimal.xdf, stream 0.
    const ts = Float64Array.from({ length: 9 }, (_, i) => 5.1 + 0.1 * i);

    // Act
    const out = synchronizeClocksOffline(ts, new Float64Array([6.1, 7.1]), new Float64Array([-0.1, -0.1]));

    // Assert
    for (let i = 0; i < 9; i++) expect(out[i]).toBeCloseTo(5.0 + 0.1 * i, 9);
    expect(ts[0]).toBe(5.1); // input untouched
  });

  it('returns the timestamps unchanged when there are no clock offsets', () => {
    const ts = new Float64Array([1, 2, 3]);
    const out = synchronizeClocksOffline(ts, new Float64Array(0), new Float64Array(0));
    expect(Array.from(out)).toEqual([1, 2, 3]);
    expect(out).not.toBe(ts);
  });

  it('fits each side of a clock reset separately and maps both to session time', () => {
    // Arrange: 100 Hz stream; at session time 1000 s the device restarts and its clock starts
    // again at 3 s; 20 s without samples or measurements around the restart. XDF convention:
    // offset collection times are on the source clock (collection - offset).
    const rng = makeRng(21);
    const gauss = makeGaussian(rng);
    const before: DeviceClock = { drift: 20e-6, offsetSec: 5000 };
    const after: DeviceClock = { drift: -35e-6, offsetSec: 3 - 1020 * (1 - 35e-6) };
    const partA = { clock: before, from: 0, to: 1000 };
    const partB = { clock: after, from: 1020, to: 2000 };
    const ts: number[] = [];
    const truth: number[] = [];
    const offTimes: number[] = [];
    const offValues: number[] = [];
    for (const part of [partA, partB]) {
      const off = simulateOffsets(part.clock, part.from, part.to - 1, 5, 0.3e-3, gauss, rng);
      for (let j = 0; j < off.collectionSec.length; j++) {
        offTimes.push(off.collectionSec[j] - off.offsetSec[j]);
        offValues.push(off.offsetSec[j]);
      }
      for (let t = part.from; t < part.to; t += 0.01) {
        ts.push(deviceTime(part.clock, t) + 0.5e-3 * gauss());
        truth.push(t);
      }
    }
    const timestamps = Float64Array.from(ts);
    const times = Float64Array.from(offTimes);
    const values = Float64Array.from(offValues);

    // Act
    const ranges = detectClockResetRanges(times, values);
    const synced = synchronizeClocksOffline(timestamps, times, values);
    const naive = synchronizeClocksOffline(timestamps, times, values, { handleClockResets: false });

    // Assert
    expect(ranges).toEqual([
      [0, 199],
      [200, times.length - 1],
    ]);
    let maxErr = 0;
    let maxNaiveErr = 0;
    for (let i = 0; i < ts.length; i++) {
      maxErr = Math.max(maxErr, Math.abs(synced[i] - truth[i]));
      maxNaiveErr = Math.max(maxNaiveErr, Math.abs(naive[i] - truth[i]));
    }
    expect(maxErr).toBeLessThan(3e-3); // 0.5 ms jitter, 6 sigma
    expect(maxNaiveErr).toBeGreaterThan(1);
  });

  it('splits at a forward jump only when both the measurement gap and the offset jump are outliers', () => {
    // Arrange: measurements every 5 s; a 30 s pause. With a +1000 s jump of the source clock the
    // pause is a reset; a pause alone is not.
    const gauss = makeGaussian(makeRng(5));
    const clock: DeviceClock = { drift: 0, offsetSec: 10 };
    const build = (jumpSec: number) => {
      const times: number[] = [];
      const values: number[] = [];
      for (let c = 0; c <= 300; c += c < 100 ? 5 : c === 100 ? 30 : 5) {
        const dev = deviceTime(clock, c) + (c > 100 ? jumpSec : 0);
        const offset = c - dev + 0.2e-3 * gauss();
        times.push(c - offset);
        values.push(offset);
      }
      return [Float64Array.from(times), Float64Array.from(values)] as const;
    };
    const [jTimes, jValues] = build(1000);
    const [pTimes, pValues] = build(0);

    // Act
    const withJump = detectClockResetRanges(jTimes, jValues);
    const pauseOnly = detectClockResetRanges(pTimes, pValues);

    // Assert
    expect(withJump).toEqual([
      [0, 20],
      [21, jTimes.length - 1],
    ]);
    expect(pauseOnly).toEqual([[0, pTimes.length - 1]]);
  });

  it('rejects mismatched offset series and non-finite timestamps naming the array', () => {
    const ts = new Float64Array([1, Number.POSITIVE_INFINITY]);
    expect(codeOf(() => synchronizeClocksOffline(new Float64Array(2), new Float64Array(2), new Float64Array(3)))).toBe(
      'LENGTH_MISMATCH',
    );
    expect(() => synchronizeClocksOffline(ts, new Float64Array(1), new Float64Array(1))).toThrow(/timestamps\[1\]/);
    expect(codeOf(() => synchronizeClocksOffline(new Float64Array(1), new Float64Array(1), new Float64Array(1), { winsorThreshold: -1 }))).toBe(
      'BAD_OPTION',
    );
  });
});

// sessionTimeOf is part of the simulation contract used by other tests; keep it honest here.
describe('clock simulation helper', () => {
  it('inverts deviceTime', () => {
    const clock: DeviceClock = { drift: 42e-6, offsetSec: -123.456 };
    expect(sessionTimeOf(clock, deviceTime(clock, 777.7))).toBeCloseTo(777.7, 9);
  });
});
