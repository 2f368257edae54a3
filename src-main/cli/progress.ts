// Progress reporting for long CLI runs: a redrawn bar on a terminal, plain lines (one per
// 10 %) when the output is a pipe or a file, so logs stay readable.

export interface ProgressSink {
  write(text: string): void;
  isTTY?: boolean;
  columns?: number;
}

export class ProgressReporter {
  private lastDecile = -1;
  private lastDrawMs = 0;
  private finished = false;

  constructor(
    private readonly sink: ProgressSink,
    private readonly label: string,
    private readonly total: number,
    private readonly unit: string,
    private readonly nowMs: () => number = () => Date.now(),
  ) {}

  /** Report `done` of `total`; `extra` is appended (e.g. "412x real time"). */
  update(done: number, extra = ''): void {
    if (this.finished) return;
    const fraction = this.total > 0 ? Math.min(1, Math.max(0, done / this.total)) : 0;
    const pct = Math.floor(fraction * 100);
    const text = `${this.label} ${done.toFixed(1)}/${this.total.toFixed(1)} ${this.unit}${extra ? `  ${extra}` : ''}`;
    if (this.sink.isTTY) {
      const now = this.nowMs();
      if (now - this.lastDrawMs < 100 && fraction < 1) return;
      this.lastDrawMs = now;
      const width = Math.max(10, Math.min(40, (this.sink.columns ?? 80) - text.length - 10));
      const filled = Math.round(fraction * width);
      this.sink.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${text}\x1b[K`);
    } else {
      const decile = Math.floor(pct / 10);
      if (decile > this.lastDecile) {
        this.lastDecile = decile;
        this.sink.write(`${String(pct).padStart(3)}% ${text}\n`);
      }
    }
  }

  finish(message?: string): void {
    if (this.finished) return;
    this.finished = true;
    if (this.sink.isTTY) this.sink.write(`\r\x1b[K`);
    if (message) this.sink.write(`${message}\n`);
  }
}
