/**
 * A small canvas chart for the drift panel: lines (with min/max decimation per pixel column,
 * so 100,000 points cost one pass and a few thousand segments), a dashed threshold line, and
 * overlaid histograms. Colours come from the VS Code theme through CSS variables.
 */

export interface LineSeries {
  readonly label: string;
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  /** A CSS colour or var(--...) reference. */
  readonly color: string;
}

export interface LineChartData {
  readonly series: readonly LineSeries[];
  readonly threshold?: number;
  readonly yLabel?: string;
  readonly xIsTime?: boolean;
  /** Fixed y range; default: the data's. */
  readonly yMin?: number;
  readonly yMax?: number;
}

export interface HistogramData {
  /** Numeric bin edges (n + 1) or labels (n). */
  readonly edges?: readonly number[];
  readonly labels?: readonly string[];
  readonly reference: readonly number[];
  readonly current: readonly number[];
}

const PAD = { left: 56, right: 12, top: 12, bottom: 28 };

function cssColor(el: Element, value: string): string {
  const m = /^var\((--[\w-]+)\)$/.exec(value);
  if (!m) return value;
  return getComputedStyle(el).getPropertyValue(m[1]).trim() || '#888';
}

function niceTicks(min: number, max: number, count: number): number[] {
  if (!(max > min)) return [min];
  const step0 = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return ticks;
}

const TIME_STEPS = [1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800].map((s) => s * 1000);

/** Ticks on whole minutes, hours or days (UTC) for a time axis in epoch milliseconds. */
export function timeTicks(min: number, max: number, count: number): number[] {
  if (!(max > min)) return [min];
  const step = TIME_STEPS.find((s) => s >= (max - min) / count) ?? TIME_STEPS[TIME_STEPS.length - 1];
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max; v += step) ticks.push(v);
  return ticks;
}

function timeLabel(t: number, span: number): string {
  const iso = new Date(t).toISOString();
  return span > 2 * 86_400_000 ? iso.slice(5, 16).replace('T', ' ') : iso.slice(11, 16);
}

export function formatTick(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

function prepare(canvas: HTMLCanvasElement): { ctx: CanvasRenderingContext2D; w: number; h: number } {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || canvas.width;
  const h = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const style = getComputedStyle(canvas);
  ctx.font = `11px ${style.fontFamily || 'sans-serif'}`;
  return { ctx, w, h };
}

function axes(ctx: CanvasRenderingContext2D, canvas: HTMLCanvasElement, w: number, h: number, yTicks: number[], sy: (v: number) => number): void {
  const fg = cssColor(canvas, 'var(--vscode-descriptionForeground)');
  const grid = cssColor(canvas, 'var(--vscode-editorWidget-border)');
  ctx.strokeStyle = grid;
  ctx.fillStyle = fg;
  ctx.lineWidth = 1;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const t of yTicks) {
    const y = Math.round(sy(t)) + 0.5;
    ctx.globalAlpha = 0.35;
    ctx.beginPath();
    ctx.moveTo(PAD.left, y);
    ctx.lineTo(w - PAD.right, y);
    ctx.stroke();
    ctx.globalAlpha = 1;
    ctx.fillText(formatTick(t), PAD.left - 6, y);
  }
  ctx.beginPath();
  ctx.moveTo(PAD.left + 0.5, PAD.top);
  ctx.lineTo(PAD.left + 0.5, h - PAD.bottom + 0.5);
  ctx.lineTo(w - PAD.right, h - PAD.bottom + 0.5);
  ctx.stroke();
}

/** Draws lines; returns the number of segments drawn. */
export function drawLineChart(canvas: HTMLCanvasElement, data: LineChartData): number {
  const { ctx, w, h } = prepare(canvas);
  let xmin = Infinity;
  let xmax = -Infinity;
  let ymin = data.yMin ?? Infinity;
  let ymax = data.yMax ?? -Infinity;
  for (const s of data.series) {
    for (let i = 0; i < s.x.length; i++) {
      const x = s.x[i];
      const y = s.y[i];
      if (x < xmin) xmin = x;
      if (x > xmax) xmax = x;
      if (data.yMin === undefined && y < ymin) ymin = y;
      if (data.yMax === undefined && y > ymax) ymax = y;
    }
  }
  if (data.threshold !== undefined) {
    ymin = Math.min(ymin, data.threshold);
    ymax = Math.max(ymax, data.threshold);
  }
  if (!Number.isFinite(xmin)) return 0;
  if (xmax === xmin) xmax = xmin + 1;
  if (ymax === ymin) ymax = ymin + 1;
  const pw = w - PAD.left - PAD.right;
  const ph = h - PAD.top - PAD.bottom;
  const sx = (v: number) => PAD.left + ((v - xmin) / (xmax - xmin)) * pw;
  const sy = (v: number) => PAD.top + (1 - (v - ymin) / (ymax - ymin)) * ph;
  axes(ctx, canvas, w, h, niceTicks(ymin, ymax, 4), sy);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const t of data.xIsTime ? timeTicks(xmin, xmax, 5) : niceTicks(xmin, xmax, 5)) ctx.fillText(data.xIsTime ? timeLabel(t, xmax - xmin) : formatTick(t), sx(t), h - PAD.bottom + 6);
  let segments = 0;
  for (const s of data.series) {
    ctx.strokeStyle = cssColor(canvas, s.color);
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    const n = s.x.length;
    if (n > pw * 2) {
      // One vertical stroke per pixel column from its minimum to its maximum.
      let col = -1;
      let lo = 0;
      let hi = 0;
      let first = true;
      const flush = () => {
        if (col < 0) return;
        if (first) ctx.moveTo(col, lo);
        else ctx.lineTo(col, lo);
        ctx.lineTo(col, hi);
        first = false;
        segments += 2;
      };
      for (let i = 0; i < n; i++) {
        const px = Math.round(sx(s.x[i]));
        const py = sy(s.y[i]);
        if (px !== col) {
          flush();
          col = px;
          lo = hi = py;
        } else if (py < lo) lo = py;
        else if (py > hi) hi = py;
      }
      flush();
    } else {
      for (let i = 0; i < n; i++) {
        if (i === 0) ctx.moveTo(sx(s.x[i]), sy(s.y[i]));
        else ctx.lineTo(sx(s.x[i]), sy(s.y[i]));
        segments++;
      }
      if (n === 1) ctx.arc(sx(s.x[0]), sy(s.y[0]), 2, 0, 2 * Math.PI);
    }
    ctx.stroke();
  }
  if (data.threshold !== undefined) {
    ctx.strokeStyle = cssColor(canvas, 'var(--vscode-errorForeground)');
    ctx.setLineDash([5, 4]);
    ctx.lineWidth = 1;
    ctx.beginPath();
    const y = Math.round(sy(data.threshold)) + 0.5;
    ctx.moveTo(PAD.left, y);
    ctx.lineTo(w - PAD.right, y);
    ctx.stroke();
    ctx.setLineDash([]);
  }
  return segments;
}

/** Reference and current shares per bin, overlaid. */
export function drawHistogram(canvas: HTMLCanvasElement, data: HistogramData, colors: { reference: string; current: string }): void {
  const { ctx, w, h } = prepare(canvas);
  const n = data.reference.length;
  if (n === 0) return;
  const ymax = Math.max(...data.reference, ...data.current, 1e-9);
  const pw = w - PAD.left - PAD.right;
  const ph = h - PAD.top - PAD.bottom;
  const sy = (v: number) => PAD.top + (1 - v / ymax) * ph;
  axes(ctx, canvas, w, h, niceTicks(0, ymax, 4), sy);
  const bw = pw / n;
  const draw = (values: readonly number[], color: string, inset: number) => {
    ctx.fillStyle = cssColor(canvas, color);
    for (let i = 0; i < n; i++) {
      const y = sy(values[i]);
      ctx.fillRect(PAD.left + i * bw + inset, y, Math.max(1, bw - 2 * inset), PAD.top + ph - y);
    }
  };
  ctx.globalAlpha = 0.55;
  draw(data.reference, colors.reference, 0.5);
  ctx.globalAlpha = 0.55;
  draw(data.current, colors.current, Math.min(bw / 4, 4));
  ctx.globalAlpha = 1;
  ctx.fillStyle = cssColor(canvas, 'var(--vscode-descriptionForeground)');
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(pw / 60))));
  for (let i = 0; i < n; i += every) {
    const label = data.labels ? data.labels[i] : formatTick(data.edges![i]);
    ctx.fillText(label.length > 10 ? `${label.slice(0, 9)}…` : label, PAD.left + (data.labels ? (i + 0.5) * bw : i * bw), h - PAD.bottom + 6);
  }
}
