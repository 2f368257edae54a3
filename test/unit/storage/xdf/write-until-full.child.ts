// Child process of the I/O-failure test, run under `ulimit -f` so writes fail with EFBIG once
// the file reaches the limit: reports what the writer did as one JSON line on stdout.
// Usage: node --import tsx write-until-full.child.ts OUT.xdf
import { XdfWriter } from '../../../../src-main/storage/xdf/xdf-writer.js';
import type { XdfError } from '../../../../src-main/storage/xdf/xdf-error.js';

const out = process.argv[2]!;
const errors: XdfError[] = [];
const w = await XdfWriter.create(out, { fsyncIntervalMs: 20, onError: (e) => errors.push(e) });
const id = w.addStream({
  id: 'full:eeg',
  name: 'FullEEG',
  type: 'EEG',
  channels: Array.from({ length: 16 }, (_, c) => ({ label: `E${c}`, unit: 'microvolts' })),
  channelFormat: 'float32',
  nominalRateHz: 1000,
  sourceId: 'full',
});
let first = 0;
const deadline = Date.now() + 10_000;
while (errors.length === 0 && Date.now() < deadline) {
  const n = 100;
  const ts = Float64Array.from({ length: n }, (_, i) => (first + i) / 1000);
  w.appendChunk(id, { streamId: 'full:eeg', values: new Float32Array(n * 16).fill(first), timestamps: ts, firstIndex: first });
  first += n;
  await new Promise((r) => setTimeout(r, 5));
}
let appendThrew = false;
try {
  w.appendChunk(id, { streamId: 'full:eeg', values: new Float32Array(16), timestamps: Float64Array.of(1e6), firstIndex: first });
} catch {
  appendThrew = true;
}
const code = (p: Promise<void>): Promise<string> => p.then(() => 'resolved', (e: XdfError) => e.code);
const flushCode = await code(w.flush());
const closeCode = await code(w.close());
const closeAgainCode = await code(w.close());
process.stdout.write(
  JSON.stringify({
    errorCodes: errors.map((e) => e.code),
    message: errors[0]?.message ?? '',
    byteOffset: errors[0]?.byteOffset ?? null,
    flushCode,
    closeCode,
    closeAgainCode,
    appendThrew,
    samplesDropped: w.samplesDropped,
    bytesWritten: w.bytesWritten,
    samplesAppended: first,
  }) + '\n',
);
