// Integration tests of Kueue on the local cluster (scripts/cluster/kueue.sh, issue 15), against the
// real controller. Needs `npm run cluster:up`; run:
// KUBEML_KUBECONFIG=$(bash scripts/cluster/cluster.sh kubeconfig) npx mocha --no-config --require tsx/cjs --extension ts --exit --timeout 600000 test/integration/kueue.test.ts
// The cluster is shared: every test works in its own namespace with its own ClusterQueues and cohort
// (on the shipped ResourceFlavors), so other engineers' jobs in team-a/team-b do not move its quotas.
// Jobs on the simulated fleet run no container: KWOK's stages mark a Job's pod Running, then
// Succeeded at once. A job that must hold its quota ("hold") therefore gets a node selector that no
// node matches: Kueue admits it (the key is none of its flavors' labels) and its pod stays Pending.
// The jobs that must really run and finish go to the real node's flavor.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { KubeClient } from '../../src/cluster/client';
import { sleep, until } from '../support/wait';

const GROUP = 'kueue.x-k8s.io';
const VERSION = 'v1beta2';
const QUEUE_LABEL = 'kueue.x-k8s.io/queue-name';
const GPU = 'nvidia.com/gpu';
const H100 = 'NVIDIA-H100-80GB-HBM3';
const REAL_NODE = 'kubeml-node';
const HOLD = { 'kubeml.dev/kueue-test-hold': 'no-such-node' };

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
interface Workload {
  metadata: { name: string; namespace: string; ownerReferences?: { kind: string; name: string }[] };
  status?: {
    conditions?: Condition[];
    admission?: { clusterQueue: string; podSetAssignments: { name: string; flavors?: Record<string, string> }[] };
  };
}
interface FlavorUsage {
  name: string;
  resources: { name: string; total?: string; borrowed?: string }[];
}
interface ClusterQueue {
  metadata: { name: string };
  spec: { cohortName?: string };
  status?: { conditions?: Condition[]; flavorsReservation?: FlavorUsage[] };
}
interface PendingWorkloads {
  items: {
    metadata: { name: string; ownerReferences?: { name: string }[] };
    positionInClusterQueue: number;
    positionInLocalQueue: number;
    localQueueName: string;
  }[];
}

const suffix = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
const cond = (c: Condition[] | undefined, type: string) => (c ?? []).find((x) => x.type === type);

describe('Kueue on the local cluster (scripts/cluster/kueue.sh)', function () {
  this.timeout(180_000);
  const id = suffix();
  const ns = `kubeml-kueue-${id}`;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let batch: k8s.BatchV1Api;
  let custom: k8s.CustomObjectsApi;
  let trainImage: string;
  const clusterQueues: string[] = [];

  before(async function () {
    const path = process.env.KUBEML_KUBECONFIG;
    assert.ok(path, 'KUBEML_KUBECONFIG must point at the cluster kubeconfig (npm run --silent cluster:kubeconfig)');
    assert.ok(existsSync(path), `kubeconfig ${path} does not exist: run npm run cluster:up`);
    kc = new k8s.KubeConfig();
    kc.loadFromFile(path);
    core = kc.makeApiClient(k8s.CoreV1Api);
    batch = kc.makeApiClient(k8s.BatchV1Api);
    custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const node = await core.readNode({ name: REAL_NODE });
    const names = (node.status?.images ?? []).flatMap((i) => i.names ?? []);
    trainImage = names.find((n) => n.startsWith('localhost/kubeml-train:')) ?? '';
    assert.ok(trainImage, `no localhost/kubeml-train image on ${REAL_NODE}`);
    await core.createNamespace({ body: { metadata: { name: ns } } });
  });

  after(async function () {
    this.timeout(120_000);
    // The namespace takes the jobs, their workloads and the LocalQueues; a ClusterQueue waits for
    // its workloads to be gone (finalizer), so it goes last.
    await core.deleteNamespace({ name: ns }).catch(() => undefined);
    await until(
      'the test namespace to be deleted',
      90_000,
      async () => {
        try {
          await core.readNamespace({ name: ns });
          return false;
        } catch (e) {
          return e instanceof k8s.ApiException && e.code === 404;
        }
      },
      500,
    ).catch(() => undefined);
    for (const name of clusterQueues) {
      await custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: 'clusterqueues', name }).catch(() => undefined);
    }
  });

  // ------------------------------------------------------------------ helpers
  async function clusterQueue(name: string, flavor: string, nominal: number, opts: { cohort?: string; borrowingLimit?: number } = {}) {
    const gpu: Record<string, unknown> = { name: GPU, nominalQuota: String(nominal) };
    if (opts.borrowingLimit !== undefined) gpu.borrowingLimit = String(opts.borrowingLimit);
    await custom.createClusterCustomObject({
      group: GROUP,
      version: VERSION,
      plural: 'clusterqueues',
      body: {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: 'ClusterQueue',
        metadata: { name },
        spec: {
          ...(opts.cohort ? { cohortName: opts.cohort } : {}),
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
          resourceGroups: [
            {
              coveredResources: ['cpu', 'memory'],
              flavors: [
                {
                  name: 'default-flavor',
                  resources: [
                    { name: 'cpu', nominalQuota: '8' },
                    { name: 'memory', nominalQuota: '16Gi' },
                  ],
                },
              ],
            },
            { coveredResources: [GPU], flavors: [{ name: flavor, resources: [gpu] }] },
          ],
        },
      },
    });
    clusterQueues.push(name);
    await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns,
      plural: 'localqueues',
      body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'LocalQueue', metadata: { name, namespace: ns }, spec: { clusterQueue: name } },
    });
    await until(`ClusterQueue ${name} to be active`, 30_000, async () => {
      const cq = (await custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: 'clusterqueues', name })) as ClusterQueue;
      return cond(cq.status?.conditions, 'Active')?.status === 'True';
    });
  }

  function job(
    name: string,
    gpus: number,
    opts: { queue?: string; realNode?: boolean; hold?: boolean; command?: string[] } = {},
  ): k8s.V1Job {
    return {
      metadata: { name, namespace: ns, labels: opts.queue ? { [QUEUE_LABEL]: opts.queue } : {} },
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            restartPolicy: 'Never',
            terminationGracePeriodSeconds: 1,
            ...(opts.realNode ? { nodeSelector: { 'kubeml.dev/node': 'real' } } : {}),
            ...(opts.hold ? { nodeSelector: HOLD } : {}),
            containers: [
              {
                name: 'main',
                image: trainImage,
                imagePullPolicy: 'Never',
                command: opts.command ?? ['sleep', '3600'],
                resources: {
                  requests: { cpu: '100m', memory: '64Mi', ...(gpus ? { [GPU]: String(gpus) } : {}) },
                  limits: { memory: '64Mi', ...(gpus ? { [GPU]: String(gpus) } : {}) },
                },
              },
            ],
          },
        },
      },
    };
  }

  const createJob = (body: k8s.V1Job) => batch.createNamespacedJob({ namespace: ns, body });
  const deleteJob = (name: string) => batch.deleteNamespacedJob({ name, namespace: ns, propagationPolicy: 'Background' });

  async function workloadOf(jobName: string): Promise<Workload | undefined> {
    const list = (await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: 'workloads' })) as {
      items: Workload[];
    };
    return list.items.find((w) => (w.metadata.ownerReferences ?? []).some((o) => o.kind === 'Job' && o.name === jobName));
  }

  const admitted = (jobName: string, timeoutMs = 60_000) =>
    until(`the Workload of ${jobName} to be admitted`, timeoutMs, async () => {
      const wl = await workloadOf(jobName);
      return cond(wl?.status?.conditions, 'Admitted')?.status === 'True' ? wl : undefined;
    });

  const pending = (jobName: string) =>
    until(`the Workload of ${jobName} to be pending with a reason`, 60_000, async () => {
      const wl = await workloadOf(jobName);
      const c = cond(wl?.status?.conditions, 'QuotaReserved');
      return c?.status === 'False' && c.reason === 'Pending' && c.message ? c.message : undefined;
    });

  const unsuspended = (jobName: string) =>
    until(`Job ${jobName} to be unsuspended`, 60_000, async () => {
      const j = await batch.readNamespacedJob({ name: jobName, namespace: ns });
      return j.spec?.suspend === false ? j : undefined;
    });

  // ------------------------------------------------------------------ tests
  it('ships a flavor per GPU product of the nodes, team-a and team-b in one cohort, LocalQueues in default and kubeml-demo', async function () {
    const flavors = (
      (await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: 'resourceflavors' })) as {
        items: { metadata: { name: string }; spec?: { nodeLabels?: Record<string, string> } }[];
      }
    ).items;
    const nodes = (await core.listNode()).items.filter((n) => n.metadata?.labels?.['nvidia.com/gpu.product']);
    assert.ok(nodes.length > 1, 'no GPU nodes');
    for (const n of nodes) {
      const labels = n.metadata?.labels ?? {};
      const matching = flavors.filter((f) => {
        const want = Object.entries(f.spec?.nodeLabels ?? {});
        return want.length > 0 && want.every(([k, v]) => labels[k] === v);
      });
      assert.equal(
        matching.length,
        1,
        `node ${n.metadata?.name} (${labels['nvidia.com/gpu.product']}) matches flavors [${matching.map((f) => f.metadata.name)}]`,
      );
      if (n.metadata?.name === REAL_NODE) assert.equal(matching[0].metadata.name, 'kubeml-node');
    }
    const cqs = await Promise.all(
      ['team-a', 'team-b'].map(
        (name) => custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: 'clusterqueues', name }) as Promise<ClusterQueue>,
      ),
    );
    assert.ok(cqs[0].spec.cohortName, 'team-a has no cohort');
    assert.equal(cqs[1].spec.cohortName, cqs[0].spec.cohortName);
    for (const cq of cqs) assert.equal(cond(cq.status?.conditions, 'Active')?.status, 'True', `${cq.metadata.name} is not active`);
    for (const namespace of ['default', 'kubeml-demo']) {
      const lqs = (await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: 'localqueues' })) as {
        items: { metadata: { name: string }; spec: { clusterQueue: string } }[];
      };
      assert.deepEqual(lqs.items.map((q) => `${q.metadata.name}->${q.spec.clusterQueue}`).sort(), ['team-a->team-a', 'team-b->team-b']);
    }
  });

  it('leaves a Job without the queue-name label alone, and its webhooks only see labelled jobs', async function () {
    const name = 'plain';
    const created = await createJob(job(name, 0, { command: ['true'] }));
    assert.notEqual(created.spec?.suspend, true, 'Kueue suspended a job without the queue-name label');
    await until(`Job ${name} to complete`, 90_000, async () => {
      const j = await batch.readNamespacedJob({ name, namespace: ns });
      return (j.status?.succeeded ?? 0) >= 1;
    });
    assert.equal(await workloadOf(name), undefined, 'Kueue made a Workload for a job without the queue-name label');
    // Creating such jobs must not depend on Kueue answering: its job webhooks select labelled objects only.
    const admission = kc.makeApiClient(k8s.AdmissionregistrationV1Api);
    const mutating = await admission.readMutatingWebhookConfiguration({ name: 'kueue-mutating-webhook-configuration' });
    const validating = await admission.readValidatingWebhookConfiguration({ name: 'kueue-validating-webhook-configuration' });
    const hooks = [...(mutating.webhooks ?? []), ...(validating.webhooks ?? [])];
    const jobHooks = hooks.filter((h) => (h.rules ?? []).some((r) => r.apiGroups?.includes('batch') && r.resources?.includes('jobs')));
    assert.equal(jobHooks.length, 2, `batch Job webhooks: ${hooks.map((h) => h.name).join(', ')}`);
    for (const h of jobHooks) {
      const selects = (h.objectSelector?.matchExpressions ?? []).map((e) => `${e.key} ${e.operator} ${e.values ?? ''}`);
      assert.deepEqual(selects, [`${QUEUE_LABEL} Exists `], `${h.name} selects every job`);
      assert.match(h.clientConfig.url ?? '', /^https:\/\/127\.0\.0\.1:\d+\//);
    }
  });

  it("suspends a labelled Job, admits it when quota allows and runs it on the flavor's nodes", async function () {
    const cq = `kubeml-t-${id}-quota`;
    await clusterQueue(cq, 'h100', 2);
    const created = await createJob(job('first', 2, { queue: cq }));
    assert.equal(created.spec?.suspend, true, "the Job was not suspended on creation by Kueue's webhook");
    const wl = await admitted('first');
    assert.equal(wl.status?.admission?.clusterQueue, cq);
    assert.equal(wl.status?.admission?.podSetAssignments[0].flavors?.[GPU], 'h100');
    const j = await unsuspended('first');
    const pod = j.spec?.template.spec;
    assert.equal(pod?.nodeSelector?.['nvidia.com/gpu.product'], H100, "the flavor's node labels were not injected");
    assert.ok(
      (pod?.tolerations ?? []).some((t) => t.key === GPU),
      "the flavor's toleration was not injected",
    );
    const node = await until('the pod of first to be scheduled', 60_000, async () => {
      const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: 'job-name=first' });
      return pods.items[0]?.spec?.nodeName;
    });
    const placed = await core.readNode({ name: node });
    assert.equal(placed.metadata?.labels?.['nvidia.com/gpu.product'], H100);
    // KWOK completes it: its Workload finishes and gives the quota back.
    await until('the Workload of first to finish', 60_000, async () => {
      const finished = await workloadOf('first');
      return cond(finished?.status?.conditions, 'Finished')?.status === 'True';
    });
  });

  it("keeps the next Job pending with Kueue's reason while the quota is used, and admits it when the first is deleted", async function () {
    const cq = `kubeml-t-${id}-quota`;
    await createJob(job('holder', 2, { queue: cq, hold: true }));
    await admitted('holder');
    const created = await createJob(job('second', 2, { queue: cq }));
    assert.equal(created.spec?.suspend, true);
    const message = await pending('second');
    // pkg/scheduler/flavorassigner/flavorassigner.go: Assignment.Message and fitsResourceQuota.
    assert.ok(message.includes("couldn't assign flavors to pod set main"), message);
    assert.ok(message.includes(`insufficient unused quota for ${GPU} in flavor h100, 2 more needed`), message);
    assert.equal((await batch.readNamespacedJob({ name: 'second', namespace: ns })).spec?.suspend, true);
    await deleteJob('holder');
    await admitted('second');
    await unsuspended('second');
  });

  it('admits the next Job when the one using the quota finishes (real node)', async function () {
    const cq = `kubeml-t-${id}-real`;
    await clusterQueue(cq, 'kubeml-node', 1);
    await createJob(job('run-1', 1, { queue: cq, realNode: true, command: ['sleep', '15'] }));
    await admitted('run-1');
    await createJob(job('run-2', 1, { queue: cq, realNode: true, command: ['true'] }));
    const message = await pending('run-2');
    assert.ok(message.includes(`insufficient unused quota for ${GPU} in flavor kubeml-node, 1 more needed`), message);
    await until('run-1 to complete', 120_000, async () => {
      const j = await batch.readNamespacedJob({ name: 'run-1', namespace: ns });
      return (j.status?.succeeded ?? 0) >= 1;
    });
    await admitted('run-2', 90_000);
    const done = await until('run-2 to complete', 120_000, async () => {
      const j = await batch.readNamespacedJob({ name: 'run-2', namespace: ns });
      return (j.status?.succeeded ?? 0) >= 1 ? j : undefined;
    });
    assert.equal(done.spec?.template.spec?.nodeSelector?.['kubeml.dev/node'], 'real');
    const finished = await workloadOf('run-1');
    assert.equal(cond(finished?.status?.conditions, 'Finished')?.status, 'True');
  });

  it("borrows unused quota from the cohort, and the lender's job waits for it", async function () {
    const cohort = `kubeml-t-${id}`;
    const a = `kubeml-t-${id}-a`;
    const b = `kubeml-t-${id}-b`;
    await clusterQueue(a, 'h100', 2, { cohort, borrowingLimit: 2 });
    await clusterQueue(b, 'h100', 2, { cohort });
    await createJob(job('borrower', 4, { queue: a, hold: true }));
    await admitted('borrower');
    const usage = await until(`${a} to report its borrowing`, 30_000, async () => {
      const cq = (await custom.getClusterCustomObject({
        group: GROUP,
        version: VERSION,
        plural: 'clusterqueues',
        name: a,
      })) as ClusterQueue;
      const gpu = cq.status?.flavorsReservation?.find((f) => f.name === 'h100')?.resources.find((r) => r.name === GPU);
      return gpu?.total === '4' ? gpu : undefined;
    });
    assert.equal(usage.borrowed, '2');
    await createJob(job('lender', 2, { queue: b }));
    const message = await pending('lender');
    assert.ok(message.includes(`insufficient unused quota for ${GPU} in flavor h100, 2 more needed`), message);
    await deleteJob('borrower');
    await admitted('lender');
  });

  it('lists the pending workloads of a ClusterQueue in order through the visibility API', async function () {
    const cq = `kubeml-t-${id}-order`;
    await clusterQueue(cq, 'h100', 1);
    await createJob(job('running', 1, { queue: cq, hold: true }));
    await admitted('running');
    const order = ['wait-1', 'wait-2', 'wait-3'];
    for (const name of order) {
      await createJob(job(name, 1, { queue: cq }));
      await pending(name);
      await sleep(1100); // creation timestamps have a resolution of one second: FIFO needs distinct ones
    }
    const client = new KubeClient(kc);
    const res = await client.request(`/apis/visibility.kueue.x-k8s.io/v1beta1/clusterqueues/${cq}/pendingworkloads`, {
      what: `read the pending workloads of ${cq}`,
    });
    assert.equal(res.status, 200, res.text);
    const body = JSON.parse(res.text) as PendingWorkloads;
    const owners = body.items.map((w) => w.metadata.ownerReferences?.[0]?.name);
    assert.deepEqual(owners, order);
    assert.deepEqual(
      body.items.map((w) => [w.positionInClusterQueue, w.positionInLocalQueue, w.localQueueName]),
      order.map((_, i) => [i, i, cq]),
    );
  });
});
