// Test helpers for the serial byte protocols: run an emulator to get the exact byte stream and
// its ground truth, feed bytes to a parser in arbitrary chunks, and check decoded samples
// against the truth. Used by the per-protocol tests and by fuzz.test.ts.

import type { EmulatorBase, TruthRecorder } from '../../../../src-main/acquisition/serial/parsing/emulator-kit.js';
import type { ByteParser, SerialProtocol } from '../../../../src-main/acquisition/serial/protocol.js';

export interface Decoded {
  key: string;
  index: number;
  values: number[];
  deviceTimeSec?: number;
}

export interface Emulated {
  bytes: Uint8Array;
  truth: Decoded[];
  /** Truth entries whose frame the emulator corrupted on purpose. */
  corrupted: Set<Decoded>;
}

/** A truth recorder writing into `out` (values rounded to float32 as the parser emits them). */
export function truthInto(out: Decoded[], corrupted?: Set<Decoded>): TruthRecorder {
  return (key, index, values, isCorrupted) => {
    const d = { key, index, values: Array.from(values, (v) => Math.fround(v)) };
    out.push(d);
    if (isCorrupted) corrupted?.add(d);
  };
}

/** Start the emulator with its protocol's commands and collect `seconds` of bytes. */
export function runEmulator(emu: EmulatorBase & { protocol: SerialProtocol }, seconds: number, stepSec = 0.05): Uint8Array {
  for (const c of emu.protocol.startCommands()) emu.receive(c);
  const parts: Uint8Array[] = [];
  for (let t = 0; t < seconds - 1e-9; t += stepSec) parts.push(emu.produce(Math.min(stepSec, seconds - t)));
  return concat(parts);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export interface Collector {
  samples: Decoded[];
  parser: ByteParser;
}

/** A parser of `protocol` whose output is collected as Decoded rows (copied out of the sink's buffer). */
export function collectingParser(protocol: SerialProtocol): Collector {
  const channels = new Map(protocol.streams().map((s) => [s.key, s.channels.length]));
  const samples: Decoded[] = [];
  const parser = protocol.createParser((key, firstIndex, values, count, deviceTimeSec) => {
    const m = channels.get(key);
    if (m === undefined) throw new Error(`parser emitted unknown stream "${key}"`);
    if (values.length < count * m) throw new Error(`stream ${key}: ${count} samples but only ${values.length} values`);
    for (let i = 0; i < count; i++) {
      const row: Decoded = { key, index: firstIndex + i, values: Array.from(values.subarray(i * m, (i + 1) * m)) };
      if (deviceTimeSec) row.deviceTimeSec = deviceTimeSec[i];
      samples.push(row);
    }
  });
  return { samples, parser };
}

/** Push `bytes` in chunks whose sizes come from `nextSize`. */
export function pushChunked(parser: ByteParser, bytes: Uint8Array, nextSize: () => number): void {
  for (let at = 0; at < bytes.length; ) {
    const n = Math.max(1, nextSize());
    parser.push(bytes.subarray(at, at + n));
    at += n;
  }
}

function sameValues(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** Truth rows grouped by stream key, in order. */
export function groupByKey(rows: Decoded[]): Map<string, Decoded[]> {
  const byKey = new Map<string, Decoded[]>();
  for (const t of rows) {
    let list = byKey.get(t.key);
    if (!list) byKey.set(t.key, (list = []));
    list.push(t);
  }
  return byKey;
}

/**
 * Match decoded samples against the truth, per stream, as a subsequence: same values, in
 * order, with indices congruent modulo `indexModulus` (0: equal). A match is searched at most
 * `maxSkip` truth samples ahead, so that a damaged sample equal to some much later value does
 * not derail the matching of the samples after it. Returns the decoded samples that match
 * nothing and the truth rows that were matched.
 */
export function matchTruth(
  decoded: Decoded[],
  truthByKey: Map<string, Decoded[]>,
  indexModulus: number,
  maxSkip = Infinity,
): { unmatched: Decoded[]; matched: Set<Decoded> } {
  const pos = new Map<string, number>();
  const unmatched: Decoded[] = [];
  const matched = new Set<Decoded>();
  for (const d of decoded) {
    const list = truthByKey.get(d.key) ?? [];
    let j = pos.get(d.key) ?? 0;
    const stop = Math.min(list.length, j + maxSkip);
    const congruent = (t: Decoded) =>
      indexModulus === 0 ? t.index === d.index : (((t.index - d.index) % indexModulus) + indexModulus) % indexModulus === 0;
    while (j < stop && !(congruent(list[j]) && sameValues(list[j].values, d.values))) j++;
    if (j === stop) {
      unmatched.push(d);
      continue;
    }
    matched.add(list[j]);
    pos.set(d.key, j + 1);
  }
  return { unmatched, matched };
}

/** The decoded samples that are not a subsequence of the truth (see matchTruth); empty when all are. */
export function unmatchedSamples(decoded: Decoded[], truth: Decoded[], indexModulus: number, maxSkip = Infinity): Decoded[] {
  return matchTruth(decoded, groupByKey(truth), indexModulus, maxSkip).unmatched;
}
