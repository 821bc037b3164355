/**
 * The one message contract between the drift panel host (src/drift/panel.ts) and its page
 * (webview/src/driftPage.ts). Both sides validate what they receive with these guards.
 */
import { byDrift, type DriftReport, type WindowDrift } from './driftReport';

export type HostMessage =
  | { readonly type: 'report'; readonly report: DriftReport }
  | { readonly type: 'window'; readonly window: WindowDrift }
  | { readonly type: 'error'; readonly message: string };

export type PageMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'select'; readonly feature: string }
  | { readonly type: 'exportCsv' }
  | { readonly type: 'exportPng'; readonly feature: string; readonly dataUrl: string };

/** 20 MB of base64 is far more than a chart needs. */
export const MAX_PNG_DATA_URL = 20 * 1024 * 1024;
const PNG_PREFIX = 'data:image/png;base64,';

/**
 * The longest feature name a report may carry. A CSV header or a Prometheus label can be
 * anything: names up to this length are shown (shortened on the page by `shortFeatureName`);
 * a longer one is refused with a reason that the page shows (`driftReportProblem`).
 */
export const MAX_FEATURE_NAME = 65_536;
/** The longest text in a report (a source, a window label, a warning that quotes a name). */
const MAX_TEXT = 1_048_576;

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isStr = (x: unknown, max = MAX_TEXT): x is string => typeof x === 'string' && x.length <= max;
const isNum = (x: unknown): boolean => typeof x === 'number' || x === null; // JSON turns NaN and Infinity into null
const keys = (x: Record<string, unknown>, allowed: string[]) => Object.keys(x).every((k) => allowed.includes(k));
const count = (n: number) => n.toLocaleString('en-US');

/** Why a feature name is refused, or undefined. */
function nameProblem(name: unknown, where: string): string | undefined {
  if (typeof name !== 'string') return `${where} has no name`;
  if (name.length > MAX_FEATURE_NAME) return `${where} has a name of ${count(name.length)} characters (at most ${count(MAX_FEATURE_NAME)})`;
  return undefined;
}

/** Every message from the page goes through this before the host acts on it. */
export function isPageMessage(x: unknown): x is PageMessage {
  if (!isObj(x) || !isStr(x.type, 20)) return false;
  switch (x.type) {
    case 'ready':
    case 'exportCsv':
      return keys(x, ['type']);
    case 'select':
      return keys(x, ['type', 'feature']) && isStr(x.feature, MAX_FEATURE_NAME);
    case 'exportPng':
      return (
        keys(x, ['type', 'feature', 'dataUrl']) &&
        isStr(x.feature, MAX_FEATURE_NAME) &&
        isStr(x.dataUrl, MAX_PNG_DATA_URL) &&
        x.dataUrl.startsWith(PNG_PREFIX) &&
        /^[A-Za-z0-9+/]*={0,2}$/.test(x.dataUrl.slice(PNG_PREFIX.length))
      );
    default:
      return false;
  }
}

/** Why a window of drift over time is refused, or undefined. */
function windowProblem(x: unknown, where: string): string | undefined {
  if (
    !isObj(x) ||
    typeof x.index !== 'number' ||
    !isStr(x.label) ||
    typeof x.rows !== 'number' ||
    !isNum(x.driftedShare) ||
    !Array.isArray(x.features)
  )
    return `${where} is not a drift window (index, label, rows, driftedShare, features)`;
  for (let i = 0; i < x.features.length; i++) {
    const f: unknown = x.features[i];
    if (!isObj(f)) return `feature ${i + 1} of ${where} is not an object`;
    const bad = nameProblem(f.name, `feature ${i + 1} of ${where}`);
    if (bad) return bad;
    if (!isStr(f.status, 12)) return `feature ${i + 1} of ${where} has no status`;
  }
  return undefined;
}

/** Why one feature of a report is refused, or undefined. */
function featureProblem(f: unknown, where: string): string | undefined {
  if (!isObj(f)) return `${where} is not an object`;
  const bad = nameProblem(f.name, where);
  if (bad) return bad;
  if (f.kind !== 'numeric' && f.kind !== 'categorical') return `${where} has kind ${JSON.stringify(f.kind)} (numeric or categorical)`;
  if (f.status !== 'drift' && f.status !== 'ok' && f.status !== 'not-computed' && f.status !== 'skipped')
    return `${where} has status ${JSON.stringify(f.status)} (drift, ok, not-computed or skipped)`;
  if (!isObj(f.stats) || !isObj(f.counts) || !Array.isArray(f.warnings)) return `${where} lacks its stats, counts or warnings`;
  if (f.histogram !== undefined && !(isObj(f.histogram) && Array.isArray(f.histogram.reference) && Array.isArray(f.histogram.current)))
    return `${where} has a histogram without reference and current bins`;
  return undefined;
}

/**
 * Why `x` is not a drift report as the engine writes it, in words for the user ("feature 3 has
 * a name of 70,000 characters (at most 65,536)"), or undefined when it is one.
 */
export function driftReportProblem(x: unknown): string | undefined {
  if (!isObj(x)) return 'the report is not an object';
  if (x.version !== 1) return `the report has version ${JSON.stringify(x.version)}; this KubeML reads version 1`;
  if (!isObj(x.reference) || !isObj(x.current) || !isObj(x.thresholds)) return 'the report lacks its reference, current or thresholds';
  if (!isNum(x.driftedShare) || typeof x.datasetDrift !== 'boolean') return 'the report lacks its drifted share or dataset verdict';
  if (!Array.isArray(x.warnings) || !x.warnings.every((w) => isStr(w)))
    return `the report's warnings are not a list of texts of at most ${count(MAX_TEXT)} characters`;
  if (!Array.isArray(x.features)) return 'the report has no list of features';
  for (let i = 0; i < x.features.length; i++) {
    const bad = featureProblem(x.features[i], `feature ${i + 1}`);
    if (bad) return bad;
  }
  if (!Array.isArray(x.windows)) return 'the report has no list of windows';
  for (let i = 0; i < x.windows.length; i++) {
    const bad = windowProblem(x.windows[i], `window ${i + 1}`);
    if (bad) return bad;
  }
  return undefined;
}

/** A drift report as the engine writes it (also for drift.json files of runs). */
export function isDriftReport(x: unknown): x is DriftReport {
  return driftReportProblem(x) === undefined;
}

/**
 * Why a message from the host is refused, for the page to say so instead of staying blank;
 * undefined when it is on the contract.
 */
export function hostMessageProblem(x: unknown): string | undefined {
  if (!isObj(x)) return 'the message is not an object';
  if (x.type === 'report') return driftReportProblem(x.report);
  if (x.type === 'window') return windowProblem(x.window, 'the new window');
  if (x.type === 'error') return isStr(x.message) ? undefined : 'the error message is not a text';
  return `the message type ${JSON.stringify(x.type)} is unknown`;
}

/** A name for display: at most `max` characters, its start and end kept around an ellipsis. */
export function shortFeatureName(name: string, max = 80): string {
  if (name.length <= max) return name;
  const tail = Math.floor((max - 1) / 3);
  return `${name.slice(0, max - 1 - tail)}…${name.slice(name.length - tail)}`;
}

/** What the page accepts from the host. */
export function isHostMessage(x: unknown): x is HostMessage {
  return hostMessageProblem(x) === undefined;
}

/** The feature table as CSV (RFC 4180 quoting; cells that a spreadsheet would run as formulas are prefixed with '). */
export function reportToCsv(r: DriftReport): string {
  const cell = (v: unknown): string => {
    let s = v === undefined || v === null ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(s) && typeof v === 'string') s = `'${s}`;
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const head = [
    'feature',
    'kind',
    'status',
    'test',
    'score',
    'threshold',
    'ks_statistic',
    'ks_p_value',
    'wasserstein',
    'wasserstein_normed',
    'psi',
    'psi_band',
    'js',
    'chi2_statistic',
    'chi2_p_value',
    'reference_count',
    'current_count',
  ];
  const rows = byDrift(r.features).map((f) => [
    f.name,
    f.kind,
    f.status,
    f.test,
    f.score,
    f.threshold,
    f.stats.ks?.statistic,
    f.stats.ks?.pValue,
    f.stats.wasserstein,
    f.stats.wassersteinNormed,
    f.stats.psi,
    f.psiBand,
    f.stats.js,
    f.stats.chi2?.statistic,
    f.stats.chi2?.pValue,
    f.counts.reference,
    f.counts.current,
  ]);
  return [head, ...rows].map((row) => row.map(cell).join(',')).join('\n') + '\n';
}
