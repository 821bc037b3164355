/**
 * The Job panel's chart data, pure: GPU series put on one time grid (Prometheus range queries answer
 * at start + k x step, so every series lands on the same grid; a missing sample is a gap), then
 * decimated to the plot's pixel columns keeping each column's minimum and maximum per series, so that
 * 64 GPUs x 6 hours at 15 s (92,160 points per chart) draw as at most 2 points per column and series
 * without losing a spike or a drop.
 */

export interface GridInput {
  readonly times: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

export interface Grid {
  /** Grid times (ms), ascending, one per step from the earliest sample to the latest. */
  readonly x: Float64Array;
  /** One row per input series: its value at each grid time, NaN where it has no sample. */
  readonly ys: Float64Array[];
}

/** Every series on one grid of `stepMs` from the earliest to the latest sample (samples rounded to the nearest step). */
export function gridOf(series: readonly GridInput[], stepMs: number): Grid {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    const n = s.times.length;
    if (n === 0) continue;
    // Times are ascending (Prometheus answers in order); the ends are enough.
    lo = Math.min(lo, s.times[0]);
    hi = Math.max(hi, s.times[n - 1]);
  }
  if (!(hi >= lo) || !(stepMs > 0)) return { x: new Float64Array(0), ys: series.map(() => new Float64Array(0)) };
  const n = Math.round((hi - lo) / stepMs) + 1;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = lo + i * stepMs;
  const ys = series.map((s) => {
    const y = new Float64Array(n).fill(NaN);
    for (let i = 0; i < s.times.length; i++) {
      const k = Math.round((s.times[i] - lo) / stepMs);
      if (k >= 0 && k < n) y[k] = s.values[i];
    }
    return y;
  });
  return { x, ys };
}

export interface Decimated {
  readonly x: number[];
  /** null where a series has no value (uPlot draws a gap). */
  readonly ys: Array<Array<number | null>>;
}

const orNull = (v: number) => (Number.isFinite(v) ? v : null);

/**
 * At most 2 x `columns` points per series: when the grid has more points than that, each column's span of
 * the grid becomes two x values (its first and last time), and each series takes there its minimum and
 * its maximum over the span, in the order they occur. Otherwise the grid as it is.
 */
export function decimate(grid: Grid, columns: number): Decimated {
  const n = grid.x.length;
  const cols = Math.max(1, Math.floor(columns));
  if (n <= 2 * cols) return { x: Array.from(grid.x), ys: grid.ys.map((y) => Array.from(y, orNull)) };
  const x: number[] = new Array(2 * cols);
  const bounds = new Int32Array(cols + 1);
  for (let c = 0; c <= cols; c++) bounds[c] = Math.round((c * n) / cols);
  for (let c = 0; c < cols; c++) {
    x[2 * c] = grid.x[bounds[c]];
    x[2 * c + 1] = grid.x[bounds[c + 1] - 1];
  }
  const ys = grid.ys.map((y) => {
    const out: Array<number | null> = new Array(2 * cols);
    for (let c = 0; c < cols; c++) {
      let min = Infinity;
      let max = -Infinity;
      let iMin = -1;
      let iMax = -1;
      for (let i = bounds[c]; i < bounds[c + 1]; i++) {
        const v = y[i];
        if (v < min) {
          min = v;
          iMin = i;
        }
        if (v > max) {
          max = v;
          iMax = i;
        }
      }
      // NaN compares false both ways: a column of gaps keeps iMin = iMax = -1.
      if (iMin < 0) {
        out[2 * c] = null;
        out[2 * c + 1] = null;
      } else if (iMin <= iMax) {
        out[2 * c] = min;
        out[2 * c + 1] = max;
      } else {
        out[2 * c] = max;
        out[2 * c + 1] = min;
      }
    }
    return out;
  });
  return { x, ys };
}
