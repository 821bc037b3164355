/**
 * What the Queues view shows, live: Kueue's ClusterQueues, LocalQueues and Workloads through the shared
 * informer machinery (src/cluster/read/informerRegistry.ts: list+watch, one cache per kind and scope), and
 * the visibility API's pending workloads per ClusterQueue, read again (coalesced) whenever a queue or a
 * workload changes. No vscode here: the skin (views.ts) renders `snapshot()` through model.ts.
 */
import type { KubeClient } from '../cluster/client';
import { KubeMLError, messageOf } from '../common/errors';
import { Disposable, Emitter, type IDisposable } from '../common/lifecycle';
import type { Logger } from '../common/logging';
import { type CacheLease, type NamespaceList, type RegistryOptions, ResourceCacheRegistry } from '../cluster/read/informerRegistry';
import { KUEUE_VISIBILITY } from '../cluster/resources';
import type { ClusterQueueLike, WorkloadLike } from '../model/pending/types';
import type { PendingWorkloadItem } from '../model/queues/workload';
import type { LocalQueueLike, QueuesInput } from './model';

export interface QueuesSourceDeps {
  client(): KubeClient | undefined;
  namespaces(): NamespaceList;
  now?: () => number;
  /** Coalescing of changes before the visibility API is read again and the view fires (default 300 ms). */
  settleMs?: number;
  /** For tests: the informers' timings. */
  registry?: RegistryOptions;
}

export class QueuesSource extends Disposable {
  private readonly _onDidChange = this._register(new Emitter<void>());
  readonly onDidChange = this._onDidChange.event;
  private readonly registry: ResourceCacheRegistry;
  private leases: Array<{ lease: CacheLease; subs: IDisposable[] }> = [];
  private kueue: boolean | undefined;
  private pending = new Map<string, PendingWorkloadItem[] | string>();
  private timer: NodeJS.Timeout | undefined;
  private generation = 0;
  private running = false;

  constructor(
    private readonly deps: QueuesSourceDeps,
    log: Logger,
  ) {
    super();
    this.registry = this._register(new ResourceCacheRegistry(() => deps.client(), log, deps.registry));
    this._register({ dispose: () => (clearTimeout(this.timer), this.release()) });
  }

  /** Starts watching (the view became visible); discovery first, once per connection. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const gen = this.generation;
    if (!this.deps.client()) {
      this.kueue = undefined;
      this._onDidChange.fire();
      return;
    }
    await this.registry.discover();
    if (gen !== this.generation || !this.running) return;
    this.kueue = this.registry.isServed('clusterQueues');
    if (this.kueue === undefined && this.registry.discoveryError) this.kueue = false;
    if (this.kueue) {
      const ns = this.deps.namespaces();
      for (const [id, scope] of [
        ['clusterQueues', undefined],
        ['localQueues', ns],
        ['workloads', ns],
      ] as const) {
        const lease = this.registry.acquire(id, scope);
        const subs = [lease.cache.onDidChange(() => this.schedule()), lease.cache.onDidChangeStatus(() => this.schedule())];
        this.leases.push({ lease, subs });
      }
    }
    this.schedule(0);
  }

  /** Stops watching (the view is hidden); the caches keep their items for a while (the registry's linger). */
  stop(): void {
    this.running = false;
    this.release();
  }

  /** The connection or the namespaces changed: start over. */
  reset(): void {
    this.generation++;
    const wasRunning = this.running;
    this.stop();
    this.registry.reset();
    this.kueue = undefined;
    this.pending.clear();
    if (wasRunning) void this.start();
  }

  private release(): void {
    for (const l of this.leases) {
      l.subs.forEach((s) => s.dispose());
      l.lease.dispose();
    }
    this.leases = [];
  }

  private schedule(ms = this.deps.settleMs ?? 300): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.readPending().then(() => this._onDidChange.fire());
    }, ms);
  }

  private cache(id: 'clusterQueues' | 'localQueues' | 'workloads') {
    return this.leases.find((l) => l.lease.cache.resource.id === id)?.lease.cache;
  }

  /** The visibility API's pending workloads of each ClusterQueue that has any. */
  private async readPending(): Promise<void> {
    const client = this.deps.client();
    const cqs = this.clusterQueues();
    if (!client || !Array.isArray(cqs)) return;
    const next = new Map<string, PendingWorkloadItem[] | string>();
    await Promise.all(
      cqs.map(async (cq) => {
        const name = cq.metadata.name;
        if (!cq.status?.pendingWorkloads) return next.set(name, []);
        try {
          const r = await client.json<{ items?: PendingWorkloadItem[] }>(
            `${KUEUE_VISIBILITY}/clusterqueues/${encodeURIComponent(name)}/pendingworkloads`,
            { what: `read the pending workloads of ClusterQueue ${name}`, timeoutMs: 10_000 },
          );
          next.set(name, r.items ?? []);
        } catch (e) {
          next.set(name, KubeMLError.is(e) && e.kind === 'forbidden' ? 'no permission to read the visibility API' : messageOf(e));
        }
      }),
    );
    this.pending = next;
  }

  private clusterQueues(): ClusterQueueLike[] | { hidden: string } {
    const c = this.cache('clusterQueues');
    if (!c) return [];
    const st = c.status;
    if (st.kind === 'error' && st.error.kind === 'forbidden') return { hidden: `no permission to list ClusterQueues: ${st.error.message}` };
    return [...c.values()] as unknown as ClusterQueueLike[];
  }

  /** Synced: every cache has listed once (for tests). */
  get synced(): boolean {
    return this.kueue === false || (this.leases.length > 0 && this.leases.every((l) => l.lease.cache.synced));
  }

  /** Every cache has listed or failed (a refused list is an answer: its row says why). */
  private get settled(): boolean {
    return this.leases.length > 0 && this.leases.every((l) => l.lease.cache.synced || l.lease.cache.status.kind === 'error');
  }

  snapshot(): QueuesInput {
    return {
      kueue: this.kueue,
      // Until every cache has listed, an empty list means "not read yet", not "none".
      ...(this.kueue && !this.settled ? { loading: true } : {}),
      clusterQueues: this.clusterQueues(),
      localQueues: [...(this.cache('localQueues')?.values() ?? [])] as unknown as LocalQueueLike[],
      workloads: [...(this.cache('workloads')?.values() ?? [])] as unknown as WorkloadLike[],
      pending: this.pending,
      namespaces: this.deps.namespaces(),
      now: (this.deps.now ?? Date.now)(),
    };
  }
}
