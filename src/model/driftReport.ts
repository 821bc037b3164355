/** The drift report: what the engine produces, the CLI prints, the panel shows and runs store. */

export type StatTest = 'ks' | 'wasserstein' | 'js' | 'psi' | 'chi2';
export type FeatureKind = 'numeric' | 'categorical';
/**
 * 'drift' or 'ok': the verdict of the feature's test. 'not-computed': the test's statistic could
 * not be computed on this data (`reason` says why): no verdict, and, like 'skipped' (no data to
 * compare), the feature does not count in the drifted share. A NaN never stands for a verdict.
 */
export type FeatureStatus = 'drift' | 'ok' | 'not-computed' | 'skipped';

export interface DriftThresholds {
  /** 'auto' picks per feature as Evidently does; a test name forces it for every feature. */
  readonly method: 'auto' | StatTest;
  /** Drift when the p-value is below this (KS, chi-square). */
  readonly pValue: number;
  /** Drift when normed Wasserstein is at least this. */
  readonly wassersteinNormed: number;
  /** Drift when the Jensen-Shannon distance is at least this. */
  readonly js: number;
  /** PSI bands: below `psiModerate` none, below `psiSignificant` moderate, else significant. Drift from `psiModerate`. */
  readonly psiModerate: number;
  readonly psiSignificant: number;
  /** References with at most this many rows use p-value tests; larger ones use distances. */
  readonly smallReferenceRows: number;
  /** The dataset has drifted when at least this share of features has. */
  readonly driftShare: number;
  /** Quantile bins of the reference for PSI and JS. */
  readonly bins: number;
}

export const DEFAULT_THRESHOLDS: DriftThresholds = {
  method: 'auto',
  pValue: 0.05,
  wassersteinNormed: 0.1,
  js: 0.1,
  psiModerate: 0.1,
  psiSignificant: 0.25,
  smallReferenceRows: 1000,
  driftShare: 0.5,
  bins: 10,
};

export interface FeatureStats {
  ks?: { statistic: number; pValue: number; method: 'exact' | 'asymp' };
  wasserstein?: number;
  wassersteinNormed?: number;
  psi?: number;
  js?: number;
  chi2?: { statistic: number; pValue: number; dof: number };
  /** Statistics that could not be computed on this data, each with the reason (they are left out above, never NaN). */
  notComputed?: Partial<Record<StatName, string>>;
}

/** The statistics a feature carries. */
export type StatName = 'ks' | 'wasserstein' | 'wassersteinNormed' | 'psi' | 'js' | 'chi2';

/** Histogram for the panel: the same bins for both samples, as shares. */
export interface Histogram {
  /** Bin edges (numeric, length = bins + 1) or category labels (categorical). */
  readonly edges?: number[];
  readonly labels?: string[];
  readonly reference: number[];
  readonly current: number[];
}

export interface FeatureDrift {
  readonly name: string;
  readonly kind: FeatureKind;
  readonly status: FeatureStatus;
  /** The test behind the verdict, its score and threshold (score < threshold for p-values, >= for distances). */
  readonly test?: StatTest;
  readonly score?: number;
  readonly threshold?: number;
  readonly psiBand?: 'none' | 'moderate' | 'significant';
  /** Why there is no verdict (status 'not-computed'). */
  readonly reason?: string;
  readonly stats: FeatureStats;
  readonly counts: {
    reference: number;
    current: number;
    missingReference: number;
    missingCurrent: number;
    nonFiniteReference: number;
    nonFiniteCurrent: number;
  };
  readonly histogram?: Histogram;
  readonly warnings: string[];
}

export interface WindowDrift {
  readonly index: number;
  /** Label of the window: a row range or a time range. */
  readonly label: string;
  readonly start?: number;
  readonly end?: number;
  readonly rows: number;
  readonly driftedShare: number;
  readonly features: ReadonlyArray<Pick<FeatureDrift, 'name' | 'status' | 'test' | 'score' | 'threshold' | 'reason'>>;
}

export interface DriftReport {
  readonly version: 1;
  readonly createdAt: string;
  readonly reference: { readonly source: string; readonly rows: number };
  readonly current: { readonly source: string; readonly rows: number };
  readonly thresholds: DriftThresholds;
  readonly features: FeatureDrift[];
  readonly driftedShare: number;
  readonly datasetDrift: boolean;
  readonly windows: WindowDrift[];
  readonly warnings: string[];
}

/** For p-value tests drift is score < threshold; for distances score >= threshold. */
export function isPValueTest(t: StatTest): boolean {
  return t === 'ks' || t === 'chi2';
}

const STATUS_RANK: Record<FeatureStatus, number> = { drift: 0, 'not-computed': 1, ok: 2, skipped: 3 };

/**
 * How far past (or short of) its threshold a feature is: above 1 is drift. p-values drift when
 * small (threshold / score), distances when large (score / threshold).
 */
export function driftSeverity(f: Pick<FeatureDrift, 'test' | 'score' | 'threshold'>): number {
  if (!f.test || f.score === undefined || f.threshold === undefined || !Number.isFinite(f.threshold)) return -Infinity;
  if (isPValueTest(f.test)) return f.score > 0 ? f.threshold / f.score : Infinity;
  return f.threshold > 0 ? f.score / f.threshold : f.score > 0 ? Infinity : 0;
}

/**
 * The features as the panel and the CSV list them: drifted first, then those without a verdict, then
 * the rest; the most drifted first within each; ties by name. A sorted copy; the report is unchanged.
 */
export function byDrift<F extends Pick<FeatureDrift, 'name' | 'status' | 'test' | 'score' | 'threshold'>>(features: readonly F[]): F[] {
  const sev = new Map(features.map((f) => [f, driftSeverity(f)]));
  return [...features].sort(
    (a, b) =>
      STATUS_RANK[a.status] - STATUS_RANK[b.status] ||
      (sev.get(b)! > sev.get(a)! ? 1 : sev.get(b)! < sev.get(a)! ? -1 : 0) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}
