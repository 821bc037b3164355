/**
 * GPU use of jobs (issue #16), pure: the PromQL for the DCGM series of a job's pods (dcgm-exporter's
 * Kubernetes pod mapping labels each GPU's series with `pod`, `namespace`, `container`), a Prometheus
 * range answer as `GpuSeries` per pod and GPU, GPU-hours held and used, the "idle GPUs" finding, and the
 * "who holds idle GPUs" listing across namespaces. The queries run through cluster/prometheus.ts.
 */
import type { DoctorOptions, Finding, GpuHours, GpuSeries } from './types';

export const GPU_UTIL = 'DCGM_FI_DEV_GPU_UTIL';
export const FB_USED = 'DCGM_FI_DEV_FB_USED';
export const FB_FREE = 'DCGM_FI_DEV_FB_FREE';
const METRICS = `${GPU_UTIL}|${FB_USED}|${FB_FREE}`;

export const DEFAULT_IDLE_UTIL_PERCENT = 10;
export const DEFAULT_IDLE_FOR_MS = 10 * 60_000;

/** One series of a Prometheus range answer: `data.result[i]` of `/api/v1/query_range`, or cluster/prometheus.ts's RangeSeries. */
export interface PromRangeSeries {
  readonly metric: Readonly<Record<string, string>>;
  /** [unix seconds, value]: the API's strings ("12.5", "NaN") or numbers. */
  readonly values: ReadonlyArray<readonly [number, number | string]>;
}

/** A GpuSeries with the namespace and container of the pod that holds the GPU (from the same labels). */
export interface PodGpuSeries extends GpuSeries {
  readonly namespace: string;
  readonly container?: string;
}

/** The range query's window: unix seconds, as sent to `query_range`. */
export interface RangeWindow {
  readonly start: number;
  readonly end: number;
  readonly step: number;
}

const quote = (s: string): string => JSON.stringify(s); // a PromQL string literal: Go escapes, as JSON's
const reEscape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A label matcher for a set of values: `="a"` for one, `=~"a|b\\.c"` (anchored by PromQL) for several. */
function oneOf(label: string, values: readonly string[]): string {
  const v = [...new Set(values)].sort();
  return v.length === 1 ? `${label}=${quote(v[0])}` : `${label}=~${quote(v.map(reEscape).join('|'))}`;
}

/**
 * The one selector of a job's GPU series: utilisation, framebuffer used and free of the GPUs that its pods
 * hold, as they are (one series per GPU and metric, told apart by `__name__`): run it as a range query.
 */
export function jobGpuQuery(namespace: string, pods: readonly string[]): string {
  if (pods.length === 0) throw new Error('jobGpuQuery needs at least one pod');
  return `{__name__=~${quote(METRICS)},${oneOf('namespace', [namespace])},${oneOf('pod', pods)}}`;
}

/** The same over every pod that holds a GPU, in the given namespaces (all namespaces when none are given). */
export function allPodsGpuQuery(namespaces: readonly string[] = []): string {
  return `{__name__=~${quote(METRICS)},pod!=""${namespaces.length ? `,${oneOf('namespace', namespaces)}` : ''}}`;
}

/** A step giving about `points` samples over the range, at least the 15 s scrape interval, in whole seconds. */
export function gpuStep(rangeSeconds: number, points = 240): number {
  return Math.max(15, Math.round(rangeSeconds / points));
}

const gpuId = (m: Readonly<Record<string, string>>): string =>
  m.GPU_I_ID !== undefined ? `${m.gpu ?? '?'}/${m.GPU_I_ID}` : (m.gpu ?? m.UUID ?? '?');

interface Building {
  series: {
    pod: string;
    namespace: string;
    container?: string;
    gpu: string;
    node?: string;
    product?: string;
    rank?: string;
  };
  util: Float64Array;
  used: Float64Array;
  free: Float64Array;
}

/**
 * Series of a range answer (of jobGpuQuery or allPodsGpuQuery) as one GpuSeries per pod and GPU, on the grid
 * start, start + step, ... end (ms; NaN where Prometheus had no sample). Series without a pod label (a GPU
 * no pod holds) are left out; older exporters' pod_name/pod_namespace/container_name are read too.
 * `rankOf(namespace, pod)` names the rank. Sorted by rank or pod, then GPU.
 */
export function parseGpuRange(
  result: readonly PromRangeSeries[],
  w: RangeWindow,
  rankOf?: (namespace: string, pod: string) => string | undefined,
): PodGpuSeries[] {
  if (!(w.step > 0) || w.end < w.start) throw new Error('parseGpuRange needs start <= end and a positive step');
  const n = Math.floor((w.end - w.start) / w.step + 1e-9) + 1;
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) times[i] = (w.start + i * w.step) * 1000;
  const byKey = new Map<string, Building>();
  for (const r of result) {
    const m = r.metric;
    const pod = m.pod || m.pod_name;
    if (!pod) continue;
    const namespace = m.namespace || m.pod_namespace || '';
    const name = m.__name__;
    const field = name === GPU_UTIL ? 'util' : name === FB_USED ? 'used' : name === FB_FREE ? 'free' : undefined;
    if (!field) continue;
    const gpu = gpuId(m);
    const key = `${namespace}\0${pod}\0${m.Hostname ?? ''}\0${gpu}`;
    let b = byKey.get(key);
    if (!b) {
      const product = m.modelName ? (m.GPU_I_PROFILE ? `${m.modelName} MIG ${m.GPU_I_PROFILE}` : m.modelName) : undefined;
      b = {
        series: { pod, namespace, gpu, container: m.container || m.container_name || undefined, node: m.Hostname, product },
        util: new Float64Array(n).fill(NaN),
        used: new Float64Array(n).fill(NaN),
        free: new Float64Array(n).fill(NaN),
      };
      const rank = rankOf?.(namespace, pod);
      if (rank !== undefined) b.series.rank = rank;
      byKey.set(key, b);
    }
    const into = b[field];
    for (const [t, v] of r.values) {
      const i = Math.round((Number(t) - w.start) / w.step);
      const x = Number(v);
      // Two scrapes of one GPU (two Prometheus jobs): the first real value stays.
      if (i >= 0 && i < n && Number.isNaN(into[i])) into[i] = x;
    }
  }
  const out: PodGpuSeries[] = [];
  for (const b of byKey.values()) {
    let total: number | undefined;
    for (let i = n - 1; i >= 0 && total === undefined; i--)
      if (!Number.isNaN(b.used[i]) && !Number.isNaN(b.free[i])) total = b.used[i] + b.free[i];
    out.push({
      ...b.series,
      times,
      util: b.util,
      memUsedMiB: b.used,
      ...(total !== undefined ? { memTotalMiB: total } : {}),
    });
  }
  const label = (s: PodGpuSeries) => s.rank ?? s.pod;
  return out.sort(
    (a, b) =>
      a.namespace.localeCompare(b.namespace) ||
      label(a).localeCompare(label(b), undefined, { numeric: true }) ||
      a.pod.localeCompare(b.pod) ||
      (a.node ?? '').localeCompare(b.node ?? '') ||
      a.gpu.localeCompare(b.gpu, undefined, { numeric: true }),
  );
}

function stepMsOf(s: GpuSeries, stepMs?: number): number {
  if (stepMs !== undefined) return stepMs;
  return s.times.length > 1 ? s.times[1] - s.times[0] : 0;
}

/**
 * GPU-hours of series on a regular grid: `held` counts step x each sample where the GPU had a utilisation
 * sample (a pod held it), `used` the same weighted by utilisation / 100.
 */
export function gpuHours(series: readonly GpuSeries[], stepMs?: number): GpuHours {
  let held = 0;
  let used = 0;
  for (const s of series) {
    const h = stepMsOf(s, stepMs) / 3_600_000;
    for (let i = 0; i < s.util.length; i++) {
      const u = s.util[i];
      if (Number.isNaN(u)) continue;
      held += h;
      used += (h * Math.min(100, Math.max(0, u))) / 100;
    }
  }
  return { held, used };
}

/** The trailing run of a GPU's samples under the threshold, if the GPU still has a recent sample. */
interface IdleRun {
  readonly since: number; // ms: the first sample of the run
  readonly last: number; // ms: the last sample
  readonly mean: number; // percent over the run
  readonly samples: number;
}

function idleRun(s: GpuSeries, threshold: number, now: number, staleMs: number): IdleRun | undefined {
  let last = -1;
  for (let i = s.util.length - 1; i >= 0; i--)
    if (!Number.isNaN(s.util[i])) {
      last = i;
      break;
    }
  if (last < 0 || now - s.times[last] > staleMs) return undefined; // not held now
  let first = -1;
  let sum = 0;
  let count = 0;
  for (let i = last; i >= 0; i--) {
    const u = s.util[i];
    if (Number.isNaN(u)) continue; // a missed scrape does not end the run
    if (u >= threshold) break;
    first = i;
    sum += u;
    count++;
  }
  return first < 0 ? undefined : { since: s.times[first], last: s.times[last], mean: sum / count, samples: count };
}

const minutes = (ms: number): string => {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  const m = Math.round(ms / 60_000);
  return m < 90 ? `${m} min` : `${(ms / 3_600_000).toFixed(1)} h`;
};
const pct = (x: number): string => `${x < 1 && x > 0 ? x.toFixed(1) : Math.round(x)}%`;

export interface IdleOptions extends Pick<DoctorOptions, 'idleUtilPercent' | 'idleForMs'> {
  readonly now: number;
  /** A GPU whose last sample is older than this is no longer held (default 5 min, Prometheus' lookback). */
  readonly staleMs?: number;
}

/**
 * The 'idle-gpus' finding of a job: the GPUs it holds now that have read under idleUtilPercent for at
 * least idleForMs. "holds 4 GPUs at 3% for 25 min" when all of them are idle, "holds 2 of its 4 GPUs
 * at 1% ..." when some are; the duration is the shortest idle run among them (true of every one).
 */
export function idleGpuFinding(series: readonly GpuSeries[], o: IdleOptions): Finding | undefined {
  const threshold = o.idleUtilPercent ?? DEFAULT_IDLE_UTIL_PERCENT;
  const forMs = o.idleForMs ?? DEFAULT_IDLE_FOR_MS;
  const staleMs = o.staleMs ?? 5 * 60_000;
  const heldNow = series.filter((s) => {
    for (let i = s.util.length - 1; i >= 0; i--) if (!Number.isNaN(s.util[i])) return o.now - s.times[i] <= staleMs;
    return false;
  });
  const idle = heldNow.flatMap((s) => {
    const r = idleRun(s, threshold, o.now, staleMs);
    return r && r.last - r.since >= forMs ? [{ s, r }] : [];
  });
  if (idle.length === 0) return undefined;
  const sum = idle.reduce((a, x) => a + x.r.mean * x.r.samples, 0);
  const n = idle.reduce((a, x) => a + x.r.samples, 0);
  const forAll = Math.min(...idle.map((x) => x.r.last - x.r.since));
  const gpus = idle.length === 1 ? 'GPU' : 'GPUs';
  const count = idle.length === heldNow.length ? `${idle.length} ${gpus}` : `${idle.length} of its ${heldNow.length} GPUs`;
  const pods = [...new Set(idle.map((x) => x.s.pod))];
  return {
    kind: 'idle-gpus',
    severity: 'warning',
    title: `holds ${count} at ${pct(sum / n)} for ${minutes(forAll)}`,
    advice:
      'Check what its pods do (a rank stopped or waiting on data, a finished script that did not exit); ' +
      'stop the job or ask for fewer GPUs so that others can use them.',
    ...(pods.length === 1 ? { pod: pods[0], rank: idle[0].s.rank } : {}),
    evidence: idle.map(({ s, r }) => ({
      ...(s.rank !== undefined ? { rank: s.rank } : {}),
      pod: s.pod,
      line: `GPU ${s.gpu}${s.node ? ` on ${s.node}` : ''}: ${pct(r.mean)} on average, under ${threshold}% since ${new Date(r.since).toISOString()}`,
      time: r.since,
    })),
  };
}

/** One row of "who holds idle GPUs": a job (or a bare pod) with GPUs idle for at least idleForMs. */
export interface IdleHolder {
  readonly namespace: string;
  /** The job that owns the pods ("PyTorchJob/bert"), or "Pod/<name>" when the owner is not known. */
  readonly owner: string;
  readonly pods: readonly string[];
  /** GPUs held now, and how many of them are idle. */
  readonly gpus: number;
  readonly idleGpus: number;
  /** Mean utilisation of the held GPUs over the queried range (percent). */
  readonly avgUtil: number;
  /** Mean utilisation of the idle GPUs while idle (percent), and for how long the shortest of their idle runs lasts (ms). */
  readonly idleUtil: number;
  readonly idleForMs: number;
  /** GPU-hours held over the range, and those held under the threshold (wasted). */
  readonly heldGpuHours: number;
  readonly wastedGpuHours: number;
  /** Since when the idle GPUs have been idle (the earliest run start), ms. */
  readonly idleSince: number;
}

/**
 * Who holds idle GPUs, from one range query over all pods (allPodsGpuQuery, parsed by parseGpuRange):
 * per owner (ownerOf(namespace, pod), e.g. from the pods' ownerReferences; else the pod), the owners with
 * at least one GPU idle for idleForMs, most wasted GPU-hours first. Wasted: step x each sample under the threshold.
 */
export function idleGpuHolders(
  series: readonly PodGpuSeries[],
  o: IdleOptions & { readonly ownerOf?: (namespace: string, pod: string) => string | undefined; readonly stepMs?: number },
): IdleHolder[] {
  const threshold = o.idleUtilPercent ?? DEFAULT_IDLE_UTIL_PERCENT;
  const forMs = o.idleForMs ?? DEFAULT_IDLE_FOR_MS;
  const staleMs = o.staleMs ?? 5 * 60_000;
  const groups = new Map<string, { namespace: string; owner: string; series: PodGpuSeries[] }>();
  for (const s of series) {
    const owner = o.ownerOf?.(s.namespace, s.pod) ?? `Pod/${s.pod}`;
    const key = `${s.namespace}\0${owner}`;
    const g = groups.get(key) ?? { namespace: s.namespace, owner, series: [] };
    g.series.push(s);
    groups.set(key, g);
  }
  const rows: IdleHolder[] = [];
  for (const g of groups.values()) {
    let gpus = 0;
    const runs: IdleRun[] = [];
    let sum = 0;
    let count = 0;
    let wasted = 0;
    for (const s of g.series) {
      const h = stepMsOf(s, o.stepMs) / 3_600_000;
      let lastT = -Infinity;
      for (let i = 0; i < s.util.length; i++) {
        const u = s.util[i];
        if (Number.isNaN(u)) continue;
        lastT = s.times[i];
        sum += u;
        count++;
        if (u < threshold) wasted += h;
      }
      if (o.now - lastT > staleMs) continue;
      gpus++;
      const r = idleRun(s, threshold, o.now, staleMs);
      if (r && r.last - r.since >= forMs) runs.push(r);
    }
    if (runs.length === 0) continue;
    rows.push({
      namespace: g.namespace,
      owner: g.owner,
      pods: [...new Set(g.series.map((s) => s.pod))].sort(),
      gpus,
      idleGpus: runs.length,
      avgUtil: count ? sum / count : 0,
      idleUtil: runs.reduce((a, r) => a + r.mean * r.samples, 0) / runs.reduce((a, r) => a + r.samples, 0),
      idleForMs: Math.min(...runs.map((r) => r.last - r.since)),
      heldGpuHours: gpuHours(g.series, o.stepMs).held,
      wastedGpuHours: wasted,
      idleSince: Math.min(...runs.map((r) => r.since)),
    });
  }
  return rows.sort(
    (a, b) => b.wastedGpuHours - a.wastedGpuHours || a.namespace.localeCompare(b.namespace) || a.owner.localeCompare(b.owner),
  );
}

/** "kubeml-demo PyTorchJob/bert: 4 GPUs idle at 2% for 25 min, 1.70 GPU-hours wasted" (a list row's text). */
export function idleHolderLine(h: IdleHolder): string {
  const gpus = h.idleGpus === h.gpus ? `${h.gpus} GPU${h.gpus === 1 ? '' : 's'}` : `${h.idleGpus} of ${h.gpus} GPUs`;
  return `${h.namespace} ${h.owner}: ${gpus} idle at ${pct(h.idleUtil)} for ${minutes(h.idleForMs)}, ${h.wastedGpuHours.toFixed(2)} GPU-hours wasted`;
}
