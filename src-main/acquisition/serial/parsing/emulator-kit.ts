// Shared machinery of the TypeScript device emulators in serial/<protocol>/emulator.ts: frame
// pacing in device time, seeded loss/corruption injection, and ground-truth reporting for tests.

import { Rng } from '../../synthetic/prng.js';
import type { DeviceEmulator } from '../protocol.js';

/** Receives each sample the emulator put on the wire, in the units the parser must decode to. */
export type TruthRecorder = (streamKey: string, index: number, values: ArrayLike<number>, corrupted: boolean) => void;

export interface EmulatorFaults {
  /** Probability that a frame is dropped on the device side (its counter still advances). */
  lossProbability?: number;
  /** Probability that one random bit of a frame is flipped on the wire. */
  corruptProbability?: number;
  /** Seed of the fault and signal generators (default 1). */
  seed?: number;
}

export interface EmulatorOptions extends EmulatorFaults {
  truth?: TruthRecorder;
}

/** Growable byte output. */
export class ByteWriter {
  buf = new Uint8Array(1024);
  length = 0;

  reserve(n: number): number {
    if (this.length + n > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < this.length + n) cap *= 2;
      const grown = new Uint8Array(cap);
      grown.set(this.buf.subarray(0, this.length));
      this.buf = grown;
    }
    const at = this.length;
    this.length += n;
    return at;
  }

  bytes(values: ArrayLike<number>): void {
    const at = this.reserve(values.length);
    for (let i = 0; i < values.length; i++) this.buf[at + i] = values[i];
  }

  take(): Uint8Array {
    const out = this.buf.slice(0, this.length);
    this.length = 0;
    return out;
  }
}

/**
 * Base of the emulators: `produce(durationSec)` emits the frames due in that much device time.
 * Subclasses write one frame per call of `writeFrame` and react to commands in `onCommand`.
 */
export abstract class EmulatorBase implements DeviceEmulator {
  protected readonly rng: Rng;
  protected readonly out = new ByteWriter();
  protected isStreaming = false;
  private frameClock = 0;
  private framesDone = 0;
  private truthRecorder: TruthRecorder | undefined;

  constructor(protected readonly options: EmulatorOptions) {
    this.rng = new Rng(options.seed ?? 1);
    this.truthRecorder = options.truth;
  }

  get streaming(): boolean {
    return this.isStreaming;
  }

  /** Frames per second of device time. */
  protected abstract frameRateHz(): number;
  /** Write the next frame into `this.out`; `lost` frames advance counters but are not written. */
  protected abstract writeFrame(lost: boolean, corrupt: boolean): void;
  protected abstract onCommand(bytes: Uint8Array): void;

  receive(bytes: Uint8Array): void {
    this.onCommand(bytes);
  }

  protected startStreaming(): void {
    if (!this.isStreaming) {
      this.frameClock = 0;
      this.framesDone = 0;
    }
    this.isStreaming = true;
  }

  protected stopStreaming(): void {
    this.isStreaming = false;
  }

  produce(durationSec: number): Uint8Array {
    if (!this.isStreaming || !(durationSec > 0)) return new Uint8Array(0);
    this.frameClock += durationSec * this.frameRateHz();
    const due = Math.floor(this.frameClock + 1e-9) - this.framesDone;
    const lossP = this.options.lossProbability ?? 0;
    const corruptP = this.options.corruptProbability ?? 0;
    for (let i = 0; i < due; i++) {
      const lost = lossP > 0 && this.rng.uniform() < lossP;
      const corrupt = !lost && corruptP > 0 && this.rng.uniform() < corruptP;
      const start = this.out.length;
      this.writeFrame(lost, corrupt);
      if (corrupt && this.out.length > start) {
        const bit = this.rng.int((this.out.length - start) * 8);
        this.out.buf[start + (bit >> 3)] ^= 1 << (bit & 7);
      }
    }
    this.framesDone += due;
    return this.out.take();
  }

  /** Report every sample put on the wire from now on to `recorder` (tests' ground truth). */
  setTruthRecorder(recorder: TruthRecorder | undefined): void {
    this.truthRecorder = recorder;
  }

  protected truth(streamKey: string, index: number, values: ArrayLike<number>, corrupted: boolean): void {
    this.truthRecorder?.(streamKey, index, values, corrupted);
  }
}
