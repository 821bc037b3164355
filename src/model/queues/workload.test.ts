import { strict as assert } from 'node:assert';
import { formatRequests, isAdmitted, orderResources, ownerOf, queuedLine, workloadOfJob, workloadRequests } from './workload';
import type { WorkloadLike } from '../pending/types';

// A Workload in the shape Kueue gives one for a batch/v1 Job (the fields read here; the integration test reads real ones).
const wl: WorkloadLike = {
  metadata: { name: 'job-train-7c2f1', namespace: 'ml', ownerReferences: [{ kind: 'Job', name: 'train' }] },
  spec: {
    queueName: 'team-a',
    podSets: [
      {
        name: 'main',
        count: 2,
        template: {
          spec: { containers: [{ name: 'c', resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { 'nvidia.com/gpu': '4' } } }] },
        },
      },
    ],
  },
  status: { conditions: [{ type: 'QuotaReserved', status: 'False', reason: 'Pending', message: "couldn't assign flavors" }] },
};

describe('model/queues: Kueue workloads', () => {
  it('requests: the pod sets times their count until Kueue writes status.resourceRequests, then those', () => {
    assert.deepEqual(workloadRequests(wl), { cpu: 1, memory: 2 * 1024 ** 3, 'nvidia.com/gpu': 8 });
    const withStatus: WorkloadLike = {
      ...wl,
      status: { resourceRequests: [{ name: 'main', resources: { cpu: '3', 'nvidia.com/gpu': '6' } }] },
    };
    assert.deepEqual(workloadRequests(withStatus), { cpu: 3, 'nvidia.com/gpu': 6 });
  });

  it('GPUs first, then cpu and memory; zero requests left out', () => {
    assert.deepEqual(orderResources(['memory', 'pods', 'cpu', 'nvidia.com/gpu']), ['nvidia.com/gpu', 'cpu', 'memory', 'pods']);
    assert.equal(
      formatRequests({ cpu: 1, memory: 2 * 1024 ** 3, 'nvidia.com/gpu': 8, 'example.com/x': 0 }),
      '8 nvidia.com/gpu, 1 cpu, 2Gi memory',
    );
  });

  it('the queued line: 1-based position in the LocalQueue from the 0-based visibility API; without a position, only the queue', () => {
    assert.equal(
      queuedLine({ localQueue: 'team-a', positionInLocalQueue: 2, requests: { 'nvidia.com/gpu': 8 } }),
      'queued: 3rd in team-a, needs 8 nvidia.com/gpu',
    );
    assert.equal(queuedLine({ localQueue: 'team-a', positionInLocalQueue: 10 }), 'queued: 11th in team-a');
    assert.equal(queuedLine({ localQueue: 'team-a', requests: { cpu: 2 } }), 'queued: in team-a, needs 2 cpu');
  });

  it('the workload of a job by its owner reference; admitted only with the Admitted condition', () => {
    assert.equal(workloadOfJob([wl], 'Job', 'train'), wl);
    assert.equal(workloadOfJob([wl], 'PyTorchJob', 'train'), undefined);
    assert.equal(ownerOf(wl), 'Job/train');
    assert.equal(isAdmitted(wl), false);
    assert.equal(isAdmitted({ ...wl, status: { conditions: [{ type: 'QuotaReserved', status: 'True' }] } }), false);
    assert.equal(isAdmitted({ ...wl, status: { conditions: [{ type: 'Admitted', status: 'True' }] } }), true);
  });
});
