/**
 * Why a job that Kueue holds is pending, from objects an informer already has (the Jobs view): the job's
 * Workload, its LocalQueue's ClusterQueue, and the other ClusterQueues (for borrowing in the cohort).
 */
import { explainPending } from '../pending';
import type { ClusterQueueLike, PendingExplanation, WorkloadLike } from '../pending/types';
import { isAdmitted, isFinished, workloadOfJob } from './workload';

/** The Kind Kueue's owner reference names, per job kind of the explorer. */
export const JOB_KIND_NAMES: Readonly<Record<string, string>> = {
  jobs: 'Job',
  pytorchJobs: 'PyTorchJob',
  trainJobs: 'TrainJob',
  rayJobs: 'RayJob',
};

export interface KueueObjects {
  workloads: Iterable<WorkloadLike>;
  localQueues: Iterable<{ metadata: { name: string; namespace?: string }; spec?: { clusterQueue?: string } }>;
  clusterQueues: Iterable<ClusterQueueLike>;
}

/** The explanation of a job whose Workload is not admitted; undefined when Kueue does not hold it. */
export function explainQueuedJob(
  objs: KueueObjects,
  job: { kind: string; namespace: string; name: string },
  now: number,
): PendingExplanation | undefined {
  const mine = [...objs.workloads].filter((w) => w.metadata.namespace === job.namespace);
  const workload = workloadOfJob(mine, job.kind, job.name);
  if (!workload || isAdmitted(workload) || isFinished(workload)) return undefined;
  const lq = [...objs.localQueues].find((q) => q.metadata.namespace === job.namespace && q.metadata.name === workload.spec?.queueName);
  const cqs = [...objs.clusterQueues];
  const cqName = workload.status?.admission?.clusterQueue ?? lq?.spec?.clusterQueue;
  const clusterQueue = cqs.find((c) => c.metadata.name === cqName);
  const localQueues = [...objs.localQueues]
    .filter((q) => q.metadata.namespace === job.namespace && q.spec?.clusterQueue)
    .map((q) => ({ name: q.metadata.name, clusterQueue: q.spec!.clusterQueue! }));
  const why = explainPending({
    now,
    kueue: { workload, ...(clusterQueue ? { clusterQueue } : {}), clusterQueues: cqs, localQueues },
  });
  return why.source === 'none' ? undefined : why;
}
