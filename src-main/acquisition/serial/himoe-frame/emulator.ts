// A TypeScript twin of the native/ reference firmware: on 'S' it sends a 0x00, every stream's
// descriptor, then data frames (EDA, ECG, PPG at their rates, several samples per frame) and the
// descriptors again every second ('S' while streaming re-announces them at once); 'X' stops.
// Device ticks are microseconds and wrap at 2^32.

import { EmulatorBase, type EmulatorOptions } from '../parsing/emulator-kit.js';
import { HIMOE_MAX_FRAME_BYTES, buildDataPayload, buildDescriptorPayload, maxWireBytes, sealFrame } from './codec.js';
import { HIMOE_START_COMMAND, HIMOE_STOP_COMMAND, HimoeFrameProtocol, type HimoeOptions, type HimoeStreamConfig } from './protocol.js';

export interface HimoeEmulatorOptions extends HimoeOptions, EmulatorOptions {
  /** Samples per data frame for each stream key (default: rate / 25, at least 1). */
  samplesPerFrame?: Record<string, number>;
  /** Device tick (µs) at the start of streaming (default 0; set near 2^32 to exercise the wrap). */
  tickStartUs?: number;
  /** Status byte put in data frames (default 0). */
  status?: number;
}

const TICK_HZ = 1000;

interface EmuStream {
  config: HimoeStreamConfig;
  perFrame: number;
  raw: Int32Array;
  pending: number;
  nextSample: number;
  firstOfFrame: number;
  truthRow: Float64Array;
}

export class HimoeFrameEmulator extends EmulatorBase {
  readonly protocol: HimoeFrameProtocol;
  private readonly streams: EmuStream[];
  private readonly payload = new Uint8Array(HIMOE_MAX_FRAME_BYTES + 2);
  private readonly wire = new Uint8Array(maxWireBytes(HIMOE_MAX_FRAME_BYTES));
  private tickNo = 0;
  private announceNow = false;

  constructor(private readonly emuOptions: HimoeEmulatorOptions = {}) {
    super(emuOptions);
    this.protocol = new HimoeFrameProtocol(emuOptions);
    this.streams = this.protocol.streamConfigs.map((config) => {
      const perFrame = Math.max(1, Math.min(255, emuOptions.samplesPerFrame?.[config.key] ?? Math.round(config.rateHz / 25)));
      return {
        config,
        perFrame,
        raw: new Int32Array(perFrame * config.channels.length),
        pending: 0,
        nextSample: 0,
        firstOfFrame: 0,
        truthRow: new Float64Array(config.channels.length),
      };
    });
  }

  protected frameRateHz(): number {
    return TICK_HZ;
  }

  protected onCommand(bytes: Uint8Array): void {
    for (const c of bytes) {
      if (c === HIMOE_START_COMMAND && this.streaming) {
        this.announceNow = true; // a host that reconnected: re-announce the descriptors at once
      } else if (c === HIMOE_START_COMMAND) {
        this.tickNo = 0;
        for (const s of this.streams) {
          s.pending = 0;
          s.nextSample = 0;
        }
        this.startStreaming();
      } else if (c === HIMOE_STOP_COMMAND) {
        this.stopStreaming();
      }
    }
  }

  private tickUs(tSec: number): number {
    return ((this.emuOptions.tickStartUs ?? 0) + Math.round(tSec * 1e6)) >>> 0;
  }

  private emit(n: number): void {
    const len = sealFrame(this.payload, n, this.wire, 0);
    this.out.bytes(this.wire.subarray(0, len));
  }

  /** One millisecond of device time: sample every stream that is due, send full frames. */
  protected writeFrame(lost: boolean, corrupt: boolean): void {
    const tick = this.tickNo++;
    if (tick === 0) this.out.bytes([0]);
    if (tick % TICK_HZ === 0 || this.announceNow) {
      this.announceNow = false;
      for (const s of this.streams) this.emit(buildDescriptorPayload(this.payload, s.config, 0, s.nextSample, this.tickUs(tick / TICK_HZ)));
    }
    const tEndSec = (tick + 1) / TICK_HZ;
    for (const s of this.streams) {
      const m = s.config.channels.length;
      while (s.nextSample / s.config.rateHz < tEndSec) {
        const k = s.nextSample++;
        const t = k / s.config.rateHz;
        if (s.pending === 0) s.firstOfFrame = k;
        for (let c = 0; c < m; c++) s.raw[s.pending * m + c] = this.sampleCode(s.config, c, t);
        s.pending++;
        if (s.pending === s.perFrame) this.sendData(s, lost, corrupt);
      }
    }
  }

  private sampleCode(config: HimoeStreamConfig, channel: number, tSec: number): number {
    const noise = this.rng.gaussian();
    if (config.bytesPerValue === 3) return Math.round(100000 + 20000 * Math.sin(2 * Math.PI * 1.2 * tSec + channel) + 50 * noise);
    return Math.round(2048 + 600 * Math.sin(2 * Math.PI * (config.rateHz > 100 ? 1.2 : 0.05) * tSec) + 4 * noise);
  }

  private sendData(s: EmuStream, lost: boolean, corrupt: boolean): void {
    const { config, perFrame } = s;
    const m = config.channels.length;
    const tUs = this.tickUs(s.firstOfFrame / config.rateHz);
    const n = buildDataPayload(this.payload, config.streamId, this.emuOptions.status ?? 0, s.firstOfFrame, tUs, s.raw, perFrame, m, config.bytesPerValue);
    s.pending = 0;
    if (lost) return;
    this.emit(n);
    for (let i = 0; i < perFrame; i++) {
      for (let c = 0; c < m; c++) s.truthRow[c] = s.raw[i * m + c] * Math.fround(config.channels[c].scale) + Math.fround(config.channels[c].offset);
      this.truth(config.key, s.firstOfFrame + i, s.truthRow, corrupt);
    }
  }
}
