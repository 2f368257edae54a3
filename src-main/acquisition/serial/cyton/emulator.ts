// A TypeScript OpenBCI Cyton (optionally + Daisy) writing the exact packet stream: 'b' starts,
// 's' stops. For SerialSource tests over pseudo-terminals, the parser fuzz tests and bench/.

import { EmulatorBase, type EmulatorOptions } from '../parsing/emulator-kit.js';
import {
  CYTON_ACCEL_G_PER_COUNT,
  CYTON_FOOTER_ACCEL,
  CYTON_FOOTER_ANALOG,
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
  private readonly auxCounts = new Int32Array(3);
  private readonly truthUv = new Float64Array(16);
  private readonly truthAux = new Float64Array([Number.NaN, Number.NaN, Number.NaN]);
  private readonly boardAux = new Float64Array(3);
  private boardHasAux = false;
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
    // Analog mode sends three analog reads in every packet (footer 0xC1); otherwise the
    // accelerometer fills the aux bytes every accelEveryPackets packets and zeros between.
    const analog = this.protocol.aux === 'analog';
    const hasAux = analog || this.packetNo % (this.emuOptions.accelEveryPackets ?? 10) === 0;
    for (let k = 0; k < 3; k++) {
      const accel = Math.round((k === 2 ? 1 : 0.05 * Math.sin(tSec + k)) / CYTON_ACCEL_G_PER_COUNT) || 1;
      this.auxCounts[k] = !hasAux ? 0 : analog ? Math.round(512 + 300 * Math.sin(2 * Math.PI * (k + 1) * tSec)) : accel;
      writeInt16Be(p, 26 + 2 * k, this.auxCounts[k]);
    }
    p[32] = analog ? CYTON_FOOTER_ANALOG : CYTON_FOOTER_ACCEL;
    this.packetNo++;
    if (!lost) this.out.bytes(p);
    this.recordTruth(daisy, half, hasAux, lost, corrupt, sampleNo);
  }

  /** Ground truth exactly as the parser must decode it (µV; aux in g held, or analog counts). */
  private recordTruth(daisy: boolean, half: number, hasAux: boolean, lost: boolean, corrupt: boolean, sampleNo: number): void {
    const auxScale = this.protocol.aux === 'analog' ? 1 : CYTON_ACCEL_G_PER_COUNT;
    for (let c = 0; c < 8; c++) this.truthUv[half * 8 + c] = this.counts[half * 8 + c] * this.protocol.uvPerCount[half * 8 + c];
    if (daisy && half === 0) {
      this.boardHasAux = hasAux && !lost;
      for (let k = 0; k < 3; k++) this.boardAux[k] = this.auxCounts[k] * auxScale;
      this.boardLost = lost;
      this.boardCorrupt = corrupt;
      return;
    }
    if (lost || (daisy && this.boardLost)) return;
    if (hasAux) {
      for (let k = 0; k < 3; k++) this.truthAux[k] = this.auxCounts[k] * auxScale;
      if (this.boardHasAux) for (let k = 0; k < 3; k++) this.truthAux[k] = (this.truthAux[k] + this.boardAux[k]) / 2;
    } else if (this.boardHasAux) {
      this.truthAux.set(this.boardAux);
    } else if (this.protocol.aux !== 'accel') {
      this.truthAux.fill(Number.NaN);
    }
    this.boardHasAux = false;
    const corrupted = corrupt || (daisy && this.boardCorrupt);
    this.truth('eeg', sampleNo, this.truthUv.subarray(0, this.protocol.channelCount), corrupted);
    if (this.protocol.aux !== 'none') this.truth(this.protocol.aux, sampleNo, this.truthAux, corrupted);
  }
}
