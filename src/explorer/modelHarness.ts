/**
 * Test support for the tree models: a model wired to the real cache registry, whose client is a
 * scripted in-memory API server (fakeApiServer.ts) serving fixture objects, and a connection the
 * test controls. `tree()` renders what a view would show; `next()` waits for the next change
 * the model fires. Not used by the extension.
 */
import { type ConnectionState } from '../cluster/connection';
import { FakeApiServer, FAKE_SERVER, type FakeApiOptions } from '../cluster/read/fakeApiServer';
import { NOW } from '../cluster/read/fixtures';
import { type KubeObject } from '../cluster/read/informerState';
import { type ResourceKindId } from '../cluster/resources';
import { ResourceCacheRegistry } from '../cluster/read/informerRegistry';
import { Emitter } from '../common/lifecycle';
import { Logger, nullSink } from '../common/logging';
import { type ConnectionLike, type ExplorerNode, type ModelDeps, type TreeModel } from './model';

export const CONNECTED: ConnectionState = { kind: 'connected', context: 'kubeml-test', server: FAKE_SERVER, version: 'v1.33.13' };

export class FakeConnection implements ConnectionLike {
  private readonly emitter = new Emitter<ConnectionState>();
  readonly onDidChange = this.emitter.event;
  constructor(
    public state: ConnectionState,
    /** undefined: all namespaces. */
    public namespaces: string[] | undefined,
  ) {}
  namespacesToList(): string[] | undefined {
    return this.namespaces;
  }
}

export interface HarnessOptions extends FakeApiOptions {
  objects?: readonly KubeObject[];
  namespaces?: string[] | undefined;
  state?: ConnectionState;
}

export class ModelHarness<M extends TreeModel> {
  readonly api: FakeApiServer;
  readonly registry: ResourceCacheRegistry;
  readonly connection: FakeConnection;
  readonly model: M;
  /** Every change the model fired: the nodes to refresh, or undefined for the whole tree. */
  readonly fired: Array<ExplorerNode[] | undefined> = [];

  constructor(make: (deps: ModelDeps) => M, opts: HarnessOptions = {}) {
    this.api = new FakeApiServer(opts);
    this.api.put(...(opts.objects ?? []));
    this.registry = new ResourceCacheRegistry(() => this.api.client, new Logger(nullSink), {
      coalesceMs: 1,
      lingerMs: 60_000,
      backoffInitialMs: 1,
      backoffMaxMs: 2,
    });
    this.connection = new FakeConnection(opts.state ?? CONNECTED, 'namespaces' in opts ? opts.namespaces : ['team']);
    this.model = make({ registry: this.registry, connection: this.connection, now: () => NOW });
    this.model.onDidChange((nodes) => this.fired.push(nodes));
  }

  /** Shows the view and waits until every cache it holds has listed. */
  async open(): Promise<M> {
    this.model.setVisible(true);
    await this.model.whenSynced();
    await settle();
    return this.model;
  }

  /** The next change the model fires. */
  next(): Promise<ExplorerNode[] | undefined> {
    return new Promise((resolve) => {
      const d = this.model.onDidChange((nodes) => {
        d.dispose();
        resolve(nodes);
      });
    });
  }

  /** Applies a change on the server and returns what the model fires for it. */
  async change(fn: (api: FakeApiServer) => void): Promise<ExplorerNode[] | undefined> {
    const next = this.next();
    fn(this.api);
    return next;
  }

  /**
   * Applies a change that the model must not fire for, and resolves once the model has seen it
   * (the model listens to the cache before the test does); returns what the model fired meanwhile.
   */
  async quiet(kindId: ResourceKindId, fn: (api: FakeApiServer) => void): Promise<Array<ExplorerNode[] | undefined>> {
    const cache = this.registry.caches.find((c) => c.resource.id === kindId);
    if (!cache) throw new Error(`no cache of ${kindId}`);
    const before = this.fired.length;
    const seen = new Promise<void>((resolve) => {
      const d = cache.onDidChange(() => {
        d.dispose();
        resolve();
      });
    });
    fn(this.api);
    await seen;
    return this.fired.slice(before);
  }

  /** The tree as a view shows it: one line per row, "label · description", children indented. */
  tree(node?: ExplorerNode, depth = 0): string[] {
    const out: string[] = [];
    for (const n of this.model.children(node)) {
      out.push(`${'  '.repeat(depth)}${n.row.label}${n.row.description ? ` | ${n.row.description}` : ''}`);
      if (n.row.collapsible !== 'none') out.push(...this.tree(n, depth + 1));
    }
    return out;
  }

  /** A root node by label. */
  root(label: string): ExplorerNode {
    const n = this.model.roots().find((r) => r.row.label === label);
    if (!n)
      throw new Error(
        `no root "${label}" in ${this.model
          .roots()
          .map((r) => r.row.label)
          .join(', ')}`,
      );
    return n;
  }

  dispose(): void {
    this.model.dispose();
    this.registry.dispose();
  }
}

/** Lets pending I/O callbacks and zero-delay work run. */
export async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Ids of fired nodes, sorted; 'ALL' for a whole-tree refresh. */
export function ids(nodes: ExplorerNode[] | undefined): string[] | 'ALL' {
  return nodes ? nodes.map((n) => n.id).sort() : 'ALL';
}
