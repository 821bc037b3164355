/**
 * KubeML: Open Drift Report (the editor skin; the reading and computing is in compare.ts). From two local files (CSV, TSV, JSON Lines or Parquet; a dialog
 * asks for them, or two URIs are passed), from files in a pod or on a claim (read through
 * exec), from the drift gauges in Prometheus (kubeml.prometheus.url), from a run folder holding
 * drift.json (or that file), or from a row of the Models view (the model's validation runs in
 * this workspace and its drift gauges in Prometheus). The panel follows drift.json as the run
 * writes new windows, and re-queries Prometheus every step.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { existsSync, promises as fs } from 'node:fs';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import type { KubeClient } from '../cluster/client';
import { Commands } from '../constants';
import { Disposable } from '../common/lifecycle';
import { KubeMLError, messageOf } from '../common/errors';
import { setting, Settings, vscodeSettings } from '../common/ui/vscodeConfig';
import { Settings as S } from '../common/settings';
import { type ClusterAccess, compareClusterFiles, compareFiles, type ClusterPair, type DriftSourceArg, loadReportFile } from './compare';
import { thresholdsFromSettings } from './settings';
import { safeUrl } from '../common/redact';
import { RunStore } from '../model/runRecords';
import { gaugeLabels, validatesModel, type ModelRef } from './modelSources';
import { DRIFT_GAUGE, driftFromPrometheus, labelValues, modelQuery, stepFor } from './prometheus';
import { DATA_EXTENSIONS } from './readers';
import { type DriftReport } from '../model/driftReport';
import { DriftPanel } from './panel';

/** A tree item or argument that points at a run: { runDir } or { resourceUri }. */
function runFolderOf(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'object' && arg !== null) {
    const o = arg as { runDir?: unknown; resourceUri?: unknown; data?: { runId?: unknown } };
    if (typeof o.runDir === 'string') return vscode.Uri.file(o.runDir);
    // A row of the Jobs view that is a KubeML validation run: its folder in the workspace that has it.
    if (typeof o.data?.runId === 'string') {
      const id = o.data.runId;
      for (const f of vscode.workspace.workspaceFolders ?? []) {
        const dir = new RunStore(f.uri.fsPath).dir(id);
        if (existsSync(join(dir, 'drift.json'))) return vscode.Uri.file(dir);
      }
      // None has it: opening the first folder's says which file is missing.
      const first = vscode.workspace.workspaceFolders?.[0];
      if (first) return vscode.Uri.file(new RunStore(first.uri.fsPath).dir(id));
    }
    if (o.resourceUri instanceof vscode.Uri) return o.resourceUri;
  }
  return undefined;
}

/** A row of the Models view (the explorer's node: kind, namespace, name and its data). */
function modelOf(arg: unknown): ModelRef | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const n = arg as { kindId?: unknown; namespace?: unknown; name?: unknown; data?: { model?: unknown; storageUri?: unknown } };
  if ((n.kindId !== 'inferenceServices' && n.kindId !== 'deployments') || typeof n.name !== 'string') return undefined;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  return {
    kind: n.kindId === 'deployments' ? 'deployment' : 'inferenceService',
    namespace: str(n.namespace),
    name: n.name,
    model: str(n.data?.model),
    storageUri: str(n.data?.storageUri),
  };
}

/** Dialogs the commands show; tests replace them. */
export interface DriftPrompts {
  error(message: string, ...actions: string[]): Thenable<string | undefined>;
  pick<T extends vscode.QuickPickItem>(items: T[], options: vscode.QuickPickOptions): Thenable<T | undefined>;
  input(options: vscode.InputBoxOptions): Thenable<string | undefined>;
  files(options: vscode.OpenDialogOptions): Thenable<vscode.Uri[] | undefined>;
}

const vscodePrompts: DriftPrompts = {
  error: (message, ...actions) => vscode.window.showErrorMessage(message, ...actions),
  pick: (items, options) => vscode.window.showQuickPick(items, options),
  input: (options) => vscode.window.showInputBox(options),
  files: (options) => vscode.window.showOpenDialog(options),
};

/** One place a model's drift data can come from, as the list offers it. */
type ModelSource = vscode.QuickPickItem & { open: () => Promise<DriftPanel | undefined> };

/** Time ranges for a Prometheus query; a function so that the labels are translated when asked for. */
const ranges = (): ReadonlyArray<{ label: string; seconds: number }> => [
  { label: vscode.l10n.t('Last hour'), seconds: 3600 },
  { label: vscode.l10n.t('Last 6 hours'), seconds: 6 * 3600 },
  { label: vscode.l10n.t('Last 24 hours'), seconds: 86_400 },
  { label: vscode.l10n.t('Last 7 days'), seconds: 7 * 86_400 },
];

export class DriftCommands extends Disposable {
  readonly panels = new Set<DriftPanel>();
  prompts: DriftPrompts = vscodePrompts;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly cluster?: ClusterAccess,
  ) {
    super();
    this._register(vscode.commands.registerCommand(Commands.openDriftReport, (a?: unknown, b?: unknown) => this.open(a, b)));
  }

  /** Returns the panel it opened (for tests), or undefined when the user cancelled or it failed. */
  async open(a?: unknown, b?: unknown): Promise<DriftPanel | undefined> {
    try {
      if (a instanceof vscode.Uri && b instanceof vscode.Uri) {
        return this.show(
          `Drift: ${basename(b.fsPath)}`,
          await this.progress(() => compareFiles(a.fsPath, b.fsPath, thresholdsFromSettings(vscodeSettings()))),
        );
      }
      const src = a as DriftSourceArg | undefined;
      if (src && typeof src === 'object' && !(a instanceof vscode.Uri) && (src.cluster || src.prometheus)) {
        if (src.cluster) return await this.openCluster(src.cluster);
        return await this.openPrometheus(
          src.prometheus!.query ?? (src.prometheus!.model ? modelQuery(src.prometheus!.model) : DRIFT_GAUGE),
          src.prometheus!.rangeSeconds ?? 3600,
        );
      }
      const model = modelOf(a);
      if (model) return await this.openModel(model);
      const run = runFolderOf(a);
      if (run) {
        const stat = await fs.stat(run.fsPath).catch(() => undefined);
        const file = stat?.isDirectory() ? join(run.fsPath, 'drift.json') : run.fsPath;
        const panel = this.show(
          `Drift: ${basename(stat?.isDirectory() ? run.fsPath : join(run.fsPath, '..'))}`,
          await loadReportFile(file),
        );
        this.follow(panel, file);
        return panel;
      }
      return await this.pickSource();
    } catch (e) {
      // messageOf gives a KubeMLError's message with its hint.
      void this.prompts.error(vscode.l10n.t('Cannot open the drift report: {0}', messageOf(e)));
      return undefined;
    }
  }

  private async modelSources(m: ModelRef, url: string | undefined): Promise<{ sources: ModelSource[]; promProblem?: string }> {
    const sources: ModelSource[] = [];
    let promProblem: string | undefined;
    if (url) {
      try {
        const served = await labelValues(url, 'model', DRIFT_GAUGE);
        const label = gaugeLabels(m).find((l) => served.includes(l));
        if (label) {
          const query = modelQuery(label);
          sources.push({
            label: `$(pulse) ${vscode.l10n.t('Drift gauges in Prometheus')}`,
            description: query,
            detail: vscode.l10n.t('Live, the last hour'),
            open: () => this.openPrometheus(query, 3600),
          });
        }
      } catch (e) {
        promProblem = messageOf(e);
      }
    }
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      const store = new RunStore(folder.uri.fsPath);
      for (const r of await store.list()) {
        if (!validatesModel(r, m)) continue;
        const runDir = store.dir(r.id);
        sources.push({
          label: `$(beaker) ${vscode.l10n.t('Validation {0}', r.id)}`,
          description: new Date(r.finishedAt ?? r.createdAt).toLocaleString(),
          detail:
            r.datasetDrift === undefined
              ? undefined
              : r.datasetDrift
                ? vscode.l10n.t('Dataset drift detected')
                : vscode.l10n.t('No dataset drift'),
          open: () => this.open({ runDir }),
        });
      }
    }
    return { sources, promProblem };
  }

  /**
   * A model's drift: its validation runs in this workspace that wrote a drift report, and its
   * drift gauges in Prometheus. One source opens directly; several are offered in a list; none
   * says where drift data would come from, with the commands that make it.
   */
  private async openModel(m: ModelRef): Promise<DriftPanel | undefined> {
    const url = Settings.prometheusUrl();
    // Prometheus may take up to its timeout to answer: say what is going on in the status bar.
    const { sources, promProblem } = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Looking for drift data of {0}', m.name) },
      () => this.modelSources(m, url),
    );
    if (sources.length === 1) return sources[0].open();
    if (sources.length > 1)
      return (await this.prompts.pick(sources, { title: vscode.l10n.t('Drift of {0}', m.name), matchOnDescription: true }))?.open();
    const labels = gaugeLabels(m)
      .map((l) => `model="${l}"`)
      .join(vscode.l10n.t(' or '));
    const prom = !url
      ? vscode.l10n.t('kubeml.prometheus.url is not set, so its drift gauges cannot be read')
      : promProblem
        ? vscode.l10n.t('Prometheus could not be asked ({0})', promProblem)
        : vscode.l10n.t('Prometheus has no {0} series with {1}', DRIFT_GAUGE, labels);
    const validate = vscode.l10n.t('Run Validation');
    const choose = vscode.l10n.t('Choose Data…');
    const actions = m.storageUri ? [validate, choose] : [choose];
    const answer = await this.prompts.error(
      vscode.l10n.t('No drift data for model {0}: no validation run in this workspace wrote a drift report for it, and {1}.', m.name, prom),
      ...actions,
    );
    if (answer === validate) await vscode.commands.executeCommand(Commands.runValidation, { modelUri: m.storageUri });
    if (answer === choose) return this.pickSource();
    return undefined;
  }

  private async pickSource(): Promise<DriftPanel | undefined> {
    type Item = vscode.QuickPickItem & { id: 'files' | 'pod' | 'claim' | 'prometheus' | 'run'; runDir?: string; at?: string };
    const url = Settings.prometheusUrl();
    // The reports validation runs wrote in this workspace come first, newest first: a result is found again here.
    const runs: Item[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      const store = new RunStore(folder.uri.fsPath);
      for (const r of await store.list().catch(() => [])) {
        if (!r.hasDrift) continue;
        runs.push({
          id: 'run',
          runDir: store.dir(r.id),
          at: r.finishedAt ?? r.createdAt,
          label: `$(beaker) ${vscode.l10n.t('Validation {0}', r.id)}`,
          description: new Date(r.finishedAt ?? r.createdAt).toLocaleString(),
          detail: r.datasetDrift ? vscode.l10n.t('Dataset drift detected') : vscode.l10n.t('No dataset drift'),
        });
      }
    }
    runs.sort((a, b) => (b.at! < a.at! ? -1 : b.at! > a.at! ? 1 : 0));
    const items: Item[] = [
      ...runs.slice(0, 20),
      ...(runs.length ? [{ id: 'files' as const, label: vscode.l10n.t('Other data'), kind: vscode.QuickPickItemKind.Separator }] : []),
      {
        id: 'files',
        label: vscode.l10n.t('Two local files'),
        description: 'CSV, TSV, JSON Lines, Parquet',
        detail: vscode.l10n.t('A reference (the baseline) and the current data, on this machine.'),
      },
      { id: 'pod', label: vscode.l10n.t('Files in a pod'), detail: vscode.l10n.t('Read through exec, as the container sees them.') },
      {
        id: 'claim',
        label: vscode.l10n.t('Files on a claim'),
        detail: vscode.l10n.t('A short-lived pod mounts the claim read-only; it is deleted afterwards.'),
      },
      {
        id: 'prometheus',
        label: vscode.l10n.t('Drift gauges in Prometheus'),
        description: url ? safeUrl(url) : vscode.l10n.t('set kubeml.prometheus.url'),
        detail: vscode.l10n.t('Drift over time from {0}.', DRIFT_GAUGE),
      },
    ];
    const pick = await this.prompts.pick(items, { title: vscode.l10n.t('Open Drift Report: where is the data?') });
    if (!pick) return undefined;
    if (pick.id === 'run') return this.open({ runDir: pick.runDir });
    if (pick.id === 'files') return this.pickFiles();
    if (pick.id === 'prometheus') return this.pickPrometheus();
    return this.pickCluster(pick.id);
  }

  private async pickFiles(): Promise<DriftPanel | undefined> {
    const pick = async (title: string) =>
      (await this.prompts.files({ title, canSelectMany: false, filters: { [vscode.l10n.t('Data')]: DATA_EXTENSIONS } }))?.[0];
    const ref = await pick(vscode.l10n.t('Reference data (the baseline)'));
    if (!ref) return undefined;
    const cur = await pick(vscode.l10n.t('Current data (to compare with the reference)'));
    if (!cur) return undefined;
    return this.show(
      `Drift: ${basename(cur.fsPath)}`,
      await this.progress(() => compareFiles(ref.fsPath, cur.fsPath, thresholdsFromSettings(vscodeSettings()))),
    );
  }

  private connected(): { kc: KubeConfig; client: KubeClient } {
    const kc = this.cluster?.kubeConfig;
    const client = this.cluster?.client;
    if (!kc || !client)
      throw new KubeMLError(
        'unreachable',
        vscode.l10n.t('Not connected to a cluster.'),
        vscode.l10n.t('Pick a context with KubeML: Select Context, then try again.'),
      );
    return { kc, client };
  }

  private async pickCluster(kind: 'pod' | 'claim'): Promise<DriftPanel | undefined> {
    const { client } = this.connected();
    type Named = {
      metadata: { name: string; namespace: string };
      spec?: { containers?: Array<{ name: string }> };
      status?: { phase?: string };
    };
    const path = kind === 'pod' ? '/api/v1/pods' : '/api/v1/persistentvolumeclaims';
    const list = await client.json<{ items: Named[] }>(path, { what: kind === 'pod' ? 'list pods' : 'list claims', timeoutMs: 15_000 });
    const items = list.items
      .filter((o) => kind === 'claim' || o.status?.phase === 'Running')
      .map((o) => ({ label: o.metadata.name, description: o.metadata.namespace, o }))
      .sort((x, y) => x.description.localeCompare(y.description) || x.label.localeCompare(y.label));
    if (items.length === 0)
      throw new KubeMLError(
        'not-found',
        kind === 'pod' ? vscode.l10n.t('No running pod in this cluster.') : vscode.l10n.t('No claim in this cluster.'),
      );
    const chosen = await this.prompts.pick(items, {
      title: kind === 'pod' ? vscode.l10n.t('Pod with the data') : vscode.l10n.t('Claim with the data'),
      matchOnDescription: true,
    });
    if (!chosen) return undefined;
    let container: string | undefined;
    const containers = chosen.o.spec?.containers ?? [];
    if (kind === 'pod' && containers.length > 1) {
      container = (
        await this.prompts.pick(
          containers.map((c) => ({ label: c.name })),
          { title: vscode.l10n.t('Container') },
        )
      )?.label;
      if (!container) return undefined;
    }
    const where =
      kind === 'pod'
        ? vscode.l10n.t('absolute path in the container, e.g. /data/reference.parquet')
        : vscode.l10n.t('path inside the claim, e.g. data/reference.parquet');
    const reference = await this.prompts.input({
      title: vscode.l10n.t('Reference data (the baseline)'),
      prompt: where,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : vscode.l10n.t('Give a path.')),
    });
    if (!reference) return undefined;
    const current = await this.prompts.input({
      title: vscode.l10n.t('Current data (to compare with the reference)'),
      prompt: where,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : vscode.l10n.t('Give a path.')),
    });
    if (!current) return undefined;
    const ref = { namespace: chosen.o.metadata.namespace, name: chosen.o.metadata.name };
    return this.openCluster(
      kind === 'pod'
        ? { pod: { ...ref, container }, reference: reference.trim(), current: current.trim() }
        : { claim: ref, reference: reference.trim(), current: current.trim() },
    );
  }

  private async openCluster(pair: ClusterPair): Promise<DriftPanel | undefined> {
    const { kc, client } = this.connected();
    const where = 'pod' in pair ? `${pair.pod.namespace}/${pair.pod.name}` : `${pair.claim.namespace}/${pair.claim.name}`;
    const report = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Drift from {0}', where), cancellable: true },
      (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return compareClusterFiles(kc, client, pair, {
          onProgress: (message) => progress.report({ message }),
          signal: abort.signal,
          thresholds: thresholdsFromSettings(vscodeSettings()),
          browseImage: setting(S.browseImage),
        });
      },
    );
    return this.show(`Drift: ${basename(pair.current)} (${where})`, report);
  }

  private async pickPrometheus(): Promise<DriftPanel | undefined> {
    const url = Settings.prometheusUrl();
    if (!url) {
      const open = vscode.l10n.t('Open Settings');
      const a = await this.prompts.error(vscode.l10n.t('Set kubeml.prometheus.url to read drift gauges from Prometheus.'), open);
      if (a === open) void vscode.commands.executeCommand('workbench.action.openSettings', 'kubeml.prometheus.url');
      return undefined;
    }
    const models = await labelValues(url, 'model', DRIFT_GAUGE);
    const custom = vscode.l10n.t('PromQL expression…');
    const picked = await this.prompts.pick(
      [
        ...models.map((m) => ({ label: m, description: modelQuery(m) })),
        { label: custom, description: vscode.l10n.t('any expression that gives drift scores per feature') },
      ],
      { title: vscode.l10n.t('Drift gauges of which model?') },
    );
    if (!picked) return undefined;
    let query = picked.description;
    if (picked.label === custom) {
      query = (await this.prompts.input({ title: vscode.l10n.t('PromQL expression'), value: DRIFT_GAUGE, ignoreFocusOut: true })) ?? '';
      if (!query.trim()) return undefined;
    }
    const range = await this.prompts.pick([...ranges()], { title: vscode.l10n.t('Time range') });
    if (!range) return undefined;
    return this.openPrometheus(query!, range.seconds);
  }

  /** Drift over time from Prometheus; the panel re-queries every step while it is open. */
  private async openPrometheus(query: string, rangeSeconds: number): Promise<DriftPanel | undefined> {
    const url = Settings.prometheusUrl();
    if (!url)
      throw new KubeMLError(
        'bad-config',
        vscode.l10n.t('kubeml.prometheus.url is not set.'),
        vscode.l10n.t('Set it to your Prometheus, e.g. http://127.0.0.1:9090.'),
      );
    // The gauges hold PSI (the exporter's convention): drift from the moderate band of the settings.
    const psiThreshold = () => ({ threshold: thresholdsFromSettings(vscodeSettings()).psiModerate });
    const report = await this.progress(() => driftFromPrometheus(url, query, rangeSeconds, psiThreshold()));
    const panel = this.show(`Drift: ${query.length > 40 ? `${query.slice(0, 39)}…` : query}`, report);
    const every = Math.max(30, stepFor(rangeSeconds)) * 1000;
    const timer = setInterval(() => {
      if (!panel.visible) return;
      driftFromPrometheus(url, query, rangeSeconds, psiThreshold()).then(
        (r) => panel.update(r),
        () => undefined,
      );
    }, every);
    panel.onDidDispose(() => clearInterval(timer));
    return panel;
  }

  private progress<T>(task: () => Promise<T>): Thenable<T> {
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Computing drift…') }, task);
  }

  private show(title: string, report: DriftReport): DriftPanel {
    const panel = this._register(new DriftPanel(this.extensionUri, title, report));
    this.panels.add(panel);
    panel.onDidDispose(() => this.panels.delete(panel));
    return panel;
  }

  /** Re-reads drift.json when the run rewrites it; new windows go to the page as they arrive. */
  private follow(panel: DriftPanel, file: string): void {
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(join(file, '..')), basename(file)));
    const reload = () => {
      loadReportFile(file).then(
        (r) => panel.update(r),
        () => undefined,
      );
    };
    watcher.onDidChange(reload);
    watcher.onDidCreate(reload);
    panel.onDidDispose(() => watcher.dispose());
  }
}
