import { kstwoSf } from './kstwo';

/**
 * Two-sample Kolmogorov-Smirnov test (two-sided) and Wasserstein-1 distance, computed in
 * one merge of two sorted samples. The statistic and p-value follow scipy.stats.ks_2samp:
 * 'exact' counts lattice paths (Hodges 1958; Viehmann 2021 for the stable 1-p recursion),
 * 'asymp' uses the distribution of the one-sample statistic with n = round(n1 n2 / (n1 + n2)),
 * 'auto' is exact when both samples have at most 10,000 values.
 */
export type KsMethod = 'auto' | 'exact' | 'asymp';

export interface KsResult {
  readonly statistic: number;
  readonly pValue: number;
  /** The method that produced the p-value ('exact' falls back to 'asymp' as scipy does). */
  readonly method: 'exact' | 'asymp';
}

export interface SortedComparison {
  /** max(F1 - F2) and max(F2 - F1) over the pooled sample, clipped at 0. */
  readonly dPlus: number;
  readonly dMinus: number;
  readonly wasserstein: number;
  /** Number of distinct values in the pooled sample. */
  readonly distinct: number;
}

const MAX_AUTO_N = 10000;
const INT32_MAX = 2147483647;

/** One pass over two ascending samples (no NaN): KS extremes, Wasserstein-1, distinct count. */
export function compareSorted(a: Float64Array, b: Float64Array): SortedComparison {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let maxDiff = -Infinity;
  let minDiff = Infinity;
  let distinct = 0;
  let prev = 0;
  let prevDiff = 0;
  // Neumaier-compensated sum of |F1 - F2| * gap between consecutive pooled values.
  let sum = 0;
  let comp = 0;
  while (i < n1 || j < n2) {
    let v: number;
    if (j >= n2 || (i < n1 && a[i] < b[j])) {
      v = a[i++];
      while (i < n1 && a[i] === v) i++;
    } else if (i >= n1 || b[j] < a[i]) {
      v = b[j++];
      while (j < n2 && b[j] === v) j++;
    } else {
      v = a[i++];
      j++;
      while (i < n1 && a[i] === v) i++;
      while (j < n2 && b[j] === v) j++;
    }
    if (distinct++ > 0) {
      const w = Math.abs(prevDiff);
      let term = w * (v - prev);
      // A gap wider than the largest double (values near ±1.8e308): 0 where the two distributions
      // agree (not 0 * Infinity), else the same product in two finite parts.
      if (term === Infinity || term !== term) term = w === 0 ? 0 : w * v - w * prev;
      const t = sum + term;
      comp += sum >= term ? sum - t + term : term - t + sum;
      sum = t;
    }
    const diff = i / n1 - j / n2;
    if (diff > maxDiff) maxDiff = diff;
    if (diff < minDiff) minDiff = diff;
    prev = v;
    prevDiff = diff;
  }
  const dMinus = Math.min(Math.max(-minDiff, 0), 1);
  // A distance beyond the largest double is Infinity (its compensation, Infinity - Infinity, is not a number).
  return { dPlus: maxDiff, dMinus, wasserstein: sum === Infinity ? Infinity : sum + comp, distinct };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Python's round(): half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  let k = Math.floor(n / h);
  while (k >= 0) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
    k--;
  }
  return 2 * P;
}

function outerProbInsideMethod(m: number, n: number, g: number, h: number): number {
  if (m < n) [m, n] = [n, m];
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  A.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj] * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return A[maxj - minj - 1];
}

/** scipy's _attempt_exact_2kssamp for the two-sided alternative. */
function exactTwoSided(n1: number, n2: number, g: number, d: number): { ok: boolean; d: number; p: number } {
  const lcm = (n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  const dd = h / lcm;
  if (h === 0) return { ok: true, d: dd, p: 1 };
  const p = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInsideMethod(n1, n2, g, h);
  return { ok: Number.isFinite(p) && p >= 0 && p <= 1, d: dd, p };
}

/** p-value of the two-sided two-sample statistic d for sample sizes n1, n2. */
export function ksPValue(
  d: number,
  n1: number,
  n2: number,
  method: KsMethod = 'auto',
): { statistic: number; pValue: number; method: 'exact' | 'asymp' } {
  const g = gcd(n1, n2);
  let mode: 'exact' | 'asymp' = method === 'auto' ? (Math.max(n1, n2) <= MAX_AUTO_N ? 'exact' : 'asymp') : method;
  if (mode === 'exact' && n1 / g >= INT32_MAX / (n2 / g)) mode = 'asymp';
  let stat = d;
  let p = NaN;
  if (mode === 'exact') {
    const r = exactTwoSided(n1, n2, g, d);
    stat = r.d;
    if (r.ok) p = r.p;
    else mode = 'asymp';
  }
  if (mode === 'asymp') {
    const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
    const en = (m * n) / (m + n);
    p = kstwoSf(roundHalfEven(en), stat);
  }
  return { statistic: stat, pValue: Math.min(Math.max(p, 0), 1), method: mode };
}

/** ks_2samp on two ascending samples without NaN. Throws on an empty sample. */
export function ks2sampSorted(a: Float64Array, b: Float64Array, method: KsMethod = 'auto', cmp?: SortedComparison): KsResult {
  if (a.length === 0 || b.length === 0) throw new RangeError('ks2samp needs two non-empty samples');
  const c = cmp ?? compareSorted(a, b);
  const d = c.dMinus > c.dPlus ? c.dMinus : c.dPlus;
  const r = ksPValue(d, a.length, b.length, method);
  return { statistic: r.statistic, pValue: r.pValue, method: r.method };
}
