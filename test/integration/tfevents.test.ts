// Integration test of TensorBoard event files (issue 14) on the local cluster: a pod of the training
// image writes event files with tensorboardX while the follower reads them through exec; the sample
// (samples/train.py) logs its curve both ways; a finished run's files are read from its claim.
// KUBEML_KUBECONFIG=$(bash scripts/cluster/cluster.sh kubeconfig) npx mocha --no-config --require tsx/cjs --extension ts --timeout 600000 test/integration/tfevents.test.ts
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeClient } from '../../src/cluster/client';
import { PodTransport, type PodRef } from '../../src/cluster/stream/transport';
import { TensorBoardFollower } from '../../src/experiments/tfevents/follower';
import type { TfFinding } from '../../src/experiments/tfevents/reader';
import { ExecEventFiles } from '../../src/experiments/tfevents/remote';
import { followRunPod, readRunFromClaim } from '../../src/experiments/tfevents/runTensorBoard';
import { RunStore } from '../../src/model/runRecords';
import { parseResultLine, type MetricResult } from '../../src/model/runResults';
import { createHostPathClaim } from '../support/volumes';
import { type TestPods, testPods, until } from './syncPods';

const ROOT = join(__dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'tfevents');
/** The training image of this tree (the one with tensorboardX), as `cluster up` imports it. */
const IMAGE = execFileSync(join(ROOT, 'images', 'build.sh'), ['ref', 'train'], { encoding: 'utf8' }).trim();

const WRITER = `
import time
from tensorboardX import SummaryWriter
w = SummaryWriter('/out/tb/run', flush_secs=1)
for step in range(60):
    w.add_scalar('it/value', step / 10, step)
    w.add_scalar('it/square', step * step / 7, step)
    w.flush()
    time.sleep(0.1)
w.close()
open('/out/done', 'w').close()
`;

function byTag(metrics: readonly MetricResult[]): Record<string, Array<[number, number | null]>> {
  const out: Record<string, Array<[number, number | null]>> = {};
  for (const m of metrics) (out[m.name] ??= []).push([m.step!, m.value]);
  return out;
}

describe('TensorBoard event files on the local cluster', function () {
  this.timeout(300_000);
  let env: TestPods;
  let client: KubeClient;
  let ws: string;

  before(async () => {
    env = await testPods('kubeml-h-tfev');
    client = new KubeClient(env.kc);
    const node = await env.core.readNode({ name: 'kubeml-node' });
    const names = (node.status?.images ?? []).flatMap((i) => i.names ?? []);
    assert.ok(
      names.includes(IMAGE),
      `${IMAGE} is not on kubeml-node: import it (bash scripts/cluster/cluster.sh up imports the training image)`,
    );
    ws = mkdtempSync(join(tmpdir(), 'kubeml-tfev-ws-'));
  });

  after(async () => {
    await env?.cleanup();
    if (ws) rmSync(ws, { recursive: true, force: true });
  });

  async function writerPod(name: string, command: string, vars: Record<string, string> = {}): Promise<PodRef> {
    await env.core.createNamespacedPod({
      namespace: env.namespace,
      body: {
        metadata: { name },
        spec: {
          nodeName: 'kubeml-node',
          terminationGracePeriodSeconds: 0,
          containers: [
            {
              name: 'main',
              image: IMAGE,
              imagePullPolicy: 'Never',
              command: ['sh', '-c', command],
              env: Object.entries(vars).map(([n, value]) => ({ name: n, value })),
            },
          ],
        },
      },
    });
    await until(
      `pod ${name} running`,
      90_000,
      async () => (await env.core.readNamespacedPod({ namespace: env.namespace, name })).status?.phase === 'Running',
    );
    return { namespace: env.namespace, name, container: 'main' };
  }

  it('follows a file that tensorboardX writes in a running pod, poll by poll, into the run folder', async () => {
    const pod = await writerPod('writer', 'sleep 2; python3 -c "$WRITER"; sleep infinity', { WRITER });
    const store = new RunStore(ws);
    mkdirSync(store.dir('run-1'), { recursive: true });
    const batches: number[] = [];
    const findings: TfFinding[] = [];
    const errors: unknown[] = [];
    const follower = await followRunPod(env.kc, store, 'run-1', pod, '/out', {
      intervalMs: 300,
      onMetrics: (m) => batches.push(m.length),
      onFinding: (f) => findings.push(f),
      onError: (e) => errors.push(e),
    });
    follower.start();
    const transport = new PodTransport(env.kc, pod);
    await until('the writer to finish', 120_000, async () => (await transport.exec(['test', '-f', '/out/done'])).exitCode === 0, 500);
    assert.deepEqual(await follower.finish(), []);
    assert.deepEqual(findings, []);
    assert.deepEqual(errors, []);
    assert.ok(batches.length > 3, `the scalars came in ${batches.length} polls while the file grew`);
    const stored = (await store.readMetrics('run-1')).filter((m) => m.source === 'tensorboard');
    // What the writer wrote (its values as float32, TensorBoard's simple_value).
    const steps = Array.from({ length: 60 }, (_, s) => s);
    assert.deepEqual(byTag(stored), {
      'it/value': steps.map((s) => [s, Math.fround(s / 10)]),
      'it/square': steps.map((s) => [s, Math.fround((s * s) / 7)]),
    });
  });

  it('the sample logs its training curve both ways: KUBEML_RESULT lines and tensorboardX files with the same values', async () => {
    const pod = await writerPod('sample', 'sleep infinity');
    const transport = new PodTransport(env.kc, pod);
    for (const f of readdirSync(join(ROOT, 'samples')).filter((n) => n.endsWith('.py'))) {
      const bytes = readFileSync(join(ROOT, 'samples', f));
      const r = await transport.exec(['sh', '-c', 'mkdir -p /w && cat > "/w/$1"', 'sh', f], {
        stdin: (async function* () {
          yield bytes;
        })(),
      });
      assert.equal(r.exitCode, 0, r.stderr);
    }
    const got: MetricResult[] = [];
    let polls = 0;
    const follower = new TensorBoardFollower(new ExecEventFiles(transport, '/out/r-1'), {
      intervalMs: 300,
      onMetrics: (m) => {
        polls++;
        got.push(...m);
      },
    });
    follower.start();
    const run = await transport.exec(
      ['sh', '-c', 'cd /w && python3 train.py --out /out/r-1 --samples 1500 --n-estimators 24 --stages 12 --pace 0.5'],
      { timeoutMs: 240_000 },
    );
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(await follower.finish(), []);
    const logged = run.stdout
      .toString('utf8')
      .split('\n')
      .map((l) => parseResultLine(l))
      .flatMap((p) => (p.kind === 'result' && p.result.type === 'metric' && p.result.step !== undefined ? [p.result] : []));
    assert.equal(logged.filter((m) => m.name === 'accuracy').length, 12);
    const tb = byTag(got);
    for (const name of ['accuracy', 'loss'])
      assert.deepEqual(
        tb[name],
        logged.filter((m) => m.name === name).map((m) => [m.step!, Math.fround(m.value!)]),
        `${name}: the event file holds the logged values (as float32)`,
      );
    assert.deepEqual(
      tb.trees.map((p) => p[0]),
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    assert.ok(polls > 2, `the curve came in ${polls} polls while the sample ran`);
  });

  it("reads a finished run's event files from its artifacts claim through a short-lived pod, and deletes the pod", async () => {
    const pv = `kubeml-h-tfev-${Date.now().toString(36)}`;
    const hostDir = join('/tmp', pv);
    cpSync(join(FIXTURES, 'tbx-scalars'), join(hostDir, 'run-2', 'tensorboard'), { recursive: true });
    try {
      await createHostPathClaim(client, {
        namespace: env.namespace,
        claim: 'artifacts',
        pv,
        path: hostDir,
        pathType: 'Directory',
        storageClass: '',
        reclaim: 'Retain',
        bindTimeoutMs: 60_000,
      });
      const store = new RunStore(ws);
      mkdirSync(store.dir('run-2'), { recursive: true });
      const r = await readRunFromClaim(
        env.kc,
        client,
        store,
        'run-2',
        env.namespace,
        { claim: 'artifacts', path: '/data/run-2' },
        { browseImage: env.image },
      );
      assert.equal(r.files, 3);
      assert.deepEqual(r.findings, []);
      // What EventAccumulator read in the same files (test/fixtures/tfevents/expected.json).
      const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as {
        files: Record<string, { scalars: Record<string, Array<[number, number | null, number]>> }>;
      };
      const want: Record<string, Array<[number, number | null]>> = {};
      for (const rel of [
        'tbx-scalars/eval/auc/events.out.tfevents.eval',
        'tbx-scalars/eval/f1/events.out.tfevents.eval',
        'tbx-scalars/events.out.tfevents.tbx-scalars',
      ])
        for (const [tag, points] of Object.entries(expected.files[rel].scalars))
          (want[tag] ??= []).push(...points.map((p): [number, number | null] => [p[0], p[1]]));
      const stored = await store.readMetrics('run-2');
      assert.deepEqual(byTag(stored), want);
      const left = await client.json<{ items: unknown[] }>(`/api/v1/namespaces/${env.namespace}/pods`, {
        what: 'list pods',
        query: { labelSelector: 'kubeml.io/browse=artifacts' },
      });
      assert.ok(
        left.items.every((p) => (p as { metadata: { deletionTimestamp?: string } }).metadata.deletionTimestamp),
        'the claim pod is deleted',
      );
    } finally {
      await client
        .raw(`/api/v1/namespaces/${env.namespace}/persistentvolumeclaims/artifacts`, { method: 'DELETE', what: 'delete claim' })
        .catch(() => undefined);
      await client.raw(`/api/v1/persistentvolumes/${pv}`, { method: 'DELETE', what: 'delete volume' }).catch(() => undefined);
      rmSync(hostDir, { recursive: true, force: true });
    }
  });
});
