// The Queues view's source and rows against the local cluster's real Kueue v0.17.0: a ClusterQueue of this
// test's own (1 cpu) with one admitted job and one that waits; the rows come from the informers and the
// visibility API, as the view shows them.
// KUBEML_KUBECONFIG=$(bash scripts/cluster/cluster.sh kubeconfig) npx mocha --no-config --require tsx/cjs --extension ts --exit --timeout 600000 test/integration/queuesView.test.ts
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/cluster/client';
import { Logger, nullSink } from '../../src/common/logging';
import { buildQueuesTree, type QueuesRow } from '../../src/queues/model';
import { QueuesSource } from '../../src/queues/source';
import { until } from '../support/wait';

const KUEUE = '/apis/kueue.x-k8s.io/v1beta1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('queues: the Queues view from the local Kueue', function () {
  this.timeout(240_000);
  const id = `${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
  const ns = `kubeml-queues-${id}`;
  const cq = `kubeml-queues-${id}`;
  const flavor = `kubeml-queues-${id}`;
  let client: KubeClient;
  let kueue = false;
  let source: QueuesSource | undefined;

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
    const post = (p: string, body: unknown, what: string) => client.json(p, { method: 'POST', body, what });
    await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, 'create the test namespace');
    await post(
      `${KUEUE}/resourceflavors`,
      { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'ResourceFlavor', metadata: { name: flavor } },
      'create a flavor',
    );
    await post(
      `${KUEUE}/clusterqueues`,
      {
        apiVersion: 'kueue.x-k8s.io/v1beta1',
        kind: 'ClusterQueue',
        metadata: { name: cq },
        spec: {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
          resourceGroups: [{ coveredResources: ['cpu'], flavors: [{ name: flavor, resources: [{ name: 'cpu', nominalQuota: '1' }] }] }],
        },
      },
      'create a ClusterQueue',
    );
    await post(
      `${KUEUE}/namespaces/${ns}/localqueues`,
      { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'LocalQueue', metadata: { name: 'lq' }, spec: { clusterQueue: cq } },
      'create a LocalQueue',
    );
  });

  after(async () => {
    source?.dispose();
    if (!kueue) return;
    await client.raw(`/api/v1/namespaces/${ns}`, { method: 'DELETE', what: 'delete the test namespace' }).catch(() => undefined);
    for (let i = 0; i < 150; i++) {
      const wls = await client
        .json<{ items: unknown[] }>(`${KUEUE}/namespaces/${ns}/workloads`, { what: 'list workloads' })
        .catch(() => ({ items: [] }));
      if (wls.items.length === 0) break;
      await sleep(200);
    }
    await client.raw(`${KUEUE}/clusterqueues/${cq}`, { method: 'DELETE', what: 'delete the ClusterQueue' }).catch(() => undefined);
    await client.raw(`${KUEUE}/resourceflavors/${flavor}`, { method: 'DELETE', what: 'delete the flavor' }).catch(() => undefined);
  });

  const job = (name: string, cpu: string) =>
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
              // Never scheduled anywhere: Kueue's admission is all this test reads.
              nodeSelector: { 'kubeml.io/test': 'no-such-node' },
              containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu } } }],
            },
          },
        },
      },
      what: `create job ${name}`,
    });

  it('a ClusterQueue with its cpu quota in use, the waiting job first in admission order, the admitted one, and the LocalQueue', async () => {
    await job('holder', '800m');
    await sleep(1500);
    await job('waiter', '500m');
    source = new QueuesSource({ client: () => client, namespaces: () => [ns], settleMs: 100 }, new Logger(nullSink));
    await source.start();
    const find = (rows: QueuesRow[], key: string): QueuesRow | undefined => {
      for (const r of rows) {
        if (r.key === key) return r;
        const hit = find(r.children, key);
        if (hit) return hit;
      }
      return undefined;
    };
    // Until the informers, Kueue's status counts and the visibility API agree: one admitted, one pending.
    const rows = await until(
      'the queue rows',
      90_000,
      () => {
        const t = buildQueuesTree(source!.snapshot());
        const row = find(t, `cq:${cq}`);
        return row &&
          /1 pending · 1 admitted/.test(row.description ?? '') &&
          find(t, `cq:${cq}:pending`)?.children.length === 1 &&
          /1 pending · 1 admitted/.test(find(t, 'lq')?.children[0]?.description ?? '')
          ? t
          : undefined;
      },
      300,
    );
    const row = find(rows, `cq:${cq}`)!;
    assert.equal(row.description, '1 pending · 1 admitted');
    const labels = row.children.map((r) => `${r.label} | ${r.description ?? ''}`);
    assert.deepEqual(labels, [`cpu · ${flavor} | 0.8 / 1 used`, 'Pending (1) | in admission order', 'Admitted (1) | ']);
    const [waiting] = find(rows, `cq:${cq}:pending`)!.children;
    assert.equal(waiting!.label, '1. Job/waiter');
    assert.match(waiting!.description!, new RegExp(`^${ns} · needs 0\\.5 cpu · waiting \\d+ min$`));
    const [admitted] = find(rows, `cq:${cq}:admitted`)!.children;
    assert.equal(admitted!.label, 'Job/holder');
    const lqs = find(rows, 'lq')!;
    assert.deepEqual(
      lqs.children.map((r) => r.label + ' | ' + r.description),
      [`lq | → ${cq} · 1 pending · 1 admitted`],
    );
  });
});
