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
  const n = v.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += v[i];
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = v[i] - mean;
    ss += d * d;
  }
  const edges = n > 0 ? quantileEdges(v, bins) : new Float64Array(0);
  return { ...s, std: Math.sqrt(ss / n), edges, binCounts: binCountsSorted(v, edges) };
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
