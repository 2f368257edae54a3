// The SignalSource contract: what every producer of samples (synthetic generator, serial
// device, BrainFlow board, file playback) offers the engine. Pure TS so the renderer and
// workers can share the types; implementations live in src-main/acquisition.

import type { SourceError } from '../errors.js';
import type { Chunk, ClockOffsetMeasurement, StreamInfo } from './types.js';

/**
 * Lifecycle:  idle --start()--> running --stop()--> stopped --start()--> running ...
 *             any --release()--> released (terminal; all timers, handles, ports closed).
 * `disconnected` is a running source that lost its device and is trying to come back;
 * `error` is a source that gave up (the error event says why). start/stop/release are
 * idempotent: calling one twice has the same effect as once.
 */
export type SourceState = 'idle' | 'running' | 'disconnected' | 'stopped' | 'error' | 'released';

export type SourceEvent =
  | { kind: 'chunk'; chunk: Chunk }
  | { kind: 'clockOffset'; measurement: ClockOffsetMeasurement }
  | { kind: 'state'; state: SourceState; detail?: string }
  | { kind: 'error'; error: SourceError };

export type SourceListener = (event: SourceEvent) => void;

export interface SignalSource {
  readonly id: string;
  /** Human-readable description (device model, port). */
  readonly label: string;
  /** The streams this source produces. Known after construction (from config or the device
   *  descriptor); never changes while running. */
  readonly streams: readonly StreamInfo[];
  readonly state: SourceState;
  /** Subscribe to chunks, clock offsets, state changes and errors. Returns an unsubscribe. */
  subscribe(listener: SourceListener): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
  release(): Promise<void>;
}

/** Small typed listener set, used by sources (no Node EventEmitter in core). A listener
 *  that throws does not stop delivery to the others; the throw is reported to `onListenerError`. */
export class ListenerSet<E> {
  private readonly listeners = new Set<(event: E) => void>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

  add(listener: (event: E) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(event: E): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }

  clear(): void {
    this.listeners.clear();
  }
}
