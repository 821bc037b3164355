// The sample's artifacts claim for the VS Code suites that launch the sample on the local cluster.
import type { KubeClient } from '../../src/cluster/client';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The sample's artifacts claim (samples/cluster/artifacts.yaml) in the context's namespace, created when missing. */
export async function ensureArtifactsClaim(client: KubeClient, namespace: string): Promise<void> {
  const pvc = `/api/v1/namespaces/${namespace}/persistentvolumeclaims/kubeml-artifacts`;
  if (
    await client.json(pvc, { what: 'read the claim' }).then(
      () => true,
      () => false,
    )
  )
    return;
  const pv = `kubeml-artifacts-${namespace}`;
  await client
    .json('/api/v1/persistentvolumes', {
      method: 'POST',
      what: 'create the sample volume',
      body: {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: pv },
        spec: {
          capacity: { storage: '5Gi' },
          accessModes: ['ReadWriteOnce'],
          persistentVolumeReclaimPolicy: 'Retain',
          storageClassName: 'kubeml-local',
          claimRef: { namespace, name: 'kubeml-artifacts' },
          hostPath: { path: `/var/lib/kubeml/artifacts/${namespace}`, type: 'DirectoryOrCreate' },
          nodeAffinity: {
            required: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['kubeml-node'] }] }],
            },
          },
        },
      },
    })
    .catch(() => undefined);
  await client.json(`/api/v1/namespaces/${namespace}/persistentvolumeclaims`, {
    method: 'POST',
    what: 'create the sample claim',
    body: {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'kubeml-artifacts' },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'kubeml-local',
        volumeName: pv,
        resources: { requests: { storage: '5Gi' } },
      },
    },
  });
  for (let i = 0; i < 100; i++) {
    const c = await client.json<{ status?: { phase?: string } }>(pvc, { what: 'read the claim' });
    if (c.status?.phase === 'Bound') return;
    await sleep(300);
  }
}
