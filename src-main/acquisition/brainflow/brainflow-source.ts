// BrainFlowSource: any BrainFlow board as a SignalSource. Streams come from the board
// descriptor (per preset); a worker thread polls the board into pooled Float64Arrays; this
// side cuts them into chunks, unwraps package counters, forwards markers and clock offsets.

import { Worker } from 'node:worker_threads';
import { SourceError } from '../../core/errors.js';
import type { SessionClock } from '../../core/streams/clock.js';
import { CounterUnwrapper } from '../../core/streams/gap-detector.js';
import { ListenerSet, type SignalSource, type SourceEvent, type SourceListener, type SourceState } from '../../core/streams/source.js';
import type { StreamInfo } from '../../core/streams/types.js';
import { BRAINFLOW_WORKER_SOURCE, type BrainFlowWorkerData } from './brainflow-worker.js';
import { layoutFromDescriptors, type BrainFlowLayout, type BrainFlowPresetLayout } from './descriptor.js';
import { loadBrainFlow, readDescriptors, resolveBoardId, type BrainFlowModule } from './loader.js';

/** BrainFlowInputParams, camelCase as the Node binding takes them. */
export interface BrainFlowParams {
  serialPort?: string;
  macAddress?: string;
  ipAddress?: string;
  ipPort?: number;
  ipProtocol?: number;
  otherInfo?: string;
  timeout?: number;
  serialNumber?: string;
  file?: string;
  masterBoard?: number;
}

const PARAM_KEYS: Record<string, { key: keyof BrainFlowParams; numeric: boolean }> = {
  serial_port: { key: 'serialPort', numeric: false },
  mac_address: { key: 'macAddress', numeric: false },
  ip_address: { key: 'ipAddress', numeric: false },
  ip_port: { key: 'ipPort', numeric: true },
  ip_protocol: { key: 'ipProtocol', numeric: true },
  other_info: { key: 'otherInfo', numeric: false },
  timeout: { key: 'timeout', numeric: true },
  serial_number: { key: 'serialNumber', numeric: false },
  file: { key: 'file', numeric: false },
  master_board: { key: 'masterBoard', numeric: true },
};

/** `serial_port=/dev/ttyUSB0,timeout=5` style options (snake_case or camelCase) -> BrainFlowParams. */
export function brainFlowParamsFromOptions(sourceId: string, options: Record<string, string>): BrainFlowParams {
  const params: BrainFlowParams = {};
  for (const [k, v] of Object.entries(options)) {
    const snake = k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    const spec = PARAM_KEYS[snake];
    if (!spec) {
      throw new SourceError('BAD_CONFIG', sourceId, `unknown BrainFlow parameter "${k}"; expected one of ${Object.keys(PARAM_KEYS).join(', ')}`, { field: k });
    }
    if (spec.numeric) {
      const n = Number(v);
      if (!Number.isFinite(n)) throw new SourceError('BAD_CONFIG', sourceId, `BrainFlow parameter ${k}="${v}" is not a number`, { field: k });
      (params as Record<string, unknown>)[spec.key] = n;
    } else {
      (params as Record<string, unknown>)[spec.key] = v;
    }
  }
  return params;
}

export interface BrainFlowSourceOptions {
  /** Board id number or BoardIds name, e.g. -1 / "SYNTHETIC_BOARD". */
  board: number | string;
  params?: BrainFlowParams;
  clock: SessionClock;
  /** Source id (default "brainflow-<board name>"). */
  id?: string;
  /** Presets to stream (default: every preset of the board). */
  presets?: number[];
  /** The brainflow package entry (default: resolved from the working directory). */
  modulePath?: string;
  /** Poll interval of the worker (default 25 ms). */
  pollMs?: number;
  /** BrainFlow ring buffer size in samples (default 450000). */
  bufferSamples?: number;
  /** Seconds between clock-offset measurements (default 2). */
  clockOffsetIntervalSec?: number;
  /** How long start() waits for the board (default 20 s). */
  startTimeoutMs?: number;
}

interface PresetState {
  layout: BrainFlowPresetLayout;
  counter: CounterUnwrapper | null;
  nextIndex: number;
}

// Sessions still prepared when the process exits are released from the main thread: the native
// library keeps sessions per (board, params) in the process, whichever thread prepared them.
const liveBoards = new Set<{ mod: BrainFlowModule; boardId: number; params: BrainFlowParams }>();
let exitHookInstalled = false;
function releaseAtExit(): void {
  for (const b of liveBoards) {
    try {
      new b.mod.BoardShim(b.boardId, b.params as Record<string, unknown>).releaseSession();
    } catch {
      // already released
    }
  }
  liveBoards.clear();
}

export class BrainFlowSource implements SignalSource {
  readonly id: string;
  readonly label: string;
  readonly streams: readonly StreamInfo[];
  readonly boardId: number;
  readonly layout: BrainFlowLayout;
  private readonly listeners = new ListenerSet<SourceEvent>();
  private readonly presets: PresetState[];
  private _state: SourceState = 'idle';
  private worker: Worker | null = null;
  private stopped: Promise<void> | null = null;
  private markerCount = 0;
  private lastOffsetSec = Number.NEGATIVE_INFINITY;
  private readonly live: { mod: BrainFlowModule; boardId: number; params: BrainFlowParams };

  /** Loads brainflow, reads the board's descriptors and builds the source. Rejects with BRAINFLOW_MISSING without the package. */
  static async create(opts: BrainFlowSourceOptions): Promise<BrainFlowSource> {
    const provisionalId = opts.id ?? `brainflow-${String(opts.board).toLowerCase()}`;
    const { module, path } = await loadBrainFlow(provisionalId, opts.modulePath);
    const boardId = resolveBoardId(provisionalId, String(opts.board), module);
    let descrs;
    try {
      descrs = readDescriptors(module, boardId);
    } catch (err) {
      throw new SourceError('BAD_CONFIG', provisionalId, `BrainFlow has no descriptor for board ${boardId}: ${(err as Error).message}`, { boardId }, { cause: err });
    }
    if (opts.presets) descrs = descrs.filter((d) => opts.presets?.includes(d.preset));
    const name = descrs.find((d) => d.preset === 0)?.descr.name ?? descrs[0]?.descr.name ?? String(boardId);
    const id = opts.id ?? `brainflow-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
    return new BrainFlowSource(id, boardId, layoutFromDescriptors(id, boardId, descrs), module, path, opts);
  }

  private constructor(
    id: string,
    boardId: number,
    layout: BrainFlowLayout,
    mod: BrainFlowModule,
    private readonly modulePath: string,
    private readonly opts: BrainFlowSourceOptions,
  ) {
    this.id = id;
    this.boardId = boardId;
    this.layout = layout;
    this.streams = layout.streams;
    this.presets = layout.presets.map((l) => ({ layout: l, counter: l.packageRow === null ? null : new CounterUnwrapper(256), nextIndex: 0 }));
    const boardName = layout.markerStream.desc?.board ?? boardId;
    const port = opts.params?.serialPort ?? opts.params?.macAddress ?? opts.params?.ipAddress;
    this.label = `BrainFlow ${boardName} (board ${boardId}${port ? ` on ${port}` : ''})`;
    this.live = { mod, boardId, params: opts.params ?? {} };
  }

  get state(): SourceState {
    return this._state;
  }

  subscribe(listener: SourceListener): () => void {
    return this.listeners.add(listener);
  }

  /** Inserts a marker into the board's data (BoardShim.insertMarker); it comes back on the marker stream. */
  insertMarker(value: number, preset = 0): void {
    if (!Number.isFinite(value) || value === 0) {
      throw new SourceError('BAD_MARKER', this.id, `BrainFlow markers are non-zero numbers (got ${value})`);
    }
    this.worker?.postMessage({ type: 'marker', value, preset });
  }

  async start(): Promise<void> {
    if (this._state === 'released') throw new SourceError('RELEASED', this.id, `BrainFlow source "${this.id}" was released`);
    if (this._state === 'running') return;
    const data: BrainFlowWorkerData = {
      modulePath: this.modulePath,
      boardId: this.boardId,
      params: { ...(this.opts.params ?? {}) },
      presets: this.layout.presets.map((p) => ({ preset: p.preset, numRows: p.numRows })),
      pollMs: this.opts.pollMs ?? 25,
      bufferSamples: this.opts.bufferSamples ?? 450_000,
    };
    for (const p of this.presets) p.counter?.reset();
    const worker = new Worker(BRAINFLOW_WORKER_SOURCE, { eval: true, workerData: data });
    this.worker = worker;
    let resolveStopped!: () => void;
    this.stopped = new Promise<void>((r) => (resolveStopped = r));
    const started = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from the board within ${this.opts.startTimeoutMs ?? 20000} ms`)), this.opts.startTimeoutMs ?? 20_000);
      worker.on('message', (m: { type: string; stage?: string; message?: string; preset?: number; n?: number; buffer?: Float64Array }) => {
        switch (m.type) {
          case 'started':
            clearTimeout(timer);
            resolve();
            break;
          case 'data':
            if (m.buffer && m.n !== undefined && m.preset !== undefined) this.onData(m.preset, m.n, m.buffer);
            break;
          case 'error':
            if (m.stage === 'start') {
              clearTimeout(timer);
              reject(new Error(m.message));
            } else {
              this.emitError('BOARD_ERROR', `BrainFlow ${m.stage} failed: ${m.message}`);
            }
            break;
          case 'stopped':
            resolveStopped();
            break;
        }
      });
      worker.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
        this.emitError('WORKER_FAILED', `the BrainFlow polling thread failed: ${err.message}`, err);
        if (this._state === 'running') this.setState('error', err.message);
        resolveStopped();
      });
      worker.on('exit', () => resolveStopped());
    });
    try {
      await started;
    } catch (err) {
      this.worker = null;
      await worker.terminate();
      throw new SourceError('START_FAILED', this.id, `cannot start BrainFlow board ${this.boardId}: ${(err as Error).message}`, { boardId: this.boardId }, { cause: err });
    }
    liveBoards.add(this.live);
    if (!exitHookInstalled) {
      process.once('exit', releaseAtExit);
      exitHookInstalled = true;
    }
    this.lastOffsetSec = Number.NEGATIVE_INFINITY;
    this.setState('running');
  }

  async stop(): Promise<void> {
    if (this._state !== 'running' && this._state !== 'error') return;
    const worker = this.worker;
    this.worker = null;
    if (worker) {
      worker.postMessage({ type: 'stop' });
      // Data still in flight is delivered before 'stopped'; then the thread goes.
      await Promise.race([this.stopped, new Promise((r) => setTimeout(r, 5000))]);
      this.setState('stopped');
      await worker.terminate();
    } else {
      this.setState('stopped');
    }
    liveBoards.delete(this.live);
  }

  async release(): Promise<void> {
    if (this._state === 'released') return;
    await this.stop();
    this._state = 'released';
    this.listeners.emit({ kind: 'state', state: 'released' });
    this.listeners.clear();
  }

  // --- data ------------------------------------------------------------------------------

  private onData(preset: number, n: number, buffer: Float64Array): void {
    const st = this.presets.find((p) => p.layout.preset === preset);
    if (st && this._state === 'running') {
      this.maybeEmitOffset();
      this.cutChunks(st, n, buffer);
    }
    this.worker?.postMessage({ type: 'recycle', preset, buffer }, [buffer.buffer as ArrayBuffer]);
  }

  private maybeEmitOffset(): void {
    const now = this.opts.clock.nowSec();
    if (now - this.lastOffsetSec < (this.opts.clockOffsetIntervalSec ?? 2)) return;
    this.lastOffsetSec = now;
    // BrainFlow stamps with the system (UNIX) clock; read both clocks back to back.
    const offsetSec = this.opts.clock.nowSec() - Date.now() / 1000;
    this.listeners.emit({ kind: 'clockOffset', measurement: { sourceId: this.id, collectionTimeSec: now, offsetSec } });
  }

  private cutChunks(st: PresetState, n: number, buf: Float64Array): void {
    const l = st.layout;
    const tsOff = l.timestampRow * n;
    // Sample counters: the board's package number when it has one, else a running count.
    const counters = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let c = st.nextIndex;
      if (st.counter && l.packageRow !== null) {
        const raw = Math.round(buf[l.packageRow * n + i]);
        if (raw >= 0 && raw < 256) c = st.counter.next(raw);
        else st.counter = null;
      }
      if (c < st.nextIndex) c = st.nextIndex;
      counters[i] = c;
      st.nextIndex = c + 1;
    }
    let start = 0;
    for (let i = 1; i <= n; i++) {
      if (i < n && counters[i] === counters[i - 1] + 1) continue;
      for (const s of l.streams) {
        const ch = s.rows.length;
        const len = i - start;
        const values = new Float32Array(len * ch);
        for (let c = 0; c < ch; c++) {
          const off = s.rows[c] * n;
          for (let k = 0; k < len; k++) values[k * ch + c] = buf[off + start + k];
        }
        const timestamps = buf.slice(tsOff + start, tsOff + i);
        this.listeners.emit({ kind: 'chunk', chunk: { streamId: s.info.id, values, timestamps, firstIndex: counters[start] } });
      }
      start = i;
    }
    const mOff = l.markerRow * n;
    for (let i = 0; i < n; i++) {
      const v = buf[mOff + i];
      if (v === 0 || !Number.isFinite(v)) continue;
      this.listeners.emit({
        kind: 'chunk',
        chunk: { streamId: this.layout.markerStream.id, values: [String(v)], timestamps: Float64Array.of(buf[tsOff + i]), firstIndex: this.markerCount++ },
      });
    }
  }

  private setState(state: SourceState, detail?: string): void {
    if (this._state === state) return;
    this._state = state;
    this.listeners.emit({ kind: 'state', state, detail });
  }

  private emitError(code: string, message: string, cause?: unknown): void {
    this.listeners.emit({ kind: 'error', error: new SourceError(code, this.id, `BrainFlow source "${this.id}": ${message}`, { boardId: this.boardId }, { cause }) });
  }
}
