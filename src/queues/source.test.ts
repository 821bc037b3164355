import { strict as assert } from 'node:assert';
import { FakeApiServer, type FakeRequest } from '../cluster/read/fakeApiServer';
import type { KubeObject } from '../cluster/read/informerState';
import { ALL_KINDS } from '../cluster/resources';
import { Logger, nullSink } from '../common/logging';
import { until } from '../../test/support/wait';
import { buildQueuesTree } from './model';
import { QueuesSource } from './source';

const K = 'kueue.x-k8s.io/v1beta1';
const lq: KubeObject = {
  apiVersion: K,
  kind: 'LocalQueue',
  metadata: { name: 'team-a', namespace: 'team', uid: 'lq-1' },
  spec: { clusterQueue: 'team-a' },
  status: { pendingWorkloads: 0, admittedWorkloads: 0 },
};
const FAST = { coalesceMs: 1, backoffInitialMs: 1, backoffMaxMs: 2, errorAfterFailures: 1 };

describe('queues: the source of the Queues view', () => {
  let source: QueuesSource | undefined;
  afterEach(() => source?.dispose());

  it('Kueue not served: discovery says so, nothing is listed, the view says Kueue is not installed', async () => {
    const api = new FakeApiServer({ served: ALL_KINDS.filter((k) => !k.group.startsWith('kueue')).map((k) => k.id) });
    source = new QueuesSource({ client: () => api.client, namespaces: () => ['team'], settleMs: 1, registry: FAST }, new Logger(nullSink));
    await source.start();
    await until('discovery', 5000, () => source!.snapshot().kueue === false);
    assert.equal(buildQueuesTree(source.snapshot())[0]!.label, 'Kueue is not installed on this cluster');
    assert.ok(!api.requests.some((r: FakeRequest) => r.path.includes('kueue.x-k8s.io/v1beta1/')), 'no Kueue list');
  });

  it('ClusterQueues forbidden: one row says why, the LocalQueues of the namespace still show', async () => {
    const api = new FakeApiServer();
    api.put(lq);
    const message =
      'clusterqueues.kueue.x-k8s.io is forbidden: User "dev" cannot list resource "clusterqueues" in API group "kueue.x-k8s.io" at the cluster scope';
    api.fail(
      (r) => r.path.endsWith('/clusterqueues'),
      { status: 403, body: { kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, message } },
      1000,
    );
    source = new QueuesSource({ client: () => api.client, namespaces: () => ['team'], settleMs: 1, registry: FAST }, new Logger(nullSink));
    await source.start();
    const rows = await until('the forbidden row', 5000, () => {
      const t = buildQueuesTree(source!.snapshot());
      return t[0]?.key === 'msg:cq-hidden' && t[1]?.children[0]?.label === 'team-a' ? t : undefined;
    });
    assert.equal(rows[0]!.label, 'ClusterQueues hidden');
    assert.match(rows[0]!.description!, /^no permission to list ClusterQueues: .*forbidden/);
    assert.deepEqual(
      rows.map((r) => r.label),
      ['ClusterQueues hidden', 'LocalQueues (1)'],
    );
  });
});
