// The BrainFlow polling thread: owns the BoardShim (prepare, start, poll, markers, stop,
// release) so native calls never block the main thread. Kept as source text run with
// `new Worker(text, { eval: true })` so it works the same from TypeScript sources and the build.
//
// Messages in:  { type: 'marker', value, preset } | { type: 'recycle', buffer } | { type: 'stop' }
// Messages out: { type: 'started' } | { type: 'data', preset, n, buffer } (rows x n, row-major,
//               transferred; send it back with 'recycle') | { type: 'error', stage, message } | { type: 'stopped' }

export interface BrainFlowWorkerData {
  modulePath: string;
  boardId: number;
  params: Record<string, unknown>;
  presets: Array<{ preset: number; numRows: number }>;
  pollMs: number;
  bufferSamples: number;
}

export const BRAINFLOW_WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const wd = workerData;
const post = (m, transfer) => parentPort.postMessage(m, transfer || []);
let board = null;
let timer = null;
let prepared = false;
const pools = new Map();
for (const p of wd.presets) pools.set(p.preset, []);

function take(preset, size) {
  const pool = pools.get(preset);
  for (let i = 0; i < pool.length; i++) {
    if (pool[i].length >= size) return pool.splice(i, 1)[0];
  }
  let cap = 1024;
  while (cap < size) cap *= 2;
  return new Float64Array(cap);
}

function poll() {
  if (!board) return;
  for (const p of wd.presets) {
    let data;
    try {
      data = board.getBoardData(undefined, p.preset);
    } catch (e) {
      post({ type: 'error', stage: 'poll', message: String(e && e.message || e) });
      continue;
    }
    const n = data.length > 0 && data[0] ? data[0].length : 0;
    if (n === 0) continue;
    const buf = take(p.preset, p.numRows * n);
    for (let r = 0; r < p.numRows; r++) {
      const row = data[r];
      const off = r * n;
      for (let i = 0; i < n; i++) buf[off + i] = row[i];
    }
    post({ type: 'data', preset: p.preset, n, buffer: buf }, [buf.buffer]);
  }
}

function shutdown() {
  if (timer) clearInterval(timer);
  timer = null;
  if (board) {
    try { poll(); } catch (e) {}
    try { board.stopStream(); } catch (e) {}
    if (prepared) { try { board.releaseSession(); } catch (e) {} }
  }
  board = null;
  post({ type: 'stopped' });
}

parentPort.on('message', (m) => {
  if (m.type === 'recycle') { const pool = pools.get(m.preset); if (pool && pool.length < 8) pool.push(m.buffer); }
  else if (m.type === 'marker') {
    try { if (board) board.insertMarker(m.value, m.preset); }
    catch (e) { post({ type: 'error', stage: 'marker', message: String(e && e.message || e) }); }
  }
  else if (m.type === 'stop') shutdown();
});

try {
  const mod = require(wd.modulePath);
  const bf = mod.BoardShim ? mod : mod.default;
  board = new bf.BoardShim(wd.boardId, wd.params);
  board.prepareSession();
  prepared = true;
  board.startStream(wd.bufferSamples, null);
  timer = setInterval(poll, wd.pollMs);
  post({ type: 'started' });
} catch (e) {
  if (board && prepared) { try { board.releaseSession(); } catch (e2) {} }
  board = null;
  post({ type: 'error', stage: 'start', message: String(e && e.message || e) });
}
`;
