// The records index on the local cluster: the status of a run that no launcher of this process
// follows (as one launched from the CLI or another window) comes from its Job and pods by label,
// live, and a run whose objects were deleted says it ended outside KubeML.
// KUBEML_KUBECONFIG=$(bash scripts/cluster/cluster.sh kubeconfig) npx mocha --no-config --require tsx/cjs --extension ts --timeout 600000 test/integration/runIndex.test.ts
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeClient } from '../../src/cluster/client';
import { Logger, nullSink } from '../../src/common/logging';
import { RunClusterWatch } from '../../src/experiments/clusterStatus';
import { record } from '../../src/experiments/fixtures';
import { RunIndex } from '../../src/experiments/runIndex';
import type { RunStatus } from '../../src/experiments/runEntry';
import { type RunRecord, RUNS_DIR } from '../../src/model/runRecords';
import { type TestPods, testPods, until } from './syncPods';

describe('records index: status of runs from the cluster', function () {
  this.timeout(300_000);
  let env: TestPods;
  let client: KubeClient;
  let folder: string;
  let index: RunIndex;
  let cluster: RunClusterWatch;

  before(async () => {
    env = await testPods('kubeml-runindex-test');
    client = new KubeClient(env.kc);
    folder = mkdtempSync(join(tmpdir(), 'kubeml-runindex-it-'));
    index = new RunIndex([folder]);
    cluster = new RunClusterWatch(client, new Logger(nullSink));
    index.setCluster(cluster);
  });
  after(async () => {
    index?.dispose();
    cluster?.dispose();
    await env?.cleanup();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  /** A record as the CLI writes it (not terminal), and its Job on the cluster with the run labels. */
  async function launchedElsewhere(id: string, command: string, suspend = false): Promise<RunRecord> {
    const r = record(id, {
      namespace: env.namespace,
      server: client.server,
      primary: { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', name: id, namespace: env.namespace },
      phase: 'pending',
      createdAt: new Date().toISOString(),
      finishedAt: undefined,
      metrics: {},
    });
    mkdirSync(join(folder, RUNS_DIR, id), { recursive: true });
    writeFileSync(join(folder, RUNS_DIR, id, 'run.json'), JSON.stringify(r));
    const labels = { 'kubeml.io/run': id, 'kubeml.io/kind': 'train' };
    await client.json(`/apis/batch/v1/namespaces/${env.namespace}/jobs`, {
      method: 'POST',
      what: 'create the test job',
      body: {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: id, labels },
        spec: {
          suspend,
          backoffLimit: 0,
          template: {
            metadata: { labels },
            spec: {
              restartPolicy: 'Never',
              nodeName: 'kubeml-node',
              terminationGracePeriodSeconds: 0,
              containers: [{ name: 'train', image: env.image, imagePullPolicy: 'Never', command: ['sh', '-c', command] }],
            },
          },
        },
      },
    });
    return r;
  }

  const statusOf = async (id: string) => (await index.list()).entries.find((e) => e.id === id);
  const reaches = (id: string, status: RunStatus, ms = 120_000) =>
    until(`${id} ${status}`, ms, async () => {
      const e = await statusOf(id);
      return e?.status === status ? e : undefined;
    });

  it('a run not followed here goes running then succeeded, from its Job and pods', async () => {
    await launchedElsewhere('cli-run-ok', 'sleep 4');
    const running = await reaches('cli-run-ok', 'running');
    assert.equal(running.live, true);
    const done = await reaches('cli-run-ok', 'succeeded');
    assert.equal(done.live, false);
  });

  it('a failing command fails the run; a suspended Job is queued', async () => {
    await launchedElsewhere('cli-run-fail', 'exit 3');
    await reaches('cli-run-fail', 'failed');
    await launchedElsewhere('cli-run-queued', 'true', true);
    const q = await reaches('cli-run-queued', 'queued');
    assert.match(q.statusDetail ?? '', /Suspended/);
  });

  it('a run whose objects were deleted ended outside KubeML, not running forever', async () => {
    await launchedElsewhere('cli-run-gone', 'sleep 600');
    await reaches('cli-run-gone', 'running');
    await client.raw(`/apis/batch/v1/namespaces/${env.namespace}/jobs/cli-run-gone?propagationPolicy=Background`, {
      method: 'DELETE',
      what: 'delete the test job',
    });
    const gone = await reaches('cli-run-gone', 'gone');
    assert.match(gone.statusDetail ?? '', /ended outside KubeML/);
    assert.equal(gone.live, false);
  });
});
