/**
 * The one message contract between the drift panel host (src/drift/panel.ts) and its page
 * (webview/src/driftPage.ts). Both sides validate what they receive with these guards.
 */
import type { DriftReport, WindowDrift } from './driftReport';

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

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isStr = (x: unknown, max = 10_000): x is string => typeof x === 'string' && x.length <= max;
const isNum = (x: unknown): boolean => typeof x === 'number' || x === null; // JSON turns NaN and Infinity into null
const keys = (x: Record<string, unknown>, allowed: string[]) => Object.keys(x).every((k) => allowed.includes(k));

/** Every message from the page goes through this before the host acts on it. */
export function isPageMessage(x: unknown): x is PageMessage {
  if (!isObj(x) || !isStr(x.type, 20)) return false;
  switch (x.type) {
    case 'ready':
    case 'exportCsv':
      return keys(x, ['type']);
    case 'select':
      return keys(x, ['type', 'feature']) && isStr(x.feature, 1000);
    case 'exportPng':
      return (
        keys(x, ['type', 'feature', 'dataUrl']) &&
        isStr(x.feature, 1000) &&
        isStr(x.dataUrl, MAX_PNG_DATA_URL) &&
        x.dataUrl.startsWith(PNG_PREFIX) &&
        /^[A-Za-z0-9+/]*={0,2}$/.test(x.dataUrl.slice(PNG_PREFIX.length))
      );
    default:
      return false;
  }
}

function isWindow(x: unknown): x is WindowDrift {
  return isObj(x) && typeof x.index === 'number' && isStr(x.label) && typeof x.rows === 'number' && isNum(x.driftedShare) && Array.isArray(x.features) && x.features.every((f) => isObj(f) && isStr(f.name) && isStr(f.status, 10));
}

/** A drift report as the engine writes it (also for drift.json files of runs). */
export function isDriftReport(x: unknown): x is DriftReport {
  return (
    isObj(x) &&
    x.version === 1 &&
    isObj(x.reference) &&
    isObj(x.current) &&
    isObj(x.thresholds) &&
    isNum(x.driftedShare) &&
    typeof x.datasetDrift === 'boolean' &&
    Array.isArray(x.warnings) &&
    x.warnings.every((w) => isStr(w)) &&
    Array.isArray(x.windows) &&
    x.windows.every(isWindow) &&
    Array.isArray(x.features) &&
    x.features.every(
      (f) =>
        isObj(f) &&
        isStr(f.name, 1000) &&
        (f.kind === 'numeric' || f.kind === 'categorical') &&
        (f.status === 'drift' || f.status === 'ok' || f.status === 'skipped') &&
        isObj(f.stats) &&
        isObj(f.counts) &&
        Array.isArray(f.warnings) &&
        (f.histogram === undefined || (isObj(f.histogram) && Array.isArray(f.histogram.reference) && Array.isArray(f.histogram.current))),
    )
  );
}

/** What the page accepts from the host. */
export function isHostMessage(x: unknown): x is HostMessage {
  if (!isObj(x)) return false;
  if (x.type === 'report') return isDriftReport(x.report);
  if (x.type === 'window') return isWindow(x.window);
  if (x.type === 'error') return isStr(x.message);
  return false;
}

/** The feature table as CSV (RFC 4180 quoting; cells that a spreadsheet would run as formulas are prefixed with '). */
export function reportToCsv(r: DriftReport): string {
  const cell = (v: unknown): string => {
    let s = v === undefined || v === null ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(s) && typeof v === 'string') s = `'${s}`;
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const head = ['feature', 'kind', 'status', 'test', 'score', 'threshold', 'ks_statistic', 'ks_p_value', 'wasserstein', 'wasserstein_normed', 'psi', 'psi_band', 'js', 'chi2_statistic', 'chi2_p_value', 'reference_count', 'current_count'];
  const rows = r.features.map((f) => [f.name, f.kind, f.status, f.test, f.score, f.threshold, f.stats.ks?.statistic, f.stats.ks?.pValue, f.stats.wasserstein, f.stats.wassersteinNormed, f.stats.psi, f.psiBand, f.stats.js, f.stats.chi2?.statistic, f.stats.chi2?.pValue, f.counts.reference, f.counts.current]);
  return [head, ...rows].map((row) => row.map(cell).join(',')).join('\n') + '\n';
}
