/**
 * The Queues view (kubeml.queues): Kueue's queues, live (source.ts), as rows (model.ts). Built when the view
 * first asks for its children (src/lazy); watches only while it is visible; starts over when the context or
 * the namespaces change.
 */
import * as vscode from 'vscode';
import type { ClusterConnection } from '../cluster/connection';
import { Views } from '../constants';
import { Disposable, Emitter } from '../common/lifecycle';
import type { Logger } from '../common/logging';
import { buildQueuesTree, changedRows, type QueuesRow } from './model';
import { QueuesSource } from './source';

/** The view made at activation (src/extensionMain.ts) and the lazy provider this attaches to. */
export interface QueuesViewHandle {
  readonly view: vscode.TreeView<unknown>;
  attach(provider: vscode.TreeDataProvider<unknown>): void;
}

/** A node: one object per row key, updated in place (VS Code refreshes a node by identity). */
export class QueuesNode {
  constructor(
    readonly key: string,
    public row: QueuesRow,
  ) {}
}

export class QueuesView extends Disposable implements vscode.TreeDataProvider<QueuesNode> {
  readonly source: QueuesSource;
  readonly view: vscode.TreeView<QueuesNode>;
  private readonly _onDidChangeTreeData = this._register(new Emitter<QueuesNode | QueuesNode[] | undefined>());
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;
  private readonly _onDidRender = this._register(new Emitter<readonly QueuesRow[]>());
  /** After each change of the rows, with them (for tests). */
  readonly onDidRender = this._onDidRender.event;
  private readonly nodes = new Map<string, QueuesNode>();
  private roots: QueuesNode[] = [];
  private rows: QueuesRow[] = [];

  constructor(
    private readonly connection: ClusterConnection,
    log: Logger,
    handle?: QueuesViewHandle,
  ) {
    super();
    this.source = this._register(
      new QueuesSource({ client: () => connection.client, namespaces: () => connection.namespacesToList() }, log),
    );
    if (handle) {
      handle.attach(this as vscode.TreeDataProvider<unknown>);
      this.view = handle.view as vscode.TreeView<QueuesNode>;
    } else {
      this.view = vscode.window.createTreeView(Views.queues, { treeDataProvider: this, showCollapseAll: true });
    }
    this._register(this.view);
    this._register(this.source.onDidChange(() => this.render()));
    let lastKey = '';
    this._register(
      connection.onDidChange((s) => {
        const key = `${s.kind}|${'context' in s ? s.context : ''}|${JSON.stringify(connection.scope)}`;
        if (key === lastKey) return;
        lastKey = key;
        this.source.reset();
        this.render();
      }),
    );
    const follow = () => (this.view.visible ? void this.source.start() : this.source.stop());
    this._register(this.view.onDidChangeVisibility(follow));
    follow();
  }

  /** The rows as last rendered (for tests). */
  get current(): readonly QueuesRow[] {
    return this.rows;
  }

  private render(): void {
    const before = this.rows;
    this.rows = buildQueuesTree(this.source.snapshot());
    const live = new Set<string>();
    const visit = (rows: QueuesRow[]): QueuesNode[] =>
      rows.map((r) => {
        live.add(r.key);
        let n = this.nodes.get(r.key);
        if (n) n.row = r;
        else this.nodes.set(r.key, (n = new QueuesNode(r.key, r)));
        visit(r.children);
        return n;
      });
    this.roots = visit(this.rows);
    for (const k of [...this.nodes.keys()]) if (!live.has(k)) this.nodes.delete(k);
    // Only what changed is refreshed: a queue of 200 pending workloads whose order changed is one
    // refresh of its Pending group, not of every row of every queue.
    const changed = changedRows(before, this.rows);
    if (changed === 'all') this._onDidChangeTreeData.fire(undefined);
    else if (changed.length) this._onDidChangeTreeData.fire(changed.map((k) => this.nodes.get(k)!));
    this._onDidRender.fire(this.rows);
  }

  getTreeItem(node: QueuesNode): vscode.TreeItem {
    const r = node.row;
    const item = new vscode.TreeItem(
      r.label,
      r.children.length
        ? r.expanded
          ? vscode.TreeItemCollapsibleState.Expanded
          : vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.None,
    );
    item.id = r.key;
    item.description = r.description;
    if (r.tooltip) item.tooltip = new vscode.MarkdownString(r.tooltip);
    item.iconPath = new vscode.ThemeIcon(r.icon.id, r.icon.color ? new vscode.ThemeColor(r.icon.color) : undefined);
    item.contextValue = r.contextValue;
    return item;
  }

  getChildren(node?: QueuesNode): QueuesNode[] {
    if (!node) {
      // Not connected: no rows, so that the view's welcome content (connect, retry) shows.
      if (this.connection.state.kind !== 'connected') return [];
      if (!this.roots.length) this.render();
      return this.roots;
    }
    return node.row.children.map((r) => this.nodes.get(r.key) ?? new QueuesNode(r.key, r));
  }

  getParent(node: QueuesNode): QueuesNode | undefined {
    const find = (rows: QueuesRow[], parent?: QueuesNode): QueuesNode | undefined => {
      for (const r of rows) {
        if (r.key === node.key) return parent;
        const hit = find(r.children, this.nodes.get(r.key));
        if (hit) return hit;
      }
      return undefined;
    };
    return find(this.rows);
  }
}
