/**
 * The drift engine: compares every feature of current data with a summarised reference, for
 * the whole current sample and for each window of it, and decides drift per feature and for
 * the dataset with Evidently's defaults (see report.ts DEFAULT_THRESHOLDS).
 */
import { KubeMLError } from '../common/errors';
import { binCountsSorted, chiSquare, jensenShannon, psi, sharesWithFloor } from './distances';
import { compareSorted, ks2sampSorted } from './ks';
import {
  DEFAULT_THRESHOLDS,
  isPValueTest,
  type DriftReport,
  type DriftThresholds,
  type FeatureDrift,
  type FeatureStats,
  type FeatureStatus,
  type Histogram,
  type StatName,
  type StatTest,
  type WindowDrift,
} from '../model/driftReport';
import {
  categoricalSample,
  numericReference,
  numericSample,
  valueCounts,
  type CategoricalSample,
  type FeatureReference,
  type NumericReference,
  type NumericSample,
} from './summary';
import { numericAsCategorical, type Column, type Table } from './table';

export interface ReferenceSummary {
  readonly source: string;
  readonly rows: number;
  readonly thresholds: DriftThresholds;
  readonly features: ReadonlyMap<string, FeatureReference>;
  readonly warnings: readonly string[];
}

/** Windows over the current data: consecutive runs of `rows` rows, or `every` units of a time column (ms). */
export type WindowSpec = { readonly rows: number } | { readonly column: string; readonly every: number };

const FEW_VALUES = 5;
const HIST_BINS = 30;

export function summarizeReference(table: Table, thresholds: Partial<DriftThresholds> = {}): ReferenceSummary {
  const t = { ...DEFAULT_THRESHOLDS, ...thresholds };
  const features = new Map<string, FeatureReference>();
  for (const col of table.columns) {
    const fr = summarizeColumn(col, t.bins);
    if (fr) features.set(col.name, fr);
  }
  return { source: table.source, rows: table.rows, thresholds: t, features, warnings: [...table.warnings] };
}

function plural(n: number, one: string): string {
  return `${n.toLocaleString('en-US')} ${one}${n === 1 ? '' : 's'}`;
}

const STAT_LABEL: Record<StatName, string> = {
  ks: 'Kolmogorov-Smirnov test',
  wasserstein: 'Wasserstein distance',
  wassersteinNormed: 'normed Wasserstein distance',
  psi: 'PSI',
  js: 'Jensen-Shannon distance',
  chi2: 'chi-square test',
};

/** The statistic behind each test's score. */
const SCORE_STAT: Record<StatTest, StatName> = { ks: 'ks', wasserstein: 'wassersteinNormed', js: 'js', psi: 'psi', chi2: 'chi2' };

/**
 * The statistics without NaN: one that came out as NaN is left out and named in `notComputed`
 * with the reason, so that no NaN reaches a verdict, a table or a JSON file (where it would be null).
 */
export function withoutNaN(stats: FeatureStats): FeatureStats {
  const out: FeatureStats = { ...stats };
  const notComputed: Partial<Record<StatName, string>> = { ...stats.notComputed };
  for (const k of Object.keys(STAT_LABEL) as StatName[]) {
    const v = stats[k];
    if (v === undefined) continue;
    if (typeof v === 'number' ? Number.isNaN(v) : Object.values(v).some((x) => typeof x === 'number' && Number.isNaN(x))) {
      delete out[k];
      notComputed[k] = `the ${STAT_LABEL[k]} came out as NaN (not a number) on this data`;
    }
  }
  if (Object.keys(notComputed).length > 0) out.notComputed = notComputed;
  return out;
}

export interface Verdict {
  readonly status: Extract<FeatureStatus, 'drift' | 'ok' | 'not-computed'>;
  /** Undefined when not computed. */
  readonly score?: number;
  readonly threshold: number;
  readonly reason?: string;
}

/**
 * The verdict of `test` on a feature's statistics: drift when its p-value is below the
 * threshold or its distance at least the threshold; 'not-computed', with the reason, when its
 * statistic could not be computed (a NaN score never counts as 'ok' nor as 'drift').
 */
export function verdict(name: string, test: StatTest, stats: FeatureStats, t: DriftThresholds): Verdict {
  const threshold =
    test === 'ks' || test === 'chi2' ? t.pValue : test === 'wasserstein' ? t.wassersteinNormed : test === 'js' ? t.js : t.psiModerate;
  const stat = SCORE_STAT[test];
  const v = stats[stat];
  const score = typeof v === 'number' ? v : v?.pValue;
  if (score === undefined || Number.isNaN(score)) {
    const why = stats.notComputed?.[stat] ?? `the ${STAT_LABEL[stat]} was not computed`;
    return {
      status: 'not-computed',
      threshold,
      reason: `${name}: no verdict: ${why}. Another test may work: --method on the command line, kubeml.drift.method in VS Code.`,
    };
  }
  return { status: (isPValueTest(test) ? score < threshold : score >= threshold) ? 'drift' : 'ok', score, threshold };
}

function band(psi: number | undefined, t: DriftThresholds): 'none' | 'moderate' | 'significant' | undefined {
  if (psi === undefined) return undefined;
  return psi >= t.psiSignificant ? 'significant' : psi >= t.psiModerate ? 'moderate' : 'none';
}

/** Counts of two samples over the union of their keys, sorted. */
function aligned(ref: ReadonlyMap<string, number>, cur: ReadonlyMap<string, number>): { keys: string[]; r: number[]; c: number[] } {
  const keys = [...new Set([...ref.keys(), ...cur.keys()])].sort();
  return { keys, r: keys.map((k) => ref.get(k) ?? 0), c: keys.map((k) => cur.get(k) ?? 0) };
}

function countStats(r: ArrayLike<number>, c: ArrayLike<number>, nRef: number, nCur: number): Pick<FeatureStats, 'psi' | 'js' | 'chi2'> {
  const rp = sharesWithFloor(r, nRef);
  const cp = sharesWithFloor(c, nCur);
  return { psi: psi(rp, cp), js: jensenShannon(rp, cp), chi2: chiSquare(r, c) };
}

function commonWarnings(name: string, refN: number, curN: number, miss: [number, number], inf: [number, number]): string[] {
  const w: string[] = [];
  if (miss[0] || miss[1])
    w.push(
      `${name}: ${plural(miss[0], 'missing value')} in the reference and ${plural(miss[1], 'missing value')} in the current data were ignored.`,
    );
  if (inf[0] || inf[1]) w.push(`${name}: ${plural(inf[0] + inf[1], 'infinite value')} (±Inf) were excluded.`);
  if (refN > 0 && refN < FEW_VALUES) w.push(`${name}: only ${plural(refN, 'value')} in the reference: too few for a reliable verdict.`);
  if (curN > 0 && curN < FEW_VALUES) w.push(`${name}: only ${plural(curN, 'value')} in the current data: too few for a reliable verdict.`);
  return w;
}

function skipped(
  name: string,
  kind: 'numeric' | 'categorical',
  counts: FeatureDrift['counts'],
  warnings: string[],
  why: string,
): FeatureDrift {
  return { name, kind, status: 'skipped', stats: {}, counts, warnings: [...warnings, `${name}: ${why} It is not compared.`] };
}

function histogram(ref: NumericReference, cur: NumericSample): Histogram {
  const lo = Math.min(ref.sorted[0], cur.sorted[0]);
  const hi = Math.max(ref.sorted[ref.sorted.length - 1], cur.sorted[cur.sorted.length - 1]);
  const bins = lo === hi ? 1 : HIST_BINS;
  // hi - lo overflows for values near ±1.8e308: then the weighted mean of the two ends.
  const span = hi - lo;
  const edges = Array.from({ length: bins + 1 }, (_, i) =>
    i === bins ? hi : Number.isFinite(span) ? lo + (span * i) / bins : lo * (1 - i / bins) + hi * (i / bins),
  );
  const inner = Float64Array.from(edges.slice(1, -1));
  const share = (s: Float64Array) => Array.from(binCountsSorted(s, inner), (c) => c / s.length);
  return { edges, reference: share(ref.sorted), current: share(cur.sorted) };
}

export function compareNumeric(ref: NumericReference, cur: NumericSample, t: DriftThresholds, withHistogram = true): FeatureDrift {
  const a = ref.sorted;
  const b = cur.sorted;
  const counts = {
    reference: a.length,
    current: b.length,
    missingReference: ref.missing,
    missingCurrent: cur.missing,
    nonFiniteReference: ref.nonFinite,
    nonFiniteCurrent: cur.nonFinite,
  };
  const warnings = commonWarnings(ref.name, a.length, b.length, [ref.missing, cur.missing], [ref.nonFinite, cur.nonFinite]);
  if (a.length === 0) return skipped(ref.name, 'numeric', counts, warnings, 'the reference has no numeric value.');
  if (b.length === 0) return skipped(ref.name, 'numeric', counts, warnings, 'the current data has no numeric value.');
  if (a[0] === a[a.length - 1]) warnings.push(`${ref.name}: constant in the reference (every value is ${a[0]}); any change is drift.`);
  const cmp = compareSorted(a, b);
  const ks = ks2sampSorted(a, b, 'auto', cmp);
  const wassersteinNormed = cmp.wasserstein / Math.max(ref.std, 0.001);
  const few = cmp.distinct <= FEW_VALUES;
  let binned: Pick<FeatureStats, 'psi' | 'js' | 'chi2'>;
  if (few) {
    const al = aligned(valueCounts(a), valueCounts(b));
    binned = countStats(al.r, al.c, a.length, b.length);
  } else {
    binned = countStats(ref.binCounts, binCountsSorted(b, ref.edges), a.length, b.length);
  }
  const stats = withoutNaN({ ks, wasserstein: cmp.wasserstein, wassersteinNormed, ...binned });
  let test: StatTest;
  if (t.method !== 'auto') test = t.method;
  else if (few) test = a.length <= t.smallReferenceRows ? 'chi2' : 'js';
  else test = a.length <= t.smallReferenceRows ? 'ks' : 'wasserstein';
  const v = verdict(ref.name, test, stats, t);
  if (v.reason) warnings.push(v.reason);
  return {
    name: ref.name,
    kind: 'numeric',
    status: v.status,
    test,
    score: v.score,
    threshold: v.threshold,
    ...(v.reason ? { reason: v.reason } : {}),
    psiBand: band(stats.psi, t),
    stats,
    counts,
    histogram: withHistogram ? histogram(ref, cur) : undefined,
    warnings,
  };
}

export function compareCategorical(ref: CategoricalSample, cur: CategoricalSample, t: DriftThresholds): FeatureDrift {
  const counts = {
    reference: ref.total,
    current: cur.total,
    missingReference: ref.missing,
    missingCurrent: cur.missing,
    nonFiniteReference: 0,
    nonFiniteCurrent: 0,
  };
  const warnings = commonWarnings(ref.name, ref.total, cur.total, [ref.missing, cur.missing], [0, 0]);
  if (ref.total === 0) return skipped(ref.name, 'categorical', counts, warnings, 'the reference has no value.');
  if (cur.total === 0) return skipped(ref.name, 'categorical', counts, warnings, 'the current data has no value.');
  if (ref.counts.size === 1) warnings.push(`${ref.name}: constant in the reference (every value is "${[...ref.counts.keys()][0]}").`);
  const al = aligned(ref.counts, cur.counts);
  const unseen = al.keys.filter((_, i) => al.r[i] === 0);
  if (unseen.length)
    warnings.push(
      `${ref.name}: ${plural(unseen.length, 'category')} never seen in the reference (${unseen
        .slice(0, 3)
        .map((k) => JSON.stringify(k))
        .join(', ')}${unseen.length > 3 ? ', …' : ''}).`,
    );
  const stats = withoutNaN(countStats(al.r, al.c, ref.total, cur.total));
  let test: StatTest = t.method === 'auto' ? (ref.total <= t.smallReferenceRows ? 'chi2' : 'js') : t.method;
  if (test === 'ks' || test === 'wasserstein') test = 'chi2';
  const v = verdict(ref.name, test, stats, t);
  if (v.reason) warnings.push(v.reason);
  const histogram: Histogram = { labels: al.keys, reference: al.r.map((x) => x / ref.total), current: al.c.map((x) => x / cur.total) };
  return {
    name: ref.name,
    kind: 'categorical',
    status: v.status,
    test,
    score: v.score,
    threshold: v.threshold,
    ...(v.reason ? { reason: v.reason } : {}),
    psiBand: band(stats.psi, t),
    stats,
    counts,
    histogram,
    warnings,
  };
}

/** The column's values at the given rows, as a column of its own. */
function gather(col: Column, rows: Int32Array): Column {
  if (col.kind === 'categorical') return { ...col, codes: rows.map((r) => col.codes[r]) };
  const values = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) values[i] = col.values[rows[i]];
  return { ...col, values };
}

function compareCut(ref: FeatureReference, col: Column, t: DriftThresholds, cut: Cut, withHistogram: boolean): FeatureDrift {
  if (!cut.rows) return compareColumn(ref, col, t, cut.start, cut.end, withHistogram);
  return compareColumn(ref, gather(col, cut.rows), t, 0, cut.rows.length, withHistogram);
}

function compareColumn(
  ref: FeatureReference,
  col: Column,
  t: DriftThresholds,
  start: number,
  end: number,
  withHistogram: boolean,
): FeatureDrift {
  if (ref.kind === 'numeric' && col.kind === 'numeric') return compareNumeric(ref, numericSample(col, start, end), t, withHistogram);
  if (ref.kind === 'categorical' && col.kind === 'categorical') return compareCategorical(ref, categoricalSample(col, start, end), t);
  if (ref.kind === 'categorical' && col.kind === 'numeric')
    return compareCategorical(ref, categoricalSample(numericAsCategorical(col), start, end), t);
  if (ref.kind === 'numeric' && col.kind === 'categorical') {
    // Numeric reference, text in the current data: compare as categories, numbers written as text.
    const asCat: CategoricalSample = {
      kind: 'categorical',
      name: ref.name,
      counts: valueCounts(ref.sorted),
      total: ref.sorted.length,
      missing: ref.missing,
    };
    return compareCategorical(asCat, categoricalSample(col, start, end), t);
  }
  throw new KubeMLError('invalid', `Column "${col.name}" holds timestamps in the current data and cannot be compared.`);
}

export interface Cut {
  readonly label: string;
  /** The rows [start, end) of the current data; or, when `rows` is there, those rows. */
  readonly start: number;
  readonly end: number;
  /** The window's rows, ascending, when they are not one run (a time column out of order, rows without a time). */
  readonly rows?: Int32Array;
  readonly from?: number;
  readonly to?: number;
}

/** How many rows a cut holds. */
export function cutRows(cut: Cut): number {
  return cut.rows ? cut.rows.length : cut.end - cut.start;
}

/**
 * The windows of the current data: runs of `rows` rows, or the rows whose time (or number) falls
 * in each span of `every` (spans in ascending order, the empty ones left out). A time window
 * does not depend on the order of the rows; a row without a time is in no window.
 */
export function cuts(current: Table, spec: WindowSpec): Cut[] {
  const out: Cut[] = [];
  if ('rows' in spec) {
    const size = Math.max(1, Math.floor(spec.rows));
    for (let s = 0; s < current.rows; s += size)
      out.push({ label: `rows ${s + 1}–${Math.min(s + size, current.rows)}`, start: s, end: Math.min(s + size, current.rows) });
    return out;
  }
  const col = current.columns.find((c) => c.name === spec.column);
  if (!col || col.kind === 'categorical') {
    throw new KubeMLError(
      'invalid',
      `The current data has no time or numeric column "${spec.column}" to cut windows by.`,
      'Name a column of timestamps or numbers, or window by rows.',
    );
  }
  const n = current.rows;
  const every = spec.every;
  const span = (k: number) => ({
    label: col.kind === 'time' ? new Date(k * every).toISOString() : String(k * every),
    from: k * every,
    to: k * every + every,
  });
  // In time order with every row timed (the usual file): each window is one run of rows.
  let ordered = true;
  let prev = -Infinity;
  for (let i = 0; i < n && ordered; i++) {
    const k = Math.floor(col.values[i] / every);
    if (!(Number.isFinite(k) && k >= prev)) ordered = false; // no time, ±Infinity or back in time
    prev = k;
  }
  if (ordered && n > 0) {
    let start = 0;
    for (let i = 1; i <= n; i++) {
      const k = Math.floor(col.values[start] / every);
      if (i === n || Math.floor(col.values[i] / every) !== k) {
        out.push({ ...span(k), start, end: i });
        start = i;
      }
    }
    return out;
  }
  // Otherwise the rows of each span, gathered (a counting pass, then a stable fill).
  const keys = new Float64Array(n);
  const count = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const k = Math.floor(col.values[i] / every);
    keys[i] = k;
    if (Number.isFinite(k)) count.set(k, (count.get(k) ?? 0) + 1);
  }
  const order = [...count.keys()].sort((x, y) => x - y);
  const rowsOf = new Map(order.map((k) => [k, { rows: new Int32Array(count.get(k)!), filled: 0 }]));
  for (let i = 0; i < n; i++) {
    const w = rowsOf.get(keys[i]);
    if (w) w.rows[w.filled++] = i;
  }
  for (const k of order) {
    const rows = rowsOf.get(k)!.rows;
    out.push({ ...span(k), start: rows[0], end: rows[rows.length - 1] + 1, rows });
  }
  return out;
}

/** The share of drifted features among those with a verdict (not skipped, not 'not-computed'). */
function share(features: ReadonlyArray<Pick<FeatureDrift, 'status'>>): number {
  const compared = features.filter((f) => f.status === 'drift' || f.status === 'ok');
  return compared.length === 0 ? 0 : compared.filter((f) => f.status === 'drift').length / compared.length;
}

export interface DriftOptions {
  readonly windows?: WindowSpec;
  /** Only these features (default: every column the two tables share). */
  readonly features?: readonly string[];
}

export type WindowFeature = WindowDrift['features'][number];

/** One feature compared over the whole current data and in each window. */
export interface PairResult {
  readonly feature: FeatureDrift;
  readonly windows: WindowFeature[];
}

/** Compares one feature's reference summary with its current column: the whole sample, then each cut. */
export function comparePair(fr: FeatureReference, col: Column, t: DriftThresholds, rows: number, cutList: readonly Cut[]): PairResult {
  const feature = compareColumn(fr, col, t, 0, rows, true);
  if (fr.kind !== col.kind)
    feature.warnings.push(`${fr.name}: ${fr.kind} in the reference but ${col.kind} in the current data; compared as categories.`);
  const windows = cutList.map((cut) => {
    const f = compareCut(fr, col, t, cut, false);
    return f.reason === undefined
      ? { name: f.name, status: f.status, test: f.test, score: f.score, threshold: f.threshold }
      : { name: f.name, status: f.status, test: f.test, threshold: f.threshold, reason: f.reason };
  });
  return { feature, windows };
}

/**
 * Which features to compare: the columns both tables have (time columns are never features),
 * with a warning for each column only one side has. `reference` maps names to kinds.
 */
export function pairColumns(
  reference: ReadonlyMap<string, unknown>,
  refSource: string,
  current: Table,
  options: DriftOptions,
): { names: string[]; warnings: string[] } {
  const warnings: string[] = [];
  const byName = new Map(current.columns.map((c) => [c.name, c]));
  const names: string[] = [];
  const wanted = options.features ? new Set(options.features) : undefined;
  for (const name of reference.keys()) {
    if (wanted && !wanted.has(name)) continue;
    const col = byName.get(name);
    if (!col || col.kind === 'time') warnings.push(`Column "${name}" is in the reference but not in the current data; it is not compared.`);
    else names.push(name);
  }
  for (const c of current.columns) {
    if (c.kind !== 'time' && !reference.has(c.name) && (!wanted || wanted.has(c.name)))
      warnings.push(`Column "${c.name}" is in the current data but not in the reference; it is not compared.`);
  }
  if (names.length === 0) {
    throw new KubeMLError(
      'invalid',
      `The reference (${refSource}) and the current data (${current.source}) have no feature column in common.`,
      'Check that both files have a header row with the same column names.',
    );
  }
  return { names, warnings };
}

/** The report from per-feature results (in pair order), the cuts and the warnings. */
export function assembleReport(
  reference: { source: string; rows: number },
  t: DriftThresholds,
  current: Table,
  warnings: string[],
  results: readonly PairResult[],
  cutList: readonly Cut[],
): DriftReport {
  const features = results.map((r) => r.feature);
  const windows: WindowDrift[] = cutList.map((cut, index) => {
    const fs = results.map((r) => r.windows[index]);
    return { index, label: cut.label, start: cut.from, end: cut.to, rows: cutRows(cut), driftedShare: share(fs), features: fs };
  });
  const driftedShare = share(features);
  return {
    version: 1,
    createdAt: new Date().toISOString(),
    reference,
    current: { source: current.source, rows: current.rows },
    thresholds: t,
    features: features.sort(byDrift),
    driftedShare,
    datasetDrift: driftedShare >= t.driftShare,
    windows,
    warnings,
  };
}

/** Compares current data with a summarised reference: the whole sample, then each window. */
export function computeDrift(ref: ReferenceSummary, current: Table, options: DriftOptions = {}): DriftReport {
  const t = ref.thresholds;
  const paired = pairColumns(ref.features, ref.source, current, options);
  const warnings = [...ref.warnings.map((w) => `reference: ${w}`), ...current.warnings.map((w) => `current: ${w}`), ...paired.warnings];
  const byName = new Map(current.columns.map((c) => [c.name, c]));
  const cutList = options.windows ? cuts(current, options.windows) : [];
  const results = paired.names.map((name) => comparePair(ref.features.get(name)!, byName.get(name)!, t, current.rows, cutList));
  return assembleReport({ source: ref.source, rows: ref.rows }, t, current, warnings, results, cutList);
}

/** A feature's reference summary (numeric or categorical); undefined for time columns. */
export function summarizeColumn(col: Column, bins: number): FeatureReference | undefined {
  if (col.kind === 'numeric') return numericReference(col, bins);
  if (col.kind === 'categorical') return categoricalSample(col);
  return undefined;
}

type Ranked = Pick<FeatureDrift, 'status' | 'test' | 'score' | 'threshold'>;

/** How far past (positive) or short of (negative) its threshold a feature is, on one scale for p-values and distances. */
export function severity(f: Ranked): number {
  if ((f.status !== 'drift' && f.status !== 'ok') || f.score === undefined || f.test === undefined || f.threshold === undefined)
    return -Infinity;
  return isPValueTest(f.test)
    ? Math.log10(f.threshold) - Math.log10(Math.max(f.score, 1e-300))
    : Math.log10(Math.max(f.score, 1e-300) / f.threshold);
}

/** Sort order for tables: drifted first, then by severity, then those without a verdict, skipped last. */
export function byDrift(x: Ranked, y: Ranked): number {
  const group = (f: Ranked) => (f.status === 'drift' ? 0 : f.status === 'ok' ? 1 : f.status === 'not-computed' ? 2 : 3);
  return group(x) - group(y) || severity(y) - severity(x) || 0;
}
