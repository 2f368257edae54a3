// A TypeScript OpenBCI Cyton (optionally + Daisy) writing the exact packet stream: 'b' starts,
// 's' stops. For SerialSource tests over pseudo-terminals, the parser fuzz tests and bench/.

import { EmulatorBase, type EmulatorOptions } from '../parsing/emulator-kit.js';
import {
  CYTON_ACCEL_G_PER_COUNT,
  CYTON_FOOTER_ACCEL,
  CYTON_HEADER,
  CYTON_PACKET_BYTES,
  CYTON_RATE_HZ,
  writeInt16Be,
  writeInt24Be,
} from './format.js';
import { CytonProtocol, type CytonOptions } from './protocol.js';

export interface CytonEmulatorOptions extends EmulatorOptions, CytonOptions {
  /** Packets between accelerometer readings (the board's LIS3DH runs at 25 Hz: 10). */
  accelEveryPackets?: number;
}

export class CytonEmulator extends EmulatorBase {
  readonly protocol: CytonProtocol;
  private readonly packet = new Uint8Array(CYTON_PACKET_BYTES);
  private readonly counts = new Int32Array(16);
  private readonly accelCounts = new Int32Array(3);
  private readonly truthUv = new Float64Array(16);
  private readonly truthAccel = new Float64Array([Number.NaN, Number.NaN, Number.NaN]);
  private readonly boardAccel = new Float64Array(3);
  private boardHasAccel = false;
  private boardCorrupt = false;
  private boardLost = false;
  private packetNo = 0;

  constructor(private readonly emuOptions: CytonEmulatorOptions = {}) {
    super(emuOptions);
    this.protocol = new CytonProtocol(emuOptions);
  }

  protected frameRateHz(): number {
    return CYTON_RATE_HZ;
  }

  protected onCommand(bytes: Uint8Array): void {
    for (const b of bytes) {
      if (b === 0x62) this.startStreaming();
      else if (b === 0x73) this.stopStreaming();
    }
  }

  protected writeFrame(lost: boolean, corrupt: boolean): void {
    const daisy = this.protocol.channelCount === 16;
    // Daisy sample numbers start at 1 so that (odd board, even daisy) pairs line up.
    const counter = (daisy ? this.packetNo + 1 : this.packetNo) & 0xff;
    const half = daisy && (counter & 1) === 0 ? 1 : 0;
    const sampleNo = daisy ? this.packetNo >> 1 : this.packetNo;
    const tSec = sampleNo / this.protocol.rateHz;
    const p = this.packet;
    p[0] = CYTON_HEADER;
    p[1] = counter;
    for (let c = 0; c < 8; c++) {
      const ch = half * 8 + c;
      const uv = 40 * Math.sin(2 * Math.PI * (6 + ch) * tSec) + 5 * this.rng.gaussian();
      const count = Math.max(-8388608, Math.min(8388607, Math.round(uv / this.protocol.uvPerCount[ch])));
      this.counts[ch] = count;
      writeInt24Be(p, 2 + 3 * c, count);
    }
    const accelEvery = this.emuOptions.accelEveryPackets ?? 10;
    const hasAccel = this.packetNo % accelEvery === 0;
    for (let k = 0; k < 3; k++) {
      this.accelCounts[k] = hasAccel ? Math.round((k === 2 ? 1 : 0.05 * Math.sin(tSec + k)) / CYTON_ACCEL_G_PER_COUNT) || 1 : 0;
      writeInt16Be(p, 26 + 2 * k, this.accelCounts[k]);
    }
    p[32] = CYTON_FOOTER_ACCEL;
    this.packetNo++;
    if (!lost) this.out.bytes(p);
    this.recordTruth(daisy, half, hasAccel, lost, corrupt, sampleNo);
  }

  /** Ground truth exactly as the parser must decode it (µV and g, accelerometer held). */
  private recordTruth(daisy: boolean, half: number, hasAccel: boolean, lost: boolean, corrupt: boolean, sampleNo: number): void {
    for (let c = 0; c < 8; c++) this.truthUv[half * 8 + c] = this.counts[half * 8 + c] * this.protocol.uvPerCount[half * 8 + c];
    if (daisy && half === 0) {
      this.boardHasAccel = hasAccel && !lost;
      for (let k = 0; k < 3; k++) this.boardAccel[k] = this.accelCounts[k] * CYTON_ACCEL_G_PER_COUNT;
      this.boardLost = lost;
      this.boardCorrupt = corrupt;
      return;
    }
    if (lost || (daisy && this.boardLost)) return;
    if (hasAccel) {
      for (let k = 0; k < 3; k++) this.truthAccel[k] = this.accelCounts[k] * CYTON_ACCEL_G_PER_COUNT;
      if (this.boardHasAccel) for (let k = 0; k < 3; k++) this.truthAccel[k] = (this.truthAccel[k] + this.boardAccel[k]) / 2;
    } else if (this.boardHasAccel) {
      this.truthAccel.set(this.boardAccel);
    }
    this.boardHasAccel = false;
    const corrupted = corrupt || (daisy && this.boardCorrupt);
    this.truth('eeg', sampleNo, this.truthUv.subarray(0, this.protocol.channelCount), corrupted);
    if (this.protocol.accel) this.truth('accel', sampleNo, this.truthAccel, corrupted);
  }
}
