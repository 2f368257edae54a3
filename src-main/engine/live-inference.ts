// Live inference (issue 3 item 8, DESIGN §2 step 5): every hop of the session clock the engine's
// ring buffers' last window per modality is copied and posted to a Hi-MoE worker thread; its
// predictions come back as a PREDICTION stream recorded and displayed like any other stream.

import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import type { StreamInfo } from '../core/streams/types.js';
import { ModelError } from '../model/errors.js';
import { predictionChannelLabels, spawnInferenceWorker, type FromLiveWorker, type LiveModalityData, type LiveModelLayout, type ToLiveWorker } from '../model/live/index.js';
import type { ModelBackend } from '../model/runtime/index.js';
import type { EngineEvent, SessionEngine } from './session-engine.js';

export const DEFAULT_PREDICTION_STREAM_ID = 'himoe:prediction';

export interface LiveInferenceOptions {
  /** Model directory written by saveModel (manifest.json, model.json, weights.bin). */
  modelDir: string;
  /** Seconds of session clock between windows (default 0.5). */
  hopSec?: number;
  /** Id of the PREDICTION stream (default 'himoe:prediction'). */
  streamId?: string;
  /** Backend preference of the worker's runtime (default tensorflow > wasm > cpu). */
  backend?: ModelBackend | ModelBackend[];
  /** History read before the window start for the resampler's filter (default 1 s). */
  marginSec?: number;
  /** Latencies kept for the median/p99 (default 1024, the newest). */
  latencyHistory?: number;
  /** Called when a window fails or the worker dies (the runner keeps going for window failures). */
  onError?: (error: ModelError) => void;
  /** Test hook: the worker waits this long after each prediction, as on a slow machine. */
  testDelayMs?: number;
}

export interface LatencyStats {
  /** Windows measured (at most latencyHistory). */
  count: number;
  medianMs: number;
  p99Ms: number;
}

export interface LiveInferenceStats {
  /** Windows posted to the worker. */
  postedWindows: number;
  /** Predictions published on the PREDICTION stream. */
  publishedWindows: number;
  /** Hops whose window was not run because the worker was still busy (or several hops passed at once). */
  skippedWindows: number;
  /** Windows the worker could not predict (see onError). */
  failedWindows: number;
  /** Post to publish, wall clock (copy, transfer, assemble, forward pass, answer). */
  latencyMs: LatencyStats;
  /** Inside the worker: window assembly + batch + forward pass + download. */
  computeMs: LatencyStats;
  /** On the engine's (main) thread per window: ring-buffer copies and the post. */
  mainThreadMs: LatencyStats;
  /** tf.memory().numTensors in the worker after its last prediction (constant when nothing leaks). */
  workerTensors: number;
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** A fixed-size history of latencies with on-demand median and p99 (no allocation per window). */
class LatencyHistory {
  private readonly values: Float64Array;
  private next = 0;
  private filled = 0;
  constructor(capacity: number) {
    this.values = new Float64Array(Math.max(1, capacity));
  }
  add(ms: number): void {
    this.values[this.next] = ms;
    this.next = (this.next + 1) % this.values.length;
    this.filled = Math.min(this.filled + 1, this.values.length);
  }
  stats(): LatencyStats {
    const sorted = this.values.slice(0, this.filled).sort();
    return { count: this.filled, medianMs: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) };
  }
}

/**
 * Runs a Hi-MoE model on a live session. `start()` loads the model in a worker thread (a stream
 * mismatch rejects with the loader's ModelError), registers the PREDICTION stream (valence,
 * arousal, `weight_<modality>` per model modality, `prototype_<k>`, and with per-output routing
 * `<output>_weight_<modality>`: predictionChannelLabels; unit 'a.u.'; one sample per hop stamped
 * at the window end) and then runs a window whenever the session clock passes the
 * next hop, as seen on the engine's chunk events. The main thread only copies and posts; while
 * the worker is busy, hops are skipped and counted.
 */
export class LiveInferenceRunner {
  readonly hopSec: number;
  readonly streamId: string;
  private readonly engine: SessionEngine;
  private readonly options: LiveInferenceOptions;
  private readonly latency: LatencyHistory;
  private readonly compute: LatencyHistory;
  private readonly mainThread: LatencyHistory;
  private readonly anchorsSec = new Map<string, number>();
  private worker: Worker | null = null;
  private exited: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | null = null;
  private publish: ((values: Float32Array, timestampsSec: Float64Array) => void) | null = null;
  private modelLayout: LiveModelLayout | null = null;
  private busySeq = -1;
  private sentAtMs = 0;
  private seq = 0;
  private nextHopSec = Number.NaN;
  private counts = { posted: 0, published: 0, skipped: 0, failed: 0 };
  private tensors = Number.NaN;
  private error: ModelError | null = null;

  constructor(engine: SessionEngine, options: LiveInferenceOptions) {
    const hopSec = options.hopSec ?? 0.5;
    if (!(hopSec > 0) || !Number.isFinite(hopSec)) throw new ModelError('invalid-option', `live inference hopSec must be a positive number of seconds (got ${hopSec})`, { hopSec });
    this.engine = engine;
    this.options = options;
    this.hopSec = hopSec;
    this.streamId = options.streamId ?? DEFAULT_PREDICTION_STREAM_ID;
    this.latency = new LatencyHistory(options.latencyHistory ?? 1024);
    this.compute = new LatencyHistory(options.latencyHistory ?? 1024);
    this.mainThread = new LatencyHistory(options.latencyHistory ?? 1024);
  }

  /** The loaded model's row layout (null before start resolves). */
  get layout(): LiveModelLayout | null {
    return this.modelLayout;
  }

  get skippedWindows(): number {
    return this.counts.skipped;
  }

  /** True while the worker thread exists (false after stop() or a crash). */
  get workerRunning(): boolean {
    return this.worker !== null;
  }

  /** The last window or worker failure. */
  get lastError(): ModelError | null {
    return this.error;
  }

  stats(): LiveInferenceStats {
    return {
      postedWindows: this.counts.posted,
      publishedWindows: this.counts.published,
      skippedWindows: this.counts.skipped,
      failedWindows: this.counts.failed,
      latencyMs: this.latency.stats(),
      computeMs: this.compute.stats(),
      mainThreadMs: this.mainThread.stats(),
      workerTensors: this.tensors,
    };
  }

  /** The PREDICTION stream's description for a model layout. */
  predictionStreamInfo(layout: LiveModelLayout): StreamInfo {
    return {
      id: this.streamId,
      name: `Hi-MoE prediction (${layout.modelName})`,
      type: 'PREDICTION',
      channels: predictionChannelLabels(layout).map((label) => ({ label, unit: 'a.u.' })),
      channelFormat: 'float32',
      nominalRateHz: 1 / this.hopSec,
      sourceId: 'himoe-model',
      desc: { model: layout.modelName, modelDir: this.options.modelDir, backend: layout.backend, windowSec: layout.windowSec, hopSec: this.hopSec },
    };
  }

  /** Load the model in a worker and start predicting; rejects with ModelError when the model cannot run on these streams. */
  async start(): Promise<LiveModelLayout> {
    if (this.worker !== null) throw new ModelError('live-running', `live inference on "${this.streamId}" is already running`);
    const streams = this.engine.streamInfos.filter((s) => s.id !== this.streamId);
    const worker = spawnInferenceWorker({ modelDir: this.options.modelDir, streams, ...(this.options.backend !== undefined ? { backend: this.options.backend } : {}), testDelayMs: this.options.testDelayMs ?? 0 });
    this.worker = worker;
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    const where = { modelDir: this.options.modelDir };
    let onMessage = (_m: FromLiveWorker): void => undefined;
    let onError = (_e: Error): void => undefined;
    let onExit = (_code: number): void => undefined;
    let layout: LiveModelLayout;
    try {
      layout = await new Promise<LiveModelLayout>((resolve, reject) => {
        onMessage = (m) => {
          if (m.kind === 'ready') resolve(m.layout);
          else if (m.kind === 'error') reject(new ModelError(m.code, m.message, where));
          else reject(new ModelError('worker-protocol', `live inference worker answered "${m.kind}" before it was ready`, where));
        };
        onError = (e) => reject(new ModelError('worker-failed', `live inference worker failed while loading ${this.options.modelDir}: ${e.message}`, where, { cause: e }));
        onExit = (code) => reject(new ModelError('worker-failed', `live inference worker exited (code ${code}) while loading ${this.options.modelDir}`, where));
        worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      });
    } catch (error) {
      await this.stop();
      throw error;
    } finally {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    }
    worker.on('message', (m: FromLiveWorker) => this.onWorkerMessage(m));
    worker.on('error', (e) => this.fail(new ModelError('worker-failed', `live inference worker failed: ${e.message}`, {}, { cause: e })));
    worker.on('exit', (code) => {
      if (this.worker === worker) {
        this.worker = null;
        this.unsubscribe?.();
        this.unsubscribe = null;
        this.fail(new ModelError('worker-exited', `live inference worker exited unexpectedly (code ${code})`));
      }
    });
    this.modelLayout = layout;
    this.publish ??= this.engine.addDerivedStream(this.predictionStreamInfo(layout));
    this.busySeq = -1;
    this.nextHopSec = (Math.floor(this.engine.clock.nowSec() / this.hopSec) + 1) * this.hopSec;
    this.unsubscribe = this.engine.subscribe((event: EngineEvent) => {
      if (event.kind === 'chunk' && event.chunk.streamId !== this.streamId) this.tick();
    });
    return layout;
  }

  /**
   * Run the hop that is due, if any: called on every chunk the engine publishes (so it follows the
   * session clock in real-time and accelerated sessions alike); callable from a timer as well.
   */
  tick(): void {
    const layout = this.modelLayout;
    const worker = this.worker;
    if (layout === null || worker === null) return;
    const nowSec = this.engine.clock.nowSec();
    if (!(nowSec >= this.nextHopSec)) return;
    const due = Math.floor((nowSec - this.nextHopSec) / this.hopSec) + 1;
    const windowEndSec = this.nextHopSec + (due - 1) * this.hopSec;
    this.nextHopSec = windowEndSec + this.hopSec;
    this.counts.skipped += due - 1;
    if (this.busySeq >= 0) {
      this.counts.skipped++;
      return;
    }
    const t0Ms = performance.now();
    const fromSec = windowEndSec - layout.windowSec - (this.options.marginSec ?? 1);
    const inputs: LiveModalityData[] = [];
    const transfer: ArrayBuffer[] = [];
    for (const { modality, streamId } of layout.inputs) {
      const buffer = this.engine.buffer(streamId);
      if (buffer === null || buffer.size === 0) continue;
      let anchorSec = this.anchorsSec.get(streamId);
      if (anchorSec === undefined) this.anchorsSec.set(streamId, (anchorSec = buffer.oldestTimeSec));
      // A fresh copy of exactly the window's samples, transferred (not cloned) to the worker.
      const read = buffer.readRange(fromSec, windowEndSec);
      if (read.count === 0) continue;
      inputs.push({ modality, streamId, channelCount: buffer.channelCount, nominalRateHz: this.engine.streamRateHz(streamId), values: read.values, timestamps: read.timestamps, anchorSec });
      transfer.push(read.values.buffer as ArrayBuffer, read.timestamps.buffer as ArrayBuffer);
    }
    const message: ToLiveWorker = { kind: 'window', seq: this.seq++, windowEndSec, inputs };
    this.busySeq = message.seq;
    this.counts.posted++;
    worker.postMessage(message, transfer);
    this.sentAtMs = performance.now();
    this.mainThread.add(this.sentAtMs - t0Ms);
  }

  /** Stop predicting and terminate the worker (its tensors go with it). Idempotent. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    const worker = this.worker;
    this.worker = null;
    this.busySeq = -1;
    if (worker !== null) {
      await worker.terminate();
      await this.exited;
    }
  }

  private onWorkerMessage(m: FromLiveWorker): void {
    if (m.kind === 'ready') return;
    if (m.seq === this.busySeq) this.busySeq = -1;
    if (m.kind === 'error') {
      this.counts.failed++;
      this.fail(new ModelError(m.code, `live inference window ${m.seq ?? '?'}: ${m.message}`));
      return;
    }
    this.latency.add(performance.now() - this.sentAtMs);
    this.compute.add(m.computeMs);
    this.tensors = m.numTensors;
    this.counts.published++;
    this.publish?.(m.row, Float64Array.of(m.windowEndSec));
  }

  private fail(error: ModelError): void {
    this.error = error;
    this.options.onError?.(error);
  }
}
