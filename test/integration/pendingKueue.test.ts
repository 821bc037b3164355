// Why a queued job is pending, against the local cluster's real Kueue v0.17.0 (scripts/cluster: its controller,
// webhooks and visibility API): a ClusterQueue of this test's own (no cohort, one flavor of its own, 8 GPUs), one
// job admitted, one that waits for quota and one that can never fit; model/pending reads the Workloads Kueue
// writes, the ClusterQueue's status and the visibility API's positions.
// Run: KUBEML_KUBECONFIG=$(bash scripts/cluster/cluster.sh kubeconfig) npx mocha --no-config --require tsx/cjs --extension ts --exit --timeout 600000 test/integration/pendingKueue.test.ts
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/cluster/client';
import { explainPending } from '../../src/model/pending';
import type { ClusterQueueLike, WorkloadLike } from '../../src/model/pending';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const KUEUE = '/apis/kueue.x-k8s.io/v1beta2';

describe('pending: explained from what the local Kueue says', function () {
  this.timeout(240_000);
  const id = `${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
  const ns = `kubeml-pending-kueue-${id}`;
  const cqName = `kubeml-pending-${id}`;
  const flavor = `kubeml-pending-${id}`;
  let client: KubeClient;
  let kueue = false;

  before(async function () {
    const path = process.env.KUBEML_KUBECONFIG;
    assert.ok(
      path && existsSync(path),
      'KUBEML_KUBECONFIG must point at the local cluster kubeconfig (bash scripts/cluster/cluster.sh kubeconfig)',
    );
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    client = new KubeClient(kc);
    kueue = (await client.raw(`${KUEUE}/clusterqueues`, { what: 'probe Kueue' }).catch(() => undefined))?.ok === true;
    if (!kueue) this.skip(); // skipped: Kueue is not installed on the cluster
    await client.json('/api/v1/namespaces', {
      method: 'POST',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      what: 'create the test namespace',
    });
    await client.json(`${KUEUE}/resourceflavors`, {
      method: 'POST',
      body: { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'ResourceFlavor', metadata: { name: flavor } },
      what: 'create a flavor',
    });
    await client.json(`${KUEUE}/clusterqueues`, {
      method: 'POST',
      body: {
        apiVersion: 'kueue.x-k8s.io/v1beta2',
        kind: 'ClusterQueue',
        metadata: { name: cqName },
        spec: {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
          resourceGroups: [
            {
              coveredResources: ['nvidia.com/gpu'],
              flavors: [{ name: flavor, resources: [{ name: 'nvidia.com/gpu', nominalQuota: '8' }] }],
            },
          ],
        },
      },
      what: 'create a ClusterQueue',
    });
    await client.json(`${KUEUE}/namespaces/${ns}/localqueues`, {
      method: 'POST',
      body: { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'LocalQueue', metadata: { name: 'lq' }, spec: { clusterQueue: cqName } },
      what: 'create a LocalQueue',
    });
  });

  after(async () => {
    if (!kueue) return;
    await client.raw(`/api/v1/namespaces/${ns}`, { method: 'DELETE', what: 'delete the test namespace' }).catch(() => undefined);
    // The ClusterQueue keeps a finalizer until its workloads are gone.
    for (let i = 0; i < 150; i++) {
      const wls = await client
        .json<{ items: unknown[] }>(`${KUEUE}/namespaces/${ns}/workloads`, { what: 'list workloads' })
        .catch(() => ({ items: [] }));
      if (wls.items.length === 0) break;
      await sleep(200);
    }
    await client.raw(`${KUEUE}/clusterqueues/${cqName}`, { method: 'DELETE', what: 'delete the ClusterQueue' }).catch(() => undefined);
    await client.raw(`${KUEUE}/resourceflavors/${flavor}`, { method: 'DELETE', what: 'delete the flavor' }).catch(() => undefined);
  });

  const job = (name: string, gpus: number) =>
    client.json(`/apis/batch/v1/namespaces/${ns}/jobs`, {
      method: 'POST',
      body: {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name, labels: { 'kueue.x-k8s.io/queue-name': 'lq' } },
        spec: {
          suspend: true,
          backoffLimit: 0,
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { limits: { 'nvidia.com/gpu': String(gpus) } } }],
            },
          },
        },
      },
      what: 'create a queued job',
    });

  async function workloadOf(jobName: string, ready: (w: WorkloadLike) => boolean): Promise<WorkloadLike> {
    for (let i = 0; i < 300; i++) {
      const wls = (await client.json<{ items: WorkloadLike[] }>(`${KUEUE}/namespaces/${ns}/workloads`, { what: 'list workloads' })).items;
      const w = wls.find((x) => x.metadata.ownerReferences?.some((o) => o.kind === 'Job' && o.name === jobName));
      if (w && ready(w)) return w;
      await sleep(200);
    }
    return assert.fail(`no workload of ${jobName} in the expected state within 60 s`);
  }

  const cond = (w: WorkloadLike, type: string) => w.status?.conditions?.find((c) => c.type === type);
  const waiting = (w: WorkloadLike) => cond(w, 'QuotaReserved')?.status === 'False' && !!cond(w, 'QuotaReserved')?.message;

  it('quota used up: the free GPUs of the queue, no cohort to borrow from; more than it can ever hold: its maximum', async () => {
    await job('first', 6);
    await workloadOf('first', (w) => cond(w, 'QuotaReserved')?.status === 'True');
    await job('second', 4);
    const second = await workloadOf('second', waiting);
    let cq = await client.json<ClusterQueueLike>(`${KUEUE}/clusterqueues/${cqName}`, { what: 'read the ClusterQueue' });
    let e = explainPending({ kueue: { workload: second, clusterQueue: cq, clusterQueues: [cq] } });
    assert.equal(
      e.sentence,
      `It needs 4 nvidia.com/gpu in flavor ${flavor}; ${cqName} has 2 free of 8 and cannot borrow: it is in no cohort.`,
      e.details.join('\n'),
    );
    assert.deepEqual(e.actions[0], { kind: 'setGpus', gpus: 2, resource: 'nvidia.com/gpu', why: 'queueFree' });

    await job('third', 16);
    const third = await workloadOf('third', waiting);
    cq = await client.json<ClusterQueueLike>(`${KUEUE}/clusterqueues/${cqName}`, { what: 'read the ClusterQueue' });
    e = explainPending({ kueue: { workload: third, clusterQueue: cq } });
    assert.equal(
      e.sentence,
      `It needs 16 nvidia.com/gpu in flavor ${flavor}, more than ${cqName} can ever hold (8).`,
      e.details.join('\n'),
    );
    assert.deepEqual(e.actions[0], { kind: 'setGpus', gpus: 8, resource: 'nvidia.com/gpu', why: 'queueMax' });
  });

  it("its place in the queue, from the visibility API's positions (0-based there, 1-based in the text)", async () => {
    const url = `/apis/visibility.kueue.x-k8s.io/v1beta2/namespaces/${ns}/localqueues/lq/pendingworkloads`;
    type Pending = {
      metadata: { name: string; namespace: string; ownerReferences?: Array<{ name: string }> };
      positionInClusterQueue: number;
      positionInLocalQueue: number;
      localQueueName: string;
    };
    const items = (await client.json<{ items: Pending[] }>(url, { what: 'read the pending workloads' })).items;
    const second = await workloadOf('second', waiting);
    const mine = items.find((x) => x.metadata.name === second.metadata.name);
    assert.ok(mine, `the visibility API lists ${second.metadata.name}: ${JSON.stringify(items.map((x) => x.metadata.name))}`);
    const ahead = items
      .filter((x) => x.positionInLocalQueue < mine.positionInLocalQueue)
      .map((x) => ({ namespace: x.metadata.namespace, name: x.metadata.name, owner: x.metadata.ownerReferences?.[0]?.name }));
    const e = explainPending({ kueue: { workload: second, position: mine, ahead } });
    assert.equal(e.queue?.position, mine.positionInLocalQueue + 1);
    assert.match(
      e.details[0]!,
      new RegExp(
        `^${mine.positionInLocalQueue + 1}(st|nd|rd|th) in lq \\(${mine.positionInClusterQueue + 1}(st|nd|rd|th) in ClusterQueue|^${mine.positionInLocalQueue + 1}(st|nd|rd|th) in lq`,
      ),
    );
  });
});
