// Canvas set-up shared by the views' hand-drawn plots (annotate-pad, replay-timeline): size
// the backing store for the device pixel ratio, clear to the panel colour, and give the
// theme's colours (CSS variables of app.css, with dark-theme fallbacks).

export interface ThemeColours {
  fg: string;
  muted: string;
  grid: string;
  accent: string;
  panel: string;
}

export function themeColour(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/** The 2-D context of `canvas` drawn in CSS pixels at w x h, cleared; null before mount. */
export function prepareCanvas(canvas: HTMLCanvasElement | undefined, w: number, h: number): { ctx: CanvasRenderingContext2D; colours: ThemeColours } | null {
  const ctx = canvas?.getContext('2d');
  if (!canvas || !ctx) return null;
  const dpr = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const colours = {
    fg: themeColour('--fg', '#e6e9ee'),
    muted: themeColour('--muted', '#8b96a3'),
    grid: themeColour('--grid', '#2a323c'),
    accent: themeColour('--accent', '#4fb3ff'),
    panel: themeColour('--panel', '#161c23'),
  };
  ctx.fillStyle = colours.panel;
  ctx.fillRect(0, 0, w, h);
  return { ctx, colours };
}
