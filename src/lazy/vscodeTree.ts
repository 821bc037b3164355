import type * as vscode from 'vscode';

/**
 * A tree view's data provider that loads the real one when the view first asks for children
 * (the view is visible) or when something else builds the explorer. It implements what the
 * explorer's provider implements (getTreeItem, getChildren, getParent, onDidChangeTreeData): add a
 * delegation here when that one grows (resolveTreeItem).
 */
export class LazyTreeProvider<T> implements vscode.TreeDataProvider<T>, vscode.Disposable {
  private target: vscode.TreeDataProvider<T> | undefined;
  private subscription: vscode.Disposable | undefined;
  private readonly listeners = new Set<(e: T | T[] | undefined | null | void) => unknown>();

  constructor(private readonly load: () => void) {}

  readonly onDidChangeTreeData: vscode.Event<T | T[] | undefined | null | void> = (listener, thisArg, disposables) => {
    const fn = thisArg ? listener.bind(thisArg) : listener;
    this.listeners.add(fn);
    const d = { dispose: () => this.listeners.delete(fn) };
    disposables?.push(d);
    return d;
  };

  /** Hands the view to the real provider. */
  attach(target: vscode.TreeDataProvider<T>): void {
    this.subscription?.dispose();
    this.target = target;
    this.subscription = target.onDidChangeTreeData?.((e) => this.listeners.forEach((l) => l(e)));
  }

  private real(): vscode.TreeDataProvider<T> {
    if (!this.target) this.load();
    if (!this.target) throw new Error('The KubeML explorer did not attach to its view.');
    return this.target;
  }

  getTreeItem(element: T): vscode.TreeItem | Thenable<vscode.TreeItem> {
    return this.real().getTreeItem(element);
  }

  getChildren(element?: T): vscode.ProviderResult<T[]> {
    return this.real().getChildren(element);
  }

  /** For TreeView.reveal (VS Code requires the method on the provider the view was made with). */
  getParent(element: T): vscode.ProviderResult<T> {
    return this.real().getParent?.(element);
  }

  dispose(): void {
    this.subscription?.dispose();
    this.listeners.clear();
  }
}
