/**
 * Binned distances: PSI and Jensen-Shannon on bins from reference quantiles (numeric) or on
 * categories, with Evidently's rule for empty bins, and chi-square as Evidently applies it.
 */
import { chi2Sf } from './special';

/** numpy.quantile(sorted, q) with the default 'linear' method, on an ascending sample. */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  const virtual = (n - 1) * q;
  if (virtual >= n - 1) return sorted[n - 1];
  if (virtual < 0) return sorted[0];
  const prev = Math.floor(virtual);
  const gamma = virtual - prev;
  const a = sorted[prev];
  const b = sorted[prev + 1];
  const diff = b - a;
  // b - a overflows for values near ±1.8e308 (numpy then gives inf or NaN): the weighted mean instead.
  if (!Number.isFinite(diff)) return a * (1 - gamma) + b * gamma;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/** The interior edges of `bins` quantile bins of the reference, without duplicates. */
export function quantileEdges(sortedReference: Float64Array, bins: number): Float64Array {
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const e = quantileSorted(sortedReference, k / bins);
    if (edges.length === 0 || e > edges[edges.length - 1]) edges.push(e);
  }
  return Float64Array.from(edges);
}

/** First index i with sorted[i] >= v. */
export function lowerBound(sorted: Float64Array, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Counts per bin, where bin i holds edges[i-1] <= x < edges[i] (numpy searchsorted 'right'). */
export function binCountsSorted(sorted: Float64Array, edges: Float64Array): Float64Array {
  const counts = new Float64Array(edges.length + 1);
  let prev = 0;
  for (let i = 0; i < edges.length; i++) {
    const at = lowerBound(sorted, edges[i]);
    counts[i] = at - prev;
    prev = at;
  }
  counts[edges.length] = sorted.length - prev;
  return counts;
}

/** Shares per bin, with Evidently's replacement for empty bins (get_binned_data, feel_zeroes). */
export function sharesWithFloor(counts: ArrayLike<number>, total: number): Float64Array {
  const p = new Float64Array(counts.length);
  let minNonZero = Infinity;
  for (let i = 0; i < p.length; i++) {
    p[i] = counts[i] / total;
    if (p[i] !== 0 && p[i] < minNonZero) minNonZero = p[i];
  }
  const floor = minNonZero <= 0.0001 ? minNonZero / 1e6 : 0.0001;
  for (let i = 0; i < p.length; i++) if (p[i] === 0) p[i] = floor;
  return p;
}

/** Population stability index: sum (r - c) ln(r / c). */
export function psi(reference: Float64Array, current: Float64Array): number {
  let s = 0;
  for (let i = 0; i < reference.length; i++) s += (reference[i] - current[i]) * Math.log(reference[i] / current[i]);
  return s;
}

function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}

/** Jensen-Shannon distance with natural logarithms, as scipy.spatial.distance.jensenshannon. */
export function jensenShannon(p: Float64Array, q: Float64Array): number {
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    sp += p[i];
    sq += q[i];
  }
  let left = 0;
  let right = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i] / sp;
    const qi = q[i] / sq;
    const m = (pi + qi) / 2;
    left += relEntr(pi, m);
    right += relEntr(qi, m);
  }
  return Math.sqrt(Math.max(0, (left + right) / 2));
}

export interface ChiSquare {
  readonly statistic: number;
  readonly pValue: number;
  readonly dof: number;
}

/**
 * Evidently's chi-square drift test: expected counts are the reference counts scaled to the
 * current sample size, over the union of categories; scipy.stats.chisquare on those. A category
 * never seen in the reference makes the statistic infinite (p = 0). One category: p = 1.
 * A cell empty in both samples (a quantile bin that no value fell in) is no category of either
 * and is left out, degrees of freedom included: it would give 0/0 otherwise.
 */
export function chiSquare(referenceCounts: ArrayLike<number>, currentCounts: ArrayLike<number>): ChiSquare {
  let nRef = 0;
  let nCur = 0;
  let cells = 0;
  for (let i = 0; i < referenceCounts.length; i++) {
    nRef += referenceCounts[i];
    nCur += currentCounts[i];
    if (referenceCounts[i] !== 0 || currentCounts[i] !== 0) cells++;
  }
  const k = nCur / nRef;
  let stat = 0;
  for (let i = 0; i < referenceCounts.length; i++) {
    const e = referenceCounts[i] * k;
    const o = currentCounts[i];
    if (e === 0 && o === 0) continue;
    const d = o - e;
    stat += e === 0 ? Infinity : (d * d) / e;
  }
  const dof = cells - 1;
  if (dof <= 0) return { statistic: 0, pValue: 1, dof: 0 };
  return { statistic: stat, pValue: chi2Sf(stat, dof), dof };
}
