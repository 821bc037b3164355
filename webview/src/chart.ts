/**
 * The drift panel's charts, drawn by uPlot (a small, fast canvas chart library): lines over
 * windows or time with the threshold dashed across, and the reference and current histograms
 * overlaid as bars. Colours come from the VS Code theme (CSS variables, read when a chart is
 * made; the page remakes its charts when the theme changes). The cursor shows values in the
 * legend; dragging across a line chart zooms, a double click zooms back out.
 */
import uPlot from 'uplot';

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
  /** Fixed y range; default: the data's (and the threshold). */
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

const HEIGHT = 200;

/** A CSS colour for the canvas: var(--x) resolved against the element (canvas cannot read variables). */
export function cssColor(el: Element, value: string): string {
  const m = /^var\((--[\w-]+)\)$/.exec(value);
  if (!m) return value;
  return getComputedStyle(el).getPropertyValue(m[1]).trim() || '#888';
}

/** The same colour at `alpha`, for overlaid bars. */
export function withAlpha(el: Element, color: string, alpha: number): string {
  const probe = document.createElement('span');
  probe.style.color = color;
  el.append(probe);
  const rgb = getComputedStyle(probe).color;
  probe.remove();
  const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)/.exec(rgb);
  return m ? `rgba(${m[1]}, ${m[2]}, ${m[3]}, ${alpha})` : color;
}

export function formatTick(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

export function axis(el: Element, extra: uPlot.Axis = {}): uPlot.Axis {
  const fg = cssColor(el, 'var(--vscode-descriptionForeground)');
  const grid = cssColor(el, 'var(--vscode-editorWidget-border)');
  const font = `11px ${getComputedStyle(el).fontFamily || 'sans-serif'}`;
  return {
    stroke: fg,
    font,
    grid: { stroke: withAlpha(el, grid, 0.35), width: 1 },
    ticks: { stroke: withAlpha(el, grid, 0.6), width: 1, size: 4 },
    ...extra,
  };
}

/** One uPlot chart living in a container element; remade on every draw (theme, data and size may all have changed). */
export class Chart {
  private plot: uPlot | undefined;
  /** Resolves once the latest chart has been painted (uPlot paints in a microtask after it is made). */
  drawn: Promise<void> = Promise.resolve();

  constructor(readonly container: HTMLElement) {}

  /** The canvas it draws on (for Export PNG and tests). */
  get canvas(): HTMLCanvasElement | undefined {
    return this.plot?.ctx.canvas;
  }

  private width(): number {
    return Math.max(200, Math.floor(this.container.clientWidth || 600));
  }

  private make(opts: uPlot.Options, data: uPlot.AlignedData): uPlot {
    this.plot?.destroy();
    let painted!: () => void;
    this.drawn = new Promise((r) => (painted = r));
    const hooks = { ...opts.hooks, draw: [...(opts.hooks?.draw ?? []), () => painted()] };
    const plot = (this.plot = new uPlot({ ...opts, hooks }, data, this.container));
    this.accessible(plot);
    return plot;
  }

  /**
   * The plot area is an image with the container's label; its legend stays readable (and is
   * announced as it changes). The plot area takes the focus: Left/Right/Home/End move the cursor
   * from point to point, so the legend reads the values without a mouse.
   */
  private accessible(plot: uPlot): void {
    const label = this.container.getAttribute('aria-label') ?? 'chart';
    const wrap = plot.root.querySelector('.u-wrap');
    wrap?.setAttribute('role', 'img');
    wrap?.setAttribute('aria-label', label);
    plot.root.querySelector('.u-legend')?.setAttribute('aria-live', 'polite');
    const over = plot.over;
    over.tabIndex = 0;
    over.setAttribute('aria-label', `${label}: Left and Right move between points`);
    let at = -1;
    over.addEventListener('keydown', (e) => {
      const xs = plot.data[0];
      const n = xs.length;
      if (n === 0) return;
      const next =
        e.key === 'ArrowRight'
          ? Math.min(n - 1, at + 1)
          : e.key === 'ArrowLeft'
            ? Math.max(0, at < 0 ? n - 1 : at - 1)
            : e.key === 'Home'
              ? 0
              : e.key === 'End'
                ? n - 1
                : undefined;
      if (next === undefined) return;
      e.preventDefault();
      at = next;
      const y = plot.data[1]?.[at];
      const top = typeof y === 'number' ? plot.valToPos(y, 'y') : plot.bbox.height / (devicePixelRatio || 1) / 2;
      plot.setCursor({ left: plot.valToPos(xs[at], 'x'), top });
    });
  }

  destroy(): void {
    this.plot?.destroy();
    this.plot = undefined;
  }

  /** Lines (one x per series, taken from the first), the threshold dashed across; returns the points given. */
  lines(data: LineChartData): number {
    const el = this.container;
    const first = data.series[0];
    if (!first || first.x.length === 0) {
      this.destroy();
      this.drawn = Promise.resolve();
      return 0;
    }
    const x = first.x;
    const ys = data.series.map((s) => {
      const y: Array<number | null> = new Array(s.y.length);
      for (let i = 0; i < s.y.length; i++) y[i] = Number.isFinite(s.y[i]) ? s.y[i] : null;
      return y;
    });
    const thr = data.threshold;
    const errColor = cssColor(el, 'var(--vscode-errorForeground)');
    const yRange: uPlot.Range.Function = (_u, min, max) => {
      let lo = data.yMin ?? (thr === undefined ? min : Math.min(min, thr));
      let hi = data.yMax ?? (thr === undefined ? max : Math.max(max, thr));
      if (!(hi > lo)) [lo, hi] = [lo - 0.5, hi + 0.5];
      const pad = data.yMin === undefined && data.yMax === undefined ? (hi - lo) * 0.05 : 0;
      return [lo - pad, hi + pad];
    };
    const single = x.length === 1;
    this.make(
      {
        width: this.width(),
        height: HEIGHT,
        ms: 1,
        scales: {
          x: {
            time: !!data.xIsTime,
            ...(single ? { range: (_u: uPlot, a: number, b: number) => [a - 1, b + 1] as uPlot.Range.MinMax } : {}),
          },
          y: { range: yRange },
        },
        axes: [
          // Windows are numbered: whole-number ticks only (uPlot would otherwise put ticks at 0.5 steps).
          axis(el, {
            label: data.xIsTime ? 'time' : 'window',
            labelSize: 18,
            labelFont: `11px ${getComputedStyle(el).fontFamily || 'sans-serif'}`,
            ...(data.xIsTime
              ? {}
              : {
                  incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000],
                  values: (_u: uPlot, splits: number[]) => splits.map((v) => String(Math.round(v))),
                }),
          }),
          axis(el, {
            size: 56,
            values: (_u, splits) => splits.map(formatTick),
            label: data.yLabel,
            labelSize: 18,
            labelFont: `11px ${getComputedStyle(el).fontFamily || 'sans-serif'}`,
          }),
        ],
        series: [
          {
            label: data.xIsTime ? 'time' : 'window',
            value: (_u, v) => (v === null || v === undefined ? '–' : data.xIsTime ? new Date(v).toLocaleString() : String(v)),
          },
          ...data.series.map((s) => ({
            label: s.label,
            stroke: cssColor(el, s.color),
            width: 1.5,
            points: { show: single, size: 5 },
            value: (_u: uPlot, v: number | null) => (v === null ? '–' : formatTick(v)),
          })),
        ],
        cursor: { drag: { x: true, y: false } },
        legend: { show: true, live: true },
        hooks: thr === undefined ? {} : { draw: [(u) => dashedLine(u, u.valToPos(thr, 'y', true), errColor)] },
      },
      [x as number[], ...ys],
    );
    return x.length * data.series.length;
  }

  /** Reference and current shares per bin, overlaid as bars. */
  histogram(data: HistogramData, colors: { reference: string; current: string }): void {
    const el = this.container;
    const n = data.reference.length;
    if (n === 0) {
      this.destroy();
      this.drawn = Promise.resolve();
      return;
    }
    const x = Array.from({ length: n }, (_, i) => i);
    const binLabel = (i: number): string => {
      if (data.labels) return data.labels[i] ?? '';
      const e = data.edges!;
      return `${formatTick(e[i])} – ${formatTick(e[i + 1])}`;
    };
    // Ticks on whole bins, as many as fit (about one per 70 px).
    const every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(this.width() / 70))));
    const tick = (i: number) => {
      // Bin centres are not round numbers: three significant digits read as an axis (-0.016, 1.48), not as data.
      const t = data.labels ? data.labels[i] : formatTick(Number(((data.edges![i] + data.edges![i + 1]) / 2).toPrecision(3)));
      return t.length > 10 ? `${t.slice(0, 9)}…` : t;
    };
    const share = (_u: uPlot, v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);
    const ref = cssColor(el, colors.reference);
    const cur = cssColor(el, colors.current);
    this.make(
      {
        width: this.width(),
        height: HEIGHT,
        scales: { x: { time: false, range: [-0.5, n - 0.5] }, y: { range: (_u, _min, max) => [0, Math.max(max, 1e-9) * 1.05] } },
        axes: [
          axis(el, { splits: () => x.filter((i) => i % every === 0), values: (_u, splits) => splits.map((i) => tick(i)) }),
          axis(el, { size: 56, values: (_u, splits) => splits.map(formatTick) }),
        ],
        series: [
          { label: 'bin', value: (_u, v) => (v === null ? '–' : binLabel(v)) },
          {
            label: 'reference',
            stroke: ref,
            fill: withAlpha(el, ref, 0.55),
            width: 1,
            paths: uPlot.paths.bars!({ size: [0.95, Infinity], align: 0 }),
            points: { show: false },
            value: share,
          },
          {
            label: 'current',
            stroke: cur,
            fill: withAlpha(el, cur, 0.55),
            width: 1,
            paths: uPlot.paths.bars!({ size: [0.6, Infinity], align: 0 }),
            points: { show: false },
            value: share,
          },
        ],
        cursor: { drag: { x: false, y: false } },
        legend: { show: true, live: true },
      },
      [x, [...data.reference], [...data.current]],
    );
  }
}

/** A dashed horizontal line across the plotting area at canvas y `y`. */
function dashedLine(u: uPlot, y: number, color: string): void {
  if (!Number.isFinite(y)) return;
  const { ctx, bbox } = u;
  ctx.save();
  ctx.strokeStyle = color;
  ctx.lineWidth = Math.max(1, devicePixelRatio || 1);
  ctx.setLineDash([5 * (devicePixelRatio || 1), 4 * (devicePixelRatio || 1)]);
  ctx.beginPath();
  ctx.moveTo(bbox.left, Math.round(y) + 0.5);
  ctx.lineTo(bbox.left + bbox.width, Math.round(y) + 0.5);
  ctx.stroke();
  ctx.restore();
}
