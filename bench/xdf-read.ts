// Figure: XDF read throughput (MB/s, one core) of storage/xdf's readXdf on a ~50 MB file our
// writer produces (32-ch float32 EEG at 500 Hz + a marker stream), beside Debian's libxdf (C++)
// on the same file when g++ and libxdf-dev are installed.
// Run: npx tsx bench/xdf-read.ts [--mb 50] [--runs 7]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readXdf } from '../src-main/storage/xdf/xdf-reader.js';
import { XdfWriter } from '../src-main/storage/xdf/xdf-writer.js';

function arg(flag: string, fallback: number): number {
  const i = process.argv.indexOf(flag);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${flag}: expected a positive number, got "${process.argv[i + 1]}"`);
  return v;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const targetMb = arg('--mb', 50);
const runs = Math.max(5, arg('--runs', 7));
const channels = 32;
const rateHz = 500;
const chunkSamples = 25;
const sampleBytes = 9 + channels * 4;
const totalSamples = Math.ceil((targetMb * 1e6) / sampleBytes / chunkSamples) * chunkSamples;

const dir = mkdtempSync(join(tmpdir(), 'himoe-bench-xdf-read-'));
try {
  const file = join(dir, 'bench.xdf');
  const w = await XdfWriter.create(file);
  const eeg = w.addStream({
    id: 'bench:eeg',
    name: 'BenchEEG',
    type: 'EEG',
    channels: Array.from({ length: channels }, (_, c) => ({ label: `E${c + 1}`, unit: 'microvolts' })),
    channelFormat: 'float32',
    nominalRateHz: rateHz,
    sourceId: 'bench',
  });
  const markers = w.addStream({
    id: 'bench:markers',
    name: 'BenchMarkers',
    type: 'MARKER',
    channels: [{ label: 'marker', unit: '' }],
    channelFormat: 'string',
    nominalRateHz: 0,
    sourceId: 'bench',
  });
  const values = new Float32Array(chunkSamples * channels);
  const ts = new Float64Array(chunkSamples);
  for (let first = 0; first < totalSamples; first += chunkSamples) {
    for (let i = 0; i < chunkSamples; i++) {
      const t = (first + i) / rateHz;
      ts[i] = t + 1e-4 * Math.sin(first + i);
      for (let c = 0; c < channels; c++) values[i * channels + c] = Math.sin(t * (c + 1)) * 50;
    }
    w.appendChunk(eeg, { streamId: 'bench:eeg', values, timestamps: ts, firstIndex: first });
    if (first % (rateHz * 10) === 0) {
      w.appendChunk(markers, { streamId: 'bench:markers', values: [`stim ${first}`], timestamps: ts.subarray(0, 1), firstIndex: first });
    }
    if (first % (rateHz * 5) === 0) w.appendClockOffset(eeg, first / rateHz, 0.03 + first * 1e-9);
    if (w.bytesPending > 8e6) await w.flush();
  }
  await w.close();
  const bytes = statSync(file).size;

  const measure = async (opts: Parameters<typeof readXdf>[1]): Promise<number[]> => {
    await readXdf(file, opts); // warm-up (JIT, page cache)
    const mbps: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      const x = await readXdf(file, opts);
      const sec = (performance.now() - t0) / 1000;
      if (x.streams[0]!.timestamps.length !== totalSamples) throw new Error('bench: wrong sample count read back');
      mbps.push(bytes / 1e6 / sec);
    }
    return mbps;
  };
  const raw = await measure({ synchronizeClocks: false, dejitter: false });
  const full = await measure({});

  // libxdf (C++), same file, when the toolchain is there.
  let libxdfMBps: number | null = null;
  const tool = resolve(process.cwd(), '../shared/tools/libxdf_read.cpp');
  if (existsSync(tool) && existsSync('/usr/include/xdf.h')) {
    try {
      const exe = join(dir, 'libxdf_read');
      execFileSync('g++', ['-O2', tool, '-lxdf', '-o', exe], { stdio: 'pipe' });
      const rates: number[] = [];
      for (let r = 0; r < runs; r++) {
        // libxdf prints progress lines on stdout too; the JSON is the line starting with "{".
        const stdout = execFileSync(exe, [file], { encoding: 'utf8' });
        const line = stdout.split('\n').find((l) => l.startsWith('{'));
        if (!line) throw new Error(`no JSON line in libxdf_read output: ${stdout.slice(0, 200)}`);
        const out = JSON.parse(line) as { MBps: number };
        rates.push(out.MBps);
      }
      libxdfMBps = median(rates);
    } catch (err) {
      process.stderr.write(`libxdf comparison skipped: ${(err as Error).message}\n`);
    }
  } else {
    process.stderr.write('libxdf comparison skipped: g++/libxdf-dev or ../shared/tools/libxdf_read.cpp missing\n');
  }

  console.log(
    JSON.stringify({
      figure: 'xdf-read',
      MBps: Number(median(raw).toFixed(1)),
      MBpsSyncDejitter: Number(median(full).toFixed(1)),
      libxdfMBps: libxdfMBps === null ? null : Number(libxdfMBps.toFixed(1)),
      fileMB: Number((bytes / 1e6).toFixed(1)),
      channels,
      format: 'float32',
      runs,
      note: 'MBps: readXdf(path) incl. file read, sync and dejitter off; MBpsSyncDejitter: defaults (on)',
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
