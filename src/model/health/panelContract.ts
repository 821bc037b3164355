/**
 * The one message contract between the Job panel host (src/health/panel.ts) and its page
 * (webview/src/jobPage.ts). Both sides validate what they receive with these guards.
 *
 * The job (ranks, findings, GPU-hours) travels as small records; GPU series travel as Float64Arrays
 * (times, util, memUsedMiB), which VS Code transfers as binary buffers rather than JSON number lists.
 * `gpu` replaces every series (a new window); `append` adds the new points of live series.
 */
import type { Finding, FindingKind, GpuHours, GpuSeries, Severity } from './types';

/** The time windows the panel offers. */
export const JOB_WINDOWS_MS = [15 * 60_000, 60 * 60_000, 6 * 60 * 60_000] as const;
export const DEFAULT_WINDOW_MS = 60 * 60_000;
/** dcgm-exporter's usual scrape interval: the finest step worth asking Prometheus for. */
export const MIN_STEP_MS = 15_000;

/** One rank (pod) of the job, as the panel's rank list shows it. */
export interface PanelRank {
  readonly rank: string;
  readonly pod: string;
  readonly node?: string;
  readonly phase: string;
  readonly restarts: number;
  readonly gpus: number;
}

/** The job as the panel shows it. */
export interface PanelJob {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly ranks: readonly PanelRank[];
  readonly findings: readonly Finding[];
  /** Over the window shown; undefined when unknown (no Prometheus). */
  readonly gpuHours?: GpuHours;
  readonly windowMs: number;
  readonly stepMs: number;
}

/** New points of one series (pod and gpu name it). */
export interface GpuAppend {
  readonly pod: string;
  readonly gpu: string;
  readonly times: Float64Array;
  readonly util: Float64Array;
  readonly memUsedMiB: Float64Array;
}

export type HostMessage =
  | { readonly type: 'job'; readonly job: PanelJob }
  | { readonly type: 'gpu'; readonly series: readonly GpuSeries[]; readonly windowMs: number; readonly stepMs: number }
  | { readonly type: 'append'; readonly points: readonly GpuAppend[] }
  /**
   * Something went wrong: what happened and what to do. scope 'gpu': the GPU series cannot be read
   * (no Prometheus, a query failed): the job and its findings stay. 'job': the job itself cannot be shown.
   */
  | { readonly type: 'error'; readonly scope: 'gpu' | 'job'; readonly message: string; readonly todo?: string };

/** What the page shows now, sent after it has drawn (for tests, benchmarks and the host's state). */
export interface RenderedState {
  readonly ranks: number;
  readonly findings: number;
  /** GPU series drawn, and the points they hold (before decimation, per chart). */
  readonly series: number;
  readonly points: number;
  /** Points drawn per chart after decimation to the pixel columns. */
  readonly drawnPoints: number;
  /** performance.now() on the page when the last `gpu` or `append` was drawn on both charts. */
  readonly drawnAt?: number;
  /** Milliseconds from the last `gpu` message's arrival to both charts drawn. */
  readonly drawMs?: number;
  /** The empty state or error the page shows instead of charts, if any. */
  readonly note?: string;
}

export type PageMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'window'; readonly windowMs: number }
  | { readonly type: 'revealPod'; readonly pod: string }
  | { readonly type: 'showLogs'; readonly rank: string }
  | { readonly type: 'exportCsv' }
  | ({ readonly type: 'rendered' } & RenderedState);

export const FINDING_KINDS: readonly FindingKind[] = [
  'hung',
  'straggler',
  'collective',
  'oom',
  'evicted',
  'restarts',
  'crashed',
  'mixed-gpus',
  'unscheduled',
  'idle-gpus',
];
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

const MAX_NAME = 4096;
const MAX_TEXT = 100_000;
const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isStr = (x: unknown, max = MAX_NAME): x is string => typeof x === 'string' && x.length <= max;
const optStr = (x: unknown, max = MAX_NAME) => x === undefined || isStr(x, max);
const keys = (x: Record<string, unknown>, allowed: readonly string[]) => Object.keys(x).every((k) => allowed.includes(k));
const isF64 = (x: unknown): x is Float64Array => x instanceof Float64Array || Object.prototype.toString.call(x) === '[object Float64Array]';
const isFiniteNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const optNum = (x: unknown) => x === undefined || isFiniteNum(x);
const isCount = (x: unknown): x is number => isFiniteNum(x) && x >= 0 && Number.isInteger(x);

export const isJobWindow = (x: unknown): x is number => typeof x === 'number' && (JOB_WINDOWS_MS as readonly number[]).includes(x);

/** Every message from the page goes through this before the host acts on it. */
export function isPageMessage(x: unknown): x is PageMessage {
  if (!isObj(x) || !isStr(x.type, 20)) return false;
  switch (x.type) {
    case 'ready':
    case 'exportCsv':
      return keys(x, ['type']);
    case 'window':
      return keys(x, ['type', 'windowMs']) && isJobWindow(x.windowMs);
    case 'revealPod':
      return keys(x, ['type', 'pod']) && isStr(x.pod, 253) && x.pod.length > 0;
    case 'showLogs':
      return keys(x, ['type', 'rank']) && isStr(x.rank, 253) && x.rank.length > 0;
    case 'rendered':
      return (
        keys(x, ['type', 'ranks', 'findings', 'series', 'points', 'drawnPoints', 'drawnAt', 'drawMs', 'note']) &&
        isCount(x.ranks) &&
        isCount(x.findings) &&
        isCount(x.series) &&
        isCount(x.points) &&
        isCount(x.drawnPoints) &&
        optNum(x.drawnAt) &&
        optNum(x.drawMs) &&
        optStr(x.note, MAX_TEXT)
      );
    default:
      return false;
  }
}

function rankProblem(r: unknown, where: string): string | undefined {
  if (!isObj(r)) return `${where} is not an object`;
  if (!isStr(r.rank) || !isStr(r.pod, 253) || !isStr(r.phase, 253)) return `${where} has no rank, pod or phase`;
  if (!optStr(r.node, 253)) return `${where} has a node that is not a name`;
  if (!isCount(r.restarts) || !isCount(r.gpus)) return `${where} has restarts or GPUs that are not counts`;
  return undefined;
}

function findingProblem(f: unknown, where: string): string | undefined {
  if (!isObj(f)) return `${where} is not an object`;
  if (!FINDING_KINDS.includes(f.kind as FindingKind)) return `${where} has kind ${JSON.stringify(f.kind)}`;
  if (!SEVERITIES.includes(f.severity as Severity)) return `${where} has severity ${JSON.stringify(f.severity)}`;
  if (!isStr(f.title, MAX_TEXT) || !optStr(f.advice, MAX_TEXT) || !optStr(f.rank) || !optStr(f.pod, 253))
    return `${where} has no title, or an advice, rank or pod that is not a text`;
  if (!Array.isArray(f.evidence)) return `${where} has no evidence list`;
  for (const e of f.evidence)
    if (!isObj(e) || !optStr(e.rank) || !optStr(e.pod, 253) || !optStr(e.line, MAX_TEXT) || !optNum(e.time))
      return `${where} has evidence that is not rank, pod, line and time`;
  return undefined;
}

function arraysProblem(s: Record<string, unknown>, where: string): string | undefined {
  if (!isF64(s.times) || !isF64(s.util) || !isF64(s.memUsedMiB))
    return `${where} does not carry its times, util and memUsedMiB as Float64Array`;
  if (s.util.length !== s.times.length || s.memUsedMiB.length !== s.times.length)
    return `${where} has ${s.times.length} times but ${s.util.length} util and ${s.memUsedMiB.length} memory values`;
  return undefined;
}

function seriesProblem(s: unknown, where: string): string | undefined {
  if (!isObj(s)) return `${where} is not an object`;
  if (!isStr(s.pod, 253) || !isStr(s.gpu, 253)) return `${where} has no pod or gpu`;
  if (!optStr(s.rank) || !optStr(s.node, 253) || !optStr(s.product)) return `${where} has a rank, node or product that is not a text`;
  if (!optNum(s.memTotalMiB)) return `${where} has a memory total that is not a number`;
  return arraysProblem(s, where);
}

const windowProblem = (windowMs: unknown, stepMs: unknown) =>
  isFiniteNum(windowMs) && windowMs > 0 && isFiniteNum(stepMs) && stepMs > 0 ? undefined : 'the window or step is not a positive number';

/** Why a message from the host is refused (for the page to say so), or undefined when it is on the contract. */
export function hostMessageProblem(x: unknown): string | undefined {
  if (!isObj(x)) return 'the message is not an object';
  switch (x.type) {
    case 'job': {
      const j = x.job;
      if (!isObj(j)) return 'the message has no job';
      if (!isStr(j.kind, 253) || !isStr(j.namespace, 253) || !isStr(j.name, 253)) return 'the job has no kind, namespace or name';
      if (!Array.isArray(j.ranks) || !Array.isArray(j.findings)) return 'the job has no list of ranks or findings';
      for (let i = 0; i < j.ranks.length; i++) {
        const bad = rankProblem(j.ranks[i], `rank ${i + 1}`);
        if (bad) return bad;
      }
      for (let i = 0; i < j.findings.length; i++) {
        const bad = findingProblem(j.findings[i], `finding ${i + 1}`);
        if (bad) return bad;
      }
      if (j.gpuHours !== undefined && !(isObj(j.gpuHours) && isFiniteNum(j.gpuHours.held) && isFiniteNum(j.gpuHours.used)))
        return 'the GPU-hours are not numbers';
      return windowProblem(j.windowMs, j.stepMs);
    }
    case 'gpu': {
      if (!Array.isArray(x.series)) return 'the message has no list of GPU series';
      for (let i = 0; i < x.series.length; i++) {
        const bad = seriesProblem(x.series[i], `GPU series ${i + 1}`);
        if (bad) return bad;
      }
      return windowProblem(x.windowMs, x.stepMs);
    }
    case 'append': {
      if (!Array.isArray(x.points)) return 'the new points are not a list';
      for (let i = 0; i < x.points.length; i++) {
        const p: unknown = x.points[i];
        if (!isObj(p) || !isStr(p.pod, 253) || !isStr(p.gpu, 253)) return `new points ${i + 1} have no pod or gpu`;
        const bad = arraysProblem(p, `new points ${i + 1}`);
        if (bad) return bad;
      }
      return undefined;
    }
    case 'error':
      if (x.scope !== 'gpu' && x.scope !== 'job') return 'the error has no scope (gpu or job)';
      return isStr(x.message, MAX_TEXT) && optStr(x.todo, MAX_TEXT) ? undefined : 'the error message is not a text';
    default:
      return `the message type ${JSON.stringify(x.type)} is unknown`;
  }
}

export function isHostMessage(x: unknown): x is HostMessage {
  return hostMessageProblem(x) === undefined;
}

/** "held 12.0 GPU-h, used 4.1 (34%)"; the share is left out when nothing was held. */
export function gpuHoursText(h: GpuHours): string {
  // Two significant digits under 1 GPU-hour (a job of a few minutes holds 0.05, not "0.0").
  const f = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 1 || v === 0 ? v.toFixed(1) : String(+v.toPrecision(2)));
  const share = h.held > 0 ? ` (${Math.round((100 * h.used) / h.held)}%)` : '';
  return `held ${f(h.held)} GPU-h, used ${f(h.used)}${share}`;
}

/** "15 min", "1 h", "6 h". */
export function windowLabel(ms: number): string {
  return ms < 3_600_000 ? `${Math.round(ms / 60_000)} min` : `${+(ms / 3_600_000).toFixed(1)} h`;
}

/** The step for a window: 15 s (dcgm's scrape), coarser when the window would hold more than `maxPoints` points. */
export function stepFor(windowMs: number, maxPoints = 1440): number {
  return Math.max(MIN_STEP_MS, Math.ceil(windowMs / maxPoints / 1000) * 1000);
}
