/**
 * A JobHealthProvider from made-up data, for tests, benchmarks and screenshots: a PyTorchJob with
 * `ranks` ranks of `gpusPerRank` GPUs each, utilisation and memory that follow a smooth made-up curve
 * per GPU (one rank idle when asked), and findings given by the caller. Deterministic: the same options
 * give the same series.
 */
import { Emitter } from '../common/lifecycle';
import type { GpuAppend, PanelRank } from '../model/health/panelContract';
import type { Finding, GpuSeries } from '../model/health/types';
import { GpuReadError, type JobHealthProvider, type JobPanelData } from './panelData';

export interface FixtureOptions {
  readonly name?: string;
  readonly namespace?: string;
  readonly ranks?: number;
  readonly gpusPerRank?: number;
  /** The newest sample's time (ms); default: now, rounded down to the step. */
  readonly now?: number;
  readonly findings?: readonly Finding[];
  /** The rank (index) whose GPUs idle at 0-2%. */
  readonly idleRank?: number;
  /** gpu() rejects as a missing Prometheus would. */
  readonly prometheusDown?: boolean;
  readonly memTotalMiB?: number;
}

export const rankName = (i: number) => (i === 0 ? 'master-0' : `worker-${i - 1}`);

/** One GPU's series over [end - windowMs, end] at stepMs. */
export function fixtureSeries(
  rank: number,
  gpu: number,
  end: number,
  windowMs: number,
  stepMs: number,
  idle = false,
  memTotal = 81_920,
): GpuSeries {
  const n = Math.floor(windowMs / stepMs) + 1;
  const times = new Float64Array(n);
  const util = new Float64Array(n);
  const mem = new Float64Array(n);
  const start = end - (n - 1) * stepMs;
  for (let i = 0; i < n; i++) {
    const t = start + i * stepMs;
    times[i] = t;
    const phase = t / 600_000 + rank * 0.7 + gpu * 0.3;
    util[i] = idle ? 1 + Math.abs(Math.sin(phase * 3)) : Math.min(100, Math.max(0, 70 + 25 * Math.sin(phase) + 5 * Math.sin(phase * 7.3)));
    mem[i] = idle ? 600 : Math.round(memTotal * (0.55 + 0.2 * Math.sin(phase / 3)));
  }
  return {
    rank: rankName(rank),
    pod: `fixture-${rankName(rank)}`,
    gpu: String(gpu),
    node: `gpu-node-${Math.floor(rank / 8)}`,
    product: 'NVIDIA-A100-SXM4-80GB',
    times,
    util,
    memUsedMiB: mem,
    memTotalMiB: memTotal,
  };
}

export class FixtureJobProvider implements JobHealthProvider {
  private readonly changed = new Emitter<void>();
  private readonly appended = new Emitter<readonly GpuAppend[]>();
  readonly onDidChange = this.changed.event;
  readonly onDidAppend = this.appended.event;
  /** The windows and steps gpu() was asked for, in order. */
  readonly asked: Array<{ windowMs: number; stepMs: number }> = [];
  private data: JobPanelData;

  constructor(readonly opts: FixtureOptions = {}) {
    const ranks = opts.ranks ?? 2;
    const gpus = opts.gpusPerRank ?? 1;
    const list: PanelRank[] = Array.from({ length: ranks }, (_, i) => ({
      rank: rankName(i),
      pod: `fixture-${rankName(i)}`,
      node: `gpu-node-${Math.floor(i / 8)}`,
      phase: 'Running',
      restarts: 0,
      gpus,
    }));
    this.data = {
      kind: 'PyTorchJob',
      namespace: opts.namespace ?? 'kubeml-fixture',
      name: opts.name ?? 'fixture-ddp',
      ranks: list,
      findings: opts.findings ?? [],
      ...(ranks * gpus > 0 ? { gpuHours: { held: ranks * gpus * 1, used: ranks * gpus * 0.6 } } : {}),
    };
  }

  snapshot(): JobPanelData {
    return this.data;
  }

  async gpu(windowMs: number, stepMs: number): Promise<readonly GpuSeries[]> {
    this.asked.push({ windowMs, stepMs });
    if (this.opts.prometheusDown)
      throw new GpuReadError(
        'KubeML cannot read GPU series: kubeml.prometheus.url is not set.',
        'Set kubeml.prometheus.url to a Prometheus that scrapes dcgm-exporter, then reopen the panel.',
      );
    const end = this.opts.now ?? Math.floor(Date.now() / stepMs) * stepMs;
    const out: GpuSeries[] = [];
    for (const [i, r] of this.data.ranks.entries())
      for (let g = 0; g < r.gpus; g++)
        out.push(fixtureSeries(i, g, end, windowMs, stepMs, i === this.opts.idleRank, this.opts.memTotalMiB));
    return out;
  }

  /** Replaces the job (fires onDidChange). */
  change(next: Partial<JobPanelData>): void {
    this.data = { ...this.data, ...next };
    this.changed.fire();
  }

  /** Sends new points (fires onDidAppend). */
  append(points: readonly GpuAppend[]): void {
    this.appended.fire(points);
  }

  dispose(): void {
    this.changed.dispose();
    this.appended.dispose();
  }
}
