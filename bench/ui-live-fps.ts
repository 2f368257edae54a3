// Figures: the Live view's frame rate and sample-to-screen latency in headless Chromium with
// 32 EEG channels at 256 Hz + ECG + EDA + PPG (+ RESP) over a 10 s time base (issue 7 item 4).
// fps = requestAnimationFrame callbacks per second while the plots update; plot redraws per
// second are the StreamPlot redraws of the EEG plot (bounded by the server's 30 frames/s);
// latency = server send (frame header sentAtUnixMs) -> the first animation frame after the
// plot redrew it (Date.now() on the same machine), i.e. including the paint; sample-to-screen
// end to end = the newest drawn sample's time falling due on the session clock (its
// acquisition: the synthetic device has it from then on) -> painted. The server runs in this
// process, so its event-loop delay (perf_hooks) is measured too, and the renderer's long tasks.
// Run: npx tsx bench/ui-live-fps.ts [--seconds 10]
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { runServe } from '../src-main/cli/commands-serve.js';
import { CHROMIUM_PATH, launchChromium } from '../test/e2e/chromium.js';
import { existsSync } from 'node:fs';
import { argNumber, median } from './bench-util.js';

const seconds = argNumber('--seconds', 10);

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.floor(q * (s.length - 1) + 0.5)))];
}
const r1 = (x: number) => Math.round(x * 10) / 10;

interface PageStats {
  rafPerSec: number[];
  redrawsPerSec: number[];
  latencyMs: number[];
  sampleAgeMs: number[];
  /** Newest drawn sample due (session clock, as Unix ms) -> painted, every stream. */
  endToEndMs: number[];
  longTaskMs: number[];
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM_PATH)) {
    console.error(`ui-live-fps: skipped, no Chromium at ${CHROMIUM_PATH}`);
    return;
  }
  const workspace = mkdtempSync(join(tmpdir(), 'himoe-bench-ui-'));
  const io = { stdout: () => {}, stderr: { write: () => {} } };
  const { server, service } = await runServe({ host: '127.0.0.1', port: '0', workspace }, io);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    // tsx (esbuild keepNames) wraps named functions in __name(); define it in the page.
    await page.addInitScript({ content: 'window.__name = (f) => f;' });
    await page.goto(server.openUrl);
    await page.getByTestId('start').click();
    await page.waitForSelector('[data-stream-id="synthetic:eeg"]');
    await page.waitForFunction(() => Number(document.querySelector('[data-stream-id="synthetic:eeg"]')?.getAttribute('data-frames-drawn')) > 30);
    // Renderer main-thread busy time (CDP Performance.TaskDuration): a figure the shared
    // machine's load does not inflate the way it does frame rates and latencies.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const taskSec = async () => ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ?? Number.NaN);
    const busy0 = await taskSec();
    const wall0 = performance.now();
    const streams = await page.$$eval('[data-stream-id]', (els) => els.map((e) => e.getAttribute('data-stream-id')));
    // The synthetic session clock is this process's performance.now() in seconds: as Unix ms
    // it is timeOrigin + t*1000, corrected by how far Date.now() has moved from that origin.
    const clockToUnixMs = performance.timeOrigin + (Date.now() - (performance.timeOrigin + performance.now()));
    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    const cpu0 = process.cpuUsage();
    const cpuWall0 = performance.now();
    const stats = await page.evaluate(async ([durSec, originUnixMs]: [number, number]): Promise<PageStats> => {
      const w = window as unknown as { __himoePlotDrawn?: (id: string, h: { sentAtUnixMs?: number; madeAtSec: number; latestSec: number }) => void };
      const waiting: number[] = [];
      const waitingDue: number[] = [];
      const latencyMs: number[] = [];
      const sampleAgeMs: number[] = [];
      const endToEndMs: number[] = [];
      const longTaskMs: number[] = [];
      const longTasks = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) longTaskMs.push(e.duration);
      });
      longTasks.observe({ type: 'longtask' });
      w.__himoePlotDrawn = (_id, h) => {
        if (h.sentAtUnixMs !== undefined) waiting.push(h.sentAtUnixMs);
        waitingDue.push(originUnixMs + h.latestSec * 1000);
        sampleAgeMs.push((h.madeAtSec - h.latestSec) * 1000);
      };
      const eeg = document.querySelector('[data-stream-id="synthetic:eeg"]')!;
      const drawn = () => Number(eeg.getAttribute('data-frames-drawn'));
      const rafPerSec: number[] = [];
      const redrawsPerSec: number[] = [];
      return new Promise((resolve) => {
        const t0 = performance.now();
        let secStart = t0;
        let count = 0;
        let drawnAtSec = drawn();
        const tick = (now: number) => {
          // Frames redrawn before this animation frame have been painted by now.
          const wall = Date.now();
          for (const sent of waiting) latencyMs.push(wall - sent);
          waiting.length = 0;
          for (const due of waitingDue) endToEndMs.push(wall - due);
          waitingDue.length = 0;
          count++;
          if (now - secStart >= 1000) {
            rafPerSec.push((count * 1000) / (now - secStart));
            const d = drawn();
            redrawsPerSec.push(((d - drawnAtSec) * 1000) / (now - secStart));
            drawnAtSec = d;
            count = 0;
            secStart = now;
          }
          if (now - t0 < durSec * 1000) requestAnimationFrame(tick);
          else {
            w.__himoePlotDrawn = undefined;
            longTasks.disconnect();
            resolve({ rafPerSec, redrawsPerSec, latencyMs, sampleAgeMs, endToEndMs, longTaskMs });
          }
        };
        requestAnimationFrame(tick);
      });
    }, [seconds, clockToUnixMs] as [number, number]);
    loopDelay.disable();
    const cpu = process.cpuUsage(cpu0);
    const serverCpuMsPerSec = (cpu.user + cpu.system) / 1000 / ((performance.now() - cpuWall0) / 1000);
    const busyPerSec = (await taskSec()) - busy0;
    const wallSec = (performance.now() - wall0) / 1000;
    const base = { streams: streams.length, eegChannels: 32, timeBaseSec: 10, seconds, loadAvg1m: Math.round(loadavg()[0] * 10) / 10 };
    console.log(JSON.stringify({ figure: 'ui-main-thread-busy-ms-per-s', median: r1((busyPerSec / wallSec) * 1000), definition: 'renderer main thread task time per wall second', ...base }));
    console.log(JSON.stringify({ figure: 'ui-live-fps', median: r1(median(stats.rafPerSec)), p5: r1(quantile(stats.rafPerSec, 0.05)), target: '>= 50', ...base }));
    console.log(JSON.stringify({ figure: 'ui-plot-redraws-per-s', median: r1(median(stats.redrawsPerSec)), p5: r1(quantile(stats.redrawsPerSec, 0.05)), target: 'server frame rate (30)', ...base }));
    console.log(
      JSON.stringify({
        figure: 'ui-send-to-screen-ms',
        median: r1(median(stats.latencyMs)),
        p95: r1(quantile(stats.latencyMs, 0.95)),
        p99: r1(quantile(stats.latencyMs, 0.99)),
        n: stats.latencyMs.length,
        definition: 'server send -> painted',
        ...base,
      }),
    );
    console.log(
      JSON.stringify({
        figure: 'ui-sample-to-screen-ms',
        median: r1(median(stats.endToEndMs)),
        p95: r1(quantile(stats.endToEndMs, 0.95)),
        p99: r1(quantile(stats.endToEndMs, 0.99)),
        n: stats.endToEndMs.length,
        target: '< 100',
        definition: 'newest drawn sample due on the session clock (acquired) -> painted, every stream',
        ...base,
      }),
    );
    const ms = (ns: number) => r1(ns / 1e6);
    console.log(
      JSON.stringify({
        figure: 'server-event-loop-delay-ms',
        median: ms(loopDelay.percentile(50)),
        p99: ms(loopDelay.percentile(99)),
        max: ms(loopDelay.max),
        definition: 'perf_hooks monitorEventLoopDelay (5 ms resolution) of the server process during the run',
        ...base,
      }),
    );
    console.log(JSON.stringify({ figure: 'server-cpu-ms-per-s', median: r1(serverCpuMsPerSec), definition: 'CPU time (user + system, all threads) of the server process (+ the benchmark driver) per wall second', ...base }));
    const longSum = stats.longTaskMs.reduce((a, b) => a + b, 0);
    console.log(
      JSON.stringify({
        figure: 'ui-long-tasks',
        count: stats.longTaskMs.length,
        totalMs: Math.round(longSum),
        maxMs: Math.round(Math.max(0, ...stats.longTaskMs)),
        definition: 'renderer tasks > 50 ms (PerformanceObserver longtask) during the run',
        ...base,
      }),
    );
    console.log(JSON.stringify({ figure: 'ui-sample-age-at-send-ms', median: r1(median(stats.sampleAgeMs)), p95: r1(quantile(stats.sampleAgeMs, 0.95)), p99: r1(quantile(stats.sampleAgeMs, 0.99)), definition: 'newest sample -> frame made (device chunking)', ...base }));
  } finally {
    await browser.close();
    await service.shutdown();
    await server.close();
    rmSync(workspace, { recursive: true, force: true });
  }
}

await main();
