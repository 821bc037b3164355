// Integration test of the local cluster (scripts/cluster/cluster.sh, issue 3).
// Needs a running cluster: `npm run cluster:up`, then KUBEML_KUBECONFIG=$(npm run --silent cluster:kubeconfig).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { expandSnippet } from '../../src/lint/snippetExpand';
import { PassThrough } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { sleep, until as untilDefined } from '../support/wait';

const NAMESPACE = 'kubeml-demo';
const REAL_NODE = 'kubeml-node';
const GPU = 'nvidia.com/gpu';

const CRDS: { group: string; version: string; plural: string; namespaced: boolean }[] = [
  { group: 'trainer.kubeflow.org', version: 'v1alpha1', plural: 'trainjobs', namespaced: true },
  { group: 'trainer.kubeflow.org', version: 'v1alpha1', plural: 'trainingruntimes', namespaced: true },
  { group: 'trainer.kubeflow.org', version: 'v1alpha1', plural: 'clustertrainingruntimes', namespaced: false },
  { group: 'kubeflow.org', version: 'v1', plural: 'pytorchjobs', namespaced: true },
  { group: 'serving.kserve.io', version: 'v1beta1', plural: 'inferenceservices', namespaced: true },
  { group: 'ray.io', version: 'v1', plural: 'rayjobs', namespaced: true },
  { group: 'data.fluid.io', version: 'v1alpha1', plural: 'datasets', namespaced: true },
];

const suffix = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;

describe('local cluster (scripts/cluster/cluster.sh)', function () {
  this.timeout(60_000);
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let batch: k8s.BatchV1Api;
  let trainImage: string;
  const cleanups: (() => Promise<unknown>)[] = [];

  before(async function () {
    const path = process.env.KUBEML_KUBECONFIG;
    assert.ok(path, 'KUBEML_KUBECONFIG must point at the cluster kubeconfig (npm run --silent cluster:kubeconfig)');
    assert.ok(existsSync(path), `kubeconfig ${path} does not exist: run npm run cluster:up`);
    kc = new k8s.KubeConfig();
    kc.loadFromFile(path);
    core = kc.makeApiClient(k8s.CoreV1Api);
    batch = kc.makeApiClient(k8s.BatchV1Api);
    // The training image tag is a hash of its recipe: find it among the images the real node reports.
    const node = await core.readNode({ name: REAL_NODE });
    const names = (node.status?.images ?? []).flatMap((i) => i.names ?? []);
    trainImage = process.env.KUBEML_TRAIN_IMAGE ?? names.find((n) => n.startsWith('localhost/kubeml-train:')) ?? '';
    assert.ok(trainImage, `no localhost/kubeml-train image on ${REAL_NODE}: ${names.join(', ')}`);
  });

  after(async function () {
    this.timeout(60_000);
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it('has the real node Ready, untainted, with nvidia.com/gpu allocatable', async function () {
    const node = await core.readNode({ name: REAL_NODE });
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'True', `node ${REAL_NODE} is not Ready: ${ready?.message}`);
    assert.equal(node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address, '127.0.0.1');
    assert.ok(Number(node.status?.allocatable?.[GPU]) >= 1, `${REAL_NODE} advertises no ${GPU}`);
    const noSchedule = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoSchedule');
    assert.deepEqual(noSchedule, [], `${REAL_NODE} must not be tainted`);
  });

  it('lists the simulated GPU fleet with nvidia.com/gpu capacity and GFD labels', async function () {
    const list = await core.listNode({ labelSelector: 'kubeml.dev/fleet=simulated' });
    assert.ok(list.items.length > 0, 'no simulated GPU nodes');
    for (const n of list.items) {
      const name = n.metadata?.name;
      const labels = n.metadata?.labels ?? {};
      assert.ok(n.status?.capacity?.[GPU] !== undefined, `${name} has no ${GPU} capacity`);
      assert.ok(labels['nvidia.com/gpu.product'], `${name} has no nvidia.com/gpu.product label`);
      assert.ok(labels['nvidia.com/mig.strategy'], `${name} has no nvidia.com/mig.strategy label`);
      assert.equal(n.metadata?.annotations?.['kwok.x-k8s.io/node'], 'fake');
      assert.ok(
        (n.spec?.taints ?? []).some((t) => t.key === GPU && t.effect === 'NoSchedule'),
        `${name} lacks the ${GPU} taint`,
      );
    }
    const products = new Set(list.items.map((n) => n.metadata?.labels?.['nvidia.com/gpu.product']));
    assert.ok(products.has('NVIDIA-H100-80GB-HBM3'), `no H100 nodes among ${[...products].join(', ')}`);
    if (list.items.length >= 4) {
      const mig = list.items.find((n) => n.metadata?.labels?.['nvidia.com/mig.strategy'] === 'mixed');
      assert.ok(mig?.status?.capacity?.['nvidia.com/mig-1g.10gb'], 'no A100 node exposing nvidia.com/mig-1g.10gb');
      assert.ok(products.has('NVIDIA-L4'), 'no L4 nodes');
    }
  });

  it('runs a Job on localhost/kubeml-train to completion and reads its logs', async function () {
    this.timeout(300_000);
    const name = `it-train-${suffix()}`;
    const script = [
      'import numpy as np, pandas as pd, scipy, sklearn',
      'from sklearn.datasets import make_classification',
      'from sklearn.linear_model import LogisticRegression',
      'X, y = make_classification(n_samples=200, n_features=8, random_state=0)',
      'acc = LogisticRegression(max_iter=200).fit(X, y).score(X, y)',
      'print("KUBEML_TRAIN_OK sklearn=%s acc=%.2f" % (sklearn.__version__, acc))',
    ].join('\n');
    const job: k8s.V1Job = {
      metadata: { name, labels: { 'kubeml.dev/test': 'integration' } },
      spec: {
        backoffLimit: 0,
        ttlSecondsAfterFinished: 600,
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [
              {
                name: 'train',
                image: trainImage,
                imagePullPolicy: 'Never',
                command: ['python3', '-c', script],
                resources: { limits: { [GPU]: '1' } },
              },
            ],
          },
        },
      },
    };
    await batch.createNamespacedJob({ namespace: NAMESPACE, body: job });
    cleanups.push(() => batch.deleteNamespacedJob({ name, namespace: NAMESPACE, propagationPolicy: 'Background' }));
    const done = await untilDefined('the Job to finish', 240_000, async () => {
      const j = await batch.readNamespacedJob({ name, namespace: NAMESPACE });
      return (j.status?.succeeded ?? 0) > 0 || (j.status?.failed ?? 0) > 0 ? j : undefined;
    });
    const pods = await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `job-name=${name}` });
    assert.equal(pods.items.length, 1);
    const pod = pods.items[0];
    const logs = await core.readNamespacedPodLog({ name: pod.metadata!.name!, namespace: NAMESPACE });
    assert.equal(done.status?.succeeded, 1, `Job failed; logs:\n${logs}`);
    assert.equal(pod.spec?.nodeName, REAL_NODE, 'a GPU pod without toleration must land on the real node');
    assert.match(logs, /KUBEML_TRAIN_OK sklearn=\d+\.\d+/);
  });

  it('runs the kubeml-job-gpu snippet (its default image and security context) on the real node', async function () {
    this.timeout(300_000);
    const snippets = JSON.parse(readFileSync(join(__dirname, '../../snippets/kubernetes-ml.code-snippets'), 'utf8')) as Record<
      string,
      { prefix: string; body: string[] }
    >;
    const snippet = Object.values(snippets).find((s) => s.prefix === 'kubeml-job-gpu');
    assert.ok(snippet, 'the kubeml-job-gpu snippet');
    const job = parseYaml(expandSnippet(snippet.body)) as k8s.V1Job;
    const name = `it-snippet-${suffix()}`;
    job.metadata = { ...job.metadata, name };
    const pod = job.spec!.template.spec!;
    const container = pod.containers[0]!;
    assert.equal(container.image, 'localhost/kubeml-train:local', "the default image is the local cluster's training image");
    // What this machine cannot offer: the snippet asks for an H100 and 4 CPUs; the real node is an L4 with 2 cores.
    pod.nodeSelector = { 'kubernetes.io/hostname': REAL_NODE };
    container.command = ['python3', '-c', 'import sklearn, os; print("KUBEML_SNIPPET_OK", os.getuid())'];
    container.resources = { requests: { cpu: '100m', memory: '256Mi', [GPU]: '1' }, limits: { cpu: '1', memory: '1Gi', [GPU]: '1' } };
    await batch.createNamespacedJob({ namespace: NAMESPACE, body: job });
    cleanups.push(() => batch.deleteNamespacedJob({ name, namespace: NAMESPACE, propagationPolicy: 'Background' }));
    const done = await untilDefined('the Job to finish', 240_000, async () => {
      const j = await batch.readNamespacedJob({ name, namespace: NAMESPACE });
      return (j.status?.succeeded ?? 0) > 0 || (j.status?.failed ?? 0) > 0 ? j : undefined;
    });
    const pods = await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `job-name=${name}` });
    const logs = await core.readNamespacedPodLog({ name: pods.items[0]!.metadata!.name!, namespace: NAMESPACE });
    assert.equal(done.status?.succeeded, 1, `Job failed; logs:\n${logs}`);
    assert.match(logs, /KUBEML_SNIPPET_OK 1000/);
  });

  it('execs into a running pod and returns the output', async function () {
    this.timeout(180_000);
    const name = `it-exec-${suffix()}`;
    await core.createNamespacedPod({
      namespace: NAMESPACE,
      body: {
        metadata: { name },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'main', image: trainImage, imagePullPolicy: 'Never', command: ['sleep', '600'] }],
        },
      },
    });
    cleanups.push(() => core.deleteNamespacedPod({ name, namespace: NAMESPACE, gracePeriodSeconds: 0 }));
    await untilDefined('the pod to run', 120_000, async () => {
      const p = await core.readNamespacedPod({ name, namespace: NAMESPACE });
      return p.status?.phase === 'Running' ? p : undefined;
    });
    const out = new PassThrough();
    const err = new PassThrough();
    let stdout = '';
    let stderr = '';
    out.on('data', (d: Buffer) => (stdout += d.toString()));
    err.on('data', (d: Buffer) => (stderr += d.toString()));
    const status = await new Promise<k8s.V1Status>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('exec did not finish')), 60_000);
      new k8s.Exec(kc)
        .exec(
          NAMESPACE,
          name,
          'main',
          ['python3', '-c', 'import sys; print(6 * 7); print(sys.version_info[0])'],
          out,
          err,
          null,
          false,
          (s) => {
            clearTimeout(timer);
            resolve(s);
          },
        )
        .catch(reject);
    });
    assert.equal(status.status, 'Success', `exec failed: ${JSON.stringify(status)} ${stderr}`);
    await sleep(200); // let the last frames reach the streams
    assert.deepEqual(stdout.trim().split('\n'), ['42', '3']);
  });

  it('rejects an invalid object on server-side dry-run', async function () {
    const name = `it-invalid-${suffix()}`;
    const invalid = {
      metadata: { name },
      spec: { containers: [{ name: 'Not_A_DNS_Label', image: '' }] },
    } as k8s.V1Pod;
    await assert.rejects(
      core.createNamespacedPod({ namespace: NAMESPACE, body: invalid, dryRun: 'All' }),
      (e: unknown) => e instanceof k8s.ApiException && e.code === 422,
    );
    // A valid object passes the same dry-run and is not persisted.
    const valid: k8s.V1Pod = {
      metadata: { name },
      spec: { containers: [{ name: 'main', image: trainImage, imagePullPolicy: 'Never' }] },
    };
    const echoed = await core.createNamespacedPod({ namespace: NAMESPACE, body: valid, dryRun: 'All' });
    assert.equal(echoed.metadata?.name, name);
    await assert.rejects(
      core.readNamespacedPod({ name, namespace: NAMESPACE }),
      (e: unknown) => e instanceof k8s.ApiException && e.code === 404,
    );
  });

  it('serves the ML CRDs (Kubeflow Trainer, PyTorchJob, KServe, KubeRay, Fluid)', async function () {
    const groups = await kc.makeApiClient(k8s.ApisApi).getAPIVersions();
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    for (const c of CRDS) {
      const g = groups.groups.find((x) => x.name === c.group);
      assert.ok(g, `API group ${c.group} is not in discovery`);
      assert.ok(
        g.versions.some((v) => v.version === c.version),
        `${c.group}/${c.version} is not served`,
      );
      const list = (
        c.namespaced
          ? await custom.listNamespacedCustomObject({ group: c.group, version: c.version, namespace: NAMESPACE, plural: c.plural })
          : await custom.listClusterCustomObject({ group: c.group, version: c.version, plural: c.plural })
      ) as { items?: unknown[] };
      assert.ok(Array.isArray(list.items), `${c.plural}.${c.group} did not list`);
    }
  });
});
