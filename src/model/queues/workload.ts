/**
 * Pure facts about Kueue objects that the Queues view, the Jobs view and the run launcher share: what a
 * Workload asks for, whether it is admitted, who owns it, and the one-line "queued: 3rd in team-a, needs
 * 8 nvidia.com/gpu" a queued run shows until it starts.
 */
import { amount, GPU_RESOURCES, ordinal, podRequests, show, sumMaps } from '../pending/quantity';
import type { Condition, ResourceMap, WorkloadLike } from '../pending/types';

/** One entry of the visibility API's pendingworkloads list (visibility.kueue.x-k8s.io, 0-based positions). */
export interface PendingWorkloadItem {
  metadata: {
    name: string;
    namespace: string;
    creationTimestamp?: string;
    ownerReferences?: Array<{ kind: string; name: string }>;
  };
  priority?: number;
  localQueueName?: string;
  positionInClusterQueue?: number;
  positionInLocalQueue?: number;
}

const cond = (w: WorkloadLike, type: string): Condition | undefined => w.status?.conditions?.find((c) => c.type === type);

/** Admitted: Kueue's Admitted condition is True (QuotaReserved alone still waits for admission checks). */
export function isAdmitted(w: WorkloadLike): boolean {
  return cond(w, 'Admitted')?.status === 'True';
}

export function isFinished(w: WorkloadLike): boolean {
  return cond(w, 'Finished')?.status === 'True';
}

/** The owning job ("Job/train-abc"), from ownerReferences. */
export function ownerOf(w: { metadata: { ownerReferences?: Array<{ kind: string; name: string }> } }): string | undefined {
  const o = w.metadata.ownerReferences?.[0];
  return o ? `${o.kind}/${o.name}` : undefined;
}

/** The Workload Kueue made for a job: its owner reference names the job. */
export function workloadOfJob<W extends WorkloadLike>(workloads: Iterable<W>, jobKind: string, jobName: string): W | undefined {
  for (const w of workloads) if (w.metadata.ownerReferences?.some((o) => o.kind === jobKind && o.name === jobName)) return w;
  return undefined;
}

/** What a workload asks for in all: status.resourceRequests when Kueue wrote them, else its pod sets (per pod × count). */
export function workloadRequests(w: WorkloadLike): Record<string, number> {
  const fromStatus = w.status?.resourceRequests;
  if (fromStatus?.length) return sumMaps(fromStatus.map((r) => r.resources));
  const out: Record<string, number> = {};
  for (const ps of w.spec?.podSets ?? []) {
    const per = podRequests(ps.template?.spec);
    for (const [k, v] of Object.entries(per)) out[k] = (out[k] ?? 0) + v * (ps.count ?? 1);
  }
  return out;
}

/** Resource names, GPUs first, then cpu, memory, the rest by name. */
export function orderResources(names: Iterable<string>): string[] {
  const rank = (r: string) => (GPU_RESOURCES.test(r) ? 0 : r === 'cpu' ? 1 : r === 'memory' ? 2 : 3);
  return [...new Set(names)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** "8 nvidia.com/gpu, 16 cpu, 64Gi memory": the non-zero requests, GPUs first. */
export function formatRequests(req: Readonly<Record<string, number>> | ResourceMap, max = 3): string {
  const nums = Object.fromEntries(Object.entries(req).map(([k, v]) => [k, typeof v === 'number' ? v : amount(v)]));
  return orderResources(Object.keys(nums))
    .filter((k) => nums[k]! > 0 && k !== 'pods')
    .slice(0, max)
    .map((k) => `${show(k, nums[k]!)} ${k}`)
    .join(', ');
}

/**
 * The progress line of a run that Kueue holds: "queued: 3rd in team-a, needs 8 nvidia.com/gpu". The position
 * is the visibility API's (0-based) in the LocalQueue; without it (no permission, older Kueue) the line has none.
 */
export function queuedLine(opts: {
  localQueue?: string;
  positionInLocalQueue?: number;
  requests?: Readonly<Record<string, number>>;
}): string {
  const where =
    opts.positionInLocalQueue !== undefined && opts.localQueue
      ? `${ordinal(opts.positionInLocalQueue + 1)} in ${opts.localQueue}`
      : opts.localQueue
        ? `in ${opts.localQueue}`
        : 'waiting for Kueue';
  const needs = opts.requests ? formatRequests(opts.requests) : '';
  return `queued: ${where}${needs ? `, needs ${needs}` : ''}`;
}
