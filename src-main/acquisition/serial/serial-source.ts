// SerialSource: a SignalSource over a serial port and a SerialProtocol (parser + commands).
// Bytes -> protocol parser -> per-stream staging -> host-stamped (or device-stamped) Chunks.
// Survives unplugging: 'disconnected', a typed error, reconnect with backoff, a counter jump.

import { SourceError } from '../../core/errors.js';
import type { SessionClock } from '../../core/streams/clock.js';
import { ListenerSet, type SignalSource, type SourceEvent, type SourceListener, type SourceState } from '../../core/streams/source.js';
import type { StreamInfo } from '../../core/streams/types.js';
import type { ByteParser, ParserStats, SerialProtocol } from './protocol.js';
import { openSerialPort, type PortOpener, type SerialPortHandle } from './serial-port.js';

export interface ReconnectOptions {
  /** First retry delay (default 100 ms); doubles per failed attempt up to maxDelayMs. */
  initialDelayMs?: number;
  /** Longest delay between attempts (default 2000 ms). */
  maxDelayMs?: number;
}

export interface SerialSourceOptions {
  /** Source id, unique in the session; stream ids are `${id}:${key}`. */
  id: string;
  /** Port path, e.g. /dev/ttyUSB0, /dev/rfcomm0, COM3. */
  path: string;
  protocol: SerialProtocol;
  /** The session clock (the engine's): receive times are read from it. */
  clock: SessionClock;
  label?: string;
  /** Overrides the protocol's baud rate. */
  baudRate?: number;
  reconnect?: ReconnectOptions;
  /** Seconds between clock-offset measurements (default 2). */
  clockOffsetIntervalSec?: number;
  /** Port opener (default: the `serialport` package). */
  openPort?: PortOpener;
  /** A running port silent for this long counts as unplugged and is reopened (default 3 s or five
   *  periods of the slowest stream, whichever is longer; 0 = never).
   *  Catches links that die without an error: a hung-up pty or a stalled Bluetooth rfcomm. */
  dataTimeoutSec?: number;
}

interface Staging {
  info: StreamInfo;
  key: string;
  channels: number;
  rateHz: number;
  values: Float32Array;
  /** Parser counters of the staged samples. */
  index: Float64Array;
  deviceTime: Float64Array;
  hasDeviceTime: boolean;
  count: number;
  /** Added to parser counters to give emitted counters (moves forward at reconnects). */
  indexBase: number;
  rebase: boolean;
  lastIndex: number;
  lastTimeSec: number;
}

const MIN_STAGING = 64;

export class SerialSource implements SignalSource {
  readonly id: string;
  readonly label: string;
  readonly streams: readonly StreamInfo[];
  readonly path: string;
  readonly protocol: SerialProtocol;
  private readonly clock: SessionClock;
  private readonly baudRate: number;
  private readonly openPort: PortOpener;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly offsetIntervalSec: number;
  private readonly dataTimeoutMs: number;
  private watchdog: ReturnType<typeof setInterval> | undefined;
  private lastBytesAtMs = 0;
  private readonly listeners: ListenerSet<SourceEvent>;
  private readonly staging = new Map<string, Staging>();
  private readonly parser: ByteParser;
  private _state: SourceState = 'idle';
  private port: SerialPortHandle | null = null;
  /** Bumped on every start/stop/release so late callbacks of an old connection are ignored. */
  private generation = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private attempt = 0;
  private recvTimeSec = 0;
  private lastOffsetEmitSec = Number.NEGATIVE_INFINITY;
  private minOffsetSec = Number.POSITIVE_INFINITY;
  private offsetPending = true;
  /** Measurements still to take at the quick pace after a (re)connect. */
  private quickOffsets = 0;
  private _reconnects = 0;
  private _bytes = 0;

  constructor(opts: SerialSourceOptions) {
    this.id = opts.id;
    this.path = opts.path;
    this.protocol = opts.protocol;
    this.clock = opts.clock;
    this.baudRate = opts.baudRate ?? opts.protocol.baudRate;
    this.openPort = opts.openPort ?? openSerialPort;
    this.initialDelayMs = opts.reconnect?.initialDelayMs ?? 100;
    this.maxDelayMs = opts.reconnect?.maxDelayMs ?? 2000;
    this.offsetIntervalSec = opts.clockOffsetIntervalSec ?? 2;
    // Default: 3 s, or five sample periods of the slowest stream (a 1 Hz BITalino is not silent).
    const slowestHz = Math.min(...opts.protocol.streams().map((sp) => (sp.nominalRateHz > 0 ? sp.nominalRateHz : Infinity)));
    this.dataTimeoutMs = (opts.dataTimeoutSec ?? Math.max(3, Number.isFinite(slowestHz) ? 5 / slowestHz : 3)) * 1000;
    this.label = opts.label ?? `${opts.protocol.name} on ${opts.path}`;
    this.listeners = new ListenerSet<SourceEvent>();
    const infos: StreamInfo[] = [];
    for (const spec of opts.protocol.streams()) {
      const info: StreamInfo = {
        id: `${this.id}:${spec.key}`,
        name: spec.name,
        type: spec.type,
        channels: spec.channels,
        channelFormat: spec.channelFormat,
        nominalRateHz: spec.nominalRateHz,
        sourceId: this.id,
        desc: { ...(opts.protocol.deviceDesc ?? {}), ...(spec.desc ?? {}), protocol: opts.protocol.name, port: opts.path },
      };
      infos.push(info);
      const n = Math.max(1, spec.channels.length);
      this.staging.set(spec.key, {
        info,
        key: spec.key,
        channels: n,
        rateHz: spec.nominalRateHz,
        values: new Float32Array(MIN_STAGING * n),
        index: new Float64Array(MIN_STAGING),
        deviceTime: new Float64Array(MIN_STAGING),
        hasDeviceTime: false,
        count: 0,
        indexBase: 0,
        rebase: false,
        lastIndex: Number.NaN,
        lastTimeSec: Number.NaN,
      });
    }
    this.streams = infos;
    this.parser = opts.protocol.createParser(this.sink);
  }

  get state(): SourceState {
    return this._state;
  }

  /** Parser counters (bytes, frames, bad frames, resyncs) of the current connection. */
  get parserStats(): ParserStats {
    return this.parser.stats;
  }

  /** Successful reconnects since construction. */
  get reconnects(): number {
    return this._reconnects;
  }

  /** Bytes received since construction. */
  get bytesReceived(): number {
    return this._bytes;
  }

  subscribe(listener: SourceListener): () => void {
    return this.listeners.add(listener);
  }

  async start(): Promise<void> {
    if (this._state === 'released') {
      throw new SourceError('RELEASED', this.id, `serial source "${this.id}" (${this.path}) was released; create a new one`);
    }
    if (this._state === 'running' || this._state === 'disconnected') return;
    const gen = ++this.generation;
    this.attempt = 0;
    const ok = await this.connect(gen, false);
    if (!ok && gen === this.generation) this.scheduleReconnect(gen);
  }

  async stop(): Promise<void> {
    if (this._state !== 'running' && this._state !== 'disconnected') return;
    this.generation++;
    this.clearReconnect();
    this.setState('stopped');
    await this.closePort(true);
    for (const st of this.staging.values()) st.rebase = true;
  }

  async release(): Promise<void> {
    if (this._state === 'released') return;
    this.generation++;
    this.clearReconnect();
    const wasActive = this._state === 'running' || this._state === 'disconnected';
    await this.closePort(wasActive);
    this.setState('released');
    this.listeners.clear();
  }

  // --- connection ------------------------------------------------------------------------

  /** Opens the port and sends the start commands. Returns false (and reports) when it could not. */
  private async connect(gen: number, isReconnect: boolean): Promise<boolean> {
    let port: SerialPortHandle;
    try {
      port = await this.openPort(this.path, this.baudRate);
    } catch (err) {
      if (gen !== this.generation) return false;
      if (this.attempt === 0) {
        this.emitError('PORT_OPEN_FAILED', `cannot open ${this.path} for ${this.protocol.name}: ${(err as Error).message}; retrying until it appears`, err);
      }
      this.setState('disconnected', `waiting for ${this.path}`);
      return false;
    }
    if (gen !== this.generation) {
      await port.close().catch(() => {});
      return false;
    }
    this.port = port;
    this.parser.reset();
    for (const st of this.staging.values()) st.count = 0;
    this.offsetPending = true;
    // A power-cycled device restarts its clock: measure quickly so the engine's clock sync can
    // confirm the reset (it wants consistent measurements, not one outlier) within a second.
    this.quickOffsets = 4;
    this.minOffsetSec = Number.POSITIVE_INFINITY;
    port.onData((bytes) => {
      if (gen === this.generation) this.onBytes(bytes);
    });
    port.onClose((err) => {
      if (gen === this.generation) this.onUnplugged(gen, err);
    });
    try {
      for (const cmd of this.protocol.startCommands()) await port.write(cmd);
    } catch (err) {
      if (gen !== this.generation) return false;
      this.emitError('WRITE_FAILED', `cannot send the start command to ${this.path}: ${(err as Error).message}`, err);
      this.port = null;
      await port.close().catch(() => {});
      this.setState('disconnected', `start command failed on ${this.path}`);
      return false;
    }
    if (gen !== this.generation) return false;
    if (isReconnect) this._reconnects++;
    this.attempt = 0;
    this.startWatchdog(gen, port);
    this.setState('running', isReconnect ? `reconnected to ${this.path}` : undefined);
    return true;
  }

  private startWatchdog(gen: number, port: SerialPortHandle): void {
    this.stopWatchdog();
    if (this.dataTimeoutMs <= 0) return;
    this.lastBytesAtMs = performance.now();
    this.watchdog = setInterval(() => {
      if (gen !== this.generation || this.port !== port) return this.stopWatchdog();
      const silentMs = performance.now() - this.lastBytesAtMs;
      if (silentMs < this.dataTimeoutMs) return;
      this.port = null;
      void port.close().catch(() => {});
      this.onUnplugged(gen, new Error(`no data for ${(silentMs / 1000).toFixed(1)} s`));
    }, Math.max(20, this.dataTimeoutMs / 4));
  }

  private stopWatchdog(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  private onUnplugged(gen: number, err: Error | null): void {
    this.stopWatchdog();
    this.port = null;
    for (const st of this.staging.values()) st.rebase = true;
    this.emitError('DISCONNECTED', `${this.path} went away (${err?.message ?? 'port closed'}); reconnecting`, err);
    this.setState('disconnected', `lost ${this.path}`);
    this.attempt = 0;
    this.scheduleReconnect(gen);
  }

  private scheduleReconnect(gen: number): void {
    this.clearReconnect();
    const delayMs = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** Math.min(this.attempt, 20));
    this.attempt++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (gen !== this.generation) return;
      void this.connect(gen, true).then((ok) => {
        if (!ok && gen === this.generation) this.scheduleReconnect(gen);
      });
    }, delayMs);
  }

  private clearReconnect(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }

  private async closePort(sendStop: boolean): Promise<void> {
    this.stopWatchdog();
    const port = this.port;
    this.port = null;
    if (!port) return;
    if (sendStop) {
      try {
        for (const cmd of this.protocol.stopCommands()) await port.write(cmd);
      } catch {
        // The device may be gone already; closing is what matters.
      }
    }
    await port.close().catch(() => {});
  }

  // --- data path -------------------------------------------------------------------------

  private onBytes(bytes: Uint8Array): void {
    this._bytes += bytes.length;
    this.lastBytesAtMs = performance.now();
    this.recvTimeSec = this.clock.nowSec();
    try {
      this.parser.push(bytes);
    } catch (err) {
      // The contract says parsers never throw on device bytes; if one does, keep the session alive.
      this.emitError('PARSER_FAILED', `${this.protocol.name} parser failed on ${bytes.length} bytes from ${this.path}: ${(err as Error).message}`, err);
    }
    for (const st of this.staging.values()) if (st.count > 0) this.flush(st);
  }

  /** Parser callback: copy into the stream's staging area (the parser may reuse `values`). */
  private readonly sink = (key: string, firstIndex: number, values: Float32Array, count: number, deviceTimeSec?: Float64Array): void => {
    const st = this.staging.get(key);
    if (!st || count <= 0) return;
    const need = st.count + count;
    if (need > st.index.length) this.grow(st, need);
    const base = st.count * st.channels;
    const nValues = count * st.channels;
    for (let i = 0; i < nValues; i++) st.values[base + i] = values[i];
    for (let i = 0; i < count; i++) {
      st.index[st.count + i] = firstIndex + i;
      st.deviceTime[st.count + i] = deviceTimeSec ? deviceTimeSec[i] : Number.NaN;
    }
    if (deviceTimeSec) st.hasDeviceTime = true;
    st.count = need;
  };

  private grow(st: Staging, need: number): void {
    const cap = Math.max(need, st.index.length * 2);
    const values = new Float32Array(cap * st.channels);
    values.set(st.values.subarray(0, st.count * st.channels));
    const index = new Float64Array(cap);
    index.set(st.index.subarray(0, st.count));
    const deviceTime = new Float64Array(cap);
    deviceTime.set(st.deviceTime.subarray(0, st.count));
    st.values = values;
    st.index = index;
    st.deviceTime = deviceTime;
  }

  /**
   * Emit the staged samples. Host times: the last sample of this read arrived at receive time,
   * earlier ones are back-dated by their counter distance / rate. Device times, when the protocol
   * gives them, become the timestamps and feed the clock-offset estimate instead.
   */
  private flush(st: Staging): void {
    const n = st.count;
    st.count = 0;
    const period = st.rateHz > 0 ? 1 / st.rateHz : 0;
    const lastParserIndex = st.index[n - 1];
    if (st.rebase) {
      st.rebase = false;
      const firstHost = this.recvTimeSec - (lastParserIndex - st.index[0]) * period;
      if (Number.isFinite(st.lastIndex)) {
        // After a reconnect the device counter restarts; continue ours where time says we are,
        // so the samples missed while unplugged show as a counter jump (a gap), never a restart.
        const elapsed = st.rateHz > 0 && Number.isFinite(st.lastTimeSec) ? Math.round((firstHost - st.lastTimeSec) * st.rateHz) : 1;
        st.indexBase = st.lastIndex + Math.max(1, elapsed) - st.index[0];
      }
    }
    let start = 0;
    for (let i = 1; i <= n; i++) {
      if (i < n && st.index[i] === st.index[i - 1] + 1) continue;
      this.emitRun(st, start, i, lastParserIndex, period);
      start = i;
    }
  }

  private emitRun(st: Staging, from: number, to: number, lastParserIndex: number, period: number): void {
    const n = to - from;
    const timestamps = new Float64Array(n);
    const useDevice = st.hasDeviceTime && Number.isFinite(st.deviceTime[from]);
    for (let i = 0; i < n; i++) {
      const hostSec = this.recvTimeSec - (lastParserIndex - st.index[from + i]) * period;
      if (useDevice) {
        timestamps[i] = st.deviceTime[from + i];
        const offset = hostSec - timestamps[i];
        if (offset < this.minOffsetSec) this.minOffsetSec = offset;
      } else {
        timestamps[i] = hostSec;
      }
    }
    this.maybeEmitOffset(useDevice);
    const values = st.values.slice(from * st.channels, to * st.channels);
    const firstIndex = st.index[from] + st.indexBase;
    st.lastIndex = firstIndex + n - 1;
    st.lastTimeSec = this.recvTimeSec - (lastParserIndex - st.index[to - 1]) * period;
    this.listeners.emit({ kind: 'chunk', chunk: { streamId: st.info.id, values, timestamps, firstIndex } });
  }

  /** One measurement before the first chunk of a connection, then one per interval. Host-stamped
   *  streams are on the session clock already (offset 0); device-stamped ones use the smallest
   *  receive-minus-device time seen in the interval (the least delayed sample). */
  private maybeEmitOffset(deviceStamped: boolean): void {
    const now = this.recvTimeSec;
    const intervalSec = this.quickOffsets > 0 ? Math.min(0.25, this.offsetIntervalSec) : this.offsetIntervalSec;
    if (!this.offsetPending && now - this.lastOffsetEmitSec < intervalSec) return;
    const offsetSec = deviceStamped ? this.minOffsetSec : 0;
    if (!Number.isFinite(offsetSec)) return;
    this.offsetPending = false;
    if (this.quickOffsets > 0) this.quickOffsets--;
    this.lastOffsetEmitSec = now;
    this.minOffsetSec = Number.POSITIVE_INFINITY;
    this.listeners.emit({ kind: 'clockOffset', measurement: { sourceId: this.id, collectionTimeSec: now, offsetSec } });
  }

  // --- events ----------------------------------------------------------------------------

  private setState(state: SourceState, detail?: string): void {
    if (this._state === state) return;
    this._state = state;
    this.listeners.emit({ kind: 'state', state, detail });
  }

  private emitError(code: string, message: string, cause: unknown): void {
    const error = new SourceError(code, this.id, `serial source "${this.id}": ${message}`, { path: this.path, protocol: this.protocol.name }, { cause });
    this.listeners.emit({ kind: 'error', error });
  }
}
