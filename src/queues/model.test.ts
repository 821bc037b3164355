import { strict as assert } from 'node:assert';
import { buildQueuesTree, changedRows, quotaCells, type QueuesInput, type QueuesRow } from './model';
import type { ClusterQueueLike, WorkloadLike } from '../model/pending/types';
import type { PendingWorkloadItem } from '../model/queues/workload';

// Shaped like ClusterQueue team-a as the local cluster's Kueue v0.17.0 returns it through /apis/kueue.x-k8s.io/v1beta1
// (scripts/cluster/kueue-objects.yaml; l4 and kubeml-node left out, h100's quota 8 here); the usage is this test's:
// 10 h100 GPUs in use, 2 of them borrowed from the cohort.
const teamA: ClusterQueueLike = {
  metadata: { name: 'team-a' },
  spec: {
    cohort: 'kubeml',
    resourceGroups: [
      {
        coveredResources: ['cpu', 'memory'],
        flavors: [
          {
            name: 'default-flavor',
            resources: [
              { name: 'cpu', nominalQuota: '64' },
              { name: 'memory', nominalQuota: '512Gi' },
            ],
          },
        ],
      },
      {
        coveredResources: ['nvidia.com/gpu'],
        flavors: [
          { name: 'h100', resources: [{ borrowingLimit: '8', name: 'nvidia.com/gpu', nominalQuota: '8' }] },
          { name: 'a100', resources: [{ borrowingLimit: '2', name: 'nvidia.com/gpu', nominalQuota: '2' }] },
        ],
      },
    ],
  },
  status: {
    pendingWorkloads: 2,
    admittedWorkloads: 1,
    flavorsReservation: [
      {
        name: 'default-flavor',
        resources: [
          { name: 'cpu', total: '16', borrowed: '0' },
          { name: 'memory', total: '64Gi', borrowed: '0' },
        ],
      },
      { name: 'h100', resources: [{ name: 'nvidia.com/gpu', total: '10', borrowed: '2' }] },
      { name: 'a100', resources: [{ name: 'nvidia.com/gpu', total: '0', borrowed: '0' }] },
    ],
  },
};

const T0 = Date.parse('2026-12-03T12:00:00Z');
const wl = (name: string, ns: string, owner: string, gpus: number, admittedTo?: string): WorkloadLike => ({
  metadata: { name, namespace: ns, creationTimestamp: '2026-12-03T11:48:00Z', ownerReferences: [{ kind: 'Job', name: owner }] },
  spec: {
    queueName: 'team-a',
    podSets: [
      { name: 'main', count: 1, template: { spec: { containers: [{ resources: { limits: { 'nvidia.com/gpu': String(gpus) } } }] } } },
    ],
  },
  status: admittedTo
    ? { admission: { clusterQueue: admittedTo }, conditions: [{ type: 'Admitted', status: 'True' }] }
    : { conditions: [{ type: 'QuotaReserved', status: 'False', reason: 'Pending' }] },
});
const pendingItem = (name: string, ns: string, owner: string, pos: number): PendingWorkloadItem => ({
  metadata: { name, namespace: ns, creationTimestamp: '2026-12-03T11:48:00Z', ownerReferences: [{ kind: 'Job', name: owner }] },
  localQueueName: 'team-a',
  positionInClusterQueue: pos,
  positionInLocalQueue: pos,
  priority: 0,
});

const input = (over: Partial<QueuesInput> = {}): QueuesInput => ({
  kueue: true,
  clusterQueues: [teamA],
  localQueues: [
    {
      metadata: { name: 'team-a', namespace: 'ml' },
      spec: { clusterQueue: 'team-a' },
      status: { pendingWorkloads: 2, admittedWorkloads: 1 },
    },
  ],
  workloads: [wl('job-big-1', 'ml', 'big', 8, 'team-a'), wl('job-a-1', 'ml', 'a', 4), wl('job-b-1', 'ml', 'b', 8)],
  pending: new Map([['team-a', [pendingItem('job-a-1', 'ml', 'a', 0), pendingItem('job-b-1', 'ml', 'b', 1)]]]),
  namespaces: ['ml'],
  now: T0,
  ...over,
});
const labels = (rows: QueuesRow[]) => rows.map((r) => `${r.label}${r.description ? ` | ${r.description}` : ''}`);

describe('queues: the Queues view rows', () => {
  it('a ClusterQueue: GPUs first, per flavor, with usage and borrowing; then pending in admission order and the admitted', () => {
    const [cq, lqs] = buildQueuesTree(input());
    assert.equal(cq!.label, 'team-a');
    assert.equal(cq!.description, '10/10 GPUs · 2 pending · 1 admitted · cohort kubeml');
    assert.deepEqual(labels(cq!.children), [
      'nvidia.com/gpu · a100 | 0 / 2 used',
      'nvidia.com/gpu · h100 | 10 / 8 used · 2 borrowed',
      'cpu · default-flavor | 16 / 64 used',
      'memory · default-flavor | 64Gi / 512Gi used',
      'Pending (2) | in admission order',
      'Admitted (1)',
    ]);
    assert.match(cq!.children[1]!.tooltip!, /quota 8, in use 10 \(2 of it borrowed\)\. It may borrow up to 8 more\./);
    const pending = cq!.children[4]!;
    assert.deepEqual(labels(pending.children), [
      '1. Job/a | ml · needs 4 nvidia.com/gpu · waiting 12 min',
      '2. Job/b | ml · needs 8 nvidia.com/gpu · waiting 12 min',
    ]);
    assert.match(
      pending.children[1]!.tooltip!,
      /2nd in ClusterQueue team-a, 2nd in LocalQueue team-a, priority 0\. Needs 8 nvidia\.com\/gpu\./,
    );
    assert.deepEqual(pending.children[0]!.workload, { namespace: 'ml', name: 'job-a-1' });
    assert.deepEqual(labels(cq!.children[5]!.children), ['Job/big | ml · 8 nvidia.com/gpu · 12 min']);
    assert.deepEqual(labels([lqs!, ...lqs!.children]), ['LocalQueues (1) | ml', 'team-a | → team-a · 2 pending · 1 admitted']);
  });

  it("without the visibility API: the ClusterQueue's own count, and why the order is unknown", () => {
    const [cq] = buildQueuesTree(input({ pending: new Map([['team-a', 'the visibility API refused: forbidden']]) }));
    const group = cq!.children.find((r) => r.kind === 'pendingGroup')!;
    assert.equal(group.label, 'Pending (2)');
    assert.equal(group.description, 'order unknown: the visibility API refused: forbidden');
    assert.equal(group.children.length, 0);
  });

  it('Kueue not installed: one row that says so and what the view would show', () => {
    const rows = buildQueuesTree(input({ kueue: false }));
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.label, 'Kueue is not installed on this cluster');
    assert.match(rows[0]!.tooltip!, /ClusterQueues with their quota, usage and borrowing/);
  });

  it('while its caches have not listed: reading, never "No ClusterQueues" (the README screenshot showed that on a cluster that has two)', () => {
    const rows = buildQueuesTree(input({ kueue: true, loading: true, clusterQueues: [] }));
    assert.deepEqual(
      rows.map((r) => r.label),
      ['Reading the queues…'],
    );
    assert.ok(buildQueuesTree(input({ kueue: true, clusterQueues: [] })).some((r) => r.label === 'No ClusterQueues'));
  });

  it('no permission to list ClusterQueues: one row saying why, then the LocalQueues of the namespaces shown', () => {
    const rows = buildQueuesTree(
      input({
        clusterQueues: { hidden: 'clusterqueues.kueue.x-k8s.io is forbidden: User "dev" cannot list resource "clusterqueues"' },
        localQueues: [
          { metadata: { name: 'team-a', namespace: 'ml' }, spec: { clusterQueue: 'team-a' } },
          { metadata: { name: 'team-b', namespace: 'other' }, spec: { clusterQueue: 'team-b' } },
        ],
      }),
    );
    assert.deepEqual(labels(rows), [
      'ClusterQueues hidden | clusterqueues.kueue.x-k8s.io is forbidden: User "dev" cannot list resource "clusterqueues"',
      'LocalQueues (1) | ml',
    ]);
    assert.deepEqual(labels(rows[1]!.children), ['team-a | → team-a · 0 pending · 0 admitted']);
  });

  it('quota cells read flavorsUsage when there is no flavorsReservation', () => {
    const cq: ClusterQueueLike = {
      ...teamA,
      status: { flavorsUsage: [{ name: 'h100', resources: [{ name: 'nvidia.com/gpu', total: '3' }] }] },
    };
    assert.equal(quotaCells(cq).find((c) => c.flavor === 'h100')!.used, 3);
  });
});

describe('queues: what a change refreshes in the tree', () => {
  const r = (key: string, label: string, children: QueuesRow[] = []): QueuesRow => ({
    key,
    kind: 'pending',
    label,
    icon: { id: 'clock' },
    contextValue: 'kubeml.queues.pending',
    children,
  });
  const tree = (order: string[], count = order.length) => [
    r('cq:a', `a · ${count} pending`, [
      r(
        'cq:a:pending',
        `Pending (${count})`,
        order.map((n, i) => r(`cq:a:pending:${n}`, `${i + 1}. ${n}`)),
      ),
    ]),
    r('cq:b', 'b', [r('cq:b:pending', 'Pending (1)', [r('cq:b:pending:z', '1. z')])]),
    r('lq', 'LocalQueues (0)'),
  ];

  it('nothing changed: nothing to refresh', () => {
    assert.deepEqual(changedRows(tree(['x', 'y']), tree(['x', 'y'])), []);
  });

  it('an order changed in one queue: its Pending group only, not the other queue', () => {
    assert.deepEqual(changedRows(tree(['x', 'y']), tree(['y', 'x'])), ['cq:a:pending']);
  });

  it('a workload added: the queue row (its count) and its Pending group', () => {
    assert.deepEqual(changedRows(tree(['x']), tree(['x', 'y'])), ['cq:a', 'cq:a:pending']);
  });

  it('a top row added or gone: everything', () => {
    assert.equal(changedRows(tree(['x']), tree(['x']).slice(0, 2)), 'all');
  });

  it('only a label changed deep down: that row', () => {
    const after = tree(['x', 'y']);
    after[1]!.children[0]!.children[0]!.description = 'waiting 2 min';
    assert.deepEqual(changedRows(tree(['x', 'y']), after), ['cq:b:pending:z']);
  });
});
