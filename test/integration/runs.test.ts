// Integration tests of the run launcher (issue 5) on the local cluster: real training and validation
// of the sample, cancel, and the failure paths, each read back as the user would see it.
// KUBEML_KUBECONFIG=$(bash scripts/cluster/cluster.sh kubeconfig) npx mocha --no-config --require tsx/cjs --timeout 600000 test/integration/runs.test.ts
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeClient } from '../../src/cluster/client';
import { Logger, nullSink } from '../../src/common/logging';
import { isDriftReport } from '../../src/model/driftContract';
import { listPods } from '../../src/cluster/read/objects';
import { type PodJson } from '../../src/runs/status';
import { applyObject } from '../../src/cluster/write/objects';
import { generateRun } from '../../src/runs/generate';
import { type LaunchRequest, RunExecution } from '../../src/runs/launcher';
import { type RunRecord, RunStore } from '../../src/model/runRecords';
import { type KubeMLSpec, loadSpec, resolveParams } from '../../src/model/runSpec';
import { type TestPods, testPods, until } from './syncPods';
import { createHostPathClaim } from '../support/volumes';

const SAMPLES = join(__dirname, '..', '..', 'samples');

describe('runs on the local cluster', function () {
  this.timeout(600_000);
  let env: TestPods;
  let client: KubeClient;
  let workspace: string;
  let store: RunStore;
  let spec: KubeMLSpec;
  let trainId = '';

  const deps = () => ({ kc: env.kc, client, store, log: new Logger(nullSink), pollMs: 300, podStartTimeoutMs: 180_000 });
  const request = (over: Partial<LaunchRequest> = {}, specOver: Partial<KubeMLSpec> = {}): LaunchRequest => {
    const s = { ...spec, ...specOver };
    return {
      workspace,
      spec: s,
      purpose: 'train',
      params: resolveParams(s, { samples: 1500, n_estimators: 20 }),
      namespace: env.namespace,
      ...over,
    };
  };

  before(async () => {
    env = await testPods('kubeml-runs-test');
    client = new KubeClient(env.kc);
    workspace = mkdtempSync(join(tmpdir(), 'kubeml-runs-it-'));
    cpSync(SAMPLES, workspace, { recursive: true });
    store = new RunStore(workspace);
    spec = { ...loadSpec(readFileSync(join(workspace, 'kubeml.yaml'), 'utf8')), image: env.image };
    // Storage for the artifacts claim: a hostPath volume on the real node, bound to this namespace's claim.
    const pv = `${env.namespace}-artifacts`;
    await createHostPathClaim(client, {
      namespace: env.namespace,
      claim: 'kubeml-artifacts',
      pv,
      path: `/tmp/kubeml-test-artifacts/${env.namespace}`,
      pathType: 'DirectoryOrCreate',
      storageClass: 'kubeml-test',
      reclaim: 'Delete',
      reserve: true,
      pvLabels: { 'kubeml.io/test': 'runs' },
      bindTimeoutMs: 60_000,
    });
  });

  after(async () => {
    await env?.cleanup();
    await client
      ?.raw(`/api/v1/persistentvolumes/${env.namespace}-artifacts`, { method: 'DELETE', what: 'delete the test volume' })
      .catch(() => undefined);
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  it('trains the sample model on the real node and reads its metrics from the log', async () => {
    const run = new RunExecution(deps(), request());
    const phases: string[] = [];
    run.onDidChange((r) => phases[phases.length - 1] !== r.phase && phases.push(r.phase));
    const record = await run.start();
    trainId = record.id;
    assert.equal(record.phase, 'succeeded', JSON.stringify(record.failure));
    assert.deepEqual(
      phases.filter((p) => p !== 'succeeded'),
      ['pending', 'uploading', 'running'],
    );
    assert.ok((record.metrics.accuracy ?? 0) > 0.8, JSON.stringify(record.metrics));
    assert.ok(record.upload && record.upload.files >= 5, 'the workspace was uploaded');
    assert.ok(record.startedAt, 'the command started after the upload');
    // The record on disk: run.json, manifest, logs, metrics.
    const saved = await store.get(record.id);
    assert.equal(saved?.phase, 'succeeded');
    assert.match(readFileSync(join(store.dir(record.id), 'manifest.yaml'), 'utf8'), /kubeml\.io\/run: forest-train-/);
    assert.match(await store.readLogs(record.id), /saved the model and the reference data to \/artifacts\/forest-train-/);
    assert.ok((await store.readMetrics(record.id)).some((m) => m.name === 'accuracy' && m.step === 4));
    // Ignored files were not shipped: .kubemlignore lists cluster/.
    assert.doesNotMatch(await store.readLogs(record.id), /Traceback/);
    // The Job and its finished pod are kept (nothing runs); the pods carry the run labels.
    // The run ends when the container has exited 0; the kubelet reports the pod phase a moment later.
    let pods = await listPods<PodJson>(client, env.namespace, `kubeml.io/run=${record.id},kubeml.io/kind=train`);
    for (let i = 0; i < 60 && pods[0]?.status?.phase === 'Running'; i++) {
      await new Promise((r) => setTimeout(r, 500));
      pods = await listPods<PodJson>(client, env.namespace, `kubeml.io/run=${record.id},kubeml.io/kind=train`);
    }
    assert.equal(pods.length, 1);
    assert.equal(pods[0].status?.phase, 'Succeeded');
  });

  it('validates the trained model: a drift report in the run folder, accuracy on reference and current data', async () => {
    assert.ok(trainId, 'needs the training run');
    const run = new RunExecution(
      deps(),
      request({ purpose: 'validate', model: { kind: 'run', runId: trainId }, params: resolveParams(spec, { shift: 1.5 }) }),
    );
    const record = await run.start();
    assert.equal(record.phase, 'succeeded', JSON.stringify(record.failure));
    assert.equal(record.parent, trainId);
    assert.equal(record.hasDrift, true);
    assert.equal(record.datasetDrift, true);
    const drift = JSON.parse(readFileSync(join(store.dir(record.id), 'drift.json'), 'utf8'));
    assert.ok(isDriftReport(drift));
    assert.deepEqual(
      drift.features
        .filter((f: { status: string }) => f.status === 'drift')
        .map((f: { name: string }) => f.name)
        .sort(),
      ['f0', 'f2', 'f4'],
    );
    assert.ok(record.metrics['reference/accuracy']! > record.metrics['current/accuracy']!, JSON.stringify(record.metrics));
  });

  /** A failed run's Job stays (Failed, the Jobs view shows it until deleted) with KubeML's reason; its pods go. */
  async function endedButKept(record: RunRecord): Promise<void> {
    await until(
      'the pods to be gone',
      60_000,
      async () => (await listPods<PodJson>(client, env.namespace, `kubeml.io/run=${record.id}`)).length === 0,
    );
    const job = await until('the Job to be marked Failed', 60_000, async () => {
      const j = await client.json<{
        metadata: { annotations?: Record<string, string> };
        status?: { conditions?: Array<{ type: string; status: string }> };
      }>(`/apis/batch/v1/namespaces/${env.namespace}/jobs/${record.id}`, { what: 'read the job' });
      return j.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True') ? j : undefined;
    });
    assert.equal(job.metadata.annotations?.['kubeml.io/failure']?.startsWith(record.failure!.message), true);
  }

  it('Cancel deletes the job and its pods', async () => {
    const run = new RunExecution(deps(), request({}, { command: ['sh', '-c', 'echo working; sleep 300'] }));
    const done = run.start();
    await until('the command to run', 120_000, () => run.record.phase === 'running' && run.results.started);
    await run.cancel();
    const record = await done;
    assert.equal(record.phase, 'cancelled');
    await until(
      'the pods to be gone',
      60_000,
      async () => (await listPods<PodJson>(client, env.namespace, `kubeml.io/run=${record.id}`)).length === 0,
    );
    await assert.rejects(
      client.json(`/apis/batch/v1/namespaces/${env.namespace}/jobs/${record.id}`, { what: 'read the job' }),
      /Not found/,
    );
  });

  it('a metric printed in the pod is in metrics.jsonl and run.json while the run still runs', async () => {
    // Before: metrics.jsonl was written only when the run ended (this run never ends by itself).
    const run = new RunExecution(
      deps(),
      request({}, { command: ['sh', '-c', 'echo \'KUBEML_RESULT {"type":"metric","name":"loss","value":0.5,"step":1}\'; sleep 300'] }),
    );
    const done = run.start();
    try {
      const metrics = await until('the metric in metrics.jsonl', 120_000, async () => {
        const m = await store.readMetrics(run.id);
        return m.length ? m : undefined;
      });
      assert.deepEqual(metrics, [{ type: 'metric', name: 'loss', value: 0.5, step: 1 }]);
      assert.equal(run.record.phase, 'running', 'the run is still running');
      const saved = await until('the latest value in run.json', 10_000, async () => {
        const r = await store.get(run.id);
        return r?.metrics.loss !== undefined ? r : undefined;
      });
      assert.equal(saved.metrics.loss, 0.5);
      assert.equal(saved.phase, 'running');
    } finally {
      await run.cancel();
    }
    const record = await done;
    assert.equal(record.phase, 'cancelled');
    // Not written twice when the run ends.
    assert.equal((await store.readMetrics(record.id)).length, 1);
  });

  it('a GPU request no node can satisfy fails with the scheduler reason; its pods go, its Job stays Failed with the reason', async () => {
    const record = await new RunExecution(deps(), request({}, { resources: { gpus: 64 } })).start();
    assert.equal(record.phase, 'failed');
    assert.equal(record.failure?.reason, 'unschedulable');
    assert.match(record.failure!.message, /FailedScheduling: 0\/\d+ nodes are available:.*Insufficient nvidia\.com\/gpu/);
    await endedButKept(record);
  });

  it('a GPU run tolerates the GPU taint by default, keeps off the simulated (KWOK) nodes, and is told so', async () => {
    // The local fleet's KWOK nodes have free GPUs and the nvidia.com/gpu taint; the real node has no GPU.
    // Before: no toleration, so the scheduler named the taint and the hint said "ask for fewer GPUs".
    const record = await new RunExecution(deps(), request({}, { resources: { gpus: 4 } })).start();
    assert.equal(record.failure?.reason, 'unschedulable');
    assert.doesNotMatch(record.failure!.message, /untolerated taint/);
    assert.match(record.failure!.message, /didn't match Pod's node affinity\/selector/);
    assert.match(record.failure!.hint ?? '', /simulated \(KWOK\) nodes, which never run a run's code/);
    await endedButKept(record);
  });

  it('a missing image fails quoting Kubernetes (ErrImageNeverPull); its pods go, its Job stays Failed with the reason', async () => {
    const record = await new RunExecution(deps(), request({}, { image: 'localhost/kubeml-missing:0', imagePullPolicy: 'Never' })).start();
    assert.equal(record.failure?.reason, 'image');
    assert.match(record.failure!.message, /ErrImageNeverPull/);
    await endedButKept(record);
  });

  it('a failing command reports its exit code and keeps its output', async () => {
    const record = await new RunExecution(deps(), request({}, { command: 'echo about to fail; exit 3' })).start();
    assert.equal(record.failure?.reason, 'exit');
    assert.equal(record.failure?.exitCode, 3);
    assert.match(await store.readLogs(record.id), /about to fail/);
  });

  it('a process over its memory limit is reported as OOMKilled', async () => {
    const record = await new RunExecution(
      deps(),
      request(
        {},
        { resources: { memory: '48Mi' }, command: ['python3', '-c', 'import time; x = bytearray(400 * 1024 * 1024); time.sleep(5)'] },
      ),
    ).start();
    assert.equal(record.failure?.reason, 'oom', JSON.stringify(record.failure));
    assert.match(record.failure!.message, /OOMKilled/);
  });

  it('a missing artifacts claim is reported before anything is applied', async () => {
    const record = await new RunExecution(deps(), request({}, { artifacts: { claim: 'no-such-claim', path: '/artifacts' } })).start();
    assert.equal(record.failure?.reason, 'config');
    assert.match(record.failure!.message, /no-such-claim does not exist/);
  });

  it('the API server accepts the generated PyTorchJob and TrainJob (server-side dry run against the CRDs)', async () => {
    for (const kind of ['PyTorchJob', 'TrainJob'] as const) {
      const g = generateRun(
        { ...spec, kind, workers: 2 },
        { runId: `dry-${kind.toLowerCase()}`, purpose: 'train', namespace: env.namespace, params: resolveParams(spec) },
      );
      const applied = await applyObject(client, g.objects[0], { dryRun: true });
      assert.equal(applied.kind, kind);
      assert.equal(applied.metadata.labels['kubeml.io/run'], `dry-${kind.toLowerCase()}`);
    }
  });

  it('the run folder is ready for Open Drift Report and for comparing runs', async () => {
    const runs = await store.list();
    assert.ok(runs.length >= 2);
    assert.ok(existsSync(join(store.dir(runs.find((r) => r.hasDrift)!.id), 'drift.json')));
  });
});
