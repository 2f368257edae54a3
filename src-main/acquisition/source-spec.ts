// `--source` specs -> SignalSources. Parses `synthetic[:eda,ecg]`, `<protocol>:<port>[:options]`
// (cyton, cyton-daisy, bitalino, text, himoe), `brainflow:<board>[:key=value,...]` and
// `playback:<file.xdf>[:speed=4,timestamps=original]`, and builds the sources of one session
// on one clock. Used by `himoe record`, device profiles and the app.

import { basename } from 'node:path';
import { SourceError } from '../core/errors.js';
import type { SessionClock } from '../core/streams/clock.js';
import type { SignalSource } from '../core/streams/source.js';
import { BrainFlowSource, brainFlowParamsFromOptions } from './brainflow/brainflow-source.js';
import { PlaybackSession, type PlaybackTimestamps } from './playback/playback-session.js';
import { parseProtocolOptions, protocolFor, SERIAL_PROTOCOL_NAMES } from './serial/registry.js';
import type { SerialProtocol } from './serial/protocol.js';
import { SerialSource } from './serial/serial-source.js';
import { SYNTHETIC_MODALITIES, type SyntheticModality } from './synthetic/config.js';
import { SyntheticSession } from './synthetic/synthetic-session.js';

export type SourceSpec =
  | { kind: 'synthetic'; text: string; modalities: SyntheticModality[] | null }
  | { kind: 'serial'; text: string; protocol: string; path: string; options: Record<string, string>; id?: string }
  | { kind: 'brainflow'; text: string; board: string; options: Record<string, string>; id?: string }
  | { kind: 'playback'; text: string; file: string; speed: number; timestamps: PlaybackTimestamps | null; id?: string };

const SPEC_ERROR_SOURCE = 'source-spec';

/** The host's monotonic clock in seconds: the session clock whenever a live device takes part. */
export const HOST_CLOCK: SessionClock = { nowSec: () => performance.now() / 1000 };

function bad(text: string, message: string): never {
  throw new SourceError('BAD_SOURCE_SPEC', SPEC_ERROR_SOURCE, `--source "${text}": ${message}`, { spec: text });
}

/** Splits "kind:first:rest" at the first two colons; a Windows drive letter stays with its path. */
function splitSpec(text: string): { kind: string; first: string; rest: string } {
  const i = text.indexOf(':');
  if (i < 0) return { kind: text, first: '', rest: '' };
  const after = text.slice(i + 1);
  const drive = /^[A-Za-z]:[\\/]/.test(after) ? 2 : 0;
  const j = after.indexOf(':', drive);
  return j < 0 ? { kind: text.slice(0, i), first: after, rest: '' } : { kind: text.slice(0, i), first: after.slice(0, j), rest: after.slice(j + 1) };
}

function takeId(options: Record<string, string>): string | undefined {
  const id = options.id;
  delete options.id;
  if (id !== undefined && !/^[A-Za-z0-9._-]+$/.test(id)) throw new SourceError('BAD_SOURCE_SPEC', SPEC_ERROR_SOURCE, `source id "${id}" may use letters, digits, ".", "_" and "-" only`);
  return id;
}

/** Parses one `--source` value. Throws SourceError BAD_SOURCE_SPEC naming the spec and what was expected. */
export function parseSourceSpec(text: string): SourceSpec {
  const t = text.trim();
  if (t === '') bad(text, 'empty; expected e.g. synthetic, cyton:/dev/ttyUSB0, brainflow:-1 or playback:FILE.xdf');
  const { kind, first, rest } = splitSpec(t);
  switch (kind) {
    case 'synthetic': {
      const list = [first, rest].filter((s) => s !== '').join(',');
      if (list === '') return { kind: 'synthetic', text: t, modalities: null };
      const mods = list.split(/[,+]/).map((m) => m.trim().toUpperCase()).filter((m) => m !== '');
      for (const m of mods) {
        if (!(SYNTHETIC_MODALITIES as readonly string[]).includes(m)) bad(text, `unknown modality "${m.toLowerCase()}"; expected some of eeg, ecg, eda, ppg, resp`);
      }
      return { kind: 'synthetic', text: t, modalities: [...new Set(mods)] as SyntheticModality[] };
    }
    case 'brainflow': {
      if (first === '') bad(text, 'missing the board: brainflow:BOARD_ID[:key=value,...], e.g. brainflow:-1 or brainflow:CYTON_BOARD:serial_port=/dev/ttyUSB0');
      const options = rest === '' ? {} : parseProtocolOptions(rest);
      const id = takeId(options);
      return { kind: 'brainflow', text: t, board: first, options, ...(id ? { id } : {}) };
    }
    case 'playback': {
      if (first === '') bad(text, 'missing the file: playback:FILE.xdf[:speed=4,timestamps=original]');
      const options = rest === '' ? {} : parseProtocolOptions(rest);
      const id = takeId(options);
      let speed = 1;
      let timestamps: PlaybackTimestamps | null = null;
      for (const [k, v] of Object.entries(options)) {
        if (k === 'speed') {
          speed = Number(v);
          if (!Number.isFinite(speed) || speed <= 0) bad(text, `speed=${v} is not a positive number`);
        } else if (k === 'timestamps') {
          if (v !== 'original' && v !== 'rebased') bad(text, `timestamps=${v}; expected original or rebased`);
          timestamps = v;
        } else {
          bad(text, `unknown playback option "${k}"; expected speed, timestamps, id`);
        }
      }
      return { kind: 'playback', text: t, file: first, speed, timestamps, ...(id ? { id } : {}) };
    }
    default: {
      if (!(SERIAL_PROTOCOL_NAMES as readonly string[]).includes(kind)) {
        bad(text, `unknown source "${kind}"; expected synthetic, brainflow, playback or a serial protocol (${SERIAL_PROTOCOL_NAMES.join(', ')})`);
      }
      if (first === '') bad(text, `missing the port: ${kind}:PORT[:options], e.g. ${kind}:/dev/ttyUSB0`);
      const options = rest === '' ? {} : parseProtocolOptions(rest);
      const id = takeId(options);
      return { kind: 'serial', text: t, protocol: kind, path: first, options, ...(id ? { id } : {}) };
    }
  }
}

export interface SourceSetOptions {
  /** Synthetic subject seed (default 1). */
  seed?: number;
  /** Session length; synthetic and playback stop there, device sessions end by a timer. */
  durationSec?: number;
  /** Pace synthetic data in real time even when it is the only source. */
  realtime?: boolean;
  /** Resolves a serial protocol (default: the registry's protocolFor). Tests inject their own. */
  protocolFor?: (name: string, options: Record<string, string>) => SerialProtocol;
  /** Serial source tuning (reconnect backoff, silence watchdog). */
  serial?: { reconnect?: { initialDelayMs?: number; maxDelayMs?: number }; dataTimeoutSec?: number };
  /** BrainFlow package entry (default: resolved from the working directory). */
  brainflowModulePath?: string;
}

export interface SourceSet {
  sources: SignalSource[];
  /** The session clock to give the engine. */
  clock: SessionClock;
  /** 'fast' when a lone synthetic session or playback runs unpaced by the host clock. */
  pacing: 'realtime' | 'fast';
  /** Resolves when every finite source finished (synthetic duration, end of a playback); null when none is finite. */
  finished: Promise<void> | null;
  synthetic: SyntheticSession | null;
  playbacks: PlaybackSession[];
}

function uniqueId(wanted: string, taken: Set<string>): string {
  let id = wanted;
  for (let k = 2; taken.has(id); k++) id = `${wanted}-${k}`;
  taken.add(id);
  return id;
}

/**
 * Builds the sources of one session. A synthetic or playback source alone may run on its own
 * (virtual) clock; with any live device everything runs on HOST_CLOCK in real time, and a
 * playback must then play at speed 1. Synthetic specs merge into one simulated subject.
 */
export async function createSourceSet(specs: SourceSpec[], opts: SourceSetOptions = {}): Promise<SourceSet> {
  if (specs.length === 0) throw new SourceError('BAD_SOURCE_SPEC', SPEC_ERROR_SOURCE, 'no --source given');
  const synthetic = specs.filter((s): s is Extract<SourceSpec, { kind: 'synthetic' }> => s.kind === 'synthetic');
  const playbackSpecs = specs.filter((s): s is Extract<SourceSpec, { kind: 'playback' }> => s.kind === 'playback');
  const live = specs.some((s) => s.kind === 'serial' || s.kind === 'brainflow');
  const onlySynthetic = synthetic.length === specs.length;
  const onlyOnePlayback = playbackSpecs.length === 1 && specs.length === 1;
  const realtime = !(onlySynthetic && !opts.realtime) && !onlyOnePlayback;
  if (realtime) {
    for (const p of playbackSpecs) {
      if (p.speed !== 1) bad(p.text, `speed=${p.speed} needs the playback to be the only source; beside other sources it plays at speed 1`);
    }
  }
  if (!realtime && onlySynthetic && opts.durationSec === undefined) {
    throw new SourceError('BAD_SOURCE_SPEC', SPEC_ERROR_SOURCE, 'a fast synthetic session needs a duration (or real-time pacing)');
  }

  const sources: SignalSource[] = [];
  const taken = new Set<string>();
  const finite: Promise<void>[] = [];
  let session: SyntheticSession | null = null;
  let clock: SessionClock = HOST_CLOCK;
  const playbacks: PlaybackSession[] = [];
  try {
    if (synthetic.length > 0) {
      const mods = new Set<SyntheticModality>();
      for (const s of synthetic) for (const m of s.modalities ?? SYNTHETIC_MODALITIES) mods.add(m);
      const ordered = SYNTHETIC_MODALITIES.filter((m) => mods.has(m));
      session = new SyntheticSession({ seed: opts.seed ?? 1, modalities: ordered, durationSec: opts.durationSec, pacing: realtime ? 'realtime' : 'fast' });
      if (!realtime) clock = session.clock;
      for (const s of session.sources) {
        taken.add(s.id);
        sources.push(s);
      }
      if (opts.durationSec !== undefined) finite.push(session.done);
    }
    for (const p of playbackSpecs) {
      const prefix = uniqueId(p.id ?? 'playback', taken);
      const pb = await PlaybackSession.open(p.file, {
        speed: p.speed,
        timestamps: p.timestamps ?? 'rebased',
        hostClock: HOST_CLOCK,
        idPrefix: prefix,
      });
      playbacks.push(pb);
      if (!realtime) clock = pb.clock;
      for (const s of pb.sources) {
        taken.add(s.id);
        sources.push(s);
      }
      finite.push(pb.done);
    }
    const resolveProtocol = opts.protocolFor ?? protocolFor;
    for (const spec of specs) {
      if (spec.kind === 'serial') {
        const protocol = resolveProtocol(spec.protocol, spec.options);
        const id = uniqueId(spec.id ?? `${spec.protocol}-${basename(spec.path).replace(/[^A-Za-z0-9._-]/g, '_')}`, taken);
        sources.push(new SerialSource({ id, path: spec.path, protocol, clock: HOST_CLOCK, reconnect: opts.serial?.reconnect, dataTimeoutSec: opts.serial?.dataTimeoutSec }));
      } else if (spec.kind === 'brainflow') {
        const wantedId = spec.id ?? `brainflow-${spec.board.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}`;
        const id = uniqueId(wantedId, taken);
        const params = brainFlowParamsFromOptions(id, spec.options);
        sources.push(await BrainFlowSource.create({ board: spec.board, params, clock: HOST_CLOCK, id, modulePath: opts.brainflowModulePath }));
      }
    }
  } catch (err) {
    await Promise.all(sources.map((s) => s.release().catch(() => {})));
    throw err;
  }
  return {
    sources,
    clock,
    pacing: realtime ? 'realtime' : 'fast',
    finished: finite.length > 0 && !live ? Promise.all(finite).then(() => undefined) : null,
    synthetic: session,
    playbacks,
  };
}
