/**
 * Curves of several runs on one step axis, as a chart library that wants aligned data takes them
 * (uPlot: one x array, one y array per series, null where a run has no point at that step). Built
 * once from the runs' curves, then grown point by point as live runs append (the usual case, a step
 * after the last one, is O(1) per point), so a live chart never rebuilds its data per point.
 */

export interface Curve {
  readonly steps: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

const val = (v: number): number | null => (Number.isFinite(v) ? v : null);

export class AlignedCurves {
  readonly x: number[] = [];
  readonly ys: Array<Array<number | null>>;

  constructor(curves: readonly Curve[]) {
    this.ys = curves.map(() => []);
    const same = curves.length > 0 && curves.every((c) => sameSteps(c.steps, curves[0].steps) && ascending(c.steps));
    if (same) {
      const s = curves[0].steps;
      for (let i = 0; i < s.length; i++) this.x.push(s[i]);
      curves.forEach((c, k) => {
        const y = this.ys[k];
        for (let i = 0; i < c.values.length; i++) y.push(val(c.values[i]));
      });
      return;
    }
    let total = 0;
    for (const c of curves) total += c.steps.length;
    const all = new Float64Array(total);
    let n = 0;
    for (const c of curves) for (let i = 0; i < c.steps.length; i++) all[n++] = c.steps[i];
    all.sort();
    for (let i = 0; i < all.length; i++) if (Number.isFinite(all[i]) && (i === 0 || all[i] !== all[i - 1])) this.x.push(all[i]);
    const index = new Map<number, number>();
    this.x.forEach((s, i) => index.set(s, i));
    curves.forEach((c, k) => {
      const y: Array<number | null> = (this.ys[k] = new Array<number | null>(this.x.length).fill(null));
      // A step written twice keeps its last value, as a reader of the file would.
      for (let i = 0; i < c.steps.length; i++) {
        const at = index.get(c.steps[i]);
        if (at !== undefined) y[at] = val(c.values[i]);
      }
    });
  }

  /**
   * Adds points of series `k`. Returns false when a point falls between existing steps that the axis
   * lacks (a run behind the others on a step the axis has never seen): the caller rebuilds then.
   */
  append(k: number, steps: ArrayLike<number>, values: ArrayLike<number>): boolean {
    const y = this.ys[k];
    if (!y) return false;
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i];
      if (!Number.isFinite(s)) continue;
      const last = this.x.length - 1;
      if (last < 0 || s > this.x[last]) {
        this.x.push(s);
        for (const other of this.ys) other.push(null);
        y[last + 1] = val(values[i]);
      } else if (s === this.x[last]) {
        y[last] = val(values[i]);
      } else {
        const at = search(this.x, s);
        if (at < 0) return false;
        y[at] = val(values[i]);
      }
    }
    return true;
  }
}

function sameSteps(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function ascending(a: ArrayLike<number>): boolean {
  for (let i = 1; i < a.length; i++) if (!(a[i] > a[i - 1])) return false;
  return a.length === 0 || Number.isFinite(a[0]);
}

/** Index of `v` in the ascending array, or -1. */
function search(xs: readonly number[], v: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] === v) return mid;
    if (xs[mid] < v) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
