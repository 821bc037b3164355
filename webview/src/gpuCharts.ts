/**
 * The Job panel's two charts (uPlot): each GPU's utilisation (%) and memory used (MiB) over time,
 * one line per rank and GPU, overlaid; the colour is the rank's (the theme's chart colours), the dash
 * tells a rank's GPUs apart. The series go on one time grid and are decimated to the plot's pixel
 * columns (min and max per two-pixel column, src/model/health/gpuChart.ts), so 64 GPUs x 6 hours draw fast;
 * live appends redraw at most once per animation frame.
 */
import uPlot from 'uplot';
import { decimate, gridOf } from '../../src/model/health/gpuChart';
import { axis, cssColor, formatTick } from './chart';
import { PALETTE } from './runCharts';

const HEIGHT = 240;
const DASHES: number[][] = [[], [6, 3], [2, 3], [10, 3, 2, 3]];

export interface ChartLine {
  readonly label: string;
  /** Index of its rank (the colour) and of the GPU within the rank (the dash). */
  readonly rankIndex: number;
  readonly gpuIndex: number;
  readonly times: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

/** Past this many lines a chart draws them solid: a dashed canvas stroke costs several times a solid one. */
const MAX_DASHED_LINES = 16;
const ALPHAS = [1, 0.7, 0.5, 0.35];

/**
 * A line's colour (its rank's, cycling through the theme's chart colours) and how it is told apart from the
 * lines of the same colour: a dash for a few lines; for many (64 GPUs), a lighter shade instead.
 */
export function lineStyle(rankIndex: number, gpuIndex: number, lines = 1): { color: string; dash: number[]; alpha: number } {
  const cycle = Math.floor(rankIndex / PALETTE.length);
  const variant = gpuIndex + cycle;
  return lines > MAX_DASHED_LINES
    ? { color: PALETTE[rankIndex % PALETTE.length], dash: [], alpha: ALPHAS[variant % ALPHAS.length] }
    : { color: PALETTE[rankIndex % PALETTE.length], dash: DASHES[variant % DASHES.length], alpha: 1 };
}

/** An rgb()/rgba()/#rrggbb colour with this opacity (the theme's colours come resolved). */
function withAlpha(color: string, alpha: number): string {
  if (alpha >= 1) return color;
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})/i.exec(color);
  if (hex) return `rgba(${parseInt(hex[1], 16)}, ${parseInt(hex[2], 16)}, ${parseInt(hex[3], 16)}, ${alpha})`;
  const rgb = /^rgba?\(\s*([\d.]+)[ ,]+([\d.]+)[ ,]+([\d.]+)/.exec(color);
  return rgb ? `rgba(${rgb[1]}, ${rgb[2]}, ${rgb[3]}, ${alpha})` : color;
}

const widthOf = (el: HTMLElement) => Math.max(240, Math.floor(el.clientWidth || 600));

/**
 * Container widths as a ResizeObserver last saw them: reading clientWidth while the page has pending DOM
 * changes (a new findings list, the charts shown) forces a layout of the whole page before the draw.
 */
const widths = new WeakMap<Element, number>();
/** What to do when a chart's container changes width (redraw at the new width). */
const onResize = new WeakMap<Element, () => void>();
const observer =
  typeof ResizeObserver === 'undefined'
    ? undefined
    : new ResizeObserver((entries) => {
        for (const e of entries) {
          const w = Math.floor(e.contentRect.width);
          if (w <= 0) continue;
          const before = widths.get(e.target);
          widths.set(e.target, w);
          if (before !== undefined && before !== w) onResize.get(e.target)?.();
        }
      });

export class GpuChart {
  private plot: uPlot | undefined;
  private signature = '';
  /** Points drawn per series after decimation, last draw. */
  drawnPoints = 0;
  /** Resolves once the latest data is on the canvas. */
  drawn: Promise<void> = Promise.resolve();
  private painted: (() => void) | undefined;

  constructor(
    readonly container: HTMLElement,
    private readonly what: { title: string; unit: string; yMax?: number },
    resized?: () => void,
  ) {
    observer?.observe(container);
    if (resized) onResize.set(container, resized);
  }

  get canvas(): HTMLCanvasElement | undefined {
    return this.plot?.ctx.canvas;
  }

  /** Draws these lines (remade when the lines, theme or size changed; otherwise new data only). */
  set(lines: readonly ChartLine[], stepMs: number, remake = false, yMax = this.what.yMax): void {
    this.drawn = new Promise((r) => (this.painted = r));
    const el = this.container;
    // The fewest real samples any line has (tests and screen readers' summary read it): 0 until Prometheus has some.
    let fewest = lines.length ? Infinity : 0;
    for (const l of lines) {
      let n = 0;
      for (let i = 0; i < l.values.length; i++) if (!Number.isNaN(l.values[i])) n++;
      fewest = Math.min(fewest, n);
    }
    el.dataset.samples = String(fewest);
    const width = Math.max(240, widths.get(el) ?? widthOf(el));
    const grid = gridOf(
      lines.map((l) => ({ times: l.times, values: l.values })),
      stepMs,
    );
    // The plot area is the width less the y axis (about 60 px), in columns of two CSS pixels: each column's
    // minimum and maximum land on its two pixels, so no spike or drop is lost and each series draws about one
    // point per pixel (uPlot's own per-pixel accumulation then has nothing left to merge).
    const d = decimate(grid, Math.max(50, Math.floor((width - 60) / 2)));
    this.drawnPoints = d.x.length;
    const data = [d.x, ...d.ys] as uPlot.AlignedData;
    const signature = `${width}|${yMax}|${lines.map((l) => l.label).join('\n')}`;
    if (this.plot && !remake && signature === this.signature) {
      this.plot.setData(data);
      this.describe(lines);
      return;
    }
    this.signature = signature;
    this.plot?.destroy();
    this.plot = undefined;
    if (d.x.length === 0) {
      this.resolve();
      return;
    }
    const font = `11px ${getComputedStyle(el).fontFamily || 'sans-serif'}`;
    // The theme's chart colours, resolved once per chart rather than once per series.
    const colors = new Map<string, string>();
    const colorOf = (c: string) => colors.get(c) ?? (colors.set(c, cssColor(el, c)), colors.get(c)!);
    this.plot = new uPlot(
      {
        width,
        height: HEIGHT,
        ms: 1,
        scales: {
          x: {
            time: true,
            ...(d.x.length === 1 ? { range: (_u: uPlot, a: number, b: number) => [a - stepMs, b + stepMs] as uPlot.Range.MinMax } : {}),
          },
          // A known top (100%, the GPUs' memory) spares uPlot a pass over every series for their range.
          y: yMax !== undefined ? { auto: false, range: [0, yMax] } : { range: (_u, _lo, hi) => [0, hi > 0 ? hi * 1.05 : 1] },
        },
        axes: [
          axis(el),
          axis(el, { size: 60, values: (_u, s) => s.map(formatTick), label: this.what.unit, labelSize: 18, labelFont: font }),
        ],
        series: [
          { label: 'time', value: (_u, v) => (v === null || v === undefined ? '–' : new Date(v).toLocaleTimeString()) },
          ...lines.map((l) => {
            const st = lineStyle(l.rankIndex, l.gpuIndex, lines.length);
            return {
              label: l.label,
              stroke: withAlpha(colorOf(st.color), st.alpha),
              dash: st.dash,
              width: 1.25,
              points: { show: false },
              value: (_u: uPlot, v: number | null) => (v === null || v === undefined ? '–' : formatTick(v)),
            };
          }),
        ],
        // No cursor point per series (64 DOM elements that follow the mouse): the legend reads the values.
        cursor: { drag: { x: true, y: false }, points: { show: false } },
        legend: { show: true, live: true },
        hooks: { draw: [() => this.resolve()] },
      },
      data,
      el,
    );
    this.accessible(this.plot);
    this.describe(lines);
  }

  private resolve(): void {
    const p = this.painted;
    this.painted = undefined;
    p?.();
  }

  /** The chart as text for screen readers: the mean, lowest and highest of the latest values. */
  private describe(lines: readonly ChartLine[]): void {
    const latest = lines
      .map((l) => {
        let i = l.values.length - 1;
        while (i >= 0 && !Number.isFinite(l.values[i])) i--;
        return { label: l.label, v: i >= 0 ? l.values[i] : NaN };
      })
      .filter((x) => Number.isFinite(x.v));
    const text =
      latest.length === 0
        ? `${this.what.title}: no samples`
        : (() => {
            const lo = latest.reduce((a, b) => (b.v < a.v ? b : a));
            const hi = latest.reduce((a, b) => (b.v > a.v ? b : a));
            const mean = latest.reduce((s, x) => s + x.v, 0) / latest.length;
            return `${this.what.title} of ${lines.length} GPU${lines.length === 1 ? '' : 's'}, latest: mean ${formatTick(mean)} ${this.what.unit}, lowest ${lo.label} ${formatTick(lo.v)}, highest ${hi.label} ${formatTick(hi.v)}`;
          })();
    this.plot?.root.querySelector('.u-wrap')?.setAttribute('aria-label', text);
  }

  /** The plot is an image with a text alternative; its area takes the focus, and Left/Right/Home/End move the cursor. */
  private accessible(plot: uPlot): void {
    const wrap = plot.root.querySelector('.u-wrap');
    wrap?.setAttribute('role', 'img');
    plot.root.querySelector('.u-legend')?.setAttribute('aria-live', 'off');
    const over = plot.over;
    over.tabIndex = 0;
    over.setAttribute('aria-label', `${this.what.title}: Left and Right move between times`);
    let at = -1;
    over.addEventListener('keydown', (e) => {
      const n = plot.data[0].length;
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
      plot.setCursor({ left: plot.valToPos(plot.data[0][at], 'x'), top: plot.bbox.height / (devicePixelRatio || 1) / 2 });
    });
  }

  destroy(): void {
    this.plot?.destroy();
    this.plot = undefined;
    this.signature = '';
    this.resolve();
  }
}
