// Static SVG charts for the evaluation report (robustness curves, predicted vs true traces,
// routing weights). Written here rather than taken from a library: the charting libraries that
// emit SVG (d3, vega) need a DOM or a large runtime in Node, and a labelled line/area chart with
// axes is a small, testable function.

export interface Series {
  name: string;
  points: Array<[number, number]>;
  color?: string;
  widthPx?: number;
  dashed?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  yRange?: [number, number];
  xRange?: [number, number];
  widthPx?: number;
  heightPx?: number;
}

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#17becf', '#bcbd22'];

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** About five round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9 * step; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function extent(values: number[], fallback: [number, number]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return fallback;
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  return lo === hi ? [lo - 1, hi + 1] : [lo, hi];
}

interface Frame {
  svg: string[];
  x: (v: number) => number;
  y: (v: number) => number;
  plot: { left: number; top: number; width: number; height: number };
}

function frame(o: ChartOptions, xr: [number, number], yr: [number, number], legend: string[], colors: string[]): Frame {
  // The legend column widens the chart for long names (about 7 px per character at 12 px sans-serif).
  const legendPx = Math.max(150, 32 + 7 * Math.max(0, ...legend.map((n) => n.length)));
  const W = (o.widthPx ?? 640) + legendPx - 150;
  const H = o.heightPx ?? 360;
  const plot = { left: 64, top: 36, width: W - 64 - legendPx, height: H - 36 - 52 };
  const x = (v: number) => plot.left + ((v - xr[0]) / (xr[1] - xr[0])) * plot.width;
  const y = (v: number) => plot.top + plot.height - ((v - yr[0]) / (yr[1] - yr[0])) * plot.height;
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(o.title)}</text>`,
  ];
  for (const t of niceTicks(xr[0], xr[1])) {
    svg.push(`<line x1="${x(t).toFixed(1)}" y1="${plot.top}" x2="${x(t).toFixed(1)}" y2="${plot.top + plot.height}" stroke="#e5e5e5"/>`);
    svg.push(`<text x="${x(t).toFixed(1)}" y="${plot.top + plot.height + 16}" text-anchor="middle">${t}</text>`);
  }
  for (const t of niceTicks(yr[0], yr[1])) {
    svg.push(`<line x1="${plot.left}" y1="${y(t).toFixed(1)}" x2="${plot.left + plot.width}" y2="${y(t).toFixed(1)}" stroke="#e5e5e5"/>`);
    svg.push(`<text x="${plot.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${t}</text>`);
  }
  svg.push(`<rect x="${plot.left}" y="${plot.top}" width="${plot.width}" height="${plot.height}" fill="none" stroke="#333"/>`);
  svg.push(`<text x="${plot.left + plot.width / 2}" y="${H - 12}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  svg.push(`<text transform="translate(16 ${plot.top + plot.height / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  legend.forEach((name, i) => {
    const ly = plot.top + 8 + i * 18;
    const lx = plot.left + plot.width + 12;
    svg.push(`<rect x="${lx}" y="${ly - 8}" width="14" height="10" fill="${colors[i]}"/><text x="${lx + 20}" y="${ly + 1}">${esc(name)}</text>`);
  });
  return { svg, x, y, plot };
}

/** A line chart with axes, ticks, labels and a legend. */
export function lineChart(o: ChartOptions): string {
  const xr = o.xRange ?? extent(o.series.flatMap((s) => s.points.map((p) => p[0])), [0, 1]);
  const yr = o.yRange ?? extent(o.series.flatMap((s) => s.points.map((p) => p[1])), [0, 1]);
  const colors = o.series.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]!);
  const f = frame(o, xr, yr, o.series.map((s) => s.name), colors);
  o.series.forEach((s, i) => {
    // Non-finite points break the line instead of drawing to NaN.
    const parts: string[] = [];
    let pen = false;
    for (const [px, py] of s.points) {
      if (!Number.isFinite(px) || !Number.isFinite(py)) {
        pen = false;
        continue;
      }
      parts.push(`${pen ? 'L' : 'M'}${f.x(px).toFixed(1)},${f.y(py).toFixed(1)}`);
      pen = true;
    }
    const dash = s.dashed === true ? ' stroke-dasharray="5 3"' : '';
    f.svg.push(`<path d="${parts.join('')}" fill="none" stroke="${colors[i]}" stroke-width="${s.widthPx ?? 1.5}"${dash}/>`);
    if (s.points.length <= 12) for (const [px, py] of s.points) if (Number.isFinite(px) && Number.isFinite(py)) f.svg.push(`<circle cx="${f.x(px).toFixed(1)}" cy="${f.y(py).toFixed(1)}" r="3" fill="${colors[i]}"/>`);
  });
  f.svg.push('</svg>');
  return `${f.svg.join('\n')}\n`;
}

/** A stacked area chart of shares (each x's values summing to about 1). */
export function stackedAreaChart(o: Omit<ChartOptions, 'series'> & { x: number[]; layers: Array<{ name: string; values: number[] }> }): string {
  const xr = o.xRange ?? extent(o.x, [0, 1]);
  const yr = o.yRange ?? [0, 1];
  const colors = o.layers.map((_, i) => PALETTE[i % PALETTE.length]!);
  const f = frame({ ...o, series: [] }, xr, yr, o.layers.map((l) => l.name), colors);
  const base = new Float64Array(o.x.length);
  o.layers.forEach((layer, i) => {
    const top = o.x.map((_, k) => base[k]! + (Number.isFinite(layer.values[k]) ? layer.values[k]! : 0));
    const upper = o.x.map((xv, k) => `${f.x(xv).toFixed(1)},${f.y(top[k]!).toFixed(1)}`);
    const lower = o.x.map((xv, k) => `${f.x(xv).toFixed(1)},${f.y(base[k]!).toFixed(1)}`).reverse();
    if (o.x.length > 0) f.svg.push(`<path d="M${upper.join('L')}L${lower.join('L')}Z" fill="${colors[i]}" fill-opacity="0.8" stroke="none"/>`);
    top.forEach((v, k) => (base[k] = v));
  });
  f.svg.push('</svg>');
  return `${f.svg.join('\n')}\n`;
}
