// `himoe inspect FILE.xdf`: what a recording holds, per stream, after clock synchronisation
// and dejittering unless switched off. The JSON form is a stable contract for scripts.

import type { XdfFile, XdfStream } from '../storage/xdf/xdf-reader.js';

export interface GapSummary {
  /** Last timestamp before the gap and first after it (seconds, same clock as the stream). */
  fromSec: number;
  toSec: number;
  durationSec: number;
}

export interface StreamSummary {
  id: number;
  name: string;
  type: string;
  channelCount: number;
  channelFormat: string;
  nominalRateHz: number;
  sampleCount: number;
  firstTimestamp: number | null;
  lastTimestamp: number | null;
  effectiveRateHz: number;
  gaps: GapSummary[];
}

export interface ClockOffsetSummary {
  streamId: number;
  count: number;
  firstOffsetSec: number | null;
  lastOffsetSec: number | null;
  /** Relative drift of the source clock (slope of offset vs time) in parts per million. */
  driftPpm: number | null;
}

export interface InspectSummary {
  streams: StreamSummary[];
  durationSec: number;
  clockOffsets: ClockOffsetSummary[];
  truncatedAt: number | null;
  warnings: string[];
}

function gapsOf(stream: XdfStream): GapSummary[] {
  const gaps: GapSummary[] = [];
  for (let k = 1; k < stream.segments.length; k++) {
    const fromSec = stream.timestamps[stream.segments[k - 1][1]];
    const toSec = stream.timestamps[stream.segments[k][0]];
    gaps.push({ fromSec, toSec, durationSec: toSec - fromSec });
  }
  return gaps;
}

function driftPpm(times: Float64Array, values: Float64Array): number | null {
  const n = times.length;
  if (n < 2) return null;
  let mt = 0;
  let mv = 0;
  for (let i = 0; i < n; i++) {
    mt += times[i];
    mv += values[i];
  }
  mt /= n;
  mv /= n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (times[i] - mt) * (values[i] - mv);
    sxx += (times[i] - mt) ** 2;
  }
  return sxx > 0 ? (sxy / sxx) * 1e6 : null;
}

export function summarizeXdf(file: XdfFile): InspectSummary {
  let first = Infinity;
  let last = -Infinity;
  const streams = file.streams.map((s): StreamSummary => {
    const n = s.timestamps.length;
    if (n > 0) {
      first = Math.min(first, s.timestamps[0]);
      last = Math.max(last, s.timestamps[n - 1]);
    }
    return {
      id: s.id,
      name: s.info.name,
      type: s.info.type,
      channelCount: s.channelCount,
      channelFormat: s.channelFormat,
      nominalRateHz: s.nominalRateHz,
      sampleCount: n,
      firstTimestamp: n > 0 ? s.timestamps[0] : null,
      lastTimestamp: n > 0 ? s.timestamps[n - 1] : null,
      effectiveRateHz: s.effectiveRateHz,
      gaps: gapsOf(s),
    };
  });
  const clockOffsets = file.streams
    .filter((s) => s.clockOffsets.times.length > 0)
    .map((s) => {
      const { times, values } = s.clockOffsets;
      const k = values.length;
      return { streamId: s.id, count: k, firstOffsetSec: values[0], lastOffsetSec: values[k - 1], driftPpm: driftPpm(times, values) };
    });
  return {
    streams,
    durationSec: Number.isFinite(first) ? last - first : 0,
    clockOffsets,
    truncatedAt: file.truncatedAt,
    warnings: file.warnings,
  };
}

function fmt(x: number | null, digits = 3): string {
  if (x === null || !Number.isFinite(x)) return '-';
  // Avoid "-0.000" for tiny negative values.
  return (Math.abs(x) < 0.5 * 10 ** -digits ? 0 : x).toFixed(digits);
}

export function formatSummary(path: string, s: InspectSummary): string {
  const lines: string[] = [];
  lines.push(`${path}: ${s.streams.length} streams, ${s.durationSec.toFixed(3)} s`);
  if (s.truncatedAt !== null) lines.push(`  WARNING: file is truncated at byte ${s.truncatedAt} (run \`himoe repair\`)`);
  for (const w of s.warnings) lines.push(`  warning: ${w}`);
  const header = ['id', 'name', 'type', 'ch', 'format', 'rate Hz', 'eff. Hz', 'samples', 'first s', 'last s', 'gaps'];
  const rows = s.streams.map((st) => [
    String(st.id),
    st.name,
    st.type,
    String(st.channelCount),
    st.channelFormat,
    fmt(st.nominalRateHz, 2),
    fmt(st.effectiveRateHz, 3),
    String(st.sampleCount),
    fmt(st.firstTimestamp),
    fmt(st.lastTimestamp),
    st.gaps.length === 0 ? '0' : `${st.gaps.length} (${st.gaps.reduce((a, g) => a + g.durationSec, 0).toFixed(2)} s)`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => '  ' + cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  lines.push(line(header));
  for (const r of rows) lines.push(line(r));
  if (s.clockOffsets.length > 0) {
    lines.push('  clock offsets:');
    for (const c of s.clockOffsets) {
      lines.push(`    stream ${c.streamId}: ${c.count} measurements, offset ${fmt(c.firstOffsetSec, 6)} -> ${fmt(c.lastOffsetSec, 6)} s, drift ${fmt(c.driftPpm, 2)} ppm`);
    }
  }
  return lines.join('\n');
}
