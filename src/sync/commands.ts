import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import { Disposable, Emitter } from '../common/lifecycle';
import { messageOf } from '../common/errors';
import { type Logger } from '../common/logging';
import { type ClusterConnection } from '../cluster/connection';
import { Commands } from '../constants';
import { confirmTargetFolder } from '../cluster/stream/tree/paths';
import { vscodeSettings } from '../common/ui/vscodeConfig';
import { type SyncSettings, syncSettings } from './settings';
import { NamedPods, type PodSource, SelectedPods, type podInfoFromJson } from './pods';
import { SyncSession, type SyncStatus } from './session';
import { type RunPodJson, runCodeTarget } from './runTarget';
import { PodTransport, type PodRef } from '../cluster/stream/transport';

/** Context key: true while at least one sync session runs (shows Stop Sync). */
export const SYNC_ACTIVE_CONTEXT = 'kubeml:syncActive';

/** What Start Sync accepts: a pod (from the Jobs view or another command), or a run's pods by label. */
export type SyncTargetArg =
  | { namespace: string; name: string; container?: string }
  | { namespace: string; labelSelector: string; container?: string }
  | { pod: { namespace: string; name: string; container?: string } };

function readSettings(): SyncSettings {
  return syncSettings(vscodeSettings());
}

/**
 * Asks (modal) before syncing into a system folder or a home folder's hidden folder: sync writes
 * there, and in mirror mode removes what the local folder lacks.
 */
async function confirmSystemFolder(path: string, reason: string, runId?: string): Promise<boolean> {
  const verb = vscode.l10n.t('Sync into {0}', path);
  const message = runId ? vscode.l10n.t('Sync run {0} into {1}?', runId, path) : vscode.l10n.t('Sync into {0}?', path);
  const detail = vscode.l10n.t(
    'The remote folder {0} {1}. Sync writes files there (in mirror mode it also removes what your local folder does not have), which can break the container or expose secrets. Continue only if this container keeps your code in {0}; otherwise change {2}.',
    path,
    reason,
    runId ? vscode.l10n.t("the run's codePath") : 'kubeml.sync.remoteFolder',
  );
  return (await vscode.window.showWarningMessage(message, { modal: true, detail }, verb)) === verb;
}

/** What the run launcher asks to keep in sync: the pods of one run, into its code path. */
export interface RunSyncTarget {
  readonly runId: string;
  readonly namespace: string;
  readonly labelSelector: string;
  readonly container?: string;
  readonly localRoot: string;
  readonly remoteFolder: string;
  readonly exclude: readonly string[];
}

export function runSyncLabel(runId: string): string {
  return `run ${runId}`;
}

interface RunningSession {
  readonly label: string;
  readonly session: SyncSession;
}

/** The combined state of all sessions, for the status bar. */
export interface SyncOverview {
  readonly sessions: number;
  readonly status: SyncStatus | undefined;
}

/**
 * Start Sync / Stop Sync, and the sessions they own. One session per Start Sync; several pods per
 * session when started for a run (`startForRun`). Refuses in an untrusted workspace.
 */
export class SyncController extends Disposable {
  private readonly sessions = new Map<string, RunningSession>();
  private readonly _onDidChange = this._register(new Emitter<SyncOverview>());
  readonly onDidChange = this._onDidChange.event;

  constructor(
    private readonly connection: ClusterConnection,
    private readonly log: Logger,
  ) {
    super();
    this._register(vscode.commands.registerCommand(Commands.startSync, (arg?: SyncTargetArg) => this.startSync(arg)));
    this._register(vscode.commands.registerCommand(Commands.stopSync, (arg?: SyncTargetArg | string) => this.stopSync(arg)));
    this._register({ dispose: () => this.sessions.forEach((s) => s.session.dispose()) });
    void vscode.commands.executeCommand('setContext', SYNC_ACTIVE_CONTEXT, false);
  }

  get active(): ReadonlyMap<string, RunningSession> {
    return this.sessions;
  }

  get overview(): SyncOverview {
    const all = [...this.sessions.values()].map((s) => s.session.status);
    const pick = all.find((s) => s.kind === 'error') ?? all.find((s) => s.kind === 'syncing' || s.kind === 'starting') ?? all[0];
    const pending = all.reduce((n, s) => n + ('pending' in s ? s.pending : 0), 0);
    const status = pick && pick.kind === 'syncing' ? { ...pick, pending } : pick;
    return { sessions: this.sessions.size, status };
  }

  /** Start Sync. Returns the session (or undefined when the user cancelled or it could not start). */
  async startSync(arg?: SyncTargetArg): Promise<SyncSession | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showErrorMessage(
        vscode.l10n.t(
          'Sync is disabled in an untrusted workspace: it sends this folder into a pod. Trust the workspace (Manage Workspace Trust) to use it.',
        ),
      );
      return undefined;
    }
    if (!this.connected()) {
      void vscode.window.showErrorMessage(
        vscode.l10n.t('Sync needs a connected cluster. Select a context or Retry, then Start Sync again.'),
      );
      return undefined;
    }
    const settings = readSettings();
    const localRoot = this.localRoot(settings);
    if (!localRoot) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Open a folder (or set kubeml.sync.localFolder) to sync it into a pod.'));
      return undefined;
    }
    const client = this.connection.client!;
    let source: PodSource;
    let label: string;
    let pod: RunPodJson | undefined;
    let container: string | undefined;
    const normalized = arg && 'pod' in arg ? arg.pod : arg;
    if (normalized && 'labelSelector' in normalized) {
      source = new SelectedPods(client, normalized.namespace, normalized.labelSelector, normalized.container);
      label = `${normalized.namespace}: ${normalized.labelSelector}`;
      container = normalized.container;
      pod = await this.readPod(normalized.namespace, { labelSelector: normalized.labelSelector });
    } else {
      const picked =
        normalized && 'name' in normalized
          ? { ref: { namespace: normalized.namespace, name: normalized.name, container: normalized.container }, pod: undefined }
          : await this.pickPod();
      if (!picked) return undefined;
      const ref = picked.ref;
      source = new NamedPods(client, [ref]);
      label = `${ref.namespace}/${ref.name}`;
      container = ref.container;
      pod = picked.pod ?? (await this.readPod(ref.namespace, { name: ref.name }));
    }
    if (this.sessions.has(label)) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Sync with {0} is already running.', label));
      return this.sessions.get(label)!.session;
    }
    // A run's pod: propose the run's code path (where its workspace was unpacked), not the setting.
    const run = pod ? await runCodeTarget(pod, container, localRoot).catch(() => undefined) : undefined;
    let remoteFolder = settings.remoteFolder;
    if (run) {
      const typed = await vscode.window.showInputBox({
        title: vscode.l10n.t('Start Sync: folder in the pod'),
        prompt: vscode.l10n.t(
          'This pod belongs to run {0}, which keeps its code in {1} (its codePath). Sync into:',
          run.runId,
          run.codePath,
        ),
        value: run.codePath,
        ignoreFocusOut: true,
        validateInput: (v) =>
          v.trim().startsWith('/') ? undefined : vscode.l10n.t('An absolute path in the container, e.g. {0}', run.codePath),
      });
      if (typed === undefined) return undefined;
      remoteFolder = typed.trim();
    }
    const target = await confirmTargetFolder(remoteFolder, (path, reason) => confirmSystemFolder(path, reason, run?.runId));
    if (!target.ok) {
      if (!target.cancelled)
        void vscode.window.showErrorMessage(
          run
            ? vscode.l10n.t('The folder "{0}" cannot be used: it {1}.', remoteFolder, target.reason)
            : vscode.l10n.t('kubeml.sync.remoteFolder "{0}" cannot be used: it {1}.', settings.remoteFolder, target.reason),
        );
      return undefined;
    }
    try {
      return await this.open({ label, source, localRoot, remoteFolder: target.path, exclude: settings.exclude, settings });
    } catch (e) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Start Sync failed: {0}', messageOf(e)));
      return undefined;
    }
  }

  /**
   * For the run launcher: keeps the run's workspace in sync with every pod of the run (all ranks),
   * into the run's code path, while it runs; `stopForRun` ends it. Quiet: a run is not failed
   * because its sync could not start (the log says why). Respects kubeml.sync.followRuns.
   */
  async startForRun(run: RunSyncTarget): Promise<SyncSession | undefined> {
    const settings = readSettings();
    if (!settings.followRuns || !vscode.workspace.isTrusted || !this.connected()) return undefined;
    const target = await confirmTargetFolder(run.remoteFolder, (path, reason) => confirmSystemFolder(path, reason, run.runId));
    const slog = this.log.child('sync');
    if (!target.ok) {
      slog.warn(`Not syncing run ${run.runId}: its code path "${run.remoteFolder}" ${target.reason}.`);
      return undefined;
    }
    const label = runSyncLabel(run.runId);
    if (this.sessions.has(label)) return this.sessions.get(label)!.session;
    const source = new SelectedPods(this.connection.client!, run.namespace, run.labelSelector, run.container);
    try {
      return await this.open({
        label,
        source,
        localRoot: run.localRoot,
        remoteFolder: target.path,
        // The rules the run's upload used (uploadTree with the run's exclude, through the same
        // workspaceIgnore): a file the upload sent follows its edits, nothing else is touched.
        exclude: [...run.exclude],
        settings,
        quietStop: true,
      });
    } catch (e) {
      slog.warn(`Sync with run ${run.runId} did not start: ${messageOf(e)}`);
      return undefined;
    }
  }

  /** Ends the sync of a run (its pods finished or it was cancelled). */
  stopForRun(runId: string): void {
    const label = runSyncLabel(runId);
    const s = this.sessions.get(label);
    if (!s) return;
    this.sessions.delete(label);
    s.session.dispose();
    this.log.child('sync').info(`Sync with ${label} stopped: the run ended.`);
    this.changed();
  }

  private connected(): boolean {
    return !!this.connection.kubeConfig && !!this.connection.client && this.connection.state.kind === 'connected';
  }

  /** Opens a session, registers it under `label` and runs its first (incremental) sync. Throws when that fails. */
  private async open(o: {
    label: string;
    source: PodSource;
    localRoot: string;
    remoteFolder: string;
    exclude: string[];
    settings: SyncSettings;
    quietStop?: boolean;
  }): Promise<SyncSession> {
    const { label, settings } = o;
    const kc = this.connection.kubeConfig!;
    const slog = this.log.child('sync');
    const session = new SyncSession({
      localRoot: o.localRoot,
      remoteFolder: o.remoteFolder,
      pods: o.source,
      transportFor: (ref: PodRef) => new PodTransport(kc, ref),
      log: slog,
      maxFileSize: settings.maxFileSizeMB > 0 ? settings.maxFileSizeMB * 1024 * 1024 : undefined,
      mirror: settings.mirror,
      ignore: o.exclude,
    });
    session.onDidLog((line) => slog.info(line));
    session.onDidChangeStatus((s) => {
      if (s.kind === 'stopped') {
        if (this.sessions.get(label)?.session === session) {
          this.sessions.delete(label);
          session.dispose();
        }
        if (!/^Sync stopped\.$/.test(s.reason)) {
          if (o.quietStop) slog.info(`${label}: ${s.reason}`);
          else void vscode.window.showWarningMessage(s.reason);
        }
      }
      this.changed();
    });
    this.sessions.set(label, { label, session });
    this.changed();
    try {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Syncing {0} to {1}', o.localRoot, label) },
        () => session.start(),
      );
      slog.info(`Sync started: ${o.localRoot} -> ${label}:${o.remoteFolder}`);
      return session;
    } catch (e) {
      if (this.sessions.get(label)?.session === session) this.sessions.delete(label);
      session.dispose();
      this.changed();
      slog.error(`Start Sync with ${label} failed`, e);
      throw e;
    }
  }

  async stopSync(arg?: SyncTargetArg | string): Promise<void> {
    if (this.sessions.size === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('No sync is running.'));
      return;
    }
    let labels: string[];
    if (typeof arg === 'string') labels = [arg];
    else if (arg) {
      const n = 'pod' in arg ? arg.pod : arg;
      labels = [...this.sessions.keys()].filter(
        (l) =>
          ('name' in n ? l === `${n.namespace}/${n.name}` : l === `${n.namespace}: ${n.labelSelector}`) ||
          this.sessions.get(l)!.session.podRefs.some((r) => 'name' in n && r.namespace === n.namespace && r.name === n.name),
      );
    } else if (this.sessions.size <= 1) labels = [...this.sessions.keys()];
    else {
      const picks = await vscode.window.showQuickPick(
        [...this.sessions.keys()].map((label) => ({ label })),
        { canPickMany: true, title: vscode.l10n.t('Stop Sync') },
      );
      labels = picks?.map((p) => p.label) ?? [];
    }
    for (const l of labels) {
      const s = this.sessions.get(l);
      this.sessions.delete(l);
      s?.session.dispose();
      if (s) this.log.child('sync').info(`Sync with ${l} stopped.`);
    }
    this.changed();
  }

  private changed(): void {
    void vscode.commands.executeCommand('setContext', SYNC_ACTIVE_CONTEXT, this.sessions.size > 0);
    this._onDidChange.fire(this.overview);
  }

  private localRoot(s: SyncSettings): string | undefined {
    const ws = vscode.workspace.workspaceFolders?.[0]?.uri;
    if (s.localFolder) {
      if (isAbsolute(s.localFolder)) return s.localFolder;
      return ws?.scheme === 'file' ? join(ws.fsPath, s.localFolder) : undefined;
    }
    return ws?.scheme === 'file' ? ws.fsPath : undefined;
  }

  /** The pod (by name, or the first matching a selector), to see whether it belongs to a run; undefined when it cannot be read. */
  private async readPod(namespace: string, by: { name: string } | { labelSelector: string }): Promise<RunPodJson | undefined> {
    const base = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`;
    try {
      if ('name' in by)
        return await this.connection.client!.json<RunPodJson>(`${base}/${encodeURIComponent(by.name)}`, {
          what: 'read the pod',
          timeoutMs: 15_000,
        });
      const list = await this.connection.client!.json<{ items?: RunPodJson[] }>(base, {
        what: 'list pods',
        query: { labelSelector: by.labelSelector },
        timeoutMs: 15_000,
      });
      return list.items?.[0];
    } catch (e) {
      this.log.child('sync').warn(`Cannot read the pod to sync with (${messageOf(e)}); using kubeml.sync.remoteFolder.`);
      return undefined;
    }
  }

  /** Quick pick of running pods in the namespaces KubeML shows. */
  private async pickPod(): Promise<{ ref: PodRef; pod: RunPodJson } | undefined> {
    const client = this.connection.client!;
    const namespaces = this.connection.namespacesToList();
    const paths = namespaces ? namespaces.map((ns) => `/api/v1/namespaces/${encodeURIComponent(ns)}/pods`) : ['/api/v1/pods'];
    type PodJson = Parameters<typeof podInfoFromJson>[0] & RunPodJson;
    let pods: PodJson[] = [];
    try {
      for (const p of paths) {
        const list = await client.json<{ items?: PodJson[] }>(p, {
          what: 'list pods',
          query: { fieldSelector: 'status.phase=Running' },
          timeoutMs: 15_000,
        });
        pods = pods.concat(list.items ?? []);
      }
    } catch (e) {
      void vscode.window.showErrorMessage(messageOf(e));
      return undefined;
    }
    if (pods.length === 0) {
      void vscode.window.showInformationMessage(
        vscode.l10n.t('No running pod in {0}.', namespaces?.join(', ') ?? vscode.l10n.t('any namespace')),
      );
      return undefined;
    }
    const items = pods.map((p) => ({
      label: p.metadata?.name ?? '',
      description: p.metadata?.namespace,
      detail: (p.spec?.containers ?? []).map((c) => c.name).join(', '),
      pod: p,
    }));
    const pick = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Start Sync: pick a pod'), matchOnDescription: true });
    if (!pick) return undefined;
    const containers = (pick.pod.spec?.containers ?? []).map((c) => c.name);
    let container = containers[0];
    if (containers.length > 1) {
      container = (await vscode.window.showQuickPick(containers, { title: vscode.l10n.t('Container to sync into') })) ?? '';
      if (!container) return undefined;
    }
    return { ref: { namespace: pick.pod.metadata!.namespace!, name: pick.pod.metadata!.name!, container }, pod: pick.pod };
  }
}
