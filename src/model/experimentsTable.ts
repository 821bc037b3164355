/**
 * The experiments table as pure logic, shared by the page (what it shows) and the host (what
 * Export CSV writes): columns, filter, sort, deltas against a baseline run, and CSV.
 */
import type { RunInfo, RunStatusName, TableView } from './experimentsContract';

export const FIXED_COLUMNS = ['name', 'status', 'kind', 'created', 'duration', 'sweep'] as const;
const FIXED_LABELS: Record<string, string> = {
  name: 'Run',
  status: 'Status',
  kind: 'Kind',
  created: 'Created',
  duration: 'Duration',
  sweep: 'Sweep',
};

export type Cell = string | number | boolean | null | undefined;

export const paramColumn = (name: string) => `param:${name}`;
export const metricColumn = (name: string) => `metric:${name}`;
export const isMetricColumn = (key: string) => key.startsWith('metric:');
export const isParamColumn = (key: string) => key.startsWith('param:');

/** A column's header text: parameters and metrics by name, the fixed ones by a word. */
export function columnLabel(key: string): string {
  if (isParamColumn(key)) return key.slice(6);
  if (isMetricColumn(key)) return key.slice(7);
  return FIXED_LABELS[key] ?? key;
}

/** Parameter and metric names across runs, in first-seen order (newest runs first). */
export function namesOf(runs: readonly RunInfo[]): { params: string[]; metrics: string[] } {
  const params = new Set<string>();
  const metrics = new Set<string>();
  for (const r of runs) {
    for (const k of Object.keys(r.params)) params.add(k);
    for (const k of Object.keys(r.metrics)) metrics.add(k);
  }
  return { params: [...params], metrics: [...metrics] };
}

/** Every column the runs have: the fixed ones, then each parameter, then each metric. */
export function allColumns(runs: readonly RunInfo[]): string[] {
  const { params, metrics } = namesOf(runs);
  return [...FIXED_COLUMNS, ...params.map(paramColumn), ...metrics.map(metricColumn)];
}

/**
 * The columns shown before the user chooses: run, status, created, duration; the parameters that
 * differ between runs (then the others), and the metrics; at most 8 of each.
 */
export function defaultColumns(runs: readonly RunInfo[]): string[] {
  const { params, metrics } = namesOf(runs);
  const differs = (p: string) => new Set(runs.map((r) => String(r.params[p]))).size > 1;
  const ordered = [...params.filter(differs), ...params.filter((p) => !differs(p))];
  const sweeps = runs.some((r) => r.sweep);
  return [
    'name',
    'status',
    'created',
    'duration',
    ...(sweeps ? ['sweep'] : []),
    ...ordered.slice(0, 8).map(paramColumn),
    ...metrics.slice(0, 8).map(metricColumn),
  ];
}

/** Milliseconds from start to finish (or to `now` while it runs); undefined before it starts. */
export function durationMs(r: RunInfo, now: number): number | undefined {
  if (!r.started) return undefined;
  const start = Date.parse(r.started);
  const end = r.finished ? Date.parse(r.finished) : now;
  return Number.isFinite(start) && Number.isFinite(end) ? Math.max(0, end - start) : undefined;
}

export function cellValue(r: RunInfo, key: string, now: number): Cell {
  if (isParamColumn(key)) return r.params[key.slice(6)];
  if (isMetricColumn(key)) return r.metrics[key.slice(7)];
  switch (key) {
    case 'name':
      return r.name;
    case 'status':
      return r.status;
    case 'kind':
      return r.kind;
    case 'created':
      return r.created;
    case 'duration':
      return durationMs(r, now);
    case 'sweep':
      return r.sweep ? `${r.sweep.id} #${r.sweep.trial}` : undefined;
    default:
      return undefined;
  }
}

/** Ascending order of two cells: numbers by value, texts naturally; empty cells last in either direction. */
function compareCells(a: Cell, b: Cell): number {
  const ea = a === undefined || a === null || (typeof a === 'number' && Number.isNaN(a));
  const eb = b === undefined || b === null || (typeof b === 'number' && Number.isNaN(b));
  if (ea || eb) return ea === eb ? 0 : ea ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return String(a).localeCompare(String(b), 'en', { numeric: true });
}

/** Does the run match the filter text (name, id, sweep, parameter values, as `key=value` too) and statuses? */
export function matches(r: RunInfo, filter: TableView['filter']): boolean {
  if (!filter) return true;
  if (filter.statuses.length && !filter.statuses.includes(r.status)) return false;
  const words = filter.text.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return true;
  const hay = [r.name, r.id, r.kind, r.sweep?.id ?? '', ...Object.entries(r.params).map(([k, v]) => `${k}=${String(v)}`)]
    .join('\n')
    .toLowerCase();
  return words.every((w) => hay.includes(w));
}

/** The rows of the table: filtered, then sorted (stable; empty cells last); the baseline stays in its place. */
export function viewRows(runs: readonly RunInfo[], view: Pick<TableView, 'sort' | 'filter'>, now: number): RunInfo[] {
  const rows = runs.filter((r) => matches(r, view.filter));
  const sort = view.sort;
  if (!sort) return rows;
  const keyed = rows.map((r, i) => ({ r, i, v: cellValue(r, sort.column, now) }));
  keyed.sort((x, y) => {
    const empty = (v: Cell) => v === undefined || v === null || (typeof v === 'number' && Number.isNaN(v));
    if (empty(x.v) || empty(y.v)) return compareCells(x.v, y.v) || x.i - y.i; // empty last, whatever the direction
    const c = compareCells(x.v, y.v);
    return (sort.descending ? -c : c) || x.i - y.i;
  });
  return keyed.map((k) => k.r);
}

/** Whether a larger value of this metric is better: losses and errors are minimized, the rest maximized. */
export function higherIsBetter(metric: string): boolean {
  return !/(loss|err|error|mse|mae|rmse|perplexity|wer|cer|latency|time)/i.test(metric);
}

export interface Delta {
  readonly diff: number;
  /** Signed text: "+0.0123", "−0.5", "±0". */
  readonly text: string;
  /** Better or worse than the baseline (metrics only; undefined for parameters and equal values). */
  readonly better?: boolean;
}

/** The difference of a numeric cell from the baseline's, or undefined when either is not a number. */
export function deltaOf(r: RunInfo, base: RunInfo, key: string): Delta | undefined {
  if (!isMetricColumn(key) && !isParamColumn(key)) return undefined;
  const a = cellValue(r, key, 0);
  const b = cellValue(base, key, 0);
  if (typeof a !== 'number' || typeof b !== 'number' || !Number.isFinite(a) || !Number.isFinite(b)) return undefined;
  const diff = a - b;
  const text = diff === 0 ? '±0' : `${diff > 0 ? '+' : '−'}${formatNumber(Math.abs(diff))}`;
  const better = !isMetricColumn(key) || diff === 0 ? undefined : diff > 0 === higherIsBetter(key.slice(7));
  return { diff, text, better };
}

/** Numbers for a table cell: four significant digits, exponent form for very small or large ones. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e6 || a < 1e-4)) return x.toExponential(3);
  if (Number.isInteger(x)) return String(x);
  return String(Number(x.toPrecision(4)));
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/** A cell as text, as the table shows it. */
export function formatCell(key: string, v: Cell): string {
  if (v === undefined || v === null) return '';
  if (key === 'duration' && typeof v === 'number') return formatDuration(v);
  if (key === 'created' && typeof v === 'string') return v.replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
  if (typeof v === 'number') return formatNumber(v);
  return String(v);
}

/** RFC 4180 quoting; a text a spreadsheet would run as a formula is prefixed with '. */
export function csvCell(v: Cell): string {
  let s = v === undefined || v === null ? '' : String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The table as shown, as CSV: the view's columns in its order, its rows filtered and sorted; with a
 * baseline, a "Δ <metric> vs <baseline>" column after each numeric parameter and metric. Numbers are
 * written in full (not rounded as on screen), the duration in seconds, the creation time as ISO.
 */
export function tableToCsv(runs: readonly RunInfo[], view: TableView, now: number): string {
  const base = view.baseline ? runs.find((r) => r.id === view.baseline) : undefined;
  const withDelta = (key: string) => !!base && (isMetricColumn(key) || isParamColumn(key)) && typeof cellValue(base, key, now) === 'number';
  const head: string[] = [];
  for (const key of view.columns) {
    head.push(
      key === 'duration' ? 'duration_s' : key === 'name' ? 'run' : isMetricColumn(key) || isParamColumn(key) ? columnLabel(key) : key,
    );
    if (withDelta(key)) head.push(`Δ ${columnLabel(key)} vs ${base!.name}`);
  }
  const lines = [head.map(csvCell).join(',')];
  for (const r of viewRows(runs, view, now)) {
    const cells: Cell[] = [];
    for (const key of view.columns) {
      const v = cellValue(r, key, now);
      cells.push(key === 'duration' && typeof v === 'number' ? v / 1000 : v);
      if (withDelta(key)) cells.push(deltaOf(r, base!, key)?.diff);
    }
    lines.push(cells.map(csvCell).join(','));
  }
  return lines.join('\n') + '\n';
}

/** The statuses a run can be filtered by, with the ones still moving first. */
export const FILTER_STATUSES: readonly RunStatusName[] = ['running', 'pending', 'succeeded', 'failed', 'cancelled', 'detached'];

/**
 * One parameter against one metric across runs, for the scatter: runs without either are left out;
 * numbers and booleans (0, 1) are plotted as values, texts as categories in sorted order.
 */
export function scatterPoints(
  runs: readonly RunInfo[],
  param: string,
  metric: string,
): { points: Array<{ x: number; y: number; label: string }>; categories?: string[] } {
  const usable = runs.filter(
    (r) => r.params[param] !== undefined && typeof r.metrics[metric] === 'number' && Number.isFinite(r.metrics[metric]),
  );
  const numeric = usable.every((r) => typeof r.params[param] === 'number' || typeof r.params[param] === 'boolean');
  const categories = numeric ? undefined : [...new Set(usable.map((r) => String(r.params[param])))].sort();
  const points = usable.map((r) => {
    const v = r.params[param];
    return { x: categories ? categories.indexOf(String(v)) : Number(v), y: r.metrics[metric] as number, label: r.name };
  });
  return categories ? { points, categories } : { points };
}
