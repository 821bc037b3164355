import { type KubeObject, type ObjectChange } from '../cluster/read/informerState';
import { type ResourceKindId } from '../cluster/resources';
import { diagnose } from '../model/health/doctor';
import { rankOfPod, sortRanks } from '../model/health/jobPods';
import type { Finding } from '../model/health/types';
import { explainPending, type PendingExplanation } from '../model/pending';
import { explainQueuedJob, JOB_KIND_NAMES, type KueueObjects } from '../model/queues/jobKueue';
import { findingRow } from './rows/findings';
import { matchesFilter } from './rows/common';
import {
  groupRow,
  isOwnedJob,
  JOB_KINDS,
  JOB_STATES,
  jobRef,
  jobRow,
  podOwnerRefs,
  summarizeJob,
  type JobKindId,
  type JobState,
  type JobSummary,
} from './rows/jobs';
import { type ExplorerNode, TreeModel } from './model';

const KUEUE_KINDS: readonly ResourceKindId[] = ['workloads', 'localQueues', 'clusterQueues'];
const isJobKind = (id: ResourceKindId): id is JobKindId => (JOB_KINDS as readonly string[]).includes(id);

/**
 * Jobs grouped by state (Running, Pending, Succeeded, Failed) with counts; children of a job
 * are its pods. Index: job summaries by ref and by state, pod keys by owning job ref.
 */
export class JobsModel extends TreeModel {
  private readonly summaries = new Map<string, JobSummary>();
  private readonly byState = new Map<JobState, Set<string>>(JOB_STATES.map((s) => [s, new Set<string>()]));
  private readonly podsByRef = new Map<string, Set<string>>();
  /** RayCluster ref -> RayJob ref. */
  private readonly rayClusters = new Map<string, string>();
  /** The health feature's findings of the jobs it follows (logs, progress, GPU use), by job ref. */
  private readonly followedFindings = new Map<string, readonly Finding[]>();

  protected kinds(): ResourceKindId[] {
    return [...JOB_KINDS, 'pods', ...KUEUE_KINDS];
  }
  protected override quietKinds(): readonly ResourceKindId[] {
    return KUEUE_KINDS;
  }

  /** The current summary of a job, by ref (for commands). */
  summary(ref: string): JobSummary | undefined {
    return this.summaries.get(ref);
  }

  /** The job of a KubeML run (its labels), by run id (for commands on the Runs view's rows). */
  summaryOfRun(runId: string): JobSummary | undefined {
    for (const s of this.summaries.values()) if (s.run?.id === runId) return s;
    return undefined;
  }

  protected rebuild(): void {
    this.summaries.clear();
    for (const s of this.byState.values()) s.clear();
    this.podsByRef.clear();
    this.rayClusters.clear();
    for (const id of JOB_KINDS) {
      const cache = this.cache(id);
      if (!cache) continue;
      for (const o of cache.values()) this.putJob(id, o);
    }
    const pods = this.cache('pods');
    if (pods) for (const p of pods.values()) this.indexPod(p, true);
  }

  private putJob(id: JobKindId, o: KubeObject): JobSummary | undefined {
    if (id === 'jobs' && isOwnedJob(o)) return undefined;
    const s = summarizeJob(id, o);
    this.summaries.set(s.ref, s);
    this.byState.get(s.state)!.add(s.ref);
    if (s.rayCluster) this.rayClusters.set(`raycluster:${s.namespace}/${s.rayCluster}`, s.ref);
    return s;
  }

  private removeJob(ref: string): JobSummary | undefined {
    const s = this.summaries.get(ref);
    if (!s) return undefined;
    this.summaries.delete(ref);
    this.byState.get(s.state)!.delete(ref);
    if (s.rayCluster) this.rayClusters.delete(`raycluster:${s.namespace}/${s.rayCluster}`);
    return s;
  }

  private indexPod(pod: KubeObject, add: boolean): string[] {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const refs = podOwnerRefs(pod);
    for (const ref of refs) {
      let set = this.podsByRef.get(ref);
      if (add) {
        if (!set) this.podsByRef.set(ref, (set = new Set()));
        set.add(key);
      } else if (set) {
        set.delete(key);
        if (set.size === 0) this.podsByRef.delete(ref);
      }
    }
    return refs;
  }

  private resolveRef(ref: string): string {
    return ref.startsWith('raycluster:') ? (this.rayClusters.get(ref) ?? ref) : ref;
  }

  protected apply(id: ResourceKindId, changes: ObjectChange[]): ExplorerNode[] | 'root' {
    const out: ExplorerNode[] = [];
    const push = (nodeId: string) => {
      const n = this.existing(nodeId);
      if (n) out.push(n);
    };
    if (isJobKind(id)) {
      for (const c of changes) {
        const o = c.object ?? c.old!;
        const ref = jobRef(id, o.metadata.namespace, o.metadata.name);
        const before = this.removeJob(ref);
        const after = c.object ? this.putJob(id, c.object) : undefined;
        if (before && after && before.state === after.state) {
          if (this.existing(`job:${ref}`)) this.jobNode(after);
          push(`job:${ref}`);
        } else {
          if (before) push(`group:${before.state}`);
          if (after) push(`group:${after.state}`);
        }
      }
      for (const n of out)
        if (n.id.startsWith('group:')) n.row = groupRow(n.data!.state as JobState, this.visibleRefs(n.data!.state as JobState).length);
      return out;
    }
    if ((KUEUE_KINDS as readonly string[]).includes(id)) {
      // Kueue moved: the pending jobs' rows explain the wait again.
      for (const r of this.byState.get('Pending')!) {
        const s = this.summaries.get(r);
        if (s && this.existing(`job:${r}`)) this.jobNode(s);
        push(`job:${r}`);
      }
      return out;
    }
    if (id === 'pods') {
      for (const c of changes) {
        const refs = new Set<string>();
        if (c.old) for (const r of this.indexPod(c.old, false)) refs.add(this.resolveRef(r));
        if (c.object) for (const r of this.indexPod(c.object, true)) refs.add(this.resolveRef(r));
        for (const r of refs) {
          // A pending job's row explains the wait from its pods' PodScheduled condition.
          const s = this.summaries.get(r);
          if (s?.state === 'Pending' && this.existing(`job:${r}`)) this.jobNode(s);
          push(`job:${r}`);
        }
      }
      return out;
    }
    return out;
  }

  protected buildRoots(): ExplorerNode[] {
    return JOB_STATES.map((state) =>
      this.node(`group:${state}`, groupRow(state, this.visibleRefs(state).length), (n) => (n.data = { state })),
    );
  }

  private visibleRefs(state: JobState): string[] {
    const refs = [...this.byState.get(state)!];
    return this.filter ? refs.filter((r) => matchesFilter(this.summaries.get(r)!.name, this.filter)) : refs;
  }

  protected buildChildren(node: ExplorerNode): ExplorerNode[] {
    const now = this.now();
    if (node.id.startsWith('group:')) {
      const state = node.data!.state as JobState;
      const refs = this.visibleRefs(state);
      node.row = groupRow(state, refs.length);
      const jobs = refs.map((r) => this.summaries.get(r)!);
      jobs.sort((a, b) => (b.created ?? '').localeCompare(a.created ?? '') || a.name.localeCompare(b.name));
      const showNs = this.showNamespace;
      return jobs.map((s) => this.jobNode(s, now, showNs));
    }
    if (node.id.startsWith('job:')) {
      const ref = node.id.slice(4);
      const s = this.summaries.get(ref);
      if (s) node.row = jobRow(s, now, this.showNamespace, this.whyPending(s));
      const pods = this.podsOf(ref);
      const findings = this.findingsOf(ref, s, pods, now).map((f, i) =>
        this.node(`finding:${ref}:${f.kind}:${f.rank ?? ''}:${i}`, findingRow(f)),
      );
      return [...findings, ...pods.map((p) => this.podNode(`pod:${p.metadata.namespace}/${p.metadata.name}`, p, now))];
    }
    return [];
  }

  jobNode(s: JobSummary, now = this.now(), showNs = this.showNamespace): ExplorerNode {
    return this.node(`job:${s.ref}`, jobRow(s, now, showNs, this.whyPending(s)), (n) => {
      n.kindId = s.kindId;
      n.namespace = s.namespace;
      n.name = s.name;
      // A KubeML run's id: Show Run Logs and Open Drift Report on its row find its record by it.
      n.data = { ref: s.ref, state: s.state, ...(s.run ? { runId: s.run.id } : {}) };
    });
  }

  /**
   * The findings shown under a job: those of the health feature when it follows the job (Check Job Health),
   * else what the doctor reads from the pods alone (OOMKilled, evicted, restarted or crashed ranks, mixed GPUs).
   */
  findingsOf(ref: string, s: JobSummary | undefined, pods: readonly KubeObject[], now = this.now()): readonly Finding[] {
    const followed = this.followedFindings.get(ref);
    if (followed) return followed;
    if (!s || s.state === 'Pending' || pods.length === 0) return [];
    const ranks = sortRanks(pods.map((p) => rankOfPod(p as never)));
    return diagnose({ kind: JOB_KIND_NAMES[s.kindId] ?? s.kindId, namespace: s.namespace ?? '', name: s.name, ranks, now }).filter(
      (f) => f.kind !== 'hung' && f.kind !== 'straggler' && f.kind !== 'unscheduled',
    );
  }

  /** The health feature's findings of a job it follows (an empty list: none; undefined: no longer followed). */
  setJobFindings(ref: string, findings: readonly Finding[] | undefined): void {
    if (findings) this.followedFindings.set(ref, findings);
    else this.followedFindings.delete(ref);
    const n = this.existing(`job:${ref}`);
    if (n) this.fire([n]);
  }

  /** Why a pending job waits, from what its pods say (undefined when they say nothing yet). */
  whyPending(s: JobSummary): PendingExplanation | undefined {
    if (s.state !== 'Pending') return undefined;
    // A job Kueue holds (its Workload not admitted): from the Workload and its ClusterQueue.
    const workloads = this.cache('workloads');
    if (workloads?.size) {
      const objs = {
        workloads: [...workloads.values()],
        localQueues: [...(this.cache('localQueues')?.values() ?? [])],
        clusterQueues: [...(this.cache('clusterQueues')?.values() ?? [])],
      } as unknown as KueueObjects;
      const queued = explainQueuedJob(objs, { kind: JOB_KIND_NAMES[s.kindId]!, namespace: s.namespace, name: s.name }, this.now());
      if (queued) return queued;
    }
    const pods = this.podsOf(s.ref);
    if (pods.length === 0) return undefined;
    const why = explainPending({ pods: pods as Parameters<typeof explainPending>[0]['pods'] });
    return why.source === 'none' ? undefined : why;
  }

  /** The pods of a job, ordered by rank label then name. */
  podsOf(ref: string): KubeObject[] {
    const pods = this.cache('pods');
    if (!pods) return [];
    const keys = new Set<string>(this.podsByRef.get(ref) ?? []);
    const s = this.summaries.get(ref);
    if (s?.rayCluster) for (const k of this.podsByRef.get(`raycluster:${s.namespace}/${s.rayCluster}`) ?? []) keys.add(k);
    return [...keys]
      .map((k) => pods.get(k))
      .filter((p): p is KubeObject => !!p)
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name, undefined, { numeric: true }));
  }

  /** Counts per state (for tests and the benchmark). */
  counts(): Record<JobState, number> {
    return Object.fromEntries(JOB_STATES.map((s) => [s, this.byState.get(s)!.size])) as Record<JobState, number>;
  }
}
