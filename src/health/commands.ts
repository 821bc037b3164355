/**
 * The health feature's editor skin: Check Job Health (a job's ranks, the doctor's findings and its GPU use over
 * time in the Job panel, followed live while the panel is open), Who Holds Idle GPUs? (every pod holding GPUs
 * under the idle threshold in the selected namespaces, with the GPU-hours that wasted), and one status-bar warning
 * while a followed job has a finding. Built on first use like the other features (src/lazy).
 */
import * as vscode from 'vscode';
import type { ClusterConnection } from '../cluster/connection';
import { queryRange } from '../cluster/prometheus';
import { Commands } from '../constants';
import { messageOf } from '../common/errors';
import { Disposable, Emitter } from '../common/lifecycle';
import type { Logger } from '../common/logging';
import { Settings as S } from '../common/settings';
import { setting, Settings } from '../common/ui/vscodeConfig';
import { allPodsGpuQuery, gpuStep, idleGpuHolders, idleHolderLine, parseGpuRange } from '../model/health/gpuUse';
import type { HealthJobKind, HealthJobRef } from '../model/health/jobPods';
import type { DoctorOptions, Finding } from '../model/health/types';
import { JobPanel } from './panel';
import { ClusterJobHealth } from './provider';
import { JobHealthSource } from './source';
import { HealthStatusBar } from './statusBar';

const KIND_OF_ID: Readonly<Record<string, HealthJobKind>> = {
  jobs: 'Job',
  pytorchJobs: 'PyTorchJob',
  trainJobs: 'TrainJob',
  rayJobs: 'RayJob',
};

/** A job argument: a Jobs view row ({kindId, namespace, name}) or a ref. */
export function jobRefOf(arg: unknown): HealthJobRef | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const o = arg as { kindId?: unknown; kind?: unknown; namespace?: unknown; name?: unknown };
  const kind = typeof o.kindId === 'string' ? KIND_OF_ID[o.kindId] : typeof o.kind === 'string' ? (o.kind as HealthJobKind) : undefined;
  if (!kind || !['Job', 'PyTorchJob', 'TrainJob', 'RayJob'].includes(kind)) return undefined;
  if (typeof o.namespace !== 'string' || typeof o.name !== 'string') return undefined;
  return { kind, namespace: o.namespace, name: o.name };
}

export function doctorOptions(): DoctorOptions {
  return {
    hungAfterMs: setting(S.healthHungAfterSeconds) * 1000,
    idleUtilPercent: setting(S.healthIdleUtilPercent),
    idleForMs: setting(S.healthIdleMinutes) * 60_000,
  };
}

interface Followed {
  readonly health: ClusterJobHealth;
  readonly source: JobHealthSource;
  /** Why it is followed: its Job panel is open, and/or it is the job of a run this window follows. */
  readonly reasons: Set<'panel' | 'run'>;
}

const keyOf = (job: HealthJobRef) => `${job.kind}/${job.namespace}/${job.name}`;

export class HealthFeature extends Disposable {
  private readonly followed = new Map<string, Followed>();
  private readonly _onDidChangeFindings = this._register(new Emitter<{ job: HealthJobRef; findings: readonly Finding[] | undefined }>());
  /** A followed job's findings changed (the Jobs view shows them under the job); undefined: no longer followed. */
  readonly onDidChangeFindings = this._onDidChangeFindings.event;
  readonly statusBar: HealthStatusBar;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly connection: ClusterConnection,
    private readonly log: Logger,
  ) {
    super();
    this.statusBar = this._register(new HealthStatusBar());
    this._register(vscode.commands.registerCommand(Commands.checkJobHealth, (a?: unknown) => this.check(a)));
    this._register(vscode.commands.registerCommand(Commands.listIdleGpus, () => this.listIdle()));
    this._register({ dispose: () => [...this.followed.values()].forEach((f) => (f.health.dispose(), f.source.dispose())) });
  }

  /** The jobs followed now and their findings (for tests). */
  current(): Array<{ job: HealthJobRef; findings: readonly Finding[] }> {
    return [...this.followed.values()].map((f) => ({ job: f.source.job, findings: f.health.findings() }));
  }

  private follow(job: HealthJobRef, reason: 'panel' | 'run'): Followed {
    const key = keyOf(job);
    let f = this.followed.get(key);
    if (!f) {
      const source = new JobHealthSource(
        job,
        { client: () => this.connection.client, kubeConfig: () => this.connection.kubeConfig, options: doctorOptions, pollMs: 5000 },
        this.log,
      );
      const health = new ClusterJobHealth(source, () => Settings.prometheusUrl(), doctorOptions);
      f = { health, source, reasons: new Set() };
      this.followed.set(key, f);
      health.onDidChange(() => this.publish());
      source.start();
    }
    f.reasons.add(reason);
    return f;
  }

  private release(job: HealthJobRef, reason: 'panel' | 'run'): void {
    const f = this.followed.get(keyOf(job));
    if (!f) return;
    f.reasons.delete(reason);
    if (f.reasons.size) return;
    this.followed.delete(keyOf(job));
    f.health.dispose();
    f.source.dispose();
    this._onDidChangeFindings.fire({ job: f.source.job, findings: undefined });
    this.publish();
  }

  /**
   * The jobs of the runs this window follows (Launch Training, Run Validation): their findings reach the status
   * bar and the Jobs view while they run, without a panel.
   */
  followRuns(jobs: readonly HealthJobRef[]): void {
    const want = new Set(jobs.map(keyOf));
    for (const f of [...this.followed.values()])
      if (f.reasons.has('run') && !want.has(keyOf(f.source.job))) this.release(f.source.job, 'run');
    for (const j of jobs) this.follow(j, 'run');
  }

  /** Opens (or reveals) the Job panel of a job and follows it while the panel is open. */
  async check(arg?: unknown): Promise<JobPanel | undefined> {
    const job = jobRefOf(arg) ?? (await this.pickJob());
    if (!job) return undefined;
    const followed = this.follow(job, 'panel');
    const panel = JobPanel.open(this.extensionUri, followed.health, {
      actions: {
        showLogs: (namespace, pod) => vscode.commands.executeCommand(Commands.followLogs, { kindId: 'pods', namespace, name: pod }),
        revealPod: async (namespace, pod) => {
          await vscode.commands.executeCommand('kubeml.jobs.focus');
          await vscode.commands.executeCommand(Commands.describe, { kindId: 'pods', namespace, name: pod });
        },
      },
      warn: (m) => this.log.warn(m),
    });
    panel.onDidDispose(() => {
      if (this.followed.get(keyOf(job)) === followed) this.release(job, 'panel');
    });
    return panel;
  }

  private publish(): void {
    const all = this.current();
    this.statusBar.show(all);
    for (const a of all) this._onDidChangeFindings.fire(a);
  }

  /** A quick pick of the selected namespaces' PyTorchJobs, TrainJobs and Jobs (newest first). */
  private async pickJob(): Promise<HealthJobRef | undefined> {
    const client = this.connection.client;
    if (!client) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Connect to a cluster first: KubeML reads the job from it.'));
      return undefined;
    }
    const namespaces = this.connection.namespacesToList() ?? [undefined];
    const kinds: Array<[HealthJobKind, string]> = [
      ['PyTorchJob', '/apis/kubeflow.org/v1'],
      ['TrainJob', '/apis/trainer.kubeflow.org/v1alpha1'],
      ['Job', '/apis/batch/v1'],
    ];
    const plural: Record<string, string> = { PyTorchJob: 'pytorchjobs', TrainJob: 'trainjobs', Job: 'jobs' };
    const items: Array<vscode.QuickPickItem & { job: HealthJobRef; created: string }> = [];
    await Promise.all(
      kinds.flatMap(([kind, base]) =>
        namespaces.map(async (ns) => {
          const path = `${base}${ns ? `/namespaces/${encodeURIComponent(ns)}` : ''}/${plural[kind]}`;
          const list = await client
            .json<{ items?: Array<{ metadata: { name: string; namespace: string; creationTimestamp?: string } }> }>(path, {
              what: `list ${kind}s`,
              timeoutMs: 10_000,
            })
            .catch(() => ({ items: [] }));
          for (const o of list.items ?? [])
            items.push({
              label: o.metadata.name,
              description: `${kind} · ${o.metadata.namespace}`,
              job: { kind, namespace: o.metadata.namespace, name: o.metadata.name },
              created: o.metadata.creationTimestamp ?? '',
            });
        }),
      ),
    );
    if (!items.length) {
      void vscode.window.showInformationMessage(vscode.l10n.t('No PyTorchJob, TrainJob or Job in the selected namespaces.'));
      return undefined;
    }
    items.sort((a, b) => b.created.localeCompare(a.created));
    const pick = await vscode.window.showQuickPick(items, {
      title: vscode.l10n.t('Check Job Health'),
      placeHolder: vscode.l10n.t('The job whose ranks, findings and GPU use to show'),
      matchOnDescription: true,
    });
    return pick?.job;
  }

  /** "PyTorchJob/bert" per pod of these namespaces, from the labels the controllers set (what the cluster lets us list). */
  private async podOwners(namespaces: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const client = this.connection.client;
    if (!client) return out;
    await Promise.all(
      namespaces.map(async (ns) => {
        const list = await client
          .json<{
            items?: Array<{
              metadata: { name: string; labels?: Record<string, string>; ownerReferences?: Array<{ kind: string; name: string }> };
            }>;
          }>(`/api/v1/namespaces/${encodeURIComponent(ns)}/pods`, { what: `list the pods of ${ns}`, timeoutMs: 10_000 })
          .catch(() => ({ items: [] }));
        for (const p of list.items ?? []) {
          const l = p.metadata.labels ?? {};
          const owner = l['training.kubeflow.org/job-name']
            ? `PyTorchJob/${l['training.kubeflow.org/job-name']}`
            : l['jobset.sigs.k8s.io/jobset-name']
              ? `TrainJob/${l['jobset.sigs.k8s.io/jobset-name']}`
              : l['batch.kubernetes.io/job-name']
                ? `Job/${l['batch.kubernetes.io/job-name']}`
                : p.metadata.ownerReferences?.[0]
                  ? `${p.metadata.ownerReferences[0].kind}/${p.metadata.ownerReferences[0].name}`
                  : undefined;
          if (owner) out.set(`${ns}/${p.metadata.name}`, owner);
        }
      }),
    );
    return out;
  }

  /** Who holds GPUs under the idle threshold, in the selected namespaces, over the last hour. */
  async listIdle(): Promise<void> {
    const url = Settings.prometheusUrl();
    if (!url) {
      void vscode.window.showWarningMessage(
        vscode.l10n.t('Who holds idle GPUs comes from Prometheus: set kubeml.prometheus.url to one that scrapes dcgm-exporter.'),
      );
      return;
    }
    const opts = doctorOptions();
    const windowMs = Math.max(60 * 60_000, (opts.idleForMs ?? 600_000) * 2);
    const end = Math.floor(Date.now() / 1000);
    const start = end - windowMs / 1000;
    const step = gpuStep(windowMs / 1000);
    try {
      const namespaces = this.connection.namespacesToList() ?? [];
      const holders = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Reading GPU use from Prometheus…'), cancellable: false },
        async () => {
          const result = await queryRange(url, allPodsGpuQuery(namespaces), start, end, step);
          const series = parseGpuRange(result, { start, end, step });
          const owners = await this.podOwners([...new Set(series.map((x) => x.namespace))]);
          return idleGpuHolders(series, {
            ...opts,
            now: Date.now(),
            stepMs: step * 1000,
            ownerOf: (ns, pod) => owners.get(`${ns}/${pod}`),
          });
        },
      );
      if (!holders.length) {
        void vscode.window.showInformationMessage(
          vscode.l10n.t(
            'No pod in {0} holds a GPU under {1}% for {2} min.',
            namespaces.length ? namespaces.join(', ') : vscode.l10n.t('any namespace'),
            String(opts.idleUtilPercent ?? 10),
            String(Math.round((opts.idleForMs ?? 600_000) / 60_000)),
          ),
        );
        return;
      }
      await vscode.window.showQuickPick(
        holders.map((h) => ({ label: idleHolderLine(h) })),
        { title: vscode.l10n.t('Who holds idle GPUs (last {0} min)', String(Math.round(windowMs / 60_000))) },
      );
    } catch (e) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Could not read GPU use from Prometheus at {0}: {1}', url, messageOf(e)));
    }
  }
}
