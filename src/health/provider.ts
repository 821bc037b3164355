/**
 * The Job panel's data from the cluster (panelData.ts JobHealthProvider): the ranks and findings of the job
 * health source (source.ts: pods, logs, the doctor) and the GPU series of its pods from Prometheus (dcgm-exporter's
 * series labelled with pod and namespace, src/model/health/gpuUse.ts), with GPU-hours and the idle-GPU finding.
 * No vscode here.
 */
import { queryRange } from '../cluster/prometheus';
import { KubeMLError, messageOf } from '../common/errors';
import { Disposable, Emitter } from '../common/lifecycle';
import { gpuHours, gpuStep, idleGpuFinding, jobGpuQuery, parseGpuRange } from '../model/health/gpuUse';
import type { DoctorOptions, Finding, GpuHours, GpuSeries } from '../model/health/types';
import type { GpuAppend } from '../model/health/panelContract';
import { appendSeries, GpuReadError, panelRankOf, type JobHealthProvider, type JobPanelData } from './panelData';
import type { JobHealthSource } from './source';

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

export class ClusterJobHealth extends Disposable implements JobHealthProvider {
  private readonly _onDidChange = this._register(new Emitter<void>());
  readonly onDidChange = this._onDidChange.event;
  private readonly _onDidAppend = this._register(new Emitter<readonly GpuAppend[]>());
  /** New samples of the series last read, as Prometheus scrapes them (every step, at least 15 s). */
  readonly onDidAppend = this._onDidAppend.event;
  private hours: GpuHours | undefined;
  private idle: Finding | undefined;
  /** The last read: its query, step and the time of its last sample (unix seconds), for the live appends. */
  private live: { query: string; step: number; end: number; windowMs: number; timer: NodeJS.Timeout } | undefined;
  /** The series last read, with the samples appended since: GPU-hours and the idle finding follow them. */
  private series: readonly GpuSeries[] = [];

  constructor(
    readonly source: JobHealthSource,
    private readonly prometheusUrl: () => string | undefined,
    private readonly options: () => DoctorOptions = () => ({}),
  ) {
    super();
    this._register(source.onDidChange(() => this._onDidChange.fire()));
    this._register({ dispose: () => clearTimeout(this.live?.timer) });
  }

  /** The doctor's findings and the idle-GPU one (from the last GPU read), worst first. */
  findings(): Finding[] {
    const all = [...this.source.current.findings, ...(this.idle ? [this.idle] : [])];
    return all.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  }

  snapshot(): JobPanelData {
    const { job, input } = this.source.current;
    return {
      kind: job.kind,
      namespace: job.namespace,
      name: job.name,
      ranks: (input?.ranks ?? []).map(panelRankOf),
      findings: this.findings(),
      ...(this.hours ? { gpuHours: this.hours } : {}),
    };
  }

  async gpu(windowMs: number, stepMs: number): Promise<readonly GpuSeries[]> {
    const url = this.prometheusUrl();
    if (!url)
      throw new GpuReadError(
        'No Prometheus is set, so GPU use over time cannot be read.',
        'Set kubeml.prometheus.url to a Prometheus that scrapes NVIDIA dcgm-exporter.',
      );
    const input = this.source.current.input ?? (await this.source.read()).input;
    const ranks = input?.ranks ?? [];
    const pods = ranks.filter((r) => (r.gpus ?? 0) > 0).map((r) => r.pod);
    if (pods.length === 0) return [];
    const end = Math.floor(Date.now() / 1000);
    const step = Math.max(gpuStep(windowMs / 1000), Math.round(stepMs / 1000));
    const start = end - Math.floor(windowMs / 1000);
    let result;
    try {
      result = await queryRange(url, jobGpuQuery(this.source.job.namespace, pods), start, end, step);
    } catch (e) {
      throw new GpuReadError(
        `Prometheus at ${url} did not answer the GPU query: ${messageOf(e)}`,
        KubeMLError.is(e) && e.hint ? e.hint : 'Check kubeml.prometheus.url and that Prometheus is running.',
      );
    }
    const rankOf = new Map(ranks.map((r) => [`${r.namespace}/${r.pod}`, r.rank]));
    const series = parseGpuRange(result, { start, end, step }, (ns, pod) => rankOf.get(`${ns}/${pod}`));
    this.follow(url, jobGpuQuery(this.source.job.namespace, pods), step, end, windowMs);
    this.series = series;
    this.measure(step);
    return series;
  }

  /** GPU-hours and the idle finding of the series held now; fires when they changed. */
  private measure(step: number): void {
    const before = JSON.stringify([this.hours, this.idle?.title]);
    this.hours = gpuHours(this.series, step * 1000);
    const o = this.options();
    this.idle = idleGpuFinding(this.series, {
      ...(o.idleUtilPercent !== undefined ? { idleUtilPercent: o.idleUtilPercent } : {}),
      ...(o.idleForMs !== undefined ? { idleForMs: o.idleForMs } : {}),
      now: Date.now(),
    });
    if (JSON.stringify([this.hours, this.idle?.title]) !== before) this._onDidChange.fire();
  }

  /** Reads the samples after `end` every step (a window change or a new read starts over). */
  private follow(url: string, query: string, step: number, end: number, windowMs: number): void {
    clearTimeout(this.live?.timer);
    const tick = async () => {
      const live = this.live;
      if (!live || this.isDisposed) return;
      const now = Math.floor(Date.now() / 1000);
      const from = live.end + live.step;
      if (now >= from) {
        try {
          const to = from + Math.floor((now - from) / live.step) * live.step;
          const result = await queryRange(url, live.query, from, Math.max(to, from + live.step), live.step);
          const fresh = parseGpuRange(result, { start: from, end: to, step: live.step });
          if (this.live !== live || this.isDisposed) return;
          live.end = to;
          const points: GpuAppend[] = fresh
            .map((x) => ({ pod: x.pod, gpu: x.gpu, times: x.times, util: x.util, memUsedMiB: x.memUsedMiB }))
            .filter((p) => p.times.length);
          if (points.length) {
            const known = (p: GpuAppend) => this.series.some((x) => x.pod === p.pod && x.gpu === p.gpu);
            // A GPU not read before is in the panel's next full read (it reads again); here only the known ones grow.
            this.series = appendSeries(this.series, points.filter(known), live.windowMs);
            this._onDidAppend.fire(points);
            this.measure(live.step);
          }
        } catch {
          // Prometheus away for a moment: the next tick reads from the same point.
        }
      }
      if (this.live === live) live.timer = setTimeout(() => void tick(), Math.max(15, live.step) * 1000);
    };
    this.live = { query, step, end, windowMs, timer: setTimeout(() => void tick(), Math.max(15, step) * 1000) };
  }
}
