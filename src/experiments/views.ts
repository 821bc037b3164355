/**
 * The Runs view (kubeml.runs): every run of the workspace folders, live, from the records index
 * (runIndex.ts) and the row model (runsModel.ts); its filter, and the commands only it has (Re-run
 * with Changed Parameters, Reveal Folder, Delete Record). Show Logs, Re-run, Cancel and Open Drift
 * Report are the runs and drift features' commands: a row carries `runId` and `runDir`, which they read.
 */
import { promises as fs } from 'node:fs';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { ClusterConnection } from '../cluster/connection';
import { Commands, ContextKeys, Views } from '../constants';
import { messageOf } from '../common/errors';
import { Disposable, Emitter } from '../common/lifecycle';
import type { Logger } from '../common/logging';
import { RunStore } from '../model/runRecords';
import { RunClusterWatch } from './clusterStatus';
import type { KeyParams, RunEntry, RunStatus } from './runEntry';
import { RunIndex } from './runIndex';
import {
  buildTree,
  describeFilter,
  isFiltered,
  NO_FILTER,
  runRow,
  type RunsFilter,
  type RunsItem,
  type RunsRow,
  STATUS_LABELS,
  sweepRow,
  trialItems,
} from './runsModel';

/** A node of the view: one object per key (VS Code refreshes a node by identity), updated in place. */
export class RunsNode {
  /** Read by kubeml.showRunLogs, kubeml.rerun, kubeml.cancelRun (a run id). */
  runId?: string;
  /** Read by kubeml.openDriftReport. */
  runDir?: string;
  folder?: string;
  constructor(
    readonly key: string,
    public item: RunsItem,
  ) {}
}

/** The view made at activation (src/extensionMain.ts) and the lazy provider this attaches to. */
export interface RunsViewHandle {
  readonly view: vscode.TreeView<unknown>;
  attach(provider: vscode.TreeDataProvider<unknown>): void;
}

const ALL_STATUSES: RunStatus[] = ['queued', 'pending', 'running', 'succeeded', 'failed', 'cancelled', 'gone', 'unknown'];

export class RunsView extends Disposable implements vscode.TreeDataProvider<RunsNode> {
  readonly index: RunIndex;
  readonly view: vscode.TreeView<RunsNode>;
  private readonly _onDidChangeTreeData = this._register(new Emitter<RunsNode | RunsNode[] | undefined>());
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;
  private readonly nodes = new Map<string, RunsNode>();
  private roots: RunsNode[] = [];
  private entries: RunEntry[] = [];
  private params = new Map<string, KeyParams>();
  private filter: RunsFilter = NO_FILTER;
  private loaded: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private cluster: RunClusterWatch | undefined;
  private readonly _onDidRefresh = this._register(new Emitter<readonly RunEntry[]>());
  /** After each refresh, with the entries (for tests). */
  readonly onDidRefresh = this._onDidRefresh.event;

  constructor(
    private readonly connection: ClusterConnection,
    private readonly log: Logger,
    handle?: RunsViewHandle,
    followedHere?: (id: string) => boolean,
  ) {
    super();
    const folders = () => (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    this.index = this._register(new RunIndex(folders(), { followedHere }));
    if (handle) {
      handle.attach(this as vscode.TreeDataProvider<unknown>);
      this.view = handle.view as vscode.TreeView<RunsNode>;
    } else {
      this.view = vscode.window.createTreeView(Views.runs, { treeDataProvider: this, canSelectMany: true, showCollapseAll: true });
    }
    this._register(this.view);
    this.index.watch();
    this._register(this.index.onDidChange(() => this.schedule()));
    this._register(
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.index.setFolders(folders());
        this.index.watch();
        this.schedule();
      }),
    );
    this._register(connection.onDidChange(() => this.connect()));
    this.connect();
    this._register(this.view.onDidChangeVisibility(() => this.tick()));
    this._register({ dispose: () => (clearTimeout(this.timer), clearInterval(this.ticker), this.cluster?.dispose()) });

    const reg = (id: string, fn: (...args: unknown[]) => unknown) => this._register(vscode.commands.registerCommand(id, fn));
    reg(Commands.filterRuns, (f?: unknown) => this.askFilter(f));
    reg(Commands.clearRunsFilter, () => this.setFilter(NO_FILTER));
    reg(Commands.rerunWithChanges, (a?: unknown) => this.rerunWithChanges(a));
    reg(Commands.revealRunFolder, (a?: unknown) => this.reveal(a));
    reg(Commands.deleteRunRecord, (a?: unknown, all?: unknown) => this.deleteRecords(a, all));
    void vscode.commands.executeCommand('setContext', ContextKeys.runsFiltered, false);
  }

  /** Status of runs not followed here: from the cluster KubeML is connected to. */
  private connect(): void {
    const client = this.connection.state.kind === 'connected' ? this.connection.client : undefined;
    if (client && this.cluster?.server === client.server) return;
    this.cluster?.dispose();
    this.cluster = client ? new RunClusterWatch(client, this.log) : undefined;
    this.index.setCluster(this.cluster);
    this.schedule();
  }

  /** Refreshes soon (changes are coalesced). */
  schedule(ms = 100): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, ms);
  }

  /** Reads the index again and updates the nodes; fires per changed node when the shape is the same. */
  async refresh(): Promise<void> {
    const run = async () => {
      const { entries, params } = await this.index.list();
      const before = new Map(this.entries.map((e) => [e.id + e.folder, e]));
      this.entries = entries;
      this.params = params;
      const tree = buildTree(entries, this.filter);
      const oldKeys = this.roots.map((n) => n.key).join('\n');
      const changed: RunsNode[] = [];
      const visit = (items: RunsItem[]): RunsNode[] =>
        items.map((item) => {
          let node = this.nodes.get(item.key);
          if (!node) {
            node = new RunsNode(item.key, item);
            this.nodes.set(item.key, node);
          } else {
            const prev = node.item;
            const same =
              prev.type === 'run' && item.type === 'run'
                ? prev.best === item.best && sameEntry(before.get(item.entry.id + item.entry.folder), item.entry)
                : false;
            if (!same) changed.push(node);
            node.item = item;
          }
          if (item.type === 'run') {
            node.runId = item.entry.id;
            node.folder = item.entry.folder;
            node.runDir = new RunStore(item.entry.folder).dir(item.entry.id);
          } else visit(trialItems(item));
          return node;
        });
      this.roots = visit(tree);
      const live = new Set<string>();
      const collect = (items: RunsItem[]) =>
        items.forEach((i) => (live.add(i.key), i.type === 'sweep' && trialItems(i).forEach((t) => live.add(t.key))));
      collect(tree);
      for (const k of [...this.nodes.keys()]) if (!live.has(k)) this.nodes.delete(k);
      if (this.roots.map((n) => n.key).join('\n') !== oldKeys) this._onDidChangeTreeData.fire(undefined);
      else if (changed.length) this._onDidChangeTreeData.fire(changed);
      this.view.description = describeFilter(this.filter);
      this.tick();
      this._onDidRefresh.fire(entries);
    };
    this.loaded = (this.loaded ?? Promise.resolve()).then(run).catch((e: unknown) => this.log.warn(`Runs view: ${messageOf(e)}`));
    await this.loaded;
  }

  /** While the view is visible and a run lives, its duration ticks (every 5 s). */
  private tick(): void {
    const want = this.view.visible && this.entries.some((e) => e.live);
    if (want && !this.ticker) this.ticker = setInterval(() => this.schedule(0), 5000);
    else if (!want && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    const item = node.item;
    let row: RunsRow;
    if (item.type === 'sweep') row = sweepRow(item.sweepId, item.trials, item.best);
    else {
      const many = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
      row = runRow(item.entry, this.params.get(item.entry.id), {
        best: item.best,
        inSweep: item.inSweep,
        ...(many ? { folderName: basename(item.entry.folder) } : {}),
      });
    }
    const t = new vscode.TreeItem(
      row.label,
      row.collapsible === 'none'
        ? vscode.TreeItemCollapsibleState.None
        : row.collapsible === 'expanded'
          ? vscode.TreeItemCollapsibleState.Expanded
          : vscode.TreeItemCollapsibleState.Collapsed,
    );
    t.id = node.key;
    t.description = row.description;
    if (row.tooltip) t.tooltip = new vscode.MarkdownString(row.tooltip);
    t.iconPath = new vscode.ThemeIcon(row.icon.id, row.icon.color ? new vscode.ThemeColor(row.icon.color) : undefined);
    t.contextValue = row.contextValue;
    if (node.runDir) t.resourceUri = vscode.Uri.file(node.runDir);
    return t;
  }

  async getChildren(node?: RunsNode): Promise<RunsNode[]> {
    if (!node) {
      if (!this.loaded) await this.refresh();
      else await this.loaded;
      return this.roots;
    }
    if (node.item.type !== 'sweep') return [];
    return trialItems(node.item).map((i) => this.nodes.get(i.key) ?? new RunsNode(i.key, i));
  }

  getParent(node: RunsNode): RunsNode | undefined {
    if (node.item.type !== 'run' || !node.item.inSweep) return undefined;
    return this.roots.find((r) => r.item.type === 'sweep' && r.item.trials.some((t) => t.id === node.runId && t.folder === node.folder));
  }

  /** The entries as the view last read them (for tests). */
  get current(): readonly RunEntry[] {
    return this.entries;
  }

  async setFilter(f: RunsFilter): Promise<void> {
    this.filter = f;
    void vscode.commands.executeCommand('setContext', ContextKeys.runsFiltered, isFiltered(f));
    this.roots = [];
    await this.refresh();
  }

  /** Filter by name, then by status; a { text, statuses } argument sets it without asking. */
  private async askFilter(arg?: unknown): Promise<void> {
    if (typeof arg === 'object' && arg !== null && ('text' in arg || 'statuses' in arg)) {
      const a = arg as Partial<RunsFilter>;
      return this.setFilter({ text: String(a.text ?? ''), statuses: (a.statuses ?? []).filter((s) => ALL_STATUSES.includes(s)) });
    }
    const text = await vscode.window.showInputBox({
      title: vscode.l10n.t('Filter Runs (1/2): by name'),
      value: this.filter.text,
      prompt: vscode.l10n.t('Part of a run id, training name or sweep id; empty shows every name.'),
    });
    if (text === undefined) return;
    const picks = await vscode.window.showQuickPick(
      ALL_STATUSES.map((s) => ({ label: STATUS_LABELS[s], status: s, picked: this.filter.statuses.includes(s) })),
      { title: vscode.l10n.t('Filter Runs (2/2): by status (none picked: every status)'), canPickMany: true },
    );
    if (!picks) return;
    await this.setFilter({ text, statuses: picks.map((p) => p.status) });
  }

  private entryOf(arg: unknown): RunEntry | undefined {
    const id = arg instanceof RunsNode ? arg.runId : typeof arg === 'string' ? arg : (arg as { runId?: unknown } | undefined)?.runId;
    const folder = arg instanceof RunsNode ? arg.folder : undefined;
    return this.entries.find((e) => e.id === id && (!folder || e.folder === folder));
  }

  private async rerunWithChanges(arg?: unknown): Promise<unknown> {
    const e = this.entryOf(arg);
    if (!e) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Choose a run in the Runs view to re-run.'));
      return undefined;
    }
    return vscode.commands.executeCommand(Commands.rerun, e.id, { changeParams: true });
  }

  private async reveal(arg?: unknown): Promise<void> {
    const e = this.entryOf(arg);
    if (!e) return;
    const uri = vscode.Uri.file(new RunStore(e.folder).dir(e.id));
    // The Explorer shows it when the folder is in the workspace; the OS's file manager otherwise (desktop only).
    await vscode.commands
      .executeCommand('revealInExplorer', uri)
      .then(undefined, () => vscode.commands.executeCommand('revealFileInOS', uri));
  }

  /** Deletes the run folders of the selected records after a modal confirmation; refuses runs that may still run. */
  async deleteRecords(arg?: unknown, selected?: unknown, confirmed = false): Promise<string[]> {
    const targets = (Array.isArray(selected) && selected.length ? selected : [arg])
      .map((a) => this.entryOf(a))
      .filter((e): e is RunEntry => !!e);
    if (!targets.length) return [];
    const live = targets.filter((e) => e.live);
    if (live.length) {
      void vscode.window.showWarningMessage(
        vscode.l10n.t(
          'Run {0} may still be running ({1}): cancel it first (Cancel Run), then delete its record.',
          live.map((e) => e.id).join(', '),
          live.map((e) => STATUS_LABELS[e.status].toLowerCase()).join(', '),
        ),
      );
      return [];
    }
    const del = vscode.l10n.t('Delete');
    const answer = confirmed
      ? del
      : await vscode.window.showWarningMessage(
          targets.length === 1
            ? vscode.l10n.t('Delete the record of run {0}?', targets[0]!.id)
            : vscode.l10n.t('Delete the records of {0} runs?', targets.length),
          {
            modal: true,
            detail: vscode.l10n.t(
              'This deletes the run folder (.kubeml/runs/<id>/: record, logs, metrics, drift report). Nothing on the cluster changes.',
            ),
          },
          del,
        );
    if (answer !== del) return [];
    const done: string[] = [];
    for (const e of targets) {
      try {
        await fs.rm(new RunStore(e.folder).dir(e.id), { recursive: true, force: true });
        // Gone now, even before the folder watcher says so.
        this.index.invalidate(e.folder, [e.id]);
        done.push(e.id);
      } catch (err) {
        void vscode.window.showErrorMessage(vscode.l10n.t('Cannot delete the record of {0}: {1}', e.id, messageOf(err)));
      }
    }
    await this.refresh();
    return done;
  }
}

function sameEntry(a: RunEntry | undefined, b: RunEntry): boolean {
  return (
    !!a &&
    a.record === b.record &&
    a.status === b.status &&
    a.statusDetail === b.statusDetail &&
    Math.floor((a.durationMs ?? -1) / 1000) === Math.floor((b.durationMs ?? -1) / 1000)
  );
}
