// A simulated acquisition device: takes the world's ideal samples of one modality and
// delivers them the way hardware does - timestamps on its own imperfect clock (offset, drift,
// jitter), lost packets (counter jumps), dropout episodes (nothing delivered, 'disconnected'),
// and LSL-style clock-offset measurements every ~5 s. Pure TS, deterministic per seed.

import type { Chunk, ClockOffsetMeasurement } from '../../core/streams/types.js';
import type { ResolvedDeviceConfig } from './config.js';
import type { WorldBlock } from './physiology.js';
import { hashSeed, Rng } from './prng.js';

/** Seconds of session time between clock-offset measurements. */
export const CLOCK_OFFSET_INTERVAL_SEC = 5;
/** SD of the simulated round-trip noise of one offset measurement (s). */
export const CLOCK_OFFSET_NOISE_SEC = 0.0002;

/** Where a device delivers what it produces (absent while its source is not running). */
export interface DeviceSink {
  chunk(chunk: Chunk): void;
  clockOffset(measurement: ClockOffsetMeasurement): void;
  /** The device went out of reach (false) or came back (true). */
  connection(connected: boolean, detail: string): void;
}

export class SimulatedDevice {
  private readonly jitterRng: Rng;
  private readonly lossRng: Rng;
  private readonly offsetRng: Rng;
  /** Noise of on-demand measurements: a separate stream, so the regular series stays the same. */
  private readonly extraOffsetRng: Rng;
  private readonly drift: number;
  private nextMeasureSec = 0;
  private measureNow = false;
  private packetId = -1;
  private packetLost = false;
  private _connected = true;

  constructor(
    readonly sourceId: string,
    readonly streamId: string,
    readonly rateHz: number,
    readonly config: ResolvedDeviceConfig,
    seed: number,
  ) {
    this.jitterRng = new Rng(hashSeed(seed, 'device-jitter', sourceId));
    this.lossRng = new Rng(hashSeed(seed, 'device-loss', sourceId));
    this.offsetRng = new Rng(hashSeed(seed, 'device-offset', sourceId));
    this.extraOffsetRng = new Rng(hashSeed(seed, 'device-offset-extra', sourceId));
    this.drift = config.driftPpm * 1e-6;
  }

  /** False during a dropout episode. */
  get connected(): boolean {
    return this._connected;
  }

  /** Device clock reading at a session time (no jitter). */
  deviceTimeSec(sessionSec: number): number {
    return sessionSec * (1 + this.drift) + this.config.offsetSec;
  }

  /** Take a clock-offset measurement at the start of the next block (e.g. when a source starts). */
  requestMeasurement(): void {
    this.measureNow = true;
  }

  /** Whether world time `tSec` falls in a dropout episode. */
  inDropout(tSec: number): boolean {
    for (const d of this.config.dropouts) {
      if (tSec < d.startSec) return false;
      if (tSec < d.startSec + d.durationSec) return true;
    }
    return false;
  }

  /**
   * Deliver one world block (world times [t0Sec, t1Sec)); `originSec` is the session time of
   * world time 0. Random draws happen whether or not a sink listens, so what a running
   * source delivers does not depend on when other sources were started or stopped.
   */
  process(block: WorldBlock, originSec: number, t0Sec: number, t1Sec: number, sink: DeviceSink | undefined): void {
    this.measureOffsets(originSec, t0Sec, t1Sec, sink);
    const n = block.count;
    if (n === 0) return;
    const C = block.channelCount;
    const rate = this.rateHz;
    const jitter = this.config.jitterSec;
    const timestamps = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const trueSec = originSec + (block.firstIndex + i) / rate;
      timestamps[i] = this.deviceTimeSec(trueSec) + (jitter > 0 ? jitter * this.jitterRng.gaussian() : 0);
    }
    const P = this.config.packetSamples;
    const lossP = this.config.packetLossProb;
    const hasDropouts = this.config.dropouts.length > 0;
    if (P === 0) this.packetLost = lossP > 0 && this.lossRng.uniform() < lossP;
    let runStart = -1;
    const flush = (end: number) => {
      if (runStart >= 0 && sink) {
        const whole = runStart === 0 && end === n;
        sink.chunk({
          streamId: this.streamId,
          values: whole ? block.values : block.values.subarray(runStart * C, end * C),
          timestamps: whole ? timestamps : timestamps.subarray(runStart, end),
          firstIndex: block.firstIndex + runStart,
        });
      }
      runStart = -1;
    };
    for (let i = 0; i < n; i++) {
      const index = block.firstIndex + i;
      if (P > 0) {
        const id = Math.floor(index / P);
        if (id !== this.packetId) {
          this.packetId = id;
          this.packetLost = lossP > 0 && this.lossRng.uniform() < lossP;
        }
      }
      if (hasDropouts) {
        const out = this.inDropout(index / rate);
        if (out === this._connected) {
          flush(i);
          this._connected = !out;
          sink?.connection(this._connected, out ? 'dropout: device out of reach' : 'dropout over: device back');
          if (!out) this.measureNow = true;
        }
      }
      const keep = this._connected && !this.packetLost;
      if (keep && runStart < 0) runStart = i;
      if (!keep) flush(i);
    }
    flush(n);
  }

  /** LSL-style offset measurements (sessionTime - deviceTime) every ~5 s while connected. */
  private measureOffsets(originSec: number, t0Sec: number, t1Sec: number, sink: DeviceSink | undefined): void {
    const emitAt = (worldSec: number, rng: Rng) => {
      const noise = CLOCK_OFFSET_NOISE_SEC * rng.gaussian();
      if (!sink || this.inDropout(worldSec)) return;
      const collectionTimeSec = originSec + worldSec;
      sink.clockOffset({
        sourceId: this.sourceId,
        collectionTimeSec,
        offsetSec: collectionTimeSec - this.deviceTimeSec(collectionTimeSec) + noise,
      });
    };
    if (this.measureNow) {
      this.measureNow = false;
      // Skip the extra one when a regular measurement falls at the start of this block anyway.
      if (this.nextMeasureSec > t0Sec + 1e-9) emitAt(t0Sec, this.extraOffsetRng);
    }
    while (this.nextMeasureSec < t1Sec) {
      emitAt(this.nextMeasureSec, this.offsetRng);
      this.nextMeasureSec += CLOCK_OFFSET_INTERVAL_SEC;
    }
  }
}
