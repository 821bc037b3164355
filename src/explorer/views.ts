import * as vscode from 'vscode';
import { Disposable } from '../common/lifecycle';
import { Logger, nullSink } from '../common/logging';
import { Views } from '../constants';
import { type ClusterConnection, type ConnectionState } from '../cluster/connection';
import { ResourceCacheRegistry } from '../cluster/read/informerRegistry';
import { DatasetsModel } from './datasetsModel';
import { GpusModel } from './gpusModel';
import { JobsModel } from './jobsModel';
import { ModelsModel } from './modelsModel';
import { type ExplorerNode, type TreeModel } from './model';
import { type Row } from './rows/common';
import { ExplorerCommands } from './commands';
import { DcgmPoller } from './dcgm';
import { Settings } from '../common/ui/vscodeConfig';
import { Settings as S } from '../common/settings';
import type { Finding } from '../model/health/types';
import { JOB_KIND_NAMES } from '../model/queues/jobKueue';
import { jobRef, type JobKindId } from './rows/jobs';

// The explorer's views (the Runs view is the experiments feature's, the Queues view the queues feature's).
type ViewKey = Exclude<keyof typeof Views, 'runs' | 'queues'>;

function toTreeItem(node: ExplorerNode): vscode.TreeItem {
  const r: Row = node.row;
  const item = new vscode.TreeItem(
    r.label,
    r.collapsible === 'expanded'
      ? vscode.TreeItemCollapsibleState.Expanded
      : r.collapsible === 'collapsed'
        ? vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.None,
  );
  item.id = node.id;
  item.description = r.description;
  if (r.tooltip) {
    const md = new vscode.MarkdownString(r.tooltip);
    md.supportThemeIcons = true;
    item.tooltip = md;
  }
  if (r.icon) item.iconPath = new vscode.ThemeIcon(r.icon.id, r.icon.color ? new vscode.ThemeColor(r.icon.color) : undefined);
  item.contextValue = r.contextValue;
  if (r.command) item.command = { command: r.command.id, title: vscode.l10n.t(r.command.title), arguments: r.command.args };
  return item;
}

/** One provider per view: asks its model for children and forwards the model's change events. */
export class ExplorerTreeProvider extends Disposable implements vscode.TreeDataProvider<ExplorerNode> {
  private readonly _onDidChange = this._register(new vscode.EventEmitter<ExplorerNode | ExplorerNode[] | undefined>());
  readonly onDidChangeTreeData = this._onDidChange.event;

  constructor(readonly model: TreeModel) {
    super();
    this._register(model.onDidChange((nodes) => this._onDidChange.fire(nodes)));
  }

  getTreeItem(element: ExplorerNode): vscode.TreeItem {
    return toTreeItem(element);
  }

  getChildren(element?: ExplorerNode): ExplorerNode[] {
    return this.model.children(element);
  }

  /** For TreeView.reveal (VS Code asks for it): top-level rows have the view as their parent; deeper rows are not revealed. */
  getParent(): undefined {
    return undefined;
  }
}

/**
 * The four live trees. One ResourceCacheRegistry (one cache per kind, shared by the views); each
 * view takes the caches it needs while it is visible and catches up when shown again.
 */
export class ExplorerViews extends Disposable {
  readonly registry: ResourceCacheRegistry;
  readonly models: { datasets: DatasetsModel; jobs: JobsModel; gpus: GpusModel; models: ModelsModel };
  readonly providers: Record<ViewKey, ExplorerTreeProvider>;
  readonly treeViews: Record<ViewKey, vscode.TreeView<ExplorerNode>>;
  readonly commands: ExplorerCommands;
  /** DCGM utilisation and memory for the GPU node rows, polled while the GPUs view is visible. */
  readonly dcgm: DcgmPoller;

  constructor(
    readonly connection: ClusterConnection,
    log?: Logger,
    /** How a view is made; the activation shim hands over the views it created (src/lazy/vscodeTree.ts). */
    createTreeView: (id: string, options: vscode.TreeViewOptions<ExplorerNode>) => vscode.TreeView<ExplorerNode> = (id, options) =>
      vscode.window.createTreeView(id, options),
  ) {
    super();
    const logger = log ?? new Logger(nullSink);
    this.registry = this._register(new ResourceCacheRegistry(() => connection.client, logger));
    const deps = { registry: this.registry, connection };
    this.models = {
      datasets: this._register(new DatasetsModel(deps)),
      jobs: this._register(new JobsModel(deps)),
      gpus: this._register(new GpusModel(deps)),
      models: this._register(new ModelsModel(deps)),
    };
    const make = (key: ViewKey) => {
      const provider = this._register(new ExplorerTreeProvider(this.models[key]));
      const view = this._register(createTreeView(Views[key], { treeDataProvider: provider, showCollapseAll: true, canSelectMany: false }));
      this._register(view.onDidChangeVisibility((e) => this.models[key].setVisible(e.visible)));
      if (view.visible) this.models[key].setVisible(true);
      // An empty view says what it lists and where it looked, once its caches have listed.
      const message = () => {
        const m = this.models[key].emptyMessage();
        if (view.message !== m) view.message = m;
      };
      this._register(this.models[key].onDidChange(message));
      this._register(connection.onDidChange(message));
      return { provider, view };
    };
    const made = { datasets: make('datasets'), jobs: make('jobs'), gpus: make('gpus'), models: make('models') };
    this.providers = { datasets: made.datasets.provider, jobs: made.jobs.provider, gpus: made.gpus.provider, models: made.models.provider };
    this.treeViews = { datasets: made.datasets.view, jobs: made.jobs.view, gpus: made.gpus.view, models: made.models.view };

    this.dcgm = this._register(new DcgmPoller({ intervalMs: 15_000, timeoutMs: 5_000 }));
    this.models.gpus.metrics = this.dcgm;
    this._register(this.dcgm.onDidUpdate(() => this.models.gpus.refreshMetrics()));
    const syncDcgm = () => this.dcgm.configure(Settings.prometheusUrl(), this.treeViews.gpus.visible);
    this._register(this.treeViews.gpus.onDidChangeVisibility(syncDcgm));
    this._register(vscode.workspace.onDidChangeConfiguration((e) => Settings.affects(e, S.prometheusUrl) && syncDcgm()));
    syncDcgm();

    let last: ConnectionState['kind'] | undefined;
    let lastKey = '';
    this._register(
      connection.onDidChange((s) => {
        const key = `${s.kind}|${'context' in s ? s.context : ''}|${JSON.stringify(connection.scope)}`;
        if (key === lastKey && s.kind === last) return;
        last = s.kind;
        lastKey = key;
        this.registry.reset();
        for (const m of Object.values(this.models)) m.reset();
      }),
    );
    this.commands = this._register(new ExplorerCommands(this, logger));
  }

  /** Sets a view's name filter and shows it in the view's description. */
  setFilter(key: ViewKey, text: string): void {
    this.models[key].setFilter(text);
    this.treeViews[key].description = text ? vscode.l10n.t('filter: {0}', text) : undefined;
  }

  /** The health feature's findings of a job it follows (undefined: no longer followed), shown under the job. */
  setJobFindings(job: { kind: string; namespace: string; name: string }, findings: readonly Finding[] | undefined): void {
    const kindId = (Object.entries(JOB_KIND_NAMES).find(([, k]) => k === job.kind)?.[0] ?? 'jobs') as JobKindId;
    this.models.jobs.setJobFindings(jobRef(kindId, job.namespace, job.name), findings);
  }
}
