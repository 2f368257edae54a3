// Child process of the crash-safety test: records a float32 stream in real time with the
// default writer settings (fsync every second) until the parent kills it with SIGKILL.
// Usage: node --import tsx record-until-killed.child.ts OUT.xdf RATE_HZ CHANNELS
import { performance } from 'node:perf_hooks';
import { XdfWriter } from '../../../../src-main/storage/xdf/xdf-writer.js';

const [out, rateArg, chArg] = process.argv.slice(2);
const rateHz = Number(rateArg);
const channels = Number(chArg);
const w = await XdfWriter.create(out!);
const id = w.addStream({
  id: 'crash:eeg',
  name: 'CrashEEG',
  type: 'EEG',
  channels: Array.from({ length: channels }, (_, c) => ({ label: `E${c}`, unit: 'microvolts' })),
  channelFormat: 'float32',
  nominalRateHz: rateHz,
  sourceId: 'crash',
});
w.appendClockOffset(id, 0, 0.5);
const t0 = performance.now();
let written = 0;
process.stdout.write('started\n');
setInterval(() => {
  const due = Math.floor(((performance.now() - t0) / 1000) * rateHz);
  const n = due - written;
  if (n <= 0) return;
  const ts = new Float64Array(n);
  const values = new Float32Array(n * channels);
  for (let i = 0; i < n; i++) {
    ts[i] = (written + i) / rateHz;
    for (let c = 0; c < channels; c++) values[i * channels + c] = written + i + c / 100;
  }
  w.appendChunk(id, { streamId: 'crash:eeg', values, timestamps: ts, firstIndex: written });
  written = due;
}, 20);
