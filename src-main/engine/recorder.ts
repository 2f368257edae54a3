// The session recorder: appends every chunk, clock-offset measurement and marker of a
// session to its XDF file as it arrives (raw source-clock timestamps plus ClockOffset
// chunks, as LabRecorder does, so pyxdf/MNE/EEGLAB can synchronise the file themselves).

import type { ClockOffsetMeasurement, Chunk, StreamInfo } from '../core/streams/types.js';
import { XdfWriter } from '../storage/xdf/xdf-writer.js';
import type { XdfError } from '../storage/xdf/xdf-error.js';
import { EngineError } from './errors.js';

export interface RecorderOptions {
  /** Extra fields written into the XDF file header (subject pseudonym, protocol, notes). */
  fileHeaderFields?: Record<string, string>;
  fsyncIntervalMs?: number;
  /** Called once when writing fails (disk full, I/O error); what was written stays valid. */
  onError?: (err: XdfError) => void;
}

export interface StreamRecordStats {
  streamId: string;
  xdfStreamId: number;
  sampleCount: number;
}

export class SessionRecorder {
  private readonly xdfIds = new Map<string, number>();
  private readonly counts = new Map<string, number>();
  private readonly streamsBySource = new Map<string, string[]>();
  private closed = false;
  private failure: XdfError | null = null;

  private constructor(
    readonly path: string,
    private readonly writer: XdfWriter,
  ) {}

  static async open(path: string, opts: RecorderOptions = {}): Promise<SessionRecorder> {
    let recorder: SessionRecorder | null = null;
    const writer = await XdfWriter.create(path, {
      fsyncIntervalMs: opts.fsyncIntervalMs ?? 1000,
      fileHeaderFields: opts.fileHeaderFields,
      onError: (err: XdfError) => {
        if (recorder && !recorder.failure) recorder.failure = err;
        opts.onError?.(err);
      },
    });
    recorder = new SessionRecorder(path, writer);
    return recorder;
  }

  /** The write failure, if any: recording stopped there, the file up to it is valid. */
  get error(): XdfError | null {
    return this.failure;
  }

  get bytesWritten(): number {
    return this.writer.bytesWritten;
  }

  addStream(info: StreamInfo, createdAtSec?: number): void {
    if (this.xdfIds.has(info.id)) return;
    this.assertOpen();
    const xdfId = this.writer.addStream(info, createdAtSec === undefined ? undefined : { createdAtSec });
    this.xdfIds.set(info.id, xdfId);
    this.counts.set(info.id, 0);
    const list = this.streamsBySource.get(info.sourceId) ?? [];
    list.push(info.id);
    this.streamsBySource.set(info.sourceId, list);
  }

  hasStream(streamId: string): boolean {
    return this.xdfIds.has(streamId);
  }

  appendChunk(chunk: Chunk): void {
    if (this.closed || this.failure) return;
    const xdfId = this.xdfIds.get(chunk.streamId);
    if (xdfId === undefined) {
      throw new EngineError('UNKNOWN_STREAM', `recorder got a chunk for stream "${chunk.streamId}" that was never added`);
    }
    this.writer.appendChunk(xdfId, chunk);
    this.counts.set(chunk.streamId, (this.counts.get(chunk.streamId) ?? 0) + chunk.timestamps.length);
  }

  /** A clock offset applies to every stream of its source (they share the device clock). */
  appendClockOffset(m: ClockOffsetMeasurement): void {
    if (this.closed || this.failure) return;
    for (const streamId of this.streamsBySource.get(m.sourceId) ?? []) {
      const xdfId = this.xdfIds.get(streamId);
      // XDF (LabRecorder, pyxdf) stores the collection time on the source clock: local - offset.
      if (xdfId !== undefined) this.writer.appendClockOffset(xdfId, m.collectionTimeSec - m.offsetSec, m.offsetSec);
    }
  }

  stats(): StreamRecordStats[] {
    return [...this.xdfIds].map(([streamId, xdfStreamId]) => ({
      streamId,
      xdfStreamId,
      sampleCount: this.counts.get(streamId) ?? 0,
    }));
  }

  async flush(): Promise<void> {
    await this.writer.flush();
  }

  /** Writes footers and syncs. Idempotent. Rejects with the write error if writing failed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writer.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new EngineError('RECORDER_CLOSED', `recorder for ${this.path} is closed`);
  }
}
