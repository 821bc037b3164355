// Why a job is pending, against the local cluster's real kube-scheduler, Job controller and quota admission
// (scripts/cluster/cluster.sh: Kubernetes v1.33.13, one real node and tainted simulated GPU nodes): the messages
// model/pending parses are the ones the cluster writes, and the sentence counts what the cluster has.
// Run: KUBEML_KUBECONFIG=$(bash scripts/cluster/cluster.sh kubeconfig) npx mocha --no-config --require tsx/cjs --extension ts --exit --timeout 600000 test/integration/pending.test.ts
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/cluster/client';
import { explainPending, nodeRequestsFrom } from '../../src/model/pending';
import type { EventLike, NodeLike, PendingInput, PodLike } from '../../src/model/pending';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('pending: explained from what the local cluster says', function () {
  this.timeout(180_000);
  const ns = `kubeml-pending-test-${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
  let client: KubeClient;
  let nodes: NodeLike[];

  before(async () => {
    const path = process.env.KUBEML_KUBECONFIG;
    assert.ok(
      path && existsSync(path),
      'KUBEML_KUBECONFIG must point at the local cluster kubeconfig (bash scripts/cluster/cluster.sh kubeconfig)',
    );
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    client = new KubeClient(kc);
    await client.json('/api/v1/namespaces', {
      method: 'POST',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      what: 'create the test namespace',
    });
    nodes = (await client.json<{ items: NodeLike[] }>('/api/v1/nodes', { what: 'list nodes' })).items;
  });

  after(async () => {
    await client.raw(`/api/v1/namespaces/${ns}`, { method: 'DELETE', what: 'delete the test namespace' }).catch(() => undefined);
  });

  const pause = { name: 'c', image: 'registry.k8s.io/pause:3.10', imagePullPolicy: 'IfNotPresent' };

  /** Creates the pod and waits for the scheduler's verdict on it: the whole input a reader would gather. */
  async function refused(name: string, spec: Record<string, unknown>): Promise<PendingInput> {
    await client.json(`/api/v1/namespaces/${ns}/pods`, {
      method: 'POST',
      body: { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { restartPolicy: 'Never', ...spec } },
      what: 'create a pod',
    });
    for (let i = 0; i < 300; i++) {
      const pod = await client.json<PodLike>(`/api/v1/namespaces/${ns}/pods/${name}`, { what: 'read the pod' });
      const c = pod.status?.conditions?.find((x) => x.type === 'PodScheduled');
      if (c?.status === 'True')
        assert.fail(`the scheduler placed ${name} on ${pod.spec?.nodeName}: the cluster has room this test assumed it lacks`);
      if (c?.status === 'False' && c.message) {
        const all = (await client.json<{ items: PodLike[] }>('/api/v1/pods', { what: 'list pods' })).items;
        return { pods: [pod], nodes, nodeRequests: nodeRequestsFrom(all) };
      }
      await sleep(200);
    }
    return assert.fail(`no PodScheduled=False on ${name} within 60 s`);
  }

  const gpuTainted = () => nodes.filter((n) => (n.spec?.taints ?? []).some((t) => t.key === 'nvidia.com/gpu' && t.effect === 'NoSchedule'));

  it('an untolerated GPU taint: the GPU nodes counted, a toleration proposed', async function () {
    const tainted = gpuTainted();
    if (tainted.length === 0) this.skip(); // skipped: the cluster has no tainted GPU nodes
    // More GPUs than the untainted (real) node has, so that only the tainted nodes could hold it.
    const input = await refused('taint', { containers: [{ ...pause, resources: { limits: { 'nvidia.com/gpu': '8' } } }] });
    const e = explainPending(input);
    assert.equal(e.sentence, `${tainted.length} GPU nodes need a toleration for nvidia.com/gpu.`, e.details.join('\n'));
    assert.deepEqual(e.actions[0], { kind: 'addToleration', key: 'nvidia.com/gpu', effect: 'NoSchedule', nodes: tainted.length });
  });

  it('a node selector no node matches: the values that exist, and the near one proposed', async function () {
    const product = gpuTainted()
      .map((n) => n.metadata.labels?.['nvidia.com/gpu.product'])
      .find((p) => p);
    if (!product) this.skip(); // skipped: no node is labelled nvidia.com/gpu.product
    const wanted = `${product}-X`;
    const input = await refused('selector', {
      containers: [{ ...pause, resources: { limits: { 'nvidia.com/gpu': '1' } } }],
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      nodeSelector: { 'nvidia.com/gpu.product': wanted },
    });
    const e = explainPending(input);
    assert.match(
      e.sentence,
      new RegExp(
        `^Its nodeSelector nvidia\\.com/gpu\\.product=${wanted.replace(/[.]/g, '\\.')} matches no node; the nodes have .*${product!.replace(/[.]/g, '\\.')} \\(\\d+ nodes?\\)`,
      ),
    );
    assert.equal(e.actions[0]?.kind, 'setNodeSelector');
    assert.equal(e.actions[0]?.kind === 'setNodeSelector' ? e.actions[0].to : '', product);
  });

  it('a claim that does not exist: named, and the action creates it', async () => {
    const input = await refused('claim', {
      containers: [{ ...pause, volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'absent-claim' } }],
    });
    const e = explainPending(input);
    assert.equal(e.sentence, 'Its claim absent-claim does not exist.', e.details.join('\n'));
    assert.deepEqual(e.actions, [{ kind: 'createClaim', name: 'absent-claim', namespace: ns }]);
  });

  it("a ResourceQuota refusal, from the Job controller's FailedCreate event", async () => {
    // Its own namespace: the pods the other tests leave pending would count against the quota.
    const qns = `${ns}-q`;
    await client.json('/api/v1/namespaces', {
      method: 'POST',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: qns } },
      what: 'create the quota test namespace',
    });
    try {
      await client.json(`/api/v1/namespaces/${qns}/resourcequotas`, {
        method: 'POST',
        body: {
          apiVersion: 'v1',
          kind: 'ResourceQuota',
          metadata: { name: 'gpu-quota' },
          spec: { hard: { 'requests.nvidia.com/gpu': '1' } },
        },
        what: 'create a quota',
      });
      // The quota controller fills status.hard before admission counts against it.
      for (let i = 0; i < 150; i++) {
        const q = await client.json<{ status?: { hard?: Record<string, string> } }>(`/api/v1/namespaces/${qns}/resourcequotas/gpu-quota`, {
          what: 'read the quota',
        });
        if (q.status?.hard) break;
        await sleep(200);
      }
      await client.json(`/apis/batch/v1/namespaces/${qns}/jobs`, {
        method: 'POST',
        body: {
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: { name: 'quota-job' },
          spec: {
            backoffLimit: 0,
            template: { spec: { restartPolicy: 'Never', containers: [{ ...pause, resources: { limits: { 'nvidia.com/gpu': '2' } } }] } },
          },
        },
        what: 'create a job',
      });
      let events: EventLike[] = [];
      for (let i = 0; i < 300 && !events.some((e) => e.reason === 'FailedCreate'); i++) {
        await sleep(200);
        events = (
          await client.json<{ items: EventLike[] }>(`/api/v1/namespaces/${qns}/events?fieldSelector=involvedObject.name%3Dquota-job`, {
            what: 'list events',
          })
        ).items;
      }
      const quotas = (
        await client.json<{ items: NonNullable<PendingInput['resourceQuotas']> }>(`/api/v1/namespaces/${qns}/resourcequotas`, {
          what: 'list quotas',
        })
      ).items;
      const e = explainPending({
        primary: { kind: 'Job', metadata: { name: 'quota-job', namespace: qns } },
        events,
        resourceQuotas: quotas,
      });
      assert.equal(
        e.sentence,
        'The namespace quota gpu-quota refuses its pods: each asks 2 requests.nvidia.com/gpu and 0 of 1 are in use.',
        events.map((x) => x.message).join('\n'),
      );
      assert.deepEqual(e.actions, [{ kind: 'setGpus', gpus: 1, resource: 'nvidia.com/gpu', why: 'quotaFree' }]);
    } finally {
      await client.raw(`/api/v1/namespaces/${qns}`, { method: 'DELETE', what: 'delete the quota test namespace' }).catch(() => undefined);
    }
  });
});
