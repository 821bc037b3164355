/**
 * Reads what Kueue says about one job, on demand (the run launcher while its run is queued, a tooltip):
 * its Workload, the LocalQueue's ClusterQueue, and the visibility API's position. Each read that is refused
 * (no permission, Kueue not installed) leaves its part out; explainPending says what it can from the rest.
 */
import type { KubeClient } from '../../cluster/client';
import { collectionPath, kind, KUEUE_VISIBILITY, objectPath } from '../../cluster/resources';
import { explainPending } from '../pending';
import type { ClusterQueueLike, KueueInput, PendingExplanation, WorkloadLike } from '../pending/types';
import { isAdmitted, ownerOf, type PendingWorkloadItem, queuedLine, workloadOfJob, workloadRequests } from './workload';

export interface QueuedJobState {
  workload: WorkloadLike;
  admitted: boolean;
  /** "queued: 3rd in team-a, needs 8 nvidia.com/gpu". */
  line: string;
  explanation: PendingExplanation;
}

/** The Kueue state of a job; undefined when it has no Workload (yet), or Kueue's API cannot be read. */
export async function readQueuedJob(
  client: KubeClient,
  namespace: string,
  job: { kind: string; name: string },
  signal?: AbortSignal,
): Promise<QueuedJobState | undefined> {
  const get = <T>(path: string, what: string) => client.json<T>(path, { what, timeoutMs: 10_000, signal }).catch(() => undefined);
  const wls = await get<{ items: WorkloadLike[] }>(collectionPath(kind('workloads'), namespace), 'list the Kueue workloads');
  const workload = wls && workloadOfJob(wls.items, job.kind, job.name);
  if (!workload) return undefined;
  const lqName = workload.spec?.queueName;
  const input: KueueInput = { workload };
  let cqName = workload.status?.admission?.clusterQueue;
  if (lqName && !cqName) {
    const lq = await get<{ spec?: { clusterQueue?: string } }>(objectPath(kind('localQueues'), lqName, namespace), 'read the LocalQueue');
    cqName = lq?.spec?.clusterQueue;
  }
  if (cqName) {
    const cq = await get<ClusterQueueLike>(objectPath(kind('clusterQueues'), cqName), 'read the ClusterQueue');
    if (cq) input.clusterQueue = cq;
  }
  const admitted = isAdmitted(workload);
  let position: number | undefined;
  if (lqName && !admitted) {
    const path = `${KUEUE_VISIBILITY}/namespaces/${encodeURIComponent(namespace)}/localqueues/${encodeURIComponent(lqName)}/pendingworkloads`;
    const pending = await get<{ items?: PendingWorkloadItem[] }>(path, 'read the queue position');
    const items = pending?.items ?? [];
    const mine = items.find((i) => i.metadata.name === workload.metadata.name);
    if (mine) {
      position = mine.positionInLocalQueue;
      input.position = mine;
      input.ahead = items
        .filter((i) => (i.positionInLocalQueue ?? 0) < (mine.positionInLocalQueue ?? 0))
        .map((i) => ({
          namespace: i.metadata.namespace,
          name: i.metadata.name,
          ...(ownerOf(i) ? { owner: ownerOf(i) } : {}),
          ...(i.metadata.creationTimestamp ? { creationTimestamp: i.metadata.creationTimestamp } : {}),
        }));
    }
  }
  const explanation = explainPending({ now: Date.now(), kueue: input });
  const line = queuedLine({
    ...(lqName ? { localQueue: lqName } : {}),
    ...(position !== undefined ? { positionInLocalQueue: position } : {}),
    requests: workloadRequests(workload),
  });
  return { workload, admitted, line, explanation };
}
