/**
 * Per-feature summaries: the reference is summarised once (sorted finite sample, quantile
 * bins, standard deviation, category counts) and reused for every window of current data.
 */
import { binCountsSorted, quantileEdges } from './distances';
import { sortedFinite } from './sort';
import type { CategoricalColumn, NumericColumn } from './table';

export interface NumericSample {
  readonly kind: 'numeric';
  readonly name: string;
  /** Finite values, ascending. */
  readonly sorted: Float64Array;
  readonly missing: number;
  readonly nonFinite: number;
}

export interface NumericReference extends NumericSample {
  /** Population standard deviation (numpy's np.std). */
  readonly std: number;
  /** Interior edges of the quantile bins, and the reference's counts in them. */
  readonly edges: Float64Array;
  readonly binCounts: Float64Array;
}

export interface CategoricalSample {
  readonly kind: 'categorical';
  readonly name: string;
  readonly counts: ReadonlyMap<string, number>;
  readonly total: number;
  readonly missing: number;
}

export type FeatureReference = NumericReference | CategoricalSample;

/** Finite values of rows [start, end), sorted, with the missing and infinite counted. */
export function numericSample(col: NumericColumn, start = 0, end = col.values.length): NumericSample {
  const { sorted, missing, nonFinite } = sortedFinite(col.values, start, end);
  return { kind: 'numeric', name: col.name, sorted, missing, nonFinite };
}

export function numericReference(col: NumericColumn, bins: number): NumericReference {
  const s = numericSample(col);
  const v = s.sorted;
  const edges = v.length > 0 ? quantileEdges(v, bins) : new Float64Array(0);
  return { ...s, std: stdSorted(v), edges, binCounts: binCountsSorted(v, edges) };
}

/**
 * Population standard deviation (np.std) of an ascending sample (NaN when empty). Values of
 * 1e150 or more, or all below 1e-150, are scaled by a power of two first (exact), so that the
 * sum does not overflow and the squares neither overflow to Infinity (1e300) nor underflow to 0.
 */
export function stdSorted(v: Float64Array): number {
  const n = v.length;
  const m = n > 0 ? Math.max(-v[0], v[n - 1], v[0], -v[n - 1]) : 0;
  // Two factors, as 2 ** 1074 itself does not exist as a double.
  const k = m > 1e150 || (m > 0 && m < 1e-150) ? -Math.floor(Math.log2(m)) : 0;
  const f1 = 2 ** Math.trunc(k / 2);
  const f2 = 2 ** (k - Math.trunc(k / 2));
  let mean = 0;
  if (k === 0) for (let i = 0; i < n; i++) mean += v[i];
  else for (let i = 0; i < n; i++) mean += v[i] * f1 * f2;
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = (k === 0 ? v[i] : v[i] * f1 * f2) - mean;
    ss += d * d;
  }
  return Math.sqrt(ss / n) / f1 / f2;
}

export function categoricalSample(col: CategoricalColumn, start = 0, end = col.codes.length): CategoricalSample {
  const byCode = new Float64Array(col.categories.length);
  let missing = 0;
  for (let i = start; i < end; i++) {
    const c = col.codes[i];
    if (c < 0) missing++;
    else byCode[c]++;
  }
  const counts = new Map<string, number>();
  let total = 0;
  for (let c = 0; c < byCode.length; c++) {
    if (byCode[c] > 0) {
      counts.set(col.categories[c], byCode[c]);
      total += byCode[c];
    }
  }
  return { kind: 'categorical', name: col.name, counts, total, missing };
}

/** Value counts of a sorted numeric sample, for numeric features with few distinct values. */
export function valueCounts(sorted: Float64Array): Map<string, number> {
  const m = new Map<string, number>();
  let i = 0;
  while (i < sorted.length) {
    const v = sorted[i];
    let j = i;
    while (j < sorted.length && sorted[j] === v) j++;
    m.set(String(v), j - i);
    i = j;
  }
  return m;
}
