/**
 * Drift gauges from Prometheus (kubeml.prometheus.url): a range query (`/api/v1/query_range`)
 * turned into a drift report whose windows are the query's steps, so the panel plots each
 * feature's drift over time against its threshold and the drifted share over time. Defaults
 * to the `kubeml_model_drift_score{model, feature}` gauge (PSI per input feature). Plain Node.
 */
import { safeUrl } from '../common/redact';
import { byDrift } from './engine';
import { DEFAULT_THRESHOLDS, type DriftReport, type FeatureDrift, type StatTest, type WindowDrift } from '../model/driftReport';
import { type PromOptions, queryRange, type RangeSeries } from '../cluster/prometheus';

// The Prometheus client moved to cluster/prometheus.ts (job health queries it too); re-exported for drift's callers.
export { labelValues, type PromOptions, queryRange, type RangeSeries } from '../cluster/prometheus';

export const DRIFT_GAUGE = 'kubeml_model_drift_score';

export interface GaugeReportOptions {
  readonly url: string;
  readonly query: string;
  /** The label that names the feature (default `feature`); the others tell series apart when needed. */
  readonly featureLabel?: string;
  /** The test the gauge holds (default psi) and the drift threshold (default Evidently's for it). */
  readonly test?: StatTest;
  readonly threshold?: number;
  readonly step: number;
}

function defaultThreshold(test: StatTest): number {
  const t = DEFAULT_THRESHOLDS;
  return test === 'ks' || test === 'chi2' ? t.pValue : test === 'wasserstein' ? t.wassersteinNormed : test === 'js' ? t.js : t.psiModerate;
}

/** Names for series: the feature label, with the labels that differ between series when it is not unique. */
export function seriesNames(series: readonly RangeSeries[], featureLabel: string): string[] {
  const base = series.map((s) => s.metric[featureLabel] ?? '');
  const keys = [...new Set(series.flatMap((s) => Object.keys(s.metric)))]
    .filter((k) => k !== featureLabel && k !== '__name__' && new Set(series.map((s) => s.metric[k])).size > 1)
    .sort();
  return series.map((s, i) => {
    const extra = base.filter((b) => b === base[i]).length > 1 || !base[i] ? keys.map((k) => s.metric[k] ?? '').filter(Boolean) : [];
    const name = [...extra, base[i]].filter(Boolean).join('/');
    return name || s.metric.__name__ || `series ${i + 1}`;
  });
}

/** Range-query results as a drift report: windows are the steps, features the series, the verdict is the latest value's. */
export function gaugesToReport(series: readonly RangeSeries[], o: GaugeReportOptions, now = new Date()): DriftReport {
  const test = o.test ?? 'psi';
  const threshold = o.threshold ?? defaultThreshold(test);
  const pValue = test === 'ks' || test === 'chi2';
  const drifted = (v: number) => (pValue ? v < threshold : v >= threshold);
  const names = seriesNames(series, o.featureLabel ?? 'feature');
  const times = [...new Set(series.flatMap((s) => s.values.map(([t]) => t)))].sort((a, b) => a - b);
  const at = series.map((s) => new Map(s.values.map(([t, v]) => [t, v])));
  const windows: WindowDrift[] = times.map((t, index) => {
    const fs = series.flatMap((_, i) => {
      const v = at[i].get(t);
      return v === undefined || Number.isNaN(v)
        ? []
        : [{ name: names[i], status: drifted(v) ? ('drift' as const) : ('ok' as const), test, score: v, threshold }];
    });
    return {
      index,
      label: new Date(t * 1000).toISOString(),
      start: t * 1000,
      end: (t + o.step) * 1000,
      rows: 0,
      driftedShare: fs.length ? fs.filter((f) => f.status === 'drift').length / fs.length : 0,
      features: fs,
    };
  });
  const features: FeatureDrift[] = series.map((s, i) => {
    const last = [...s.values].reverse().find(([, v]) => !Number.isNaN(v));
    const counts = {
      reference: 0,
      current: s.values.length,
      missingReference: 0,
      missingCurrent: 0,
      nonFiniteReference: 0,
      nonFiniteCurrent: 0,
    };
    if (!last)
      return {
        name: names[i],
        kind: 'numeric',
        status: 'skipped',
        stats: {},
        counts,
        warnings: [`${names[i]}: no value in the queried range.`],
      };
    const stats =
      test === 'psi' ? { psi: last[1] } : test === 'js' ? { js: last[1] } : test === 'wasserstein' ? { wassersteinNormed: last[1] } : {};
    return {
      name: names[i],
      kind: 'numeric',
      status: drifted(last[1]) ? 'drift' : 'ok',
      test,
      score: last[1],
      threshold,
      stats,
      counts,
      warnings: [],
    };
  });
  const compared = features.filter((f) => f.status !== 'skipped');
  const driftedShare = compared.length ? compared.filter((f) => f.status === 'drift').length / compared.length : 0;
  const warnings = series.length === 0 ? [`The query ${o.query} returned no series in this range.`] : [];
  return {
    version: 1,
    createdAt: now.toISOString(),
    reference: { source: `the exporter's own (${test} per feature)`, rows: 0 },
    current: { source: `Prometheus ${safeUrl(o.url)}: ${o.query}`, rows: 0 },
    thresholds: {
      ...DEFAULT_THRESHOLDS,
      method: test,
      ...(test === 'psi'
        ? { psiModerate: threshold }
        : test === 'js'
          ? { js: threshold }
          : test === 'wasserstein'
            ? { wassersteinNormed: threshold }
            : { pValue: threshold }),
    },
    features: features.sort(byDrift),
    driftedShare,
    datasetDrift: driftedShare >= DEFAULT_THRESHOLDS.driftShare,
    windows,
    warnings,
  };
}

/** Steps of about `points` per range, rounded to whole seconds (at least the 15 s scrape interval). */
export function stepFor(rangeSeconds: number, points = 240): number {
  return Math.max(15, Math.round(rangeSeconds / points));
}

/** A drift report of the drift gauges over the last `rangeSeconds`. */
export async function driftFromPrometheus(
  url: string,
  query: string,
  rangeSeconds: number,
  opts: PromOptions & Partial<GaugeReportOptions> & { end?: number } = {},
): Promise<DriftReport> {
  const end = opts.end ?? Math.floor(Date.now() / 1000);
  const step = opts.step ?? stepFor(rangeSeconds);
  const start = end - rangeSeconds;
  const series = await queryRange(url, query, start, end, step, opts);
  return gaugesToReport(series, { url, query, step, featureLabel: opts.featureLabel, test: opts.test, threshold: opts.threshold });
}

/** The selector of one model's drift gauges. */
export function modelQuery(model: string): string {
  return `${DRIFT_GAUGE}{model=${JSON.stringify(model)}}`;
}
