/**
 * The status of runs that no launcher of this window follows (launched from the CLI, another
 * window, or a window that closed), read from the cluster: the run's primary object and pods, by
 * the label kubeml.io/run. One selector-scoped watch per namespace and kind serves every run in it
 * (cluster/read/watchSet), so a thousand records cost a few watches, not a thousand reads.
 * Plain Node.
 */
import type { KubeClient } from '../cluster/client';
import { type KubeObject } from '../cluster/read/informerState';
import { kindOfRef, watchPods, WatchedSet } from '../cluster/read/watchSet';
import { Disposable, Emitter } from '../common/lifecycle';
import type { Logger } from '../common/logging';
import { LABEL_RUN, type RunRecord } from '../model/runRecords';
import type { ClusterView, RunStatus } from './runEntry';

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

const conditionsOf = (o: KubeObject): Condition[] => {
  const c = (o.status as { conditions?: unknown } | undefined)?.conditions;
  return Array.isArray(c) ? (c as Condition[]) : [];
};

/**
 * A run's status from its primary object (Job, PyTorchJob, TrainJob...) and its pods. Undefined
 * when neither exists (the run is gone from the cluster).
 */
export function statusFromCluster(
  primary: KubeObject | undefined,
  pods: readonly KubeObject[],
): { status: RunStatus; detail?: string } | undefined {
  // Pods being deleted without their primary are what is left of a deleted run.
  if (!primary && pods.every((p) => p.metadata.deletionTimestamp)) return undefined;
  if (primary) {
    if (primary.metadata.deletionTimestamp) return { status: 'cancelled', detail: `The ${primary.kind ?? 'object'} is being deleted.` };
    const failure = primary.metadata.annotations?.['kubeml.io/failure'];
    const on = conditionsOf(primary).filter((c) => c.status === 'True');
    const failed = on.find((c) => c.type === 'Failed');
    if (failed || failure) return { status: 'failed', detail: failure ?? failed?.message ?? failed?.reason };
    if (on.some((c) => c.type === 'Complete' || c.type === 'Succeeded' || c.type === 'SuccessCriteriaMet')) return { status: 'succeeded' };
    const suspended = (primary.spec as { suspend?: unknown } | undefined)?.suspend === true || on.some((c) => c.type === 'Suspended');
    if (suspended) return { status: 'queued', detail: 'Suspended: waiting for admission (a queue) or resumption.' };
  }
  const phases = pods.filter((p) => !p.metadata.deletionTimestamp).map((p) => (p.status as { phase?: string } | undefined)?.phase);
  if (phases.includes('Running')) return { status: 'running' };
  if (phases.includes('Pending')) return { status: 'pending' };
  if (phases.includes('Failed')) return { status: 'failed', detail: 'A pod of the run failed.' };
  if (phases.length && phases.every((p) => p === 'Succeeded')) return { status: primary ? 'running' : 'succeeded' };
  return { status: 'pending', detail: primary ? 'No pod yet.' : undefined };
}

interface NamespaceWatch {
  readonly pods: WatchedSet;
  /** By the primary's group/version/plural. */
  readonly primaries: Map<string, WatchedSet>;
}

const refKey = (r: RunRecord['primary']) => `${r.group}/${r.version}/${r.plural}`;

/**
 * Watches what the given records need (their namespaces, their primaries' kinds) on one cluster,
 * and says what the cluster holds of each. Fires `onDidChange` with the ids of the runs whose
 * objects changed.
 */
export class RunClusterWatch extends Disposable {
  private readonly namespaces = new Map<string, NamespaceWatch>();
  private readonly _onDidChange = this._register(new Emitter<string[]>());
  readonly onDidChange = this._onDidChange.event;

  constructor(
    private readonly client: KubeClient,
    private readonly log: Logger,
  ) {
    super();
  }

  get server(): string {
    return this.client.server;
  }

  /** Whether a record is of this cluster (a record without a server is taken to be). */
  covers(record: RunRecord): boolean {
    return !record.server || record.server === this.client.server;
  }

  /** Starts the watches `records` need and stops the others. */
  track(records: readonly RunRecord[]): void {
    const wanted = new Map<string, Map<string, RunRecord['primary']>>();
    for (const r of records) {
      if (!this.covers(r)) continue;
      const kinds = wanted.get(r.namespace) ?? new Map<string, RunRecord['primary']>();
      kinds.set(refKey(r.primary), r.primary);
      wanted.set(r.namespace, kinds);
    }
    for (const [ns, w] of this.namespaces)
      if (!wanted.has(ns)) {
        w.pods.dispose();
        w.primaries.forEach((s) => s.dispose());
        this.namespaces.delete(ns);
      }
    for (const [ns, kinds] of wanted) {
      let w = this.namespaces.get(ns);
      if (!w) {
        const pods = watchPods(this.client, { namespace: ns, labelSelector: LABEL_RUN }, this.log);
        this.listen(pods);
        w = { pods, primaries: new Map() };
        this.namespaces.set(ns, w);
      }
      for (const [key, ref] of kinds)
        if (!w.primaries.has(key)) {
          const set = new WatchedSet(this.client, kindOfRef(ref), { namespace: ns, labelSelector: LABEL_RUN }, this.log);
          this.listen(set);
          w.primaries.set(key, set);
        }
    }
  }

  private listen(set: WatchedSet): void {
    this._register(
      set.onDidChange((changes) => {
        const ids = new Set<string>();
        for (const c of changes) {
          const id = (c.object ?? c.old)?.metadata.labels?.[LABEL_RUN];
          if (id) ids.add(id);
        }
        if (ids.size) this._onDidChange.fire([...ids]);
      }),
    );
    this._register(set.onDidChangeStatus(() => this._onDidChange.fire([])));
  }

  view(record: RunRecord): ClusterView {
    if (!this.covers(record)) return { state: 'unknown', detail: `The run is on ${record.server}, not on the current cluster.` };
    const w = this.namespaces.get(record.namespace);
    const primaries = w?.primaries.get(refKey(record.primary));
    if (!w || !primaries) return { state: 'unknown', detail: 'Reading the cluster…' };
    const error = w.pods.error ?? primaries.error;
    if (error) return { state: 'unknown', detail: `Cannot read the run on the cluster: ${error.message}` };
    if (!w.pods.synced || !primaries.synced) return { state: 'unknown', detail: 'Reading the cluster…' };
    const mine = (o: KubeObject) => o.metadata.labels?.[LABEL_RUN] === record.id;
    const primary = primaries.objects.find((o) => mine(o) && o.metadata.name === record.primary.name);
    const s = statusFromCluster(
      primary,
      w.pods.objects.filter((p) => mine(p)),
    );
    return s ? { state: 'found', status: s.status, ...(s.detail ? { detail: s.detail } : {}) } : { state: 'gone' };
  }

  override dispose(): void {
    for (const w of this.namespaces.values()) {
      w.pods.dispose();
      w.primaries.forEach((s) => s.dispose());
    }
    this.namespaces.clear();
    super.dispose();
  }
}
