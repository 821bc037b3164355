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
import type { ObjectChange } from '../cluster/read/informerState';
import type { ClusterQueueLike, WorkloadLike } from '../model/pending/types';
import type { PendingWorkloadItem } from '../model/queues/workload';
import type { LocalQueueLike, QueuesInput } from './model';

export interface QueuesSourceDeps {
  client(): KubeClient | undefined;
  namespaces(): NamespaceList;
  now?: () => number;
  /** Coalescing of changes before the visibility API is read again and the view fires (default 40 ms). */
  settleMs?: number;
  /**
   * A queue whose pending list was read is read once more this long after (default 1,500 ms): Kueue may
   * reorder its queue after the watch event that made us read it (it sees the event at the same time).
   */
  confirmMs?: number;
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
  private readonly readSeq = new Map<string, number>();
  /** ClusterQueues whose pending list is to be read again; 'all' when a change cannot be placed. */
  private dirty: Set<string> | 'all' = 'all';
  private timer: NodeJS.Timeout | undefined;
  private reading = false;
  /** Something changed since the last fire (a read or only a render). */
  private changed = false;
  /** Queues read again a moment after a read (confirmNext waits for the timer, confirming for the next flush). */
  private confirmNext = new Set<string>();
  private confirming = new Set<string>();
  private confirmTimer: NodeJS.Timeout | undefined;
  private generation = 0;
  private running = false;

  constructor(
    private readonly deps: QueuesSourceDeps,
    log: Logger,
  ) {
    super();
    this.registry = this._register(new ResourceCacheRegistry(() => deps.client(), log, deps.registry));
    this._register({ dispose: () => (clearTimeout(this.timer), clearTimeout(this.confirmTimer), this.release()) });
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
        const subs = [
          lease.cache.onDidChange((changes) => this.schedule(this.queuesOf(id, changes))),
          lease.cache.onDidChangeStatus(() => this.schedule('all')),
        ];
        this.leases.push({ lease, subs });
      }
    }
    this.schedule('all', 0);
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
    this.dirty = 'all';
    clearTimeout(this.confirmTimer);
    this.confirmTimer = undefined;
    this.confirmNext.clear();
    this.confirming.clear();
    if (wasRunning) void this.start();
  }

  private release(): void {
    for (const l of this.leases) {
      l.subs.forEach((s) => s.dispose());
      l.lease.dispose();
    }
    this.leases = [];
  }

  /**
   * The ClusterQueues a batch of changes concerns: a ClusterQueue itself; a Workload's admitting queue or
   * the ClusterQueue its LocalQueue submits to (before and after the change); a workload whose LocalQueue is
   * not known concerns them all. A LocalQueue change concerns none (the view renders it without reading).
   */
  private queuesOf(id: 'clusterQueues' | 'localQueues' | 'workloads', changes: readonly ObjectChange[]): Set<string> | 'all' {
    // A LocalQueue (its counts, Kueue updates them often) changes its own row, not a ClusterQueue's order.
    if (id === 'localQueues') return new Set();
    const out = new Set<string>();
    for (const c of changes) {
      for (const o of [c.old, c.object]) {
        if (!o) continue;
        if (id === 'clusterQueues') {
          out.add(o.metadata.name);
          continue;
        }
        const w = o as unknown as WorkloadLike;
        const admittedBy = w.status?.admission?.clusterQueue;
        if (admittedBy) out.add(admittedBy);
        const lq = w.spec?.queueName;
        if (!lq) continue;
        const target = (this.cache('localQueues')?.get(`${w.metadata.namespace}/${lq}`) as unknown as LocalQueueLike | undefined)?.spec
          ?.clusterQueue;
        if (!target) return 'all';
        out.add(target);
      }
    }
    return out;
  }

  private schedule(queues: Set<string> | 'all', ms = this.deps.settleMs ?? 40): void {
    this.changed = true;
    if (queues === 'all' || this.dirty === 'all') this.dirty = 'all';
    else for (const q of queues) this.dirty.add(q);
    // One read at a time: changes that come while one is under way are read when it is done (a stream of
    // workload updates must not start reads that overtake each other and never land).
    if (this.timer || this.reading) return;
    this.timer = setTimeout(() => void this.flush(), ms);
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    this.reading = true;
    try {
      const dirty = this.dirty;
      const changed = this.changed;
      this.dirty = new Set();
      this.changed = false;
      const confirming = this.confirming;
      this.confirming = new Set();
      const before = new Map([...confirming].map((q) => [q, orderKey(this.pending.get(q))]));
      const which = dirty === 'all' ? 'all' : new Set([...dirty, ...confirming]);
      const read = await this.readPending(which);
      const reordered = [...confirming].some((q) => orderKey(this.pending.get(q)) !== before.get(q));
      if (changed || reordered) this._onDidChange.fire();
      this.confirmLater(read.filter((q) => dirty === 'all' || dirty.has(q)));
    } finally {
      this.reading = false;
    }
    const more = this.dirty as Set<string> | 'all'; // changed while the read was under way
    if (this.running && (this.changed || more === 'all' || more.size || this.confirming.size) && !this.timer)
      this.timer = setTimeout(() => void this.flush(), this.deps.settleMs ?? 40);
  }

  /** Reads these queues once more a little later (Kueue may reorder after the event); fires only when an order changed. */
  private confirmLater(queues: readonly string[]): void {
    if (!queues.length || !this.running) return;
    for (const q of queues) this.confirmNext.add(q);
    if (this.confirmTimer) return;
    this.confirmTimer = setTimeout(() => {
      this.confirmTimer = undefined;
      for (const q of this.confirmNext) this.confirming.add(q);
      this.confirmNext.clear();
      if (!this.timer && !this.reading) this.timer = setTimeout(() => void this.flush(), 0);
    }, this.deps.confirmMs ?? 1500);
  }

  private cache(id: 'clusterQueues' | 'localQueues' | 'workloads') {
    return this.leases.find((l) => l.lease.cache.resource.id === id)?.lease.cache;
  }

  /**
   * The visibility API's pending workloads of these ClusterQueues (or all), where Kueue counts any; the
   * others keep what was read before. Reads may overlap (a confirmation and a change): a queue keeps the
   * answer to the read issued last. Returns the queues read.
   */
  private async readPending(which: ReadonlySet<string> | 'all'): Promise<string[]> {
    const client = this.deps.client();
    const cqs = this.clusterQueues();
    if (!client || !Array.isArray(cqs)) return [];
    const gen = this.generation;
    const names = new Set(cqs.map((cq) => cq.metadata.name));
    for (const q of [...this.pending.keys()]) if (!names.has(q)) this.pending.delete(q);
    const read: string[] = [];
    await Promise.all(
      cqs.map(async (cq) => {
        const name = cq.metadata.name;
        if (this.pending.has(name) && which !== 'all' && !which.has(name)) return;
        const seq = (this.readSeq.get(name) ?? 0) + 1;
        this.readSeq.set(name, seq);
        let answer: PendingWorkloadItem[] | string = [];
        if (cq.status?.pendingWorkloads) {
          read.push(name);
          try {
            const r = await client.json<{ items?: PendingWorkloadItem[] }>(
              `${KUEUE_VISIBILITY}/clusterqueues/${encodeURIComponent(name)}/pendingworkloads`,
              { what: `read the pending workloads of ClusterQueue ${name}`, timeoutMs: 10_000 },
            );
            answer = r.items ?? [];
          } catch (e) {
            answer = KubeMLError.is(e) && e.kind === 'forbidden' ? 'no permission to read the visibility API' : messageOf(e);
          }
        }
        if (gen === this.generation && this.readSeq.get(name) === seq) this.pending.set(name, answer);
      }),
    );
    return read;
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

  /** These caches have listed or failed (a refused list is an answer: its row says why). */
  private settled(...ids: Array<'clusterQueues' | 'localQueues' | 'workloads'>): boolean {
    return (
      this.leases.length > 0 &&
      ids.every((id) => {
        const c = this.cache(id);
        return !!c && (c.synced || c.status.kind === 'error');
      })
    );
  }

  private workloadsError(): string | undefined {
    const st = this.cache('workloads')?.status;
    return st?.kind === 'error' ? `the workloads could not be listed: ${st.error.message}` : undefined;
  }

  snapshot(): QueuesInput {
    return {
      kueue: this.kueue,
      // Until the queues have listed, an empty list means "not read yet", not "none". The queues and their
      // pending order (the visibility API) show before every Workload has listed (thousands take seconds):
      // until then only the admitted lists and the requests wait.
      ...(this.kueue && !this.settled('clusterQueues', 'localQueues') ? { loading: true } : {}),
      ...(this.kueue && !this.cache('workloads')?.synced ? { workloadsLoading: this.workloadsError() ?? true } : {}),
      clusterQueues: this.clusterQueues(),
      localQueues: [...(this.cache('localQueues')?.values() ?? [])] as unknown as LocalQueueLike[],
      workloads: [...(this.cache('workloads')?.values() ?? [])] as unknown as WorkloadLike[],
      pending: this.pending,
      namespaces: this.deps.namespaces(),
      now: (this.deps.now ?? Date.now)(),
    };
  }
}

/** A pending list's order, to compare two reads. */
function orderKey(list: PendingWorkloadItem[] | string | undefined): string {
  return Array.isArray(list) ? list.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join('\n') : String(list);
}
