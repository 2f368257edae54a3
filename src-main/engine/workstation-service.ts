// The workstation API implemented once over the engine (STYLE: one typed contract). The
// WebSocket server and the Electron IPC transport both call into this; neither knows the
// engine. Also serves plot views: decimated min/max frames at a bounded rate per view.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createSourceSet, parseSourceSpec, type SourceSpec } from '../acquisition/source-spec.js';
import { SyntheticSession } from '../acquisition/synthetic/synthetic-session.js';
import type { SessionClock } from '../core/streams/clock.js';
import type { SignalSource } from '../core/streams/source.js';
import type { ApiEvent, ParsedParams, RequestName, RequestResult, SessionStatus, WorkstationApi } from '../api/contract.js';
import { HimoeError } from '../core/errors.js';
import { ListenerSet } from '../core/streams/source.js';
import { EngineError } from './errors.js';
import { MarkerSource } from './marker-source.js';
import { SessionEngine } from './session-engine.js';
import { LiveInferenceRunner } from './live-inference.js';
import { PlotFramePublisher } from './plot-frames.js';
import { SignalQualityPublisher } from './signal-quality.js';

/** Where a recording goes, and what to do when it is complete (index it, write metadata). */
export interface RecordingTarget {
  path: string;
  finish(result: { durationSec: number; failed: boolean }): Promise<void>;
}

export interface RecordingRequest {
  subject: string | null;
  notes: string;
  source: { kind: 'synthetic'; seed: number; modalities: string[] } | { kind: 'device'; specs: string[]; seed: number };
  streams: Array<{ id: string; name: string; type: string; channelCount: number; nominalRateHz: number }>;
}

/** A handler for one request of the contract, given the service (for events and the session). */
export type RequestHandler<N extends RequestName> = (params: ParsedParams<N>, service: WorkstationService) => Promise<RequestResult<N>>;
export type RequestHandlers = { [N in RequestName]?: RequestHandler<N> };

export interface WorkstationOptions {
  /** Decides where each recording is written (a workspace session folder, a temp dir in tests). */
  planRecording: (request: RecordingRequest) => Promise<RecordingTarget>;
  /** Handlers for the requests of other areas (library, devices, annotation, model), each in its own module. */
  handlers?: RequestHandlers;
  /** A Hi-MoE model folder: when set, every session runs live inference into a PREDICTION stream. */
  modelDir?: string;
  /** The workspace's models/: session.start's `model` names a folder there, for that session instead of `modelDir`. */
  modelsDir?: string;
}

export interface ViewHandle {
  close(): void;
}

interface ActiveSession {
  engine: SessionEngine;
  synthetic: SyntheticSession | null;
  markers: MarkerSource;
  target: RecordingTarget | null;
  subject: string | null;
  inference: LiveInferenceRunner | null;
  /** The model folder this session runs (or tried to), null without one. */
  modelDir: string | null;
  unsubscribe: () => void;
}

export class WorkstationService implements WorkstationApi {
  private active: ActiveSession | null = null;
  private starting = false;
  private readonly events = new ListenerSet<ApiEvent>();
  private readonly plots = new PlotFramePublisher();

  constructor(private readonly opts: WorkstationOptions) {}

  onEvent(listener: (event: ApiEvent) => void): () => void {
    return this.events.add(listener);
  }

  /** Publish an event to every client (used by request handlers of other areas). */
  emit(event: ApiEvent): void {
    this.events.emit(event);
  }

  /** The running session's engine, or null when idle (for handlers that attach to it). */
  get engine(): SessionEngine | null {
    return this.active?.engine ?? null;
  }

  /** The running session's live inference (null when no model is configured or it did not load). */
  get liveInference(): LiveInferenceRunner | null {
    return this.active?.inference ?? null;
  }

  /** The running session's model folder, else the configured one (`--model`, HIMOE_MODEL), or null. */
  get modelDir(): string | null {
    return this.active !== null ? this.active.modelDir : (this.opts.modelDir ?? null);
  }

  /** The configured model folder (`--model`, HIMOE_MODEL), or null. */
  get configuredModelDir(): string | null {
    return this.opts.modelDir ?? null;
  }

  /** A model folder of the workspace's models/ by name, checked before a session starts on it. */
  private workspaceModel(name: string): string {
    if (this.opts.modelsDir === undefined) throw new EngineError('NO_MODEL', `model "${name}": this workstation has no workspace models/ folder; start it with a workspace`, { model: name });
    const dir = join(this.opts.modelsDir, name);
    if (!existsSync(join(dir, 'manifest.json'))) {
      throw new EngineError('NO_MODEL', `model "${name}": ${dir} is not a model folder (no manifest.json); prediction.models lists the workspace's models`, { model: name });
    }
    return dir;
  }

  async call<N extends RequestName>(name: N, params: ParsedParams<N>): Promise<RequestResult<N>> {
    // Each branch returns the result type of its request; the casts bridge TypeScript's
    // inability to narrow a generic by a switch on the name.
    switch (name) {
      case 'session.status':
        return this.status() as RequestResult<N>;
      case 'session.start':
        return (await this.start(params as ParsedParams<'session.start'>)) as RequestResult<N>;
      case 'session.stop':
        return (await this.stop()) as RequestResult<N>;
      case 'marker.add':
        return this.addMarker((params as ParsedParams<'marker.add'>).label) as RequestResult<N>;
      default: {
        const handler = this.opts.handlers?.[name] as RequestHandler<N> | undefined;
        if (handler) return handler(params, this);
        throw new EngineError('UNSUPPORTED_REQUEST', `request "${name}" is not handled by this workstation`);
      }
    }
  }

  status(): SessionStatus {
    const a = this.active;
    if (!a) {
      return { state: 'idle', recording: false, recordingPath: null, elapsedSec: null, bytesWritten: 0, subject: null, streams: [], stats: [], sources: [] };
    }
    return {
      state: 'running',
      recording: a.target !== null,
      recordingPath: a.engine.recordingPath,
      elapsedSec: a.engine.elapsedSec,
      bytesWritten: a.engine.bytesWritten,
      subject: a.subject,
      streams: a.engine.streamInfos.map((s) => ({ ...s, channels: s.channels.map((c) => ({ ...c })) })),
      stats: a.engine.stats().map((s) => ({
        streamId: s.info.id,
        receivedSamples: s.receivedSamples,
        lostSamples: s.lostSamples,
        gaps: s.gaps,
        lastTimeSec: Number.isFinite(s.lastTimeSec) ? s.lastTimeSec : null,
      })),
      sources: a.engine.sourceSummaries(),
    };
  }

  private async start(p: ParsedParams<'session.start'>): Promise<{ recordingPath: string | null }> {
    // Two clients may press Start at once: the second must not open a second session while
    // the first is still setting up (sources, model, recording folder).
    if (this.active || this.starting) throw new EngineError('SESSION_RUNNING', 'a session is already running; stop it first');
    this.starting = true;
    try {
      return await this.startSession(p);
    } finally {
      this.starting = false;
    }
  }

  private async startSession(p: ParsedParams<'session.start'>): Promise<{ recordingPath: string | null }> {
    const modelDir = p.model !== undefined ? this.workspaceModel(p.model) : (this.opts.modelDir ?? null);
    const { sources, clock, synthetic, source } = await buildSources(p);
    const engine = new SessionEngine({ clock });
    const markers = new MarkerSource(clock);
    for (const s of sources) engine.addSource(s);
    engine.addSource(markers);
    // Live signal quality per stream: recorded as QUALITY streams and sent to the UI.
    const quality = new SignalQualityPublisher(engine);
    quality.attach();
    const offQuality = quality.onReport((r) =>
      this.events.emit({
        kind: 'quality',
        streamId: r.streamId,
        tSec: r.tSessionSec,
        index: r.modalityIndex,
        reasons: r.modalityReasons,
        channels: r.channels,
      }),
    );
    // Live inference, when a model is configured or chosen: a model that does not fit the streams
    // at hand is reported and the session goes on without predictions.
    let inference: LiveInferenceRunner | null = null;
    if (modelDir) {
      const runner = new LiveInferenceRunner(engine, {
        modelDir,
        onError: (err) => this.events.emit({ kind: 'error', code: err.code, message: `live inference: ${err.message}` }),
      });
      try {
        await runner.start();
        inference = runner;
      } catch (err) {
        await runner.stop();
        this.events.emit({ kind: 'error', code: err instanceof HimoeError ? err.code : 'MODEL_UNAVAILABLE', message: `no live predictions: ${(err as Error).message}` });
      }
    }
    const subject = p.subject === '' ? null : p.subject;
    const target = p.record
      ? await this.opts.planRecording({
          subject,
          notes: p.notes,
          source,
          streams: engine.streamInfos.map((s) => ({ id: s.id, name: s.name, type: s.type, channelCount: s.channels.length, nominalRateHz: s.nominalRateHz })),
        })
      : null;
    const unsubscribe = engine.subscribe((ev) => {
      switch (ev.kind) {
        case 'sourceState':
          this.events.emit({ kind: 'sourceState', sourceId: ev.sourceId, state: ev.state, detail: ev.detail });
          break;
        case 'gap':
          this.events.emit({ kind: 'gap', streamId: ev.streamId, missingCount: ev.gap.missingCount, fromSec: ev.gap.beforeTimeSec, toSec: ev.gap.afterTimeSec });
          break;
        case 'sourceError':
          this.events.emit({ kind: 'error', code: ev.error.code, message: ev.error.message, sourceId: ev.sourceId });
          break;
        case 'recorderError':
          this.events.emit({ kind: 'error', code: ev.error instanceof HimoeError ? ev.error.code : 'RECORDER_ERROR', message: ev.error.message });
          // Writing failed (disk full, I/O error): the file up to here is valid, but the session
          // must not look as if it were still recording. End it, as the CLI does.
          if (engine.recordingError && this.active?.engine === engine) {
            void this.stop().catch(() => {});
          }
          break;
        default:
          break;
      }
    });
    const detachAll = () => {
      unsubscribe();
      offQuality();
      quality.detach();
    };
    this.active = { engine, synthetic, markers, target, subject, inference, modelDir, unsubscribe: detachAll };
    this.plots.attach(engine);
    try {
      await engine.start({
        recordPath: target?.path,
        metadata: { subject: subject ?? undefined, notes: p.notes || undefined, source: source.kind === 'synthetic' ? 'synthetic' : source.specs.join(' '), seed: String(p.seed) },
      });
    } catch (err) {
      this.active = null;
      this.plots.attach(null);
      detachAll();
      await inference?.stop();
      await engine.release();
      await target?.finish({ durationSec: 0, failed: true });
      throw err;
    }
    this.events.emit({ kind: 'session', state: 'started', recordingPath: target?.path ?? null });
    return { recordingPath: target?.path ?? null };
  }

  private async stop(): Promise<{ recordingPath: string | null; durationSec: number }> {
    const a = this.active;
    if (!a) throw new EngineError('NO_SESSION', 'no session is running');
    this.active = null;
    this.plots.attach(null);
    const durationSec = a.engine.elapsedSec;
    let failed = false;
    try {
      await a.inference?.stop();
      await a.engine.release();
    } catch (err) {
      failed = true;
      this.events.emit({ kind: 'error', code: err instanceof HimoeError ? err.code : 'STOP_FAILED', message: (err as Error).message });
    } finally {
      a.unsubscribe();
      await a.target?.finish({ durationSec, failed });
    }
    this.events.emit({ kind: 'session', state: 'stopped', recordingPath: a.target?.path ?? null });
    return { recordingPath: a.target?.path ?? null, durationSec };
  }

  private addMarker(label: string): { tSec: number } {
    const a = this.active;
    if (!a) throw new EngineError('NO_SESSION', `cannot add marker "${label}": no session is running`);
    const tSec = a.markers.add(label);
    this.events.emit({ kind: 'marker', label, tSec });
    return { tSec };
  }

  /**
   * Start sending min/max frames of `streamIds` over the last `timeBaseSec` to `sink`, at
   * most `maxFps` a second, as soon as new samples arrive (plot-frames.ts: one decimation per
   * stream and window for every view, deltas with a keyframe a second). Frames follow
   * whatever session is running (none when idle).
   */
  openView(p: ParsedParams<'view.subscribe'>, sink: (bytes: Uint8Array) => void): ViewHandle {
    return this.plots.open(p, sink);
  }

  /** Stop any session (recording finished cleanly) and every view. */
  async shutdown(): Promise<void> {
    this.plots.close();
    if (this.active) await this.stop();
    this.events.clear();
  }
}

/**
 * The sources of a session: the embedded synthetic subject, or the --source specs the UI sent
 * (devices on the host clock, in real time). Playback would read any file, so the UI may not ask for it.
 */
async function buildSources(p: ParsedParams<'session.start'>): Promise<{ sources: SignalSource[]; clock: SessionClock; synthetic: SyntheticSession | null; source: RecordingRequest['source'] }> {
  if (!p.sources) {
    const synthetic = new SyntheticSession({ seed: p.seed, modalities: p.modalities, pacing: 'realtime' });
    return { sources: synthetic.sources, clock: synthetic.clock, synthetic, source: { kind: 'synthetic', seed: p.seed, modalities: p.modalities } };
  }
  const specs: SourceSpec[] = p.sources.map((text) => {
    const spec = parseSourceSpec(text);
    if (spec.kind === 'playback') throw new EngineError('BAD_SOURCE_SPEC', `source "${text}": playback is not available from the workstation UI; use \`himoe record --source playback:FILE\``);
    return spec.kind === 'synthetic' && spec.modalities === null ? { ...spec, modalities: [...p.modalities] } : spec;
  });
  const set = await createSourceSet(specs, { seed: p.seed, realtime: true });
  const modalities = specs.flatMap((s) => (s.kind === 'synthetic' ? (s.modalities ?? []) : []));
  const source: RecordingRequest['source'] = specs.every((s) => s.kind === 'synthetic')
    ? { kind: 'synthetic', seed: p.seed, modalities: [...new Set(modalities)] }
    : { kind: 'device', specs: specs.map((s) => s.text), seed: p.seed };
  return { sources: set.sources, clock: set.clock, synthetic: set.synthetic, source };
}
