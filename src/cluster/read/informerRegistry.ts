import { Disposable, Emitter, type IDisposable, toDisposable } from '../../common/lifecycle';
import { KubeMLError, messageOf } from '../../common/errors';
import { type Logger } from '../../common/logging';
import { type KubeClient } from '../client';
import { Informer, type InformerOptions, type InformerStatus } from './informer';
import { type KubeObject, type ObjectChange } from './informerState';
import { discover, kind, servedKinds, type ResourceKind, type ResourceKindId, type ServedApis } from '../resources';

/** Where a cache lists: all namespaces (undefined) or the given ones. Cluster-scoped kinds ignore it. */
export type NamespaceList = readonly string[] | undefined;

/**
 * One kind over a namespace scope: one informer per namespace (or one for all namespaces),
 * read as a single store. Shared by every view that needs the kind.
 */
export class ResourceCache extends Disposable {
  private readonly _onDidChange = this._register(new Emitter<ObjectChange[]>());
  readonly onDidChange = this._onDidChange.event;
  private readonly _onDidChangeStatus = this._register(new Emitter<InformerStatus>());
  readonly onDidChangeStatus = this._onDidChangeStatus.event;
  readonly informers: Informer[];

  constructor(
    client: KubeClient,
    readonly resource: ResourceKind,
    namespaces: NamespaceList,
    log: Logger,
    options?: InformerOptions,
  ) {
    super();
    const scopes = resource.namespaced && namespaces ? namespaces : [undefined];
    this.informers = scopes.map((ns) => this._register(new Informer(client, resource, ns, log, options)));
    for (const inf of this.informers) {
      this._register(inf.onDidChange((c) => this._onDidChange.fire(c)));
      this._register(inf.onDidChangeStatus(() => this._onDidChangeStatus.fire(this.status)));
    }
  }

  get synced(): boolean {
    return this.informers.every((i) => i.synced);
  }

  /** The first error of any namespace, else syncing, else synced. */
  get status(): InformerStatus {
    const statuses = this.informers.map((i) => i.status);
    return (
      statuses.find((s) => s.kind === 'error') ??
      statuses.find((s) => s.kind === 'syncing') ??
      statuses.find((s) => s.kind === 'idle') ?? { kind: 'synced' }
    );
  }

  get(key: string): KubeObject | undefined {
    for (const inf of this.informers) {
      const o = inf.items.get(key);
      if (o) return o;
    }
    return undefined;
  }

  *values(): IterableIterator<KubeObject> {
    for (const inf of this.informers) yield* inf.items.values();
  }

  get size(): number {
    return this.informers.reduce((n, i) => n + i.items.size, 0);
  }

  start(): void {
    for (const i of this.informers) i.start();
  }
  stop(): void {
    for (const i of this.informers) i.stop();
  }
  restartWatches(): void {
    for (const i of this.informers) i.restartWatch();
  }
  whenSynced(): Promise<void> {
    return Promise.all(this.informers.map((i) => i.whenSynced())).then(() => undefined);
  }
}

export interface CacheLease extends IDisposable {
  readonly cache: ResourceCache;
}

interface Entry {
  cache: ResourceCache;
  leases: number;
  linger?: NodeJS.Timeout;
}

export interface RegistryOptions extends InformerOptions {
  /** How long a cache nobody looks at keeps watching before it is stopped (its items are kept). */
  lingerMs?: number;
}

/**
 * One cache per kind and namespace scope, shared by all views. A cache starts when the first
 * view that needs it asks for it (views ask when they become visible), keeps watching for a
 * while after the last one lets go, then stops watching but keeps its items and resource
 * version, so that showing the view again resumes the watch instead of listing everything.
 */
export class ResourceCacheRegistry extends Disposable {
  private readonly entries = new Map<string, Entry>();
  private discovery: Promise<ServedApis | undefined> | undefined;
  private served: ServedApis | undefined;
  private _discoveryError: KubeMLError | undefined;
  private readonly _onDidDiscover = this._register(new Emitter<void>());
  /** Fires when discovery has answered (the set of served kinds may have changed). */
  readonly onDidDiscover = this._onDidDiscover.event;

  constructor(
    private readonly client: () => KubeClient | undefined,
    private readonly log: Logger,
    private readonly options: RegistryOptions = {},
  ) {
    super();
    this._register(toDisposable(() => this.reset()));
  }

  /** Drops every cache (context or namespace switch): the next acquire lists again. */
  reset(): void {
    for (const e of this.entries.values()) {
      if (e.linger) clearTimeout(e.linger);
      e.cache.dispose();
    }
    this.entries.clear();
    this.discovery = undefined;
    this.served = undefined;
    this._discoveryError = undefined;
  }

  get discoveryError(): KubeMLError | undefined {
    return this._discoveryError;
  }

  /** Which optional kinds are served; builtin kinds are always served. Undefined until discovery answered. */
  isServed(id: ResourceKindId): boolean | undefined {
    const k = kind(id);
    if (k.builtin) return true;
    if (!this.served) return undefined;
    return servedKinds(this.served, [k]).length > 0;
  }

  /** Runs discovery once per connection; resolves with undefined when it failed. */
  discover(): Promise<ServedApis | undefined> {
    const client = this.client();
    if (!client) return Promise.resolve(undefined);
    if (!this.discovery) {
      this.discovery = discover(client)
        .then((s) => {
          this.served = s;
          this._discoveryError = undefined;
          return s;
        })
        .catch((e: unknown) => {
          this._discoveryError = KubeMLError.is(e) ? e : new KubeMLError('unknown', messageOf(e));
          this.log.warn(`API discovery failed: ${messageOf(e)}`);
          this.discovery = undefined;
          return undefined;
        })
        .finally(() => this._onDidDiscover.fire());
    }
    return this.discovery;
  }

  /** Takes a lease on the cache of a kind over a scope, starting it if needed. */
  acquire(id: ResourceKindId, namespaces: NamespaceList): CacheLease {
    const client = this.client();
    if (!client) throw new KubeMLError('no-config', 'Not connected to a cluster.', 'Select a context, then Retry.');
    const k = kind(id);
    const key = `${id}|${k.namespaced && namespaces ? [...namespaces].sort().join(',') : '*'}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { cache: new ResourceCache(client, k, namespaces, this.log.child(id), this.options), leases: 0 };
      this.entries.set(key, entry);
    }
    const e = entry;
    if (e.linger) {
      clearTimeout(e.linger);
      e.linger = undefined;
    }
    e.leases++;
    e.cache.start();
    let released = false;
    return {
      cache: e.cache,
      dispose: () => {
        if (released) return;
        released = true;
        e.leases--;
        if (e.leases === 0 && this.entries.get(key) === e) {
          e.linger = setTimeout(() => {
            e.linger = undefined;
            if (e.leases === 0) e.cache.stop();
          }, this.options.lingerMs ?? 60_000);
        }
      },
    };
  }

  /** Every cache, for the benchmark and the log. */
  get caches(): ResourceCache[] {
    return [...this.entries.values()].map((e) => e.cache);
  }

  /** Nudges every running watch to reconnect now (Refresh). */
  restartWatches(): void {
    for (const e of this.entries.values()) e.cache.restartWatches();
  }
}
