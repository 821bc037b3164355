import { strict as assert } from 'node:assert';
import { classifyJob, classifyPod, combineVerdicts, type PodJson } from './status';

const pod = (status: PodJson['status'], extra: Partial<PodJson> = {}): PodJson => ({
  metadata: { name: 'run-1-abcde' },
  spec: { nodeName: 'n1', containers: [{ name: 'main', resources: { limits: { memory: '1Gi' } } }] },
  status,
  ...extra,
});
const term = (t: { exitCode: number; reason?: string; message?: string }) =>
  pod({ phase: 'Failed', containerStatuses: [{ name: 'main', state: { terminated: t } }] });

describe('runs: what the pods say', () => {
  it('quotes the image error (missing image with imagePullPolicy Never)', () => {
    const v = classifyPod(
      pod({
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'main',
            state: {
              waiting: {
                reason: 'ErrImageNeverPull',
                message: 'Container image "localhost/nope:1" is not present with pull policy of Never',
              },
            },
          },
        ],
      }),
      [],
      'main',
    );
    assert.equal(v.kind, 'failed');
    assert.equal(v.kind === 'failed' && v.reason, 'image');
    assert.match(v.kind === 'failed' ? v.message : '', /ErrImageNeverPull: Container image "localhost\/nope:1" is not present/);
  });

  it('reports the scheduler reason from the latest FailedScheduling event, with a hint that names the GPU taint', () => {
    const p = pod(
      { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'old message' }] },
      { spec: { containers: [] } },
    );
    const events = [
      { reason: 'FailedScheduling', message: 'first', lastTimestamp: '2026-01-01T00:00:00Z', involvedObject: { name: 'run-1-abcde' } },
      {
        reason: 'FailedScheduling',
        message: '0/7 nodes are available: 1 Insufficient nvidia.com/gpu, 6 node(s) had untolerated taint {nvidia.com/gpu: }.',
        lastTimestamp: '2026-01-01T00:00:05Z',
        involvedObject: { name: 'run-1-abcde' },
      },
    ];
    const v = classifyPod(p, events, 'main');
    assert.equal(v.kind === 'failed' && v.reason, 'unschedulable');
    assert.match(v.kind === 'failed' ? v.message : '', /FailedScheduling: 0\/7 nodes are available: 1 Insufficient nvidia\.com\/gpu/);
    // The taint is what keeps the run off the six GPU nodes: the hint names it first, not "fewer GPUs".
    assert.match(v.kind === 'failed' ? v.hint : '', /^6 GPU node\(s\) carry the nvidia\.com\/gpu taint/);
    // Without events the condition's message is quoted.
    assert.match((classifyPod(p, [], 'main') as { message: string }).message, /old message/);
  });

  it('waits (does not fail) while the scheduler has not yet seen a claim KubeML checked exists (its cache lags the API server)', () => {
    const p = pod(
      { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'x' }] },
      { spec: { containers: [] } },
    );
    // The message kube-scheduler gave in a fresh-clone CI run, right after another test restarted the API server.
    const events = [
      {
        reason: 'FailedScheduling',
        message:
          '0/7 nodes are available: persistentvolumeclaim "kubeml-artifacts" not found. preemption: 0/7 nodes are available: 7 Preemption is not helpful for scheduling.',
        lastTimestamp: '2026-01-01T00:00:05Z',
        involvedObject: { name: 'run-1-abcde' },
      },
    ];
    const v = classifyPod(p, events, 'main');
    assert.equal(v.kind, 'pending');
    assert.match(v.kind === 'pending' ? v.detail : '', /^FailedScheduling \(claims not bound yet\)/);
  });

  it('waits (does not fail) while the pod waits for its claims to be bound', () => {
    const p = pod({
      phase: 'Pending',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims.',
        },
      ],
    });
    const v = classifyPod(p, [], 'main');
    assert.equal(v.kind, 'pending');
    assert.match(v.kind === 'pending' ? v.detail : '', /^FailedScheduling \(claims not bound yet\): 0\/3 nodes/);
  });

  it('says OOMKilled with the memory limit', () => {
    const v = classifyPod(term({ exitCode: 137, reason: 'OOMKilled' }), [], 'main');
    assert.equal(v.kind === 'failed' && v.reason, 'oom');
    assert.match(v.kind === 'failed' ? v.message : '', /OOMKilled .*exit code 137.*limit of 1Gi/);
  });

  it('gives the exit code of a failed command, and recognises the entrypoint giving up on the upload', () => {
    const v = classifyPod(term({ exitCode: 3, reason: 'Error' }), [], 'main');
    assert.deepEqual([v.kind, v.kind === 'failed' && v.reason, v.kind === 'failed' && v.exitCode], ['failed', 'exit', 3]);
    assert.match((v as { message: string }).message, /exited with code 3/);
    assert.equal((classifyPod(term({ exitCode: 97 }), [], 'main') as { reason: string }).reason, 'upload');
    assert.match((classifyPod(term({ exitCode: 143 }), [], 'main') as { message: string }).message, /signal 15/);
  });

  it('is pending while the container is being created, running once it runs, succeeded on exit 0', () => {
    assert.deepEqual(
      classifyPod(
        pod({ phase: 'Pending', containerStatuses: [{ name: 'main', state: { waiting: { reason: 'ContainerCreating' } } }] }),
        [],
        'main',
      ),
      { kind: 'pending', detail: 'ContainerCreating' },
    );
    assert.deepEqual(classifyPod(pod({ phase: 'Running', containerStatuses: [{ name: 'main', state: { running: {} } }] }), [], 'main'), {
      kind: 'running',
    });
    assert.deepEqual(classifyPod(term({ exitCode: 0, reason: 'Completed' }), [], 'main'), { kind: 'succeeded' });
    assert.equal(
      classifyPod(
        pod({
          phase: 'Pending',
          containerStatuses: [
            { name: 'main', state: { waiting: { reason: 'CreateContainerConfigError', message: 'secret "x" not found' } } },
          ],
        }),
        [],
        'main',
      ).kind,
      'failed',
    );
  });

  it('reads the controller conditions: DeadlineExceeded, Complete', () => {
    assert.equal(
      (
        classifyJob({
          status: {
            conditions: [
              { type: 'Failed', status: 'True', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' },
            ],
          },
        }) as { reason: string }
      ).reason,
      'deadline',
    );
    assert.deepEqual(classifyJob({ status: { conditions: [{ type: 'Complete', status: 'True' }] } }), { kind: 'succeeded' });
    assert.equal(classifyJob({ status: {} }), undefined);
  });

  it('combines the pods of a distributed run: the first failure wins; all must run', () => {
    const fail = { kind: 'failed' as const, reason: 'oom' as const, message: 'm', hint: 'h' };
    assert.equal(combineVerdicts([{ kind: 'running' }, fail], 2), fail);
    assert.equal(combineVerdicts([{ kind: 'running' }], 2).kind, 'pending');
    assert.equal(combineVerdicts([{ kind: 'running' }, { kind: 'running' }], 2).kind, 'running');
    assert.equal(combineVerdicts([{ kind: 'succeeded' }, { kind: 'succeeded' }], 2).kind, 'succeeded');
    assert.equal(combineVerdicts([], 1).kind, 'pending');
  });
});
