import { Disposable, Emitter, type IDisposable } from '../common/lifecycle';
import { type KubeMLError } from '../common/errors';
import { type ConnectionState } from '../cluster/connection';
import { type CacheLease, type NamespaceList, type ResourceCache, type ResourceCacheRegistry } from '../cluster/read/informerRegistry';
import { type ObjectChange } from '../cluster/read/informerState';
import { kind, type ResourceKindId } from '../cluster/resources';
import { type Row } from './rows/common';
import { podRow } from './rows/jobs';
import { type KubeObject } from '../cluster/read/informerState';

/**
 * A node of a tree: a stable object per id (VS Code refreshes a node by identity), whose row is
 * updated in place. Object nodes carry `namespace` and `name` (pod nodes also `container` and
 * `containers`), which is what commands such as Start Sync read from the node they get.
 */
export class ExplorerNode {
  kindId?: ResourceKindId;
  namespace?: string;
  name?: string;
  container?: string;
  containers?: string[];
  /** Extra data a view keeps on its nodes (the job state, the claim name...). */
  data?: Record<string, unknown>;

  constructor(
    readonly id: string,
    public row: Row,
  ) {}
}

export interface ConnectionLike {
  readonly state: ConnectionState;
  namespacesToList(): string[] | undefined;
  onDidChange(listener: (s: ConnectionState) => unknown): IDisposable;
}

export interface ModelDeps {
  registry: ResourceCacheRegistry;
  connection: ConnectionLike;
  now?: () => number;
}

export const RETRY_COMMAND = 'kubeml.refresh';

/** The single row a view shows for a kind it cannot read (403, 401, unreachable). */
export function errorRow(title: string, error: KubeMLError): Row {
  return {
    label: `Cannot list ${title}`,
    description: error.userMessage,
    tooltip: `**Cannot list ${title}**\n\n${error.userMessage}\n\nClick to retry, or use Select Context.`,
    icon: {
      id: error.kind === 'forbidden' ? 'lock' : error.kind === 'unauthorized' ? 'key' : 'debug-disconnect',
      color: 'list.errorForeground',
    },
    contextValue: `kubeml.error.${error.kind}`,
    collapsible: 'none',
    command: { id: RETRY_COMMAND, title: 'Retry' },
  };
}

/**
 * The pure model behind one tree view: which caches it needs (taken while the view is visible),
 * its nodes, and which nodes a batch of cache changes affects. Fires `onDidChange` with the
 * nodes to refresh, or undefined for the whole tree.
 */
export abstract class TreeModel extends Disposable {
  private readonly _onDidChange = this._register(new Emitter<ExplorerNode[] | undefined>());
  readonly onDidChange = this._onDidChange.event;
  protected readonly nodes = new Map<string, ExplorerNode>();
  private readonly leases = new Map<ResourceKindId, { lease: CacheLease; subs: IDisposable[] }>();
  private visible = false;
  private stale = true;
  private _filter = '';
  private discovering = false;
  protected readonly now: () => number;

  constructor(protected readonly deps: ModelDeps) {
    super();
    this.now = deps.now ?? Date.now;
  }

  /** Kinds this view shows or needs (optional kinds are used only when discovery says they are served). */
  protected abstract kinds(): ResourceKindId[];
  /** Kinds read only to explain something (Kueue's, for why a job waits): a refused list shows no error row. */
  protected quietKinds(): readonly ResourceKindId[] {
    return [];
  }
  /** Namespaces to list a kind in (undefined: all namespaces). */
  protected scopeFor(_id: ResourceKindId): NamespaceList {
    return this.deps.connection.namespacesToList();
  }
  protected abstract buildRoots(): ExplorerNode[];
  protected abstract buildChildren(node: ExplorerNode): ExplorerNode[];
  /** Updates the model's indexes for a batch and returns the nodes to refresh ('root' for everything). */
  protected abstract apply(id: ResourceKindId, changes: ObjectChange[]): ExplorerNode[] | 'root';
  /** Rebuilds indexes from the caches (after they were (re)acquired). */
  protected abstract rebuild(): void;

  get filter(): string {
    return this._filter;
  }
  setFilter(text: string): void {
    this._filter = text.trim();
    this.fire(undefined);
  }

  get isVisible(): boolean {
    return this.visible;
  }

  /** True when several namespaces are shown, so rows name their namespace. */
  protected get showNamespace(): boolean {
    const ns = this.deps.connection.namespacesToList();
    return !ns || ns.length > 1;
  }

  protected cache(id: ResourceKindId): ResourceCache | undefined {
    return this.leases.get(id)?.lease.cache;
  }

  /** Reuses the node object for an id, updating its row. */
  protected node(id: string, row: Row, init?: (n: ExplorerNode) => void): ExplorerNode {
    let n = this.nodes.get(id);
    if (!n) {
      n = new ExplorerNode(id, row);
      this.nodes.set(id, n);
    } else {
      n.row = row;
    }
    init?.(n);
    return n;
  }

  /** A pod row that the pod actions (logs, exec, Start Sync) can act on: it carries namespace, name and containers. */
  protected podNode(id: string, p: KubeObject, now: number): ExplorerNode {
    const containers = ((p.spec as { containers?: Array<{ name: string }> } | undefined)?.containers ?? []).map((c) => c.name);
    return this.node(id, podRow(p, now), (n) => {
      n.kindId = 'pods';
      n.namespace = p.metadata.namespace;
      n.name = p.metadata.name;
      n.containers = containers;
      n.container = containers[0];
    });
  }

  protected existing(id: string): ExplorerNode | undefined {
    return this.nodes.get(id);
  }

  protected fire(nodes: ExplorerNode[] | undefined): void {
    if (!this.visible) {
      this.stale = true;
      return;
    }
    this._onDidChange.fire(nodes);
  }

  /** Shown: take the caches and catch up; hidden: let them go (the registry keeps them a while). */
  setVisible(visible: boolean): void {
    if (visible === this.visible) return;
    this.visible = visible;
    if (visible) {
      this.ensureLeases();
      if (this.stale) {
        this.stale = false;
        this.rebuild();
        this._onDidChange.fire(undefined);
      }
    } else {
      this.releaseAll();
      this.stale = true;
    }
  }

  /** The connection changed (context, namespaces, state): drop everything and start over. */
  reset(): void {
    this.releaseAll();
    this.nodes.clear();
    this.stale = true;
    if (this.visible) {
      this.ensureLeases();
      this.stale = false;
      this.rebuild();
      this._onDidChange.fire(undefined);
    }
  }

  private connected(): boolean {
    return this.deps.connection.state.kind === 'connected';
  }

  private ensureLeases(): void {
    if (!this.connected()) return;
    let needDiscovery = false;
    for (const id of this.kinds()) {
      if (this.leases.has(id)) continue;
      const served = this.deps.registry.isServed(id);
      if (served === undefined) {
        needDiscovery = true;
        continue;
      }
      if (!served) continue;
      let lease: CacheLease;
      try {
        lease = this.deps.registry.acquire(id, this.scopeFor(id));
      } catch {
        continue;
      }
      const subs = [
        lease.cache.onDidChange((changes) => this.onCacheChange(id, changes)),
        lease.cache.onDidChangeStatus(() => this.fire(undefined)),
      ];
      this.leases.set(id, { lease, subs });
    }
    if (needDiscovery && !this.discovering) {
      this.discovering = true;
      void this.deps.registry
        .discover()
        .then(() => {
          if (this.visible && this.connected()) {
            this.ensureLeases();
            this.rebuild();
            this.fire(undefined);
          }
        })
        .catch(() => undefined)
        .finally(() => (this.discovering = false));
    }
  }

  private releaseAll(): void {
    for (const { lease, subs } of this.leases.values()) {
      for (const s of subs) s.dispose();
      lease.dispose();
    }
    this.leases.clear();
  }

  private onCacheChange(id: ResourceKindId, changes: ObjectChange[]): void {
    const affected = this.apply(id, changes);
    if (affected === 'root') {
      this.fire(undefined);
    } else if (affected.length > 0) {
      this.fire([...new Set(affected)]);
    }
  }

  /** The error rows of kinds that cannot be read, then the view's own roots. */
  roots(): ExplorerNode[] {
    if (!this.connected()) return [];
    if (this.stale && this.visible) {
      this.stale = false;
      this.rebuild();
    }
    const errors: ExplorerNode[] = [];
    for (const [id, { lease }] of this.leases) {
      const st = lease.cache.status;
      if (st.kind === 'error' && !this.quietKinds().includes(id)) errors.push(this.node(`error:${id}`, errorRow(kind(id).title, st.error)));
    }
    return [...errors, ...this.buildRoots()];
  }

  children(node: ExplorerNode | undefined): ExplorerNode[] {
    return node ? this.buildChildren(node) : this.roots();
  }

  /**
   * What the view says when it has no row: undefined while it is still listing (or not
   * connected, where the welcome view speaks), else the model's emptyText() for the namespaces
   * shown, or that nothing matches the filter.
   */
  emptyMessage(): string | undefined {
    if (!this.connected() || !this.visible || this.discovering) return undefined;
    for (const { lease } of this.leases.values()) if (lease.cache.status.kind !== 'synced') return undefined;
    if (this.leases.size === 0 || this.roots().length > 0) return undefined;
    if (this._filter) return `Nothing here matches the filter "${this._filter}".`;
    const ns = this.deps.connection.namespacesToList();
    const text = this.emptyText(!ns ? 'any namespace' : ns.length === 1 ? `namespace ${ns[0]}` : `namespaces ${ns.join(', ')}`);
    // Widening is advice only when some namespaces are left out.
    return text && ns ? `${text} Select Namespaces widens the view.` : text;
  }

  /** The empty view's text, for `where` ("namespace x", "any namespace"); undefined: no message. */
  protected emptyText(_where: string): string | undefined {
    return undefined;
  }

  /** Resolves when every cache this view holds has listed once (for tests and the benchmark). */
  async whenSynced(): Promise<void> {
    await this.deps.registry.discover();
    this.ensureLeases();
    await Promise.all([...this.leases.values()].map(({ lease }) => lease.cache.whenSynced()));
  }

  /** Whether a kind is shown (discovered and leased). */
  hasKind(id: ResourceKindId): boolean {
    return this.leases.has(id);
  }

  override dispose(): void {
    this.releaseAll();
    super.dispose();
  }
}
