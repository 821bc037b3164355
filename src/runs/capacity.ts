/**
 * Free GPUs for a sweep's next trial: each node's allocatable nvidia.com/gpu less what the pods on
 * it request (the scheduler's view, as the GPUs view counts it), on the nodes where the run's pods
 * may go (schedulable, its gpuProduct, its taint toleration; never KWOK's simulated nodes when it
 * avoids them: on KubeML's local cluster only the real node runs code, see scheduling.ts). Pure,
 * plus one read of nodes and pods.
 */
import type { KubeClient } from '../cluster/client';
import type { ResourcesSpec } from '../model/runSpec';
import { LABEL_RUN } from '../model/runRecords';
import { SIMULATED_NODE_LABEL } from './scheduling';

export const GPU = 'nvidia.com/gpu';

export interface NodeJson {
  metadata?: { name?: string; labels?: Record<string, string> };
  spec?: { unschedulable?: boolean; taints?: Array<{ key?: string; effect?: string }> };
  status?: { allocatable?: Record<string, string>; conditions?: Array<{ type?: string; status?: string }> };
}

export interface CapacityPod {
  metadata?: { name?: string; labels?: Record<string, string> };
  spec?: {
    nodeName?: string;
    containers?: Array<{ resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }>;
    initContainers?: Array<{ resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }>;
  };
  status?: { phase?: string };
}

const count = (q: string | undefined) => {
  const n = Number(q ?? 0);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
};

/** GPUs a pod holds: the sum over its containers (an init container's request counts when larger). For GPUs a limit sets the request. */
export function podGpus(p: CapacityPod): number {
  const of = (c: { resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }) =>
    count(c.resources?.requests?.[GPU] ?? c.resources?.limits?.[GPU]);
  const main = (p.spec?.containers ?? []).reduce((s, c) => s + of(c), 0);
  const init = Math.max(0, ...(p.spec?.initContainers ?? []).map(of));
  return Math.max(main, init);
}

/** Whether the run's pods may be placed on the node (the same rules generate.ts writes into the pod). */
export function eligibleNode(n: NodeJson, res: ResourcesSpec): boolean {
  if (n.spec?.unschedulable) return false;
  if (n.status?.conditions?.some((c) => c.type === 'Ready' && c.status !== 'True')) return false;
  const labels = n.metadata?.labels ?? {};
  if (res.gpuProduct && labels[`${GPU}.product`] !== res.gpuProduct) return false;
  const tolerates = res.tolerateGpuTaint ?? (res.gpus ?? 0) > 0;
  if (tolerates && labels[SIMULATED_NODE_LABEL.key] === SIMULATED_NODE_LABEL.value) return false;
  const blocking = (n.spec?.taints ?? []).filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
  return blocking.every((t) => tolerates && t.key === GPU);
}

export interface GpuCapacity {
  /** Allocatable GPUs of the eligible nodes. */
  readonly total: number;
  /** Free GPUs per eligible node (allocatable less the requests of live pods on it). */
  readonly freePerNode: ReadonlyMap<string, number>;
}

export function gpuCapacity(nodes: readonly NodeJson[], pods: readonly CapacityPod[], res: ResourcesSpec): GpuCapacity {
  const free = new Map<string, number>();
  let total = 0;
  for (const n of nodes) {
    if (!eligibleNode(n, res)) continue;
    const a = count(n.status?.allocatable?.[GPU]);
    total += a;
    free.set(n.metadata?.name ?? '', a);
  }
  for (const p of pods) {
    const node = p.spec?.nodeName;
    if (!node || !free.has(node) || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
    free.set(node, free.get(node)! - podGpus(p));
  }
  return { total, freePerNode: free };
}

/**
 * Whether pods needing `perPod` GPUs each fit in the free GPUs, after `reserved` pods (each a GPU
 * count: launched but not on a node yet) took theirs. First fit, largest first.
 */
export function fits(freePerNode: ReadonlyMap<string, number>, pods: number, perPod: number, reserved: readonly number[] = []): boolean {
  if (perPod <= 0) return true;
  const free = [...freePerNode.values()].map((x) => Math.max(0, x));
  const place = (need: number) => {
    const i = free.findIndex((f) => f >= need);
    if (i < 0) return false;
    free[i]! -= need;
    return true;
  };
  for (const r of [...reserved].sort((a, b) => b - a)) if (r > 0) place(r);
  for (let i = 0; i < pods; i++) if (!place(perPod)) return false;
  return true;
}

/** The cluster's nodes and live pods (two lists), for gpuCapacity. */
export async function readCapacity(client: KubeClient, signal?: AbortSignal): Promise<{ nodes: NodeJson[]; pods: CapacityPod[] }> {
  const [nodes, pods] = await Promise.all([
    client.json<{ items?: NodeJson[] }>('/api/v1/nodes', { what: 'list the nodes (free GPUs)', timeoutMs: 15_000, signal }),
    client.json<{ items?: CapacityPod[] }>('/api/v1/pods', {
      query: { fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' },
      what: 'list the pods (GPUs in use)',
      timeoutMs: 15_000,
      signal,
    }),
  ]);
  return { nodes: nodes.items ?? [], pods: pods.items ?? [] };
}

/** The run ids of pods that carry KubeML's run label and are on a node. */
export function placedRunPods(pods: readonly CapacityPod[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of pods) {
    const id = p.metadata?.labels?.[LABEL_RUN];
    if (id && p.spec?.nodeName) out.set(id, (out.get(id) ?? 0) + 1);
  }
  return out;
}
