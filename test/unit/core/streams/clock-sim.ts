// Test helper: seeded random numbers and a simulated device clock (offset, drift, timestamp
// jitter) with LSL-style clock-offset measurements, for the clock-sync and dejitter tests.

/** Seeded uniform [0, 1) generator (mulberry32). */
export function makeRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal deviates from a uniform generator (Box–Muller). */
export function makeGaussian(uniform: () => number): () => number {
  let spare = NaN;
  return () => {
    if (!Number.isNaN(spare)) {
      const s = spare;
      spare = NaN;
      return s;
    }
    const u = 1 - uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** A device clock: deviceTime = sessionTime × (1 + drift) + offsetSec. The session clock is the truth. */
export interface DeviceClock {
  drift: number;
  offsetSec: number;
}

export function deviceTime(clock: DeviceClock, sessionSec: number): number {
  return sessionSec * (1 + clock.drift) + clock.offsetSec;
}

export function sessionTimeOf(clock: DeviceClock, deviceSec: number): number {
  return (deviceSec - clock.offsetSec) / (1 + clock.drift);
}

export interface SimulatedStream {
  /** Jittered timestamps on the device clock, as the device reports them. */
  timestamps: Float64Array;
  /** True session time of each sample. */
  trueSessionSec: Float64Array;
  /** Device time of sample 0 (without jitter); sample k is taken at deviceStart + k / rate. */
  deviceStartSec: number;
  rateHz: number;
}

/** A regular stream sampled by the device's own clock at `rateHz`, from session time startSec. */
export function simulateStream(
  clock: DeviceClock,
  rateHz: number,
  startSec: number,
  durationSec: number,
  jitterSec: number,
  gauss: () => number,
): SimulatedStream {
  const n = Math.floor(durationSec * rateHz);
  const deviceStartSec = deviceTime(clock, startSec);
  const timestamps = new Float64Array(n);
  const trueSessionSec = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const dev = deviceStartSec + k / rateHz;
    timestamps[k] = dev + jitterSec * gauss();
    trueSessionSec[k] = sessionTimeOf(clock, dev);
  }
  return { timestamps, trueSessionSec, deviceStartSec, rateHz };
}

export interface OffsetSeries {
  /** Collection times on the session clock (ClockOffsetMeasurement.collectionTimeSec). */
  collectionSec: Float64Array;
  /** Measured offsets: sessionTime = sourceTime + offset, plus round-trip noise and spikes. */
  offsetSec: Float64Array;
}

/** LSL-style offset measurements every `everySec`, with Gaussian noise and occasional positive
 *  spikes (a measurement whose round trip was delayed). */
export function simulateOffsets(
  clock: DeviceClock,
  fromSec: number,
  toSec: number,
  everySec: number,
  noiseSec: number,
  gauss: () => number,
  uniform: () => number,
  spike: { probability: number; sizeSec: number } = { probability: 0, sizeSec: 0 },
): OffsetSeries {
  const n = Math.floor((toSec - fromSec) / everySec) + 1;
  const collectionSec = new Float64Array(n);
  const offsetSec = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const c = fromSec + j * everySec;
    collectionSec[j] = c;
    let measured = c - deviceTime(clock, c) + noiseSec * gauss();
    if (uniform() < spike.probability) measured += spike.sizeSec * (0.5 + uniform());
    offsetSec[j] = measured;
  }
  return { collectionSec, offsetSec };
}

/** Estimated session time of true session time `tSec`, interpolated between the samples around it. */
export function estimateAt(stream: SimulatedStream, clock: DeviceClock, estimated: Float64Array, tSec: number): number {
  const kf = (deviceTime(clock, tSec) - stream.deviceStartSec) * stream.rateHz;
  const k = Math.min(Math.max(Math.floor(kf), 0), estimated.length - 2);
  const frac = kf - k;
  return estimated[k] + frac * (estimated[k + 1] - estimated[k]);
}
