import * as vscode from 'vscode';
import { Disposable } from '../common/lifecycle';
import { type ViewId, Views } from '../constants';
import { type ClusterConnection } from '../cluster/connection';

/** One tree view per view id; rows come from the explorer models. */
export class ExplorerViews extends Disposable {
  readonly providers: Record<keyof typeof Views, PlaceholderProvider>;

  constructor(connection: ClusterConnection) {
    super();
    const make = (id: ViewId) => {
      const provider = this._register(new PlaceholderProvider(connection));
      this._register(vscode.window.createTreeView(id, { treeDataProvider: provider, showCollapseAll: true }));
      return provider;
    };
    this.providers = { datasets: make(Views.datasets), jobs: make(Views.jobs), gpus: make(Views.gpus), models: make(Views.models) };
  }
}

class PlaceholderProvider extends Disposable implements vscode.TreeDataProvider<vscode.TreeItem> {
  private readonly _onDidChange = this._register(new vscode.EventEmitter<vscode.TreeItem | undefined>());
  readonly onDidChangeTreeData = this._onDidChange.event;

  constructor(connection: ClusterConnection) {
    super();
    this._register(connection.onDidChange(() => this._onDidChange.fire(undefined)));
  }

  getTreeItem(element: vscode.TreeItem): vscode.TreeItem {
    return element;
  }

  getChildren(): vscode.TreeItem[] {
    return [];
  }
}
