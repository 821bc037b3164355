/**
 * What the Job panel (panel.ts) needs from the rest of job health, and the pure steps from it to the
 * panel's messages (src/model/health/panelContract.ts). The health feature implements
 * JobHealthProvider from the cluster (ranks and findings from the doctor, GPU series from Prometheus);
 * panelFixtures.ts implements it from made-up data for tests and benchmarks.
 */
import type { Event } from '../common/lifecycle';
import { stepFor, type GpuAppend, type PanelJob, type PanelRank } from '../model/health/panelContract';
import type { Finding, GpuHours, GpuSeries, RankInput } from '../model/health/types';

/** The job as the provider knows it now. */
export interface JobPanelData {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly ranks: readonly PanelRank[];
  readonly findings: readonly Finding[];
  /** GPU-hours held and used (gpuUse.ts), when known. */
  readonly gpuHours?: GpuHours;
}

export interface JobHealthProvider {
  /** The job, its ranks and findings now. */
  snapshot(): JobPanelData;
  /** Fires when snapshot() would answer differently (a rank restarted, a new finding). */
  readonly onDidChange: Event<void>;
  /**
   * The GPU series of the job's pods over the last `windowMs`, one sample per `stepMs` (Prometheus range
   * queries). Rejects with a GpuReadError (what happened, what to do) when they cannot be read.
   */
  gpu(windowMs: number, stepMs: number): Promise<readonly GpuSeries[]>;
  /** New points of live series, as they are read (optional: without it the panel shows the window as read). */
  readonly onDidAppend?: Event<readonly GpuAppend[]>;
}

/** The GPU series cannot be read: the message says what happened, `todo` what the user can do. */
export class GpuReadError extends Error {
  constructor(
    message: string,
    readonly todo?: string,
  ) {
    super(message);
    this.name = 'GpuReadError';
  }
}

/** A stable key per job: one panel per key. */
export function jobKey(d: Pick<JobPanelData, 'kind' | 'namespace' | 'name'>): string {
  return `${d.kind}/${d.namespace}/${d.name}`;
}

/** The doctor's view of a rank as the panel lists it. */
export function panelRankOf(r: RankInput): PanelRank {
  return {
    rank: r.rank,
    pod: r.pod,
    ...(r.node ? { node: r.node } : {}),
    phase: r.phase,
    restarts: r.restarts,
    gpus: r.gpus ?? 0,
  };
}

/** The `job` message's body: the provider's job with the window shown. */
export function panelJob(d: JobPanelData, windowMs: number, stepMs = stepFor(windowMs)): PanelJob {
  return {
    kind: d.kind,
    namespace: d.namespace,
    name: d.name,
    ranks: d.ranks,
    findings: d.findings,
    ...(d.gpuHours ? { gpuHours: d.gpuHours } : {}),
    windowMs,
    stepMs,
  };
}

/** What the panel says when gpu() fails: a GpuReadError as it is; anything else with a generic next step. */
export function gpuErrorOf(e: unknown): { message: string; todo: string } {
  if (e instanceof GpuReadError) return { message: e.message, todo: e.todo ?? GPU_TODO };
  return { message: `KubeML could not read the job's GPU series: ${e instanceof Error ? e.message : String(e)}`, todo: GPU_TODO };
}
const GPU_TODO =
  'Check that kubeml.prometheus.url points at a Prometheus that scrapes dcgm-exporter (with its pod mapping on), then reopen the panel.';

/** The pod (by name) a rank runs in, or undefined. */
export function podOfRank(d: JobPanelData, rank: string): PanelRank | undefined {
  return d.ranks.find((r) => r.rank === rank);
}

/** The total of GPUs the ranks request. */
export function gpusHeld(d: JobPanelData): number {
  return d.ranks.reduce((n, r) => n + r.gpus, 0);
}

const csvField = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const num = (v: number) => (Number.isFinite(v) ? String(v) : '');

/** The series as CSV: one line per sample (time as ISO, rank, pod, node, gpu, utilisation %, memory used MiB). */
export function seriesCsv(series: readonly GpuSeries[]): string {
  const lines = ['time,rank,pod,node,gpu,util_percent,mem_used_mib'];
  for (const s of series) {
    const head = [s.rank ?? '', s.pod, s.node ?? '', s.gpu].map(csvField).join(',');
    for (let i = 0; i < s.times.length; i++)
      lines.push(`${new Date(s.times[i]).toISOString()},${head},${num(s.util[i])},${num(s.memUsedMiB[i])}`);
  }
  return lines.join('\n') + '\n';
}

/** `series` with `points` appended (and samples older than `windowMs` before the newest dropped): the host's copy for CSV. */
export function appendSeries(series: readonly GpuSeries[], points: readonly GpuAppend[], windowMs: number): GpuSeries[] {
  const cat = (a: Float64Array, b: Float64Array, from: number) => {
    const out = new Float64Array(a.length - from + b.length);
    out.set(a.subarray(from));
    out.set(b, a.length - from);
    return out;
  };
  return series.map((s) => {
    const add = points.filter((p) => p.pod === s.pod && p.gpu === s.gpu);
    if (add.length === 0) return s;
    let cur: GpuSeries = s;
    for (const p of add) {
      const newest = p.times.length ? p.times[p.times.length - 1] : cur.times[cur.times.length - 1];
      let from = 0;
      while (from < cur.times.length && cur.times[from] < newest - windowMs) from++;
      cur = {
        ...cur,
        times: cat(cur.times, p.times, from),
        util: cat(cur.util, p.util, from),
        memUsedMiB: cat(cur.memUsedMiB, p.memUsedMiB, from),
      };
    }
    return cur;
  });
}
