/**
 * The one message contract between the experiments panel host (src/experiments/panel.ts) and its
 * page (webview/src/experimentsPage.ts). Both sides validate what they receive with these guards.
 *
 * Runs travel as small records (the table); curves travel as Float64Array pairs (steps, values),
 * which VS Code transfers as binary buffers rather than JSON number lists. The page asks for the
 * curves of the runs it plots (`need`); live runs send `append`s with only the new points.
 */
import type { ParamValue } from './runSpec';

export type RunKindLabel = 'training' | 'validation' | 'sweep trial';
/** A run's status as the table shows it (the record's phase; 'detached' when no window follows it). */
export type RunStatusName = 'launching' | 'pending' | 'uploading' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'detached';
export const RUN_STATUSES: readonly RunStatusName[] = [
  'launching',
  'pending',
  'uploading',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'detached',
];

/** One row of the runs table. */
export interface RunInfo {
  readonly id: string;
  readonly name: string;
  readonly kind: RunKindLabel;
  readonly status: RunStatusName;
  /** ISO times. */
  readonly created: string;
  readonly started?: string;
  readonly finished?: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** The latest value of each metric (`split/name` when the result has a split). */
  readonly metrics: Readonly<Record<string, number | null>>;
  readonly sweep?: { readonly id: string; readonly trial: number };
  /** The workspace folder it belongs to, when the workspace has several. */
  readonly folder?: string;
}

/** The points of one metric of one run, in step order. */
export interface SeriesData {
  readonly metric: string;
  readonly steps: Float64Array;
  readonly values: Float64Array;
}

/** Which columns the table shows, in which order, sorted and filtered how: what Export CSV writes. */
export interface TableView {
  /** Column keys: 'name', 'kind', 'status', 'created', 'duration', 'sweep', 'param:<name>', 'metric:<name>'. */
  readonly columns: readonly string[];
  readonly sort?: { readonly column: string; readonly descending: boolean };
  readonly filter?: { readonly text: string; readonly statuses: readonly RunStatusName[] };
  readonly baseline?: string;
}

export type HostMessage =
  /** Every run, and what to select (ids) when the panel opens. */
  | { readonly type: 'runs'; readonly runs: readonly RunInfo[]; readonly select?: readonly string[]; readonly loadMs?: number }
  /** A run that is new or changed (status, latest metrics). */
  | { readonly type: 'run'; readonly run: RunInfo }
  /** The curves of a run, all metrics (the answer to `need`). */
  | { readonly type: 'series'; readonly runId: string; readonly series: readonly SeriesData[] }
  /** New points of a live run's metric. */
  | {
      readonly type: 'append';
      readonly runId: string;
      readonly metric: string;
      readonly steps: Float64Array;
      readonly values: Float64Array;
    }
  /** Select these runs (Compare Selected while the panel is open). */
  | { readonly type: 'select'; readonly runIds: readonly string[] }
  /** Export the table as shown (the panel's Export CSV outside the page): the page answers with its `exportCsv`. */
  | { readonly type: 'exportCsv' }
  | { readonly type: 'error'; readonly message: string };

/** What the page shows now, sent after it has drawn: for tests, benchmarks and the host's state. */
export interface PaintedState {
  readonly rows: number;
  readonly runs: number;
  readonly selected: readonly string[];
  readonly baseline?: string;
  /** Points drawn per plotted run and metric, and the last step drawn. */
  readonly plotted: ReadonlyArray<{ readonly runId: string; readonly metric: string; readonly points: number; readonly lastStep: number }>;
  /** Milliseconds from the page's load to its first table and first chart (when drawn). */
  readonly firstTableMs?: number;
  readonly firstChartMs?: number;
}

export type PageMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'need'; readonly runIds: readonly string[] }
  | { readonly type: 'selection'; readonly runIds: readonly string[] }
  | ({ readonly type: 'painted' } & PaintedState)
  | { readonly type: 'exportCsv'; readonly view: TableView }
  | { readonly type: 'exportPng'; readonly metric: string; readonly dataUrl: string };

/** 20 MB of base64 is far more than a chart needs. */
export const MAX_PNG_DATA_URL = 20 * 1024 * 1024;
const PNG_PREFIX = 'data:image/png;base64,';
const MAX_NAME = 4096;
const MAX_IDS = 100_000;

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isStr = (x: unknown, max = MAX_NAME): x is string => typeof x === 'string' && x.length <= max;
const isIds = (x: unknown): x is string[] => Array.isArray(x) && x.length <= MAX_IDS && x.every((i) => isStr(i, 253));
const keys = (x: Record<string, unknown>, allowed: string[]) => Object.keys(x).every((k) => allowed.includes(k));
const isF64 = (x: unknown): x is Float64Array => x instanceof Float64Array || Object.prototype.toString.call(x) === '[object Float64Array]';
const isFiniteNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

function isView(x: unknown): x is TableView {
  if (!isObj(x) || !keys(x, ['columns', 'sort', 'filter', 'baseline'])) return false;
  if (!Array.isArray(x.columns) || x.columns.length > 10_000 || !x.columns.every((c) => isStr(c))) return false;
  if (x.sort !== undefined && !(isObj(x.sort) && isStr(x.sort.column) && typeof x.sort.descending === 'boolean')) return false;
  if (
    x.filter !== undefined &&
    !(
      isObj(x.filter) &&
      isStr(x.filter.text) &&
      Array.isArray(x.filter.statuses) &&
      x.filter.statuses.every((s) => RUN_STATUSES.includes(s as RunStatusName))
    )
  )
    return false;
  return x.baseline === undefined || isStr(x.baseline, 253);
}

/** Every message from the page goes through this before the host acts on it. */
export function isPageMessage(x: unknown): x is PageMessage {
  if (!isObj(x) || !isStr(x.type, 20)) return false;
  switch (x.type) {
    case 'ready':
      return keys(x, ['type']);
    case 'need':
    case 'selection':
      return keys(x, ['type', 'runIds']) && isIds(x.runIds);
    case 'painted':
      return (
        keys(x, ['type', 'rows', 'runs', 'selected', 'baseline', 'plotted', 'firstTableMs', 'firstChartMs']) &&
        isFiniteNum(x.rows) &&
        isFiniteNum(x.runs) &&
        isIds(x.selected) &&
        (x.baseline === undefined || isStr(x.baseline, 253)) &&
        Array.isArray(x.plotted) &&
        x.plotted.every(
          (p) => isObj(p) && isStr(p.runId, 253) && isStr(p.metric) && isFiniteNum(p.points) && typeof p.lastStep === 'number',
        ) &&
        (x.firstTableMs === undefined || isFiniteNum(x.firstTableMs)) &&
        (x.firstChartMs === undefined || isFiniteNum(x.firstChartMs))
      );
    case 'exportCsv':
      return keys(x, ['type', 'view']) && isView(x.view);
    case 'exportPng':
      return (
        keys(x, ['type', 'metric', 'dataUrl']) &&
        isStr(x.metric) &&
        isStr(x.dataUrl, MAX_PNG_DATA_URL) &&
        x.dataUrl.startsWith(PNG_PREFIX) &&
        /^[A-Za-z0-9+/]*={0,2}$/.test(x.dataUrl.slice(PNG_PREFIX.length))
      );
    default:
      return false;
  }
}

/** Why a run is refused, or undefined. */
function runProblem(r: unknown, where: string): string | undefined {
  if (!isObj(r)) return `${where} is not an object`;
  if (!isStr(r.id, 253) || !isStr(r.name)) return `${where} has no id or name`;
  if (r.kind !== 'training' && r.kind !== 'validation' && r.kind !== 'sweep trial') return `${where} has kind ${JSON.stringify(r.kind)}`;
  if (!RUN_STATUSES.includes(r.status as RunStatusName)) return `${where} has status ${JSON.stringify(r.status)}`;
  if (!isStr(r.created, 64) || (r.started !== undefined && !isStr(r.started, 64)) || (r.finished !== undefined && !isStr(r.finished, 64)))
    return `${where} has no creation time`;
  if (!isObj(r.params) || !Object.values(r.params).every((v) => ['string', 'number', 'boolean'].includes(typeof v)))
    return `${where} has parameters that are not texts, numbers or booleans`;
  if (!isObj(r.metrics) || !Object.values(r.metrics).every((v) => v === null || typeof v === 'number'))
    return `${where} has metrics that are not numbers`;
  if (r.sweep !== undefined && !(isObj(r.sweep) && isStr(r.sweep.id, 253) && typeof r.sweep.trial === 'number'))
    return `${where} has a sweep without id and trial`;
  return undefined;
}

function seriesProblem(s: unknown, where: string): string | undefined {
  if (!isObj(s) || !isStr(s.metric)) return `${where} has no metric name`;
  if (!isF64(s.steps) || !isF64(s.values)) return `${where} does not carry its steps and values as Float64Array`;
  if (s.steps.length !== s.values.length) return `${where} has ${s.steps.length} steps but ${s.values.length} values`;
  return undefined;
}

/** Why a message from the host is refused (for the page to say so), or undefined when it is on the contract. */
export function hostMessageProblem(x: unknown): string | undefined {
  if (!isObj(x)) return 'the message is not an object';
  switch (x.type) {
    case 'runs': {
      if (!Array.isArray(x.runs)) return 'the message has no list of runs';
      for (let i = 0; i < x.runs.length; i++) {
        const bad = runProblem(x.runs[i], `run ${i + 1}`);
        if (bad) return bad;
      }
      return x.select === undefined || isIds(x.select) ? undefined : 'the runs to select are not run ids';
    }
    case 'run':
      return runProblem(x.run, 'the run');
    case 'series': {
      if (!isStr(x.runId, 253) || !Array.isArray(x.series)) return 'the curves have no run id or list';
      for (let i = 0; i < x.series.length; i++) {
        const bad = seriesProblem(x.series[i], `curve ${i + 1} of ${x.runId}`);
        if (bad) return bad;
      }
      return undefined;
    }
    case 'append':
      return isStr(x.runId, 253) ? seriesProblem(x, `the new points of ${x.runId}`) : 'the new points have no run id';
    case 'select':
      return isIds(x.runIds) ? undefined : 'the runs to select are not run ids';
    case 'exportCsv':
      return keys(x, ['type']) ? undefined : 'the export request carries more than its type';
    case 'error':
      return isStr(x.message, 1_000_000) ? undefined : 'the error message is not a text';
    default:
      return `the message type ${JSON.stringify(x.type)} is unknown`;
  }
}

export function isHostMessage(x: unknown): x is HostMessage {
  return hostMessageProblem(x) === undefined;
}
