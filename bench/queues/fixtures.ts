/**
 * Fixtures for the queues benchmark: 20 ClusterQueues, 4,000 pending Workloads (the visibility API's limit)
 * spread over them, one LocalQueue per ClusterQueue; and a fake API server (src/cluster/read/fakeApiServer.ts,
 * the one the unit tests use) that also answers Kueue's visibility API from an order the benchmark changes.
 */
import type { RequestOptions } from '../../src/cluster/client';
import { FakeApiServer } from '../../src/cluster/read/fakeApiServer';
import type { KubeObject } from '../../src/cluster/read/informerState';
import type { PendingWorkloadItem } from '../../src/model/queues/workload';

const K = 'kueue.x-k8s.io/v1beta1';
export const FIX_NS = 'team';
export const cq = (i: number) => `cq-${String(i).padStart(2, '0')}`;
const created = (i: number) => new Date(Date.UTC(2026, 11, 1) + i * 1000).toISOString();

export function clusterQueue(i: number, pending: number): KubeObject {
  return {
    apiVersion: K,
    kind: 'ClusterQueue',
    metadata: { name: cq(i), uid: `cq-uid-${i}` },
    spec: {
      cohort: 'all',
      resourceGroups: [
        {
          coveredResources: ['cpu', 'memory'],
          flavors: [
            {
              name: 'default',
              resources: [
                { name: 'cpu', nominalQuota: '64' },
                { name: 'memory', nominalQuota: '512Gi' },
              ],
            },
          ],
        },
        {
          coveredResources: ['nvidia.com/gpu'],
          flavors: [
            { name: 'a100', resources: [{ name: 'nvidia.com/gpu', nominalQuota: '8' }] },
            { name: 'h100', resources: [{ name: 'nvidia.com/gpu', nominalQuota: '8' }] },
          ],
        },
      ],
    },
    status: {
      pendingWorkloads: pending,
      admittedWorkloads: 0,
      flavorsReservation: [{ name: 'a100', resources: [{ name: 'nvidia.com/gpu', total: '8', borrowed: '0' }] }],
    },
  };
}

export function localQueue(i: number): KubeObject {
  return {
    apiVersion: K,
    kind: 'LocalQueue',
    metadata: { name: cq(i), namespace: FIX_NS, uid: `lq-uid-${i}` },
    spec: { clusterQueue: cq(i) },
    status: { pendingWorkloads: 200 },
  };
}

export function workload(n: number, cqs: number, priority = 0): KubeObject {
  const name = `job-train-${String(n).padStart(5, '0')}-abcde`;
  return {
    apiVersion: K,
    kind: 'Workload',
    metadata: {
      name,
      namespace: FIX_NS,
      uid: `wl-uid-${n}`,
      creationTimestamp: created(n),
      ownerReferences: [
        { apiVersion: 'batch/v1', kind: 'Job', name: `train-${String(n).padStart(5, '0')}`, uid: `job-uid-${n}`, controller: true },
      ],
    },
    spec: {
      queueName: cq(n % cqs),
      priority,
      podSets: [
        {
          name: 'main',
          count: 1 + (n % 4),
          template: {
            spec: {
              containers: [
                {
                  name: 'train',
                  image: 'pytorch',
                  resources: { requests: { cpu: '4', memory: '16Gi', 'nvidia.com/gpu': String(1 + (n % 8)) } },
                },
              ],
            },
          },
        },
      ],
    },
    status: {
      conditions: [
        {
          type: 'QuotaReserved',
          status: 'False',
          reason: 'Pending',
          message: "couldn't assign flavors to pod set main: insufficient quota for nvidia.com/gpu",
        },
      ],
    },
  };
}

/** The visibility API's item for workload `w` at `pos` in its ClusterQueue. */
export function pendingItem(w: KubeObject, pos: number): PendingWorkloadItem {
  const m = w.metadata as PendingWorkloadItem['metadata'] & { namespace: string };
  return {
    metadata: { name: m.name, namespace: m.namespace, creationTimestamp: m.creationTimestamp, ownerReferences: m.ownerReferences },
    priority: (w.spec as { priority?: number }).priority ?? 0,
    localQueueName: (w.spec as { queueName: string }).queueName,
    positionInClusterQueue: pos,
    positionInLocalQueue: pos,
  };
}

/** The fake API server plus Kueue's visibility API: `order` holds each ClusterQueue's pending workloads in admission order. */
export class FakeKueue extends FakeApiServer {
  readonly order = new Map<string, KubeObject[]>();
  visibilityReads = 0;
  /** The visibility paths read, in order. */
  readonly visibilityPaths: string[] = [];
  override async handle(path: string, opts: RequestOptions) {
    const m = /^\/apis\/visibility\.kueue\.x-k8s\.io\/v1beta1\/clusterqueues\/([^/]+)\/pendingworkloads$/.exec(path);
    if (!m) return super.handle(path, opts);
    this.visibilityReads++;
    this.visibilityPaths.push(path);
    await new Promise<void>((r) => setImmediate(r));
    const items = (this.order.get(decodeURIComponent(m[1]!)) ?? []).map((w, i) => pendingItem(w, i));
    const { Response } = await import('node-fetch');
    return new Response(JSON.stringify({ kind: 'PendingWorkloadsSummary', apiVersion: 'visibility.kueue.x-k8s.io/v1beta1', items }), {
      status: 200,
      headers: { 'Content-Type': 'application/json' },
    });
  }
}

/** A server holding `total` pending workloads over `cqs` ClusterQueues. */
export function fakeKueue(total: number, cqs: number): FakeKueue {
  const api = new FakeKueue();
  const wls = Array.from({ length: total }, (_, n) => workload(n, cqs));
  for (let i = 0; i < cqs; i++)
    api.order.set(
      cq(i),
      wls.filter((_, n) => n % cqs === i),
    );
  api.put(...Array.from({ length: cqs }, (_, i) => clusterQueue(i, api.order.get(cq(i))!.length)));
  api.put(...Array.from({ length: cqs }, (_, i) => localQueue(i)));
  api.put(...wls);
  return api;
}
