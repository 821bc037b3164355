/**
 * Kueue v0.17.0's messages (test/fixtures/pending/messages.json, printed by test/fixtures/pending/upstream/main.go
 * with the format strings of sigs.k8s.io/kueue@v0.17.0 pkg/scheduler/flavorassigner/flavorassigner.go
 * (Assignment.Message, Status.Message, fitsResourceQuota, checkFlavorForPodSets), pkg/scheduler/scheduler.go,
 * pkg/controller/core/workload_controller.go and pkg/scheduler/preemption/preemption.go), in Workloads as Kueue
 * writes them (condition QuotaReserved=False, reason Pending), with ClusterQueues whose numbers make Kueue's
 * "N more needed" come out as in the message: available = the cohort's nominal quota minus its reservations.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { explainPending, parseKueueMessage } from './index';
import type { ClusterQueueLike, KueueInput, WorkloadLike } from './types';

const MSG = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'pending', 'messages.json'), 'utf8')) as Record<
  string,
  string
>;

function workload(
  gpus: number,
  conditions: NonNullable<WorkloadLike['status']>['conditions'],
  extra: NonNullable<WorkloadLike['status']> = {},
): WorkloadLike {
  return {
    metadata: { name: 'job-train-7f9c2-1a2b3', namespace: 'ml' },
    spec: { queueName: 'team-a', podSets: [{ name: 'main', count: 1 }] },
    status: { conditions, resourceRequests: [{ name: 'main', resources: { 'nvidia.com/gpu': String(gpus), cpu: '8' } }], ...extra },
  };
}

const pending = (message: string) => [{ type: 'QuotaReserved', status: 'False', reason: 'Pending', message }];

function cq(
  name: string,
  flavors: Record<string, { nominal: number; reserved: number; borrowingLimit?: number }>,
  cohort: string | null = 'gpu-pool',
): ClusterQueueLike {
  return {
    metadata: { name },
    spec: {
      ...(cohort ? { cohortName: cohort } : {}),
      resourceGroups: [
        {
          coveredResources: ['nvidia.com/gpu'],
          flavors: Object.entries(flavors).map(([f, q]) => ({
            name: f,
            resources: [
              {
                name: 'nvidia.com/gpu',
                nominalQuota: String(q.nominal),
                ...(q.borrowingLimit !== undefined ? { borrowingLimit: String(q.borrowingLimit) } : {}),
              },
            ],
          })),
        },
      ],
    },
    status: {
      flavorsReservation: Object.entries(flavors).map(([f, q]) => ({
        name: f,
        resources: [{ name: 'nvidia.com/gpu', total: String(q.reserved), borrowed: '0' }],
      })),
    },
  };
}

function explain(k: KueueInput) {
  return explainPending({ now: '2026-01-01T12:00:00Z', kueue: k });
}

describe('pending: Kueue', () => {
  it("parses Assignment.Message: pod sets, reasons split where Kueue joined them (its reasons hold ', ' themselves)", () => {
    assert.deepEqual(parseKueueMessage(MSG.kueueTwoFlavors!), [
      {
        podSet: 'main',
        reasons: [
          {
            kind: 'unused',
            resource: 'nvidia.com/gpu',
            flavor: 'a100',
            more: 4,
            text: 'insufficient unused quota for nvidia.com/gpu in flavor a100, 4 more needed',
          },
          {
            kind: 'unused',
            resource: 'nvidia.com/gpu',
            flavor: 'h100',
            more: 8,
            text: 'insufficient unused quota for nvidia.com/gpu in flavor h100, 8 more needed',
          },
        ],
      },
    ]);
    const [max] = parseKueueMessage(MSG.kueueMaxCapacity!);
    assert.deepEqual(max!.reasons[0], {
      kind: 'max',
      resource: 'nvidia.com/gpu',
      flavor: 'h100',
      assumed: 0,
      request: 16,
      max: 8,
      text: MSG.kueueMaxCapacity!.replace(/^.*?: /, ''),
    });
    assert.equal(parseKueueMessage(MSG.kueueFlavorTaint!)[0]!.reasons[0]!.kind, 'taint');
  });

  it('quota exhausted, the cohort full: needs, free of nominal, cannot borrow', () => {
    const teamA = cq('team-a', { h100: { nominal: 32, reserved: 24 } });
    const teamB = cq('team-b', { h100: { nominal: 32, reserved: 32 } });
    const e = explain({ workload: workload(16, pending(MSG.kueueCohortFull!)), clusterQueue: teamA, clusterQueues: [teamA, teamB] });
    assert.equal(e.sentence, 'It needs 16 nvidia.com/gpu in flavor h100; team-a has 8 free of 32 and cannot borrow: the cohort is full.');
    assert.equal(e.source, 'kueue');
    assert.deepEqual(e.actions, [{ kind: 'setGpus', gpus: 8, resource: 'nvidia.com/gpu', why: 'queueFree' }]);
    assert.ok(e.details.includes(`Kueue: Pending: ${MSG.kueueCohortFull}`), "Kueue's message is kept whole");
    assert.ok(!e.details.some((d) => /workload\(s\) wait/.test(d)), 'no count when the status has none');
    const counted = { ...teamA, status: { ...teamA.status, pendingWorkloads: 5 } };
    const f = explain({ workload: workload(16, pending(MSG.kueueCohortFull!)), clusterQueue: counted, clusterQueues: [counted, teamB] });
    assert.equal(f.details[0], '5 workload(s) wait in ClusterQueue team-a', 'without the visibility API, the queue length from its status');
  });

  it('quota exhausted, borrowing possible but not enough: says how much the cohort lends and how much is still short', () => {
    const teamA = cq('team-a', { h100: { nominal: 32, reserved: 24 } });
    const teamB = cq('team-b', { h100: { nominal: 32, reserved: 28 } });
    const e = explain({ workload: workload(16, pending(MSG.kueueBorrowShort!)), clusterQueue: teamA, clusterQueues: [teamA, teamB] });
    assert.equal(
      e.sentence,
      'It needs 16 nvidia.com/gpu in flavor h100; team-a has 8 free of 32 and can borrow 4 from cohort gpu-pool: 4 short.',
    );
    assert.deepEqual(e.actions, [{ kind: 'setGpus', gpus: 12, resource: 'nvidia.com/gpu', why: 'queueFree' }]);
  });

  it("a ClusterQueue status that lags Kueue's cache: the free quota Kueue saw, from its 'more needed'", () => {
    // Kueue reserved 24 but the ClusterQueue's status still shows 16: Kueue's message (8 more needed for 16) says 8 were free.
    const stale = cq('team-a', { h100: { nominal: 32, reserved: 16 } });
    const full = cq('team-b', { h100: { nominal: 32, reserved: 32 } });
    const e = explain({ workload: workload(16, pending(MSG.kueueCohortFull!)), clusterQueue: stale, clusterQueues: [stale, full] });
    assert.equal(e.sentence, 'It needs 16 nvidia.com/gpu in flavor h100; team-a has 8 free of 32 and cannot borrow: the cohort is full.');
  });

  it('no borrowing: a borrowingLimit of 0, or no cohort', () => {
    const limited = cq('team-a', { h100: { nominal: 32, reserved: 24, borrowingLimit: 0 } });
    const lender = cq('team-b', { h100: { nominal: 32, reserved: 0 } });
    assert.match(
      explain({ workload: workload(16, pending(MSG.kueueCohortFull!)), clusterQueue: limited, clusterQueues: [limited, lender] }).sentence,
      /and cannot borrow: its borrowingLimit is 0\.$/,
    );
    const alone = cq('team-a', { h100: { nominal: 32, reserved: 24 } }, null);
    assert.match(
      explain({ workload: workload(16, pending(MSG.kueueCohortFull!)), clusterQueue: alone }).sentence,
      /and cannot borrow: it is in no cohort\.$/,
    );
  });

  it('more than the queue can ever hold: the maximum capacity, and lower the GPUs to it', () => {
    const teamA = cq('team-a', { h100: { nominal: 8, reserved: 0, borrowingLimit: 0 } });
    const e = explain({ workload: workload(16, pending(MSG.kueueMaxCapacity!)), clusterQueue: teamA });
    assert.equal(e.sentence, 'It needs 16 nvidia.com/gpu in flavor h100, more than team-a can ever hold (8).');
    assert.deepEqual(e.actions, [{ kind: 'setGpus', gpus: 8, resource: 'nvidia.com/gpu', why: 'queueMax' }]);
  });

  it('two flavors both short: one sentence over the flavors', () => {
    const teamA = cq('team-a', { h100: { nominal: 16, reserved: 8 }, a100: { nominal: 16, reserved: 4 } }, null);
    const e = explain({ workload: workload(16, pending(MSG.kueueTwoFlavors!)), clusterQueue: teamA });
    assert.equal(e.sentence, 'It needs 16 nvidia.com/gpu and no flavor of team-a has room: a100 is 12 free, h100 is 8 free.');
  });

  it('its position: 1-based from the visibility API, what is ahead with owner, GPUs and age; show them, or switch to a queue with room', () => {
    const teamA = cq('team-a', { h100: { nominal: 32, reserved: 24 } });
    const teamB = cq('team-b', { h100: { nominal: 32, reserved: 32 } });
    const spare = cq('spare', { h100: { nominal: 32, reserved: 0 } }, null);
    const ahead = [
      { namespace: 'ml', name: 'job-a-1', owner: 'job-a', requests: { 'nvidia.com/gpu': '8' }, creationTimestamp: '2026-01-01T11:48:00Z' },
      {
        namespace: 'nlp',
        name: 'job-b-2',
        owner: 'job-b',
        requests: { 'nvidia.com/gpu': '16' },
        creationTimestamp: '2026-01-01T09:00:00Z',
      },
    ];
    const e = explain({
      workload: workload(16, pending(MSG.kueueCohortFull!)),
      clusterQueue: teamA,
      clusterQueues: [teamA, teamB, spare],
      localQueues: [
        { name: 'team-a', clusterQueue: 'team-a' },
        { name: 'spare', clusterQueue: 'spare' },
      ],
      position: { positionInLocalQueue: 2, positionInClusterQueue: 4, localQueueName: 'team-a' },
      ahead,
    });
    assert.equal(
      e.details[0],
      '3rd in team-a (5th in ClusterQueue team-a); ahead: ml/job-a-1 (job-a, 8 GPUs, 12 min), nlp/job-b-2 (job-b, 16 GPUs, 3 h)',
    );
    assert.deepEqual(e.queue, { localQueue: 'team-a', clusterQueue: 'team-a', position: 3, positionInClusterQueue: 5 });
    assert.deepEqual(
      e.actions.filter((a) => a.kind !== 'setGpus'),
      [
        { kind: 'switchQueue', queue: 'spare', clusterQueue: 'spare', flavor: 'h100', resource: 'nvidia.com/gpu', free: 32 },
        {
          kind: 'showBlockingWorkloads',
          clusterQueue: 'team-a',
          workloads: [
            { namespace: 'ml', name: 'job-a-1' },
            { namespace: 'nlp', name: 'job-b-2' },
          ],
        },
      ],
    );
  });

  it('admitted: Kueue is not the reason, the scheduler is', () => {
    const e = explainPending({
      kueue: {
        workload: workload(8, [
          { type: 'QuotaReserved', status: 'True' },
          { type: 'Admitted', status: 'True' },
        ]),
      },
      pods: [
        {
          metadata: { name: 'p', namespace: 'ml' },
          spec: { containers: [] },
          status: { conditions: [{ type: 'PodScheduled', status: 'False', message: MSG.selector! }] },
        },
      ],
    });
    assert.equal(e.source, 'scheduler');
  });

  it('quota reserved, an admission check still pending', () => {
    const wl = workload(
      8,
      [
        { type: 'QuotaReserved', status: 'True' },
        { type: 'Admitted', status: 'False' },
      ],
      {
        admission: { clusterQueue: 'team-a' },
        admissionChecks: [{ name: 'provisioning', state: 'Pending', message: 'waiting for capacity' }],
      },
    );
    const e = explain({ workload: wl });
    assert.equal(e.sentence, 'Quota is reserved in team-a; it waits for admission check provisioning (Pending).');
    assert.ok(e.details.includes('Kueue: admission check provisioning: Pending: waiting for capacity'));
  });

  it('a LocalQueue that does not exist', () => {
    const wl = workload(8, [{ type: 'QuotaReserved', status: 'False', reason: 'Inadmissible', message: MSG.kueueNoLocalQueue! }]);
    assert.equal(explain({ workload: wl }).sentence, 'Its queue team-x does not exist.');
  });

  it("a flavor's taint, as Kueue prints the taint", () => {
    const e = explain({ workload: workload(8, pending(MSG.kueueFlavorTaint!)) });
    assert.equal(e.sentence, 'Flavor h100 has a node taint the job does not tolerate ({nvidia.com/gpu  NoSchedule <nil>}).');
  });

  it('preempted: who took the quota, and it waits again', () => {
    const wl = workload(8, [
      { type: 'Evicted', status: 'True', reason: 'Preempted', message: MSG.kueuePreempted! },
      { type: 'QuotaReserved', status: 'False', reason: 'Pending', message: MSG.kueueNoLongerFits! },
    ]);
    const e = explain({ workload: wl });
    assert.equal(
      e.sentence,
      'Kueue preempted it for a workload of /gpu-pool/team-b (reclamation within the cohort); it waits to be admitted again.',
    );
    assert.ok(e.details.includes(`Kueue: ${MSG.kueueNoLongerFits}`), 'the other message is passed through');
  });

  it('unknown Kueue messages are passed through, never dropped', () => {
    const e = explain({ workload: workload(8, pending(MSG.kueueNoResource!)) });
    assert.equal(e.sentence, `Kueue: ${MSG.kueueNoResource}`);
    assert.ok(e.details.includes(`Kueue: Pending: ${MSG.kueueNoResource}`));
  });
});
