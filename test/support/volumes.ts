// Storage for tests on the local cluster: a hostPath PersistentVolume on the real node
// (kubeml-node, this machine) and a claim bound to it. Shared by the integration and in-editor suites.
import { type KubeClient } from '../../src/cluster/client';

export interface HostPathClaim {
  readonly namespace: string;
  readonly claim: string;
  readonly pv: string;
  /** Folder on this machine that backs the volume. */
  readonly path: string;
  readonly pathType: 'Directory' | 'DirectoryOrCreate';
  readonly storageClass: string;
  readonly reclaim: 'Retain' | 'Delete';
  /** Reserve the volume for the claim (claimRef) as well as naming it in the claim. */
  readonly reserve?: boolean;
  readonly pvLabels?: Record<string, string>;
  readonly claimLabels?: Record<string, string>;
  /** When set, waits this long for the claim to be Bound. */
  readonly bindTimeoutMs?: number;
}

export async function createHostPathClaim(client: KubeClient, o: HostPathClaim): Promise<void> {
  await client.json('/api/v1/persistentvolumes', {
    method: 'POST',
    what: 'create a test volume',
    body: {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: o.pv, ...(o.pvLabels ? { labels: o.pvLabels } : {}) },
      spec: {
        capacity: { storage: '1Gi' },
        accessModes: ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: o.reclaim,
        storageClassName: o.storageClass,
        ...(o.reserve ? { claimRef: { namespace: o.namespace, name: o.claim } } : {}),
        hostPath: { path: o.path, type: o.pathType },
        nodeAffinity: {
          required: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['kubeml-node'] }] }],
          },
        },
      },
    },
  });
  await client.json(`/api/v1/namespaces/${o.namespace}/persistentvolumeclaims`, {
    method: 'POST',
    what: 'create a test claim',
    body: {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: o.claim, ...(o.claimLabels ? { labels: o.claimLabels } : {}) },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: o.storageClass,
        volumeName: o.pv,
        resources: { requests: { storage: '1Gi' } },
      },
    },
  });
  if (o.bindTimeoutMs === undefined) return;
  const end = Date.now() + o.bindTimeoutMs;
  for (;;) {
    const c = await client.json<{ status?: { phase?: string } }>(`/api/v1/namespaces/${o.namespace}/persistentvolumeclaims/${o.claim}`, {
      what: 'read the claim',
    });
    if (c.status?.phase === 'Bound') return;
    if (Date.now() > end)
      throw new Error(`timed out waiting for the claim ${o.namespace}/${o.claim} to be bound (phase ${c.status?.phase ?? 'unknown'})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
