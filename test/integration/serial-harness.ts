// Test harness for serial sources over real pseudo-terminal pairs: socat process control,
// an emulator driver that writes a DeviceEmulator's bytes at its device rate, and a tiny
// line protocol ("counter,v1,v2\n") for transport tests that need no real device protocol.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { SerialPort } from 'serialport';
import type { ByteParser, DeviceEmulator, ParserStats, ProtocolStreamSpec, SampleSink, SerialProtocol } from '../../src-main/acquisition/serial/protocol.js';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

/** True when socat is on PATH. Tests skip loudly without it, and fail in CI. */
export function socatAvailable(): boolean {
  return spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
}

/** Call at module level: returns whether socat tests can run; throws in CI when they cannot. */
export function requireSocat(what: string): boolean {
  if (socatAvailable()) return true;
  const msg = `socat is not installed: ${what} SKIPPED (install it with: apt-get install -y socat)`;
  if (process.env.CI === 'true') throw new Error(`${msg} -- not allowed in CI`);
  console.warn(`\n*** ${msg} ***\n`);
  return false;
}

/** A socat pseudo-terminal pair: the source opens `devPath`, the emulator writes `emuPath`. */
export class PtyPair {
  private proc: ChildProcess | null = null;
  private static readonly all = new Set<PtyPair>();

  constructor(
    readonly devPath: string,
    readonly emuPath: string,
  ) {
    PtyPair.all.add(this);
  }

  async start(): Promise<void> {
    if (this.proc) return;
    const proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${this.devPath}`, `pty,raw,echo=0,link=${this.emuPath}`], { stdio: 'ignore' });
    this.proc = proc;
    proc.on('exit', () => {
      if (this.proc === proc) this.proc = null;
    });
    const ok = await waitFor(() => existsSync(this.devPath) && existsSync(this.emuPath), 5000);
    if (!ok) throw new Error(`socat did not create ${this.devPath} and ${this.emuPath}`);
  }

  get running(): boolean {
    return this.proc !== null;
  }

  /** End socat (SIGTERM: it removes its links) and wait for it to exit. */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    await Promise.race([exited, sleep(3000)]);
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    this.proc = null;
  }

  /** Kill every pair created in this process (afterAll). */
  static async stopAll(): Promise<void> {
    await Promise.all([...PtyPair.all].map((p) => p.stop()));
    PtyPair.all.clear();
  }
}

/** Drives a DeviceEmulator on the emulator end of a pty: reads host commands, writes bytes at device rate. */
export class EmulatorDriver {
  private port: SerialPort | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastMs = 0;
  /** performance.now() of each write and its byte count (for latency measurement). */
  onWrite: ((bytes: Uint8Array, atMs: number) => void) | null = null;
  bytesWritten = 0;

  constructor(
    readonly emulator: DeviceEmulator,
    readonly path: string,
    private readonly tickMs = 5,
  ) {}

  async open(): Promise<void> {
    const port = new SerialPort({ path: this.path, baudRate: 115200, autoOpen: false, lock: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    port.on('error', () => {});
    port.on('data', (buf: Buffer) => this.emulator.receive(new Uint8Array(buf)));
    port.on('close', () => this.halt());
    this.port = port;
    this.lastMs = performance.now();
    this.timer = setInterval(() => this.tick(), this.tickMs);
  }

  private tick(): void {
    const now = performance.now();
    const dtSec = (now - this.lastMs) / 1000;
    this.lastMs = now;
    if (!this.port?.isOpen) return;
    const bytes = this.emulator.produce(dtSec);
    if (bytes.length === 0) return;
    this.bytesWritten += bytes.length;
    this.onWrite?.(bytes, performance.now());
    this.port.write(Buffer.from(bytes));
  }

  private halt(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.port = null;
  }

  async close(): Promise<void> {
    const port = this.port;
    this.halt();
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}

// --- a tiny line protocol for transport tests ------------------------------------------------

/** "counter,v1,v2\n" lines; 'b' starts, 's' stops. Optional device timestamp as a fourth field. */
export class LineTestProtocol implements SerialProtocol {
  readonly name = 'line-test';
  readonly baudRate = 115200;
  constructor(
    readonly rateHz: number,
    readonly deviceTimestamps = false,
  ) {}
  streams(): ProtocolStreamSpec[] {
    return [
      {
        key: 'x',
        name: 'Line test',
        type: 'EDA',
        channels: [
          { label: 'a', unit: 'microsiemens' },
          { label: 'b', unit: 'microsiemens' },
        ],
        channelFormat: 'float32',
        nominalRateHz: this.rateHz,
      },
    ];
  }
  createParser(sink: SampleSink): ByteParser {
    return new LineTestParser(sink);
  }
  startCommands(): Uint8Array[] {
    return [new Uint8Array([0x62])];
  }
  stopCommands(): Uint8Array[] {
    return [new Uint8Array([0x73])];
  }
}

class LineTestParser implements ByteParser {
  private line = '';
  private readonly values = new Float32Array(2);
  private readonly time = new Float64Array(1);
  readonly stats: ParserStats = { bytes: 0, frames: 0, badFrames: 0, resyncs: 0, discardedBytes: 0 };
  constructor(private readonly sink: SampleSink) {}
  push(bytes: Uint8Array): void {
    this.stats.bytes += bytes.length;
    for (const b of bytes) {
      if (b !== 0x0a) {
        this.line += String.fromCharCode(b);
        continue;
      }
      const parts = this.line.split(',');
      this.line = '';
      const nums = parts.map(Number);
      if ((parts.length !== 3 && parts.length !== 4) || nums.some((x) => !Number.isFinite(x))) {
        this.stats.badFrames++;
        continue;
      }
      this.stats.frames++;
      this.values[0] = nums[0 + 1];
      this.values[1] = nums[2];
      if (parts.length === 4) {
        this.time[0] = nums[3];
        this.sink('x', nums[0], this.values, 1, this.time);
      } else {
        this.sink('x', nums[0], this.values, 1);
      }
    }
  }
  reset(): void {
    this.line = '';
  }
}

/** Emulates a LineTestProtocol device; its counter restarts at 0 when created (as after a power cycle). */
export class LineTestEmulator implements DeviceEmulator {
  streaming = false;
  private owedSec = 0;
  private counter = 0;
  constructor(
    readonly rateHz: number,
    private readonly deviceClockStartSec: number | null = null,
  ) {}
  receive(bytes: Uint8Array): void {
    for (const b of bytes) {
      if (b === 0x62) this.streaming = true;
      if (b === 0x73) this.streaming = false;
    }
  }
  produce(durationSec: number): Uint8Array {
    if (!this.streaming) return new Uint8Array(0);
    this.owedSec += durationSec;
    const n = Math.floor(this.owedSec * this.rateHz);
    this.owedSec -= n / this.rateHz;
    let text = '';
    for (let i = 0; i < n; i++) {
      const c = this.counter++;
      text += `${c},${Math.sin(c / 10).toFixed(4)},${(c % 100) / 10}`;
      if (this.deviceClockStartSec !== null) text += `,${(this.deviceClockStartSec + c / this.rateHz).toFixed(6)}`;
      text += '\n';
    }
    return new TextEncoder().encode(text);
  }
}
