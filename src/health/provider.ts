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
import { GpuReadError, panelRankOf, type JobHealthProvider, type JobPanelData } from './panelData';
import type { JobHealthSource } from './source';

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

export class ClusterJobHealth extends Disposable implements JobHealthProvider {
  private readonly _onDidChange = this._register(new Emitter<void>());
  readonly onDidChange = this._onDidChange.event;
  private hours: GpuHours | undefined;
  private idle: Finding | undefined;

  constructor(
    readonly source: JobHealthSource,
    private readonly prometheusUrl: () => string | undefined,
    private readonly options: () => DoctorOptions = () => ({}),
  ) {
    super();
    this._register(source.onDidChange(() => this._onDidChange.fire()));
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
    const before = JSON.stringify([this.hours, this.idle?.title]);
    this.hours = gpuHours(series, step * 1000);
    const o = this.options();
    this.idle = idleGpuFinding(series, {
      ...(o.idleUtilPercent !== undefined ? { idleUtilPercent: o.idleUtilPercent } : {}),
      ...(o.idleForMs !== undefined ? { idleForMs: o.idleForMs } : {}),
      now: Date.now(),
    });
    if (JSON.stringify([this.hours, this.idle?.title]) !== before) this._onDidChange.fire();
    return series;
  }
}
