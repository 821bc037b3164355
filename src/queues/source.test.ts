import { strict as assert } from 'node:assert';
import { FakeApiServer, type FakeRequest } from '../cluster/read/fakeApiServer';
import type { KubeObject } from '../cluster/read/informerState';
import { ALL_KINDS } from '../cluster/resources';
import { Logger, nullSink } from '../common/logging';
import { until } from '../../test/support/wait';
import { buildQueuesTree } from './model';
import { QueuesSource } from './source';
import { cq, fakeKueue, type FakeKueue, FIX_NS, workload } from '../../bench/queues/fixtures';

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

describe('queues: a change reads the visibility API of the queues it concerns', () => {
  let source: QueuesSource | undefined;
  afterEach(() => source?.dispose());

  const firstOf = (s: QueuesSource, cq: string) =>
    buildQueuesTree(s.snapshot())
      .find((r) => r.label === cq)
      ?.children.find((c) => c.kind === 'pendingGroup')?.children[0]?.label;

  async function started(confirmMs = 60_000) {
    const api = fakeKueue(40, 4);
    source = new QueuesSource(
      { client: () => api.client, namespaces: () => [FIX_NS], settleMs: 1, confirmMs, registry: FAST },
      new Logger(nullSink),
    );
    await source.start();
    await until('every queue read', 5000, () => (api.visibilityReads >= 4 && firstOf(source!, cq(3)) ? true : undefined));
    await new Promise((r) => setTimeout(r, 50));
    return { api, source };
  }

  /** Moves the last pending workload of `name` to the front (its priority raised) and returns its owner. */
  function raiseLast(api: FakeKueue, name: string, apply = true) {
    const order = api.order.get(name)!;
    const moved = order[order.length - 1]!;
    const raised = { ...moved, spec: { ...(moved.spec as object), priority: 1000 } };
    if (apply) api.order.set(name, [raised, ...order.slice(0, -1)]);
    api.put(raised);
    return { owner: (moved.metadata.ownerReferences as Array<{ name: string }>)[0]!.name, raised, order };
  }

  it('a workload moved in its ClusterQueue: only that queue is read again, and the tree shows the new order', async () => {
    const { api } = await started();
    const reads = api.visibilityPaths.length;
    const { owner } = raiseLast(api, cq(2));
    await until('the moved workload first', 5000, () => (firstOf(source!, cq(2)) === `1. Job/${owner}` ? true : undefined));
    const after = api.visibilityPaths.slice(reads);
    assert.deepEqual(after, [`/apis/visibility.kueue.x-k8s.io/v1beta1/clusterqueues/${cq(2)}/pendingworkloads`]);
    assert.equal(firstOf(source!, cq(1)), `1. Job/train-00001`, 'another queue keeps its order');
  });

  it('Kueue reorders after the watch event: the confirmation read a moment later shows the new order', async () => {
    const { api } = await started(100);
    const { owner, raised, order } = raiseLast(api, cq(1), false); // the event first, the queue as it was
    await new Promise((r) => setTimeout(r, 30));
    assert.notEqual(firstOf(source!, cq(1)), `1. Job/${owner}`);
    api.order.set(cq(1), [raised, ...order.slice(0, -1)]); // Kueue has reordered
    await until('the confirmation read', 5000, () => (firstOf(source!, cq(1)) === `1. Job/${owner}` ? true : undefined));
  });

  it('a workload whose LocalQueue is not known: every queue is read again', async () => {
    const { api } = await started();
    const reads = api.visibilityPaths.length;
    const stray = workload(999, 4);
    (stray.spec as { queueName: string }).queueName = 'nowhere';
    api.put(stray);
    await until('every queue read again', 5000, () => (new Set(api.visibilityPaths.slice(reads)).size === 4 ? true : undefined));
  });
});

describe('queues: the queues show before every Workload has listed', () => {
  let source: QueuesSource | undefined;
  afterEach(() => source?.dispose());

  it('the Workloads list is slow: the queues and their pending order show, the admitted lists say they are being read', async () => {
    const api = fakeKueue(40, 4);
    const release = api.hold((r) => r.path.endsWith('/workloads') && !r.path.includes('watch'));
    source = new QueuesSource({ client: () => api.client, namespaces: () => [FIX_NS], settleMs: 1, registry: FAST }, new Logger(nullSink));
    await source.start();
    const rows = await until('the first queue with its pending order', 5000, () => {
      const t = buildQueuesTree(source!.snapshot());
      return t.find((r) => r.label === cq(0))?.children.find((c) => c.kind === 'pendingGroup')?.children.length === 10 ? t : undefined;
    });
    const q0 = rows.find((r) => r.label === cq(0))!;
    assert.equal(q0.children.find((c) => c.kind === 'pendingGroup')!.children[0]!.label, '1. Job/train-00000');
    const admitted = q0.children.find((c) => c.kind === 'admittedGroup')!;
    assert.equal(admitted.label, 'Admitted');
    assert.equal(admitted.description, 'reading the workloads…');
    assert.doesNotMatch(q0.description!, /admitted/, 'no admitted count before the workloads are known');
    release();
    await until('the admitted count once the workloads have listed', 5000, () =>
      buildQueuesTree(source!.snapshot())
        .find((r) => r.label === cq(0))
        ?.children.find((c) => c.kind === 'admittedGroup')?.label === 'Admitted (0)'
        ? true
        : undefined,
    );
  });
});
