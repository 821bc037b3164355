/**
 * The experiments page's charts (uPlot): one metric's curves of several runs by step, overlaid,
 * one legend entry per run, grown live (appends go into aligned arrays; the chart takes them with
 * setData at most once per animation frame); and a scatter of one parameter against one metric.
 * Colours come from the VS Code theme; series past the palette are dashed, so runs differ by more
 * than colour, and the legend names each run.
 */
import uPlot from 'uplot';
import { AlignedCurves, type Curve } from '../../src/model/curveAlign';
import { axis, cssColor, formatTick } from './chart';

const HEIGHT = 220;
export const PALETTE = [
  'var(--vscode-charts-blue)',
  'var(--vscode-charts-orange)',
  'var(--vscode-charts-green)',
  'var(--vscode-charts-purple)',
  'var(--vscode-charts-red)',
  'var(--vscode-charts-yellow)',
];
const DASHES: number[][] = [[], [6, 3], [2, 3], [10, 3, 2, 3]];

export interface PlotRun {
  readonly id: string;
  readonly label: string;
  readonly curve: Curve;
}

/** The colour and dash of the i-th run. */
export function styleOf(i: number): { color: string; dash: number[] } {
  return { color: PALETTE[i % PALETTE.length], dash: DASHES[Math.floor(i / PALETTE.length) % DASHES.length] };
}

function widthOf(container: HTMLElement): number {
  return Math.max(240, Math.floor(container.clientWidth || 600));
}

function labelled(plot: uPlot, label: string): void {
  const wrap = plot.root.querySelector('.u-wrap');
  wrap?.setAttribute('role', 'img');
  wrap?.setAttribute('aria-label', label);
  plot.root.querySelector('.u-legend')?.setAttribute('aria-live', 'off');
  const over = plot.over;
  over.tabIndex = 0;
  over.setAttribute('aria-label', `${label}: Left and Right move between steps`);
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

/** One metric's curves, overlaid. */
export class MetricChart {
  private plot: uPlot | undefined;
  private aligned: AlignedCurves | undefined;
  private runs: PlotRun[] = [];
  private frame = 0;
  /** Resolves once the latest data has been painted. */
  drawn: Promise<void> = Promise.resolve();
  private painted: (() => void) | undefined;

  constructor(
    readonly container: HTMLElement,
    readonly metric: string,
    private readonly onPaint: () => void,
  ) {}

  get canvas(): HTMLCanvasElement | undefined {
    return this.plot?.ctx.canvas;
  }

  /** Points drawn of a run (non-empty values at its steps) and its last step. */
  pointsOf(runId: string): { points: number; lastStep: number } | undefined {
    const k = this.runs.findIndex((r) => r.id === runId);
    if (k < 0 || !this.aligned) return undefined;
    const y = this.aligned.ys[k];
    let points = 0;
    let lastStep = NaN;
    for (let i = 0; i < y.length; i++)
      if (y[i] !== null) {
        points++;
        lastStep = this.aligned.x[i];
      }
    return { points, lastStep };
  }

  /** "loss by step: train-a at step 9 is 0.12; train-b at step 4 is 0.3". */
  summary(): string {
    const a = this.aligned;
    const ends = this.runs.map((r, k) => {
      const y = a?.ys[k] ?? [];
      let i = y.length - 1;
      while (i >= 0 && y[i] === null) i--;
      return i < 0 ? `${r.label} has no point yet` : `${r.label} at step ${a!.x[i]} is ${formatTick(y[i]!)}`;
    });
    return `${this.metric} by step: ${ends.join('; ')}`;
  }

  get runIds(): string[] {
    return this.runs.map((r) => r.id);
  }

  /** Draws these runs' curves anew (the runs, the theme or the size changed). */
  set(runs: readonly PlotRun[]): void {
    this.runs = [...runs];
    this.aligned = new AlignedCurves(runs.map((r) => r.curve));
    this.make();
  }

  /** New points of one run: into the aligned arrays now, onto the canvas on the next frame. */
  append(runId: string, steps: ArrayLike<number>, values: ArrayLike<number>, curve: Curve): void {
    const k = this.runs.findIndex((r) => r.id === runId);
    if (k < 0 || !this.aligned) return;
    if (!this.aligned.append(k, steps, values)) {
      // A step between known ones that the axis lacks: align again from the run's whole curve.
      this.runs[k] = { ...this.runs[k], curve };
      this.aligned = new AlignedCurves(this.runs.map((r) => r.curve));
    }
    if (!this.drawnPending()) this.drawn = new Promise((r) => (this.painted = r));
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      if (!this.plot) this.make();
      else this.plot.setData([this.aligned!.x, ...this.aligned!.ys]);
    });
  }

  private drawnPending(): boolean {
    return this.painted !== undefined;
  }

  resize(): void {
    this.plot?.setSize({ width: widthOf(this.container), height: HEIGHT });
  }

  private make(): void {
    this.plot?.destroy();
    this.plot = undefined;
    const a = this.aligned;
    if (!a || a.x.length === 0) {
      this.drawn = Promise.resolve();
      return;
    }
    const el = this.container;
    if (!this.painted) this.drawn = new Promise((r) => (this.painted = r));
    const single = a.x.length === 1;
    this.plot = new uPlot(
      {
        width: widthOf(el),
        height: HEIGHT,
        scales: {
          x: { time: false, ...(single ? { range: (_u: uPlot, lo: number, hi: number) => [lo - 1, hi + 1] as uPlot.Range.MinMax } : {}) },
          y: { range: (_u, lo, hi) => (hi > lo ? [lo - (hi - lo) * 0.05, hi + (hi - lo) * 0.05] : [lo - 0.5, hi + 0.5]) },
        },
        axes: [
          axis(el, {
            label: 'step',
            labelSize: 18,
            labelFont: `11px ${getComputedStyle(el).fontFamily || 'sans-serif'}`,
            values: (_u, s) => s.map(formatTick),
          }),
          axis(el, { size: 56, values: (_u, s) => s.map(formatTick) }),
        ],
        series: [
          { label: 'step', value: (_u, v) => (v === null || v === undefined ? '–' : String(v)) },
          ...this.runs.map((r, i) => {
            const st = styleOf(i);
            return {
              label: r.label,
              stroke: cssColor(el, st.color),
              dash: st.dash,
              width: 1.5,
              spanGaps: true,
              points: { show: single, size: 5 },
              value: (_u: uPlot, v: number | null) => (v === null || v === undefined ? '–' : formatTick(v)),
            };
          }),
        ],
        cursor: { drag: { x: true, y: false } },
        legend: { show: true, live: true },
        hooks: {
          draw: [
            (u) => {
              // The chart's text alternative: where each run's curve ends now (read by screen readers, updated live).
              u.root.querySelector('.u-wrap')?.setAttribute('aria-label', this.summary());
              const p = this.painted;
              this.painted = undefined;
              p?.();
              this.onPaint();
            },
          ],
        },
      },
      [a.x, ...a.ys],
      el,
    );
    labelled(this.plot, this.summary());
  }

  destroy(): void {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.plot?.destroy();
    this.plot = undefined;
    this.painted?.();
    this.painted = undefined;
  }
}

export interface ScatterPoint {
  readonly x: number;
  readonly y: number;
  readonly label: string;
}

/** One parameter (x) against one metric (y) across runs; texts on x are categories, in sorted order. */
export class ScatterChart {
  private plot: uPlot | undefined;

  constructor(readonly container: HTMLElement) {}

  get canvas(): HTMLCanvasElement | undefined {
    return this.plot?.ctx.canvas;
  }

  set(points: readonly ScatterPoint[], xLabel: string, yLabel: string, categories?: readonly string[]): void {
    this.plot?.destroy();
    this.plot = undefined;
    if (points.length === 0) return;
    const el = this.container;
    const sorted = [...points].sort((a, b) => a.x - b.x);
    const xs = sorted.map((p) => p.x);
    const ys = sorted.map((p) => p.y);
    const color = cssColor(el, PALETTE[0]);
    const font = `11px ${getComputedStyle(el).fontFamily || 'sans-serif'}`;
    const log = !categories && xs[0] > 0 && xs[xs.length - 1] / xs[0] >= 50;
    const xText = (v: number) => (categories ? (categories[Math.round(v)] ?? '') : formatTick(v));
    this.plot = new uPlot(
      {
        width: widthOf(el),
        height: HEIGHT,
        scales: {
          // Learning rates and the like span decades: a log axis when every x is positive and they span 50x or more.
          x: log
            ? { time: false, distr: 3, log: 10, range: (_u, lo, hi) => [lo / 1.5, hi * 1.5] }
            : { time: false, range: (_u, lo, hi) => (hi > lo ? [lo - (hi - lo) * 0.05, hi + (hi - lo) * 0.05] : [lo - 1, hi + 1]) },
          y: { range: (_u, lo, hi) => (hi > lo ? [lo - (hi - lo) * 0.05, hi + (hi - lo) * 0.05] : [lo - 0.5, hi + 0.5]) },
        },
        axes: [
          axis(el, {
            label: log ? `${xLabel} (log scale)` : xLabel,
            labelSize: 18,
            labelFont: font,
            ...(categories ? { splits: () => categories.map((_, i) => i) } : {}),
            values: (_u, s) => s.map((v) => (v === null || v === undefined ? '' : xText(v))),
          }),
          axis(el, { size: 56, values: (_u, s) => s.map(formatTick), label: yLabel, labelSize: 18, labelFont: font }),
        ],
        series: [
          { label: xLabel, value: (_u, v) => (v === null || v === undefined ? '–' : xText(v)) },
          {
            label: yLabel,
            stroke: color,
            fill: color,
            paths: () => null,
            points: { show: true, size: 8, fill: color, stroke: color },
            value: (_u: uPlot, v: number | null, _s: number, idx: number | null) =>
              v === null || idx === null ? '–' : `${formatTick(v)} (${sorted[idx]?.label ?? ''})`,
          },
        ],
        cursor: { drag: { x: false, y: false } },
        legend: { show: true, live: true },
      },
      [xs, ys],
      el,
    );
    labelled(this.plot, `${yLabel} against ${xLabel} across ${points.length} runs`);
  }

  destroy(): void {
    this.plot?.destroy();
    this.plot = undefined;
  }
}
