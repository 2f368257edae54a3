// A TypeScript BITalino (r)evolution writing the exact frame stream: reacts to the rate and
// live-start commands and to stop (0x00). For SerialSource tests, parser fuzzing and bench/.

import { EmulatorBase, type EmulatorOptions } from '../parsing/emulator-kit.js';
import {
  BITALINO_RATES_HZ,
  BITALINO_STOP_COMMAND,
  bitalinoChannelBits,
  bitalinoFrameBytes,
  bitalinoTransfer,
  encodeBitalinoFrame,
  type BitalinoRateHz,
} from './format.js';
import { BitalinoProtocol, type BitalinoOptions } from './protocol.js';

export class BitalinoEmulator extends EmulatorBase {
  readonly protocol: BitalinoProtocol;
  private rateHz: BitalinoRateHz = 1000;
  private mask = 0;
  private seq = 0;
  private frameNo = 0;
  private readonly codes: Int32Array;
  private readonly frame = new Uint8Array(8);
  private readonly one = new Float64Array(1);

  constructor(options: BitalinoOptions & EmulatorOptions) {
    super(options);
    this.protocol = new BitalinoProtocol(options);
    this.codes = new Int32Array(6);
  }

  protected frameRateHz(): number {
    return this.rateHz;
  }

  protected onCommand(bytes: Uint8Array): void {
    for (const c of bytes) {
      if (c === BITALINO_STOP_COMMAND) {
        this.stopStreaming();
      } else if (!this.streaming && (c & 0x03) === 0x03) {
        this.rateHz = BITALINO_RATES_HZ[c >> 6];
      } else if (!this.streaming && (c & 0x03) === 0x01) {
        this.mask = c >> 2;
        this.seq = 0;
        this.frameNo = 0;
        this.startStreaming();
      }
      // Anything else (triggers, battery threshold, state) does not change the stream.
    }
  }

  protected writeFrame(lost: boolean, corrupt: boolean): void {
    const count = popcount(this.mask);
    const t = this.frameNo / this.rateHz;
    for (let k = 0; k < count; k++) {
      const max = (1 << bitalinoChannelBits(k)) - 1;
      const mid = max / 2;
      const v = mid + 0.3 * mid * Math.sin(2 * Math.PI * (1 + k) * t) + 0.02 * mid * this.rng.gaussian();
      this.codes[k] = Math.max(0, Math.min(max, Math.round(v)));
    }
    const n = encodeBitalinoFrame(this.frame, 0, this.codes.subarray(0, count), this.frameNo & 0x0f, this.seq);
    if (!lost) this.out.bytes(this.frame.subarray(0, n));
    this.seq = (this.seq + 1) & 0x0f;
    const index = this.frameNo++;
    if (lost || this.mask !== this.protocol.analogMask || bitalinoFrameBytes(count) !== this.protocol.frameBytes) return;
    this.protocol.channels.forEach((ch, k) => {
      this.one[0] = bitalinoTransfer(ch.sensor, this.codes[k], bitalinoChannelBits(k));
      this.truth(ch.key, index, this.one, corrupt);
    });
  }
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x; v; v &= v - 1) n++;
  return n;
}
