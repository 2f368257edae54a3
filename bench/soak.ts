// Soak: a long synthetic session at accelerated time through the full engine path (every
// modality, 32-ch EEG, live signal quality, recording to XDF) to show that memory stays flat and
// that no sample is lost between generation and the file. Live inference is not wired into the
// engine yet, so it is not part of the soak.
// Run: npx tsx bench/soak.ts [--minutes 120]   (one JSON line per simulated minute on stderr, the summary on stdout)
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SyntheticSession } from '../src-main/acquisition/synthetic/synthetic-session.js';
import { SessionEngine } from '../src-main/engine/session-engine.js';
import { SignalQualityPublisher } from '../src-main/engine/signal-quality.js';
import { argNumber } from './bench-util.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A full garbage collection, without needing node --expose-gc on the command line. */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  gc?.();
}

export interface SoakSample {
  simMinute: number;
  wallSec: number;
  rssMB: number;
  heapUsedMB: number;
  arrayBuffersMB: number;
}

export interface SoakResult {
  simMinutes: number;
  wallSec: number;
  xRealTime: number;
  samples: SoakSample[];
  /** Least-squares slope of RSS over simulated time, after the first 10 % (warm-up). */
  rssSlopeMBPerHour: number;
  rssStartMB: number;
  rssEndMB: number;
  fileMB: number;
  /** Per stream: samples the sources (or the quality publisher) produced, and samples in the file. */
  streams: Array<{ id: string; xdfStreamId: number | null; generated: number; recorded: number }>;
}

const MB = 1024 * 1024;

/** Run `minutes` simulated minutes recording into `dir`; `onSample` sees each minute's memory sample. */
export async function runSoak(minutes: number, dir: string, onSample: (s: SoakSample) => void = () => {}): Promise<SoakResult> {
  const session = new SyntheticSession({ seed: 7, modalities: ['EEG', 'ECG', 'EDA', 'PPG', 'RESP'], durationSec: minutes * 60, pacing: 'fast' });
  const engine = new SessionEngine({ clock: session.clock });
  for (const s of session.sources) engine.addSource(s);
  const quality = new SignalQualityPublisher(engine);
  quality.attach();
  const qualityIds = new Set(quality.qualityStreams.values());

  // Generated = what each source emitted (counted at the source, before the engine) and what
  // the quality publisher published (seen on the engine's chunk events).
  const generated = new Map<string, number>();
  const add = (id: string, n: number) => generated.set(id, (generated.get(id) ?? 0) + n);
  const offs = session.sources.map((src) =>
    src.subscribe((ev) => {
      if (ev.kind === 'chunk') add(ev.chunk.streamId, ev.chunk.timestamps.length);
    }),
  );
  const samples: SoakSample[] = [];
  const wall0 = performance.now();
  let nextMinute = 1;
  let origin = Number.NaN;
  const take = (simMinute: number) => {
    // Measure live memory, not how far the garbage collector happens to be behind.
    collectGarbage();
    const m = process.memoryUsage();
    const s = {
      simMinute,
      wallSec: Number(((performance.now() - wall0) / 1000).toFixed(2)),
      rssMB: Number((m.rss / MB).toFixed(1)),
      heapUsedMB: Number((m.heapUsed / MB).toFixed(1)),
      arrayBuffersMB: Number((m.arrayBuffers / MB).toFixed(1)),
    };
    samples.push(s);
    onSample(s);
  };
  offs.push(
    engine.subscribe((ev) => {
      if (ev.kind !== 'chunk') return;
      if (qualityIds.has(ev.chunk.streamId)) add(ev.chunk.streamId, ev.chunk.timestampsSec.length);
      if (Number.isNaN(origin)) origin = session.clock.nowSec();
      if (session.clock.nowSec() - origin >= nextMinute * 60) take(nextMinute++);
    }),
  );

  const path = join(dir, 'soak.xdf');
  take(0);
  await engine.start({ recordPath: path });
  await session.done;
  await engine.release();
  quality.detach();
  for (const off of offs) off();
  const wallSec = (performance.now() - wall0) / 1000;
  take(nextMinute);

  const stats = engine.recordStats();
  const recorded = new Map(stats.map((r) => [r.streamId, r.sampleCount]));
  const xdfIds = new Map(stats.map((r) => [r.streamId, r.xdfStreamId]));
  const ids = [...new Set([...generated.keys(), ...recorded.keys()])].sort();
  const steady = samples.slice(Math.floor(samples.length / 10));
  return {
    simMinutes: minutes,
    wallSec: Number(wallSec.toFixed(1)),
    xRealTime: Number(((minutes * 60) / wallSec).toFixed(1)),
    samples,
    rssSlopeMBPerHour: Number((slope(steady.map((s) => s.simMinute / 60), steady.map((s) => s.rssMB)) || 0).toFixed(2)),
    rssStartMB: samples[0]!.rssMB,
    rssEndMB: samples[samples.length - 1]!.rssMB,
    fileMB: Number((statSync(path).size / 1e6).toFixed(1)),
    streams: ids.map((id) => ({ id, xdfStreamId: xdfIds.get(id) ?? null, generated: generated.get(id) ?? 0, recorded: recorded.get(id) ?? 0 })),
  };
}

/** Ordinary least-squares slope of y on x. */
export function slope(x: number[], y: number[]): number {
  const n = x.length;
  if (n < 2) return 0;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // `npm run bench` passes no flag: the two-hour soak runs at ~70x real time (about 100 s of
  // wall time on the 2-core machine), short enough to keep in the bench run.
  const minutes = argNumber('--minutes', 120);
  const dir = mkdtempSync(join(tmpdir(), 'himoe-soak-'));
  try {
    const r = await runSoak(minutes, dir, (s) => process.stderr.write(`${JSON.stringify({ soak: 'rss', ...s })}\n`));
    const lost = r.streams.filter((s) => s.generated !== s.recorded);
    console.log(
      JSON.stringify({
        figure: 'soak-rss-slope-MB-per-hour',
        median: r.rssSlopeMBPerHour,
        target: '~0 (flat)',
        simMinutes: r.simMinutes,
        wallSec: r.wallSec,
        xRealTime: r.xRealTime,
        rssStartMB: r.rssStartMB,
        rssEndMB: r.rssEndMB,
        rssMaxMB: Math.max(...r.samples.map((s) => s.rssMB)),
        fileMB: r.fileMB,
        samplesLost: lost.length,
        streams: r.streams,
      }),
    );
    if (lost.length > 0) {
      process.stderr.write(`soak: recorded != generated for ${lost.map((s) => s.id).join(', ')}\n`);
      process.exitCode = 1;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
