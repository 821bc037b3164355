// A run with `queue:` in kubeml.yaml, through the launcher, on the local cluster's real Kueue v0.17.0: a
// ClusterQueue of this test's own (one flavor of its own, 1 cpu and 2Gi) whose quota another job holds; the
// run's Job is created suspended, waits queued (its place read from the visibility API), not failed; when the
// other job goes, Kueue admits it, and it runs to success.
// KUBEML_KUBECONFIG=$(bash scripts/cluster/cluster.sh kubeconfig) npx mocha --no-config --require tsx/cjs --extension ts --exit --timeout 600000 test/integration/runsQueued.test.ts
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeClient } from '../../src/cluster/client';
import { Logger, nullSink } from '../../src/common/logging';
import { RunExecution } from '../../src/runs/launcher';
import { type RunRecord, RunStore } from '../../src/model/runRecords';
import { loadSpec, resolveParams } from '../../src/model/runSpec';
import { type TestPods, testPods, until } from './syncPods';

const SAMPLES = join(__dirname, '..', '..', 'samples');
const KUEUE = '/apis/kueue.x-k8s.io/v1beta1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('runs: queue: through Kueue on the local cluster', function () {
  this.timeout(600_000);
  let env: TestPods;
  let client: KubeClient;
  let workspace: string;
  let kueue = false;
  const id = `${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
  const cq = `kubeml-runsq-${id}`;
  const flavor = `kubeml-runsq-${id}`;

  before(async function () {
    env = await testPods('kubeml-runs-queued');
    client = new KubeClient(env.kc);
    kueue = (await client.raw(`${KUEUE}/clusterqueues`, { what: 'probe Kueue' }).catch(() => undefined))?.ok === true;
    if (!kueue) this.skip(); // skipped: Kueue is not installed on the cluster
    workspace = mkdtempSync(join(tmpdir(), 'kubeml-runsq-it-'));
    cpSync(SAMPLES, workspace, { recursive: true });
    const post = (path: string, body: unknown, what: string) => client.json(path, { method: 'POST', body, what });
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
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': env.namespace } },
          resourceGroups: [
            {
              coveredResources: ['cpu', 'memory'],
              flavors: [
                {
                  name: flavor,
                  resources: [
                    { name: 'cpu', nominalQuota: '1' },
                    { name: 'memory', nominalQuota: '2Gi' },
                  ],
                },
              ],
            },
          ],
        },
      },
      'create a ClusterQueue',
    );
    // Named like the shared queue on purpose: kubeml.yaml says `queue: team-a`; this namespace's team-a is the test's own.
    await post(
      `${KUEUE}/namespaces/${env.namespace}/localqueues`,
      { apiVersion: 'kueue.x-k8s.io/v1beta1', kind: 'LocalQueue', metadata: { name: 'team-a' }, spec: { clusterQueue: cq } },
      'create a LocalQueue',
    );
  });

  after(async () => {
    await env?.cleanup();
    if (kueue) {
      // The ClusterQueue keeps a finalizer until its workloads are gone.
      for (let i = 0; i < 150; i++) {
        const wls = await client
          .json<{ items: unknown[] }>(`${KUEUE}/namespaces/${env.namespace}/workloads`, { what: 'list workloads' })
          .catch(() => ({ items: [] }));
        if (wls.items.length === 0) break;
        await sleep(200);
      }
      await client.raw(`${KUEUE}/clusterqueues/${cq}`, { method: 'DELETE', what: 'delete the ClusterQueue' }).catch(() => undefined);
      await client.raw(`${KUEUE}/resourceflavors/${flavor}`, { method: 'DELETE', what: 'delete the flavor' }).catch(() => undefined);
    }
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  it('waits queued while another job holds the quota (not failed, no pod), then is admitted and succeeds', async () => {
    // The other job: all of the queue's cpu, admitted first (whether its pod ever runs does not matter to Kueue).
    await client.json(`/apis/batch/v1/namespaces/${env.namespace}/jobs`, {
      method: 'POST',
      body: {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'holder', labels: { 'kueue.x-k8s.io/queue-name': 'team-a' } },
        spec: {
          suspend: true,
          backoffLimit: 0,
          template: {
            spec: {
              restartPolicy: 'Never',
              terminationGracePeriodSeconds: 0,
              containers: [
                {
                  name: 'c',
                  image: env.image,
                  imagePullPolicy: 'Never',
                  command: ['sleep', '3600'],
                  resources: { requests: { cpu: '1', memory: '64Mi' } },
                },
              ],
            },
          },
        },
      },
      what: 'create the job that holds the quota',
    });
    type Wl = {
      metadata: { ownerReferences?: Array<{ name: string }> };
      status?: { conditions?: Array<{ type: string; status: string }> };
    };
    await until('the holder admitted by Kueue', 60_000, async () => {
      const wls = (await client.json<{ items: Wl[] }>(`${KUEUE}/namespaces/${env.namespace}/workloads`, { what: 'list workloads' })).items;
      return wls.some(
        (w) =>
          w.metadata.ownerReferences?.[0]?.name === 'holder' &&
          w.status?.conditions?.some((c) => c.type === 'Admitted' && c.status === 'True'),
      );
    });

    const base = loadSpec(readFileSync(join(workspace, 'kubeml.yaml'), 'utf8'));
    const spec = {
      ...base,
      image: env.image,
      queue: 'team-a',
      command: ['python3', '-c', 'print("trained while queued")'],
      resources: { cpu: '500m', memory: '1Gi' },
      datasets: [],
      artifacts: undefined,
    };
    const store = new RunStore(workspace);
    const run = new RunExecution(
      { kc: env.kc, client, store, log: new Logger(nullSink), pollMs: 300, podStartTimeoutMs: 180_000 },
      { workspace, spec, purpose: 'train', params: resolveParams(spec), namespace: env.namespace },
    );
    const seen: Array<Pick<RunRecord, 'phase' | 'queued'>> = [];
    run.onDidChange((r) => seen.push({ phase: r.phase, queued: r.queued }));
    const done = run.start();

    // Queued: the job is suspended, no pod, the record pending with its place from the visibility API.
    const queued = await until('the run queued', 90_000, () => seen.find((s) => s.queued?.startsWith('queued:'))?.queued);
    assert.equal(queued, 'queued: 1st in team-a, needs 0.5 cpu, 1Gi memory');
    const job = await client.json<{ spec: { suspend?: boolean }; metadata: { labels: Record<string, string> } }>(
      `/apis/batch/v1/namespaces/${env.namespace}/jobs/${run.id}`,
      { what: 'read the run job' },
    );
    assert.equal(job.spec.suspend, true);
    assert.equal(job.metadata.labels['kueue.x-k8s.io/queue-name'], 'team-a');
    // Still queued a while later (not failed: the launcher's pod-start clock does not run while Kueue holds it).
    await sleep(8000);
    assert.equal(run.record.phase, 'pending', JSON.stringify(run.record.failure));
    const pods = await client.json<{ items: unknown[] }>(`/api/v1/namespaces/${env.namespace}/pods`, {
      query: { labelSelector: `kubeml.io/run=${run.id}` },
      what: 'list the run pods',
    });
    assert.equal(pods.items.length, 0, 'no pod while the job is suspended');

    // The holder goes: Kueue admits the run, which starts and succeeds.
    await client.raw(`/apis/batch/v1/namespaces/${env.namespace}/jobs/holder`, {
      method: 'DELETE',
      query: { propagationPolicy: 'Background' },
      what: 'delete the holder',
    });
    const record = await done;
    assert.equal(record.phase, 'succeeded', JSON.stringify(record.failure));
    assert.equal(record.queued, undefined, 'the queued line is cleared once the job runs');
    const phases = seen.map((s) => s.phase).filter((p, i, a) => a[i - 1] !== p);
    assert.deepEqual(phases, ['pending', 'uploading', 'running', 'succeeded']);
    assert.match(await store.readLogs(record.id), /trained while queued/);
  });
});
