import { strict as assert } from 'node:assert';
import { CLUSTER, failedJob, suspendedJob, trainJob, trainPod0, trainPod1, llmPod, withStatus } from '../cluster/read/fixtures';
import { type KubeObject } from '../cluster/read/informerState';
import { JobsModel } from './jobsModel';
import { md } from './rows/common';
import { ids, ModelHarness, settle } from './modelHarness';

const TREE = [
  'Running | 1',
  '  train-resnet | Job · 2 GPU · 0/2 · running 30m',
  // The doctor's finding from the pods alone (src/model/health), above the pods.
  '    rank 1 restarted 3 times; the last run ended with exit code 1, 19 min ago | rank 1',
  '    train-resnet-0-x7k2p | rank 0 · Running · gpu-a100-0 · 1 GPU · 30m',
  '    train-resnet-1-q9m4w | rank 1 · CrashLoopBackOff · gpu-a100-0 · 3 restarts · 1 GPU · 30m',
  'Pending | 1',
  '  sweep-lr | Job · 2 GPU · 0/1 · 5m · Suspended',
  'Succeeded | 1',
  '  eval-resnet | Job · 1 GPU · 1/1 · took 12m',
  '    eval-resnet-h3n8v | Succeeded · gpu-a100-0 · 1 GPU · 2h',
  'Failed | 1',
  '  train-bert | Job · 4 GPU · 0/1 · took 20m · BackoffLimitExceeded',
];

const ready = (p: KubeObject) => {
  const st = p.status as { containerStatuses: Array<Record<string, unknown>>; conditions: Array<Record<string, unknown>> };
  return withStatus(p, {
    conditions: st.conditions.map((c) =>
      c.type === 'Ready' || c.type === 'ContainersReady'
        ? { type: c.type, status: 'True', lastProbeTime: null, lastTransitionTime: '2025-06-01T11:59:00Z' }
        : c,
    ),
    containerStatuses: st.containerStatuses.map((c) => ({
      ...c,
      ready: true,
      started: true,
      state: { running: { startedAt: '2025-06-01T11:59:00Z' } },
    })),
  });
};

describe('JobsModel', () => {
  let h: ModelHarness<JobsModel>;
  afterEach(() => h.dispose());

  it('groups the jobs of the namespace by state, with counts, and shows each job’s pods by rank', async () => {
    h = new ModelHarness((d) => new JobsModel(d), { objects: CLUSTER });
    await h.open();
    assert.deepEqual(h.tree(), TREE);
    assert.deepEqual(h.model.counts(), { Running: 1, Pending: 1, Succeeded: 1, Failed: 1 });
  });

  it('gives job and pod nodes what the commands read: kind, namespace, name, containers', async () => {
    h = new ModelHarness((d) => new JobsModel(d), { objects: CLUSTER });
    await h.open();
    const [job] = h.model.children(h.root('Running'));
    assert.deepEqual(
      [job!.kindId, job!.namespace, job!.name, job!.data],
      // The fixture's Job carries kubeml.io/run: it is a KubeML run, so Show Run Logs finds its record by that id.
      ['jobs', 'team', 'train-resnet', { ref: 'jobs:team/train-resnet', state: 'Running', runId: 'train-resnet-20250601' }],
    );
    assert.equal(job!.row.contextValue, 'kubeml.job.batch.running.run');
    const pod = h.model.children(job).find((n) => n.kindId === 'pods');
    assert.deepEqual(
      [pod!.kindId, pod!.namespace, pod!.name, pod!.containers, pod!.container],
      ['pods', 'team', 'train-resnet-0-x7k2p', ['trainer'], 'trainer'],
    );
    assert.equal(h.model.summary('jobs:team/train-bert')?.reason, 'BackoffLimitExceeded');
  });

  it('a pod change refreshes only its job’s node', async () => {
    h = new ModelHarness((d) => new JobsModel(d), { objects: CLUSTER });
    await h.open();
    h.tree();
    const fired = await h.change((api) => {
      api.put(withStatus(llmPod, { phase: 'Running' })); // not a job's pod: nothing to refresh
      api.put(ready(trainPod1));
    });
    assert.deepEqual(ids(fired), ['job:jobs:team/train-resnet']);
    assert.equal(h.tree()[4], '    train-resnet-1-q9m4w | rank 1 · Running · gpu-a100-0 · 3 restarts · 1 GPU · 30m');
  });

  it('a job that stays in its state refreshes only its own node, with its new row', async () => {
    h = new ModelHarness((d) => new JobsModel(d), { objects: CLUSTER });
    await h.open();
    h.tree();
    const fired = await h.change((api) => api.put(withStatus(trainJob, { active: 1, ready: 1, succeeded: 1, completedIndexes: '0' })));
    assert.deepEqual(ids(fired), ['job:jobs:team/train-resnet']);
    assert.equal(fired![0]!.row.description, 'Job · 2 GPU · 1/2 · running 30m', 'the node carries its new row when it is fired');
  });

  it('a job that changes state refreshes the two groups, with their new counts', async () => {
    h = new ModelHarness((d) => new JobsModel(d), { objects: CLUSTER });
    await h.open();
    h.tree();
    const at = '2025-06-01T11:58:00Z';
    const done = withStatus(trainJob, {
      active: 0,
      ready: 0,
      succeeded: 2,
      completionTime: at,
      completedIndexes: '0-1',
      conditions: [
        { type: 'SuccessCriteriaMet', status: 'True', lastProbeTime: at, lastTransitionTime: at, reason: 'CompletionsReached' },
        { type: 'Complete', status: 'True', lastProbeTime: at, lastTransitionTime: at, reason: 'CompletionsReached' },
      ],
    });
    const fired = await h.change((api) => api.put(done));
    assert.deepEqual(ids(fired), ['group:Running', 'group:Succeeded']);
    // Running lost its only job: an empty group has nothing to open.
    assert.deepEqual(fired!.map((n) => `${n.row.label} ${n.row.description} ${n.row.collapsible}`).sort(), [
      'Running 0 none',
      'Succeeded 2 collapsed',
    ]);
    assert.deepEqual(
      h.model.children(h.root('Succeeded')).map((n) => n.row.description),
      ['Job · 2 GPU · 2/2 · took 28m', 'Job · 1 GPU · 1/1 · took 12m'],
    );
  });

  it('a pending job explains the wait in its tooltip from its pod, and follows the pod', async () => {
    h = new ModelHarness((d) => new JobsModel(d), { objects: CLUSTER });
    await h.open();
    h.tree();
    // kube-scheduler v1.33's message for a pod that does not tolerate the GPU taint (test/fixtures/pending/messages.json).
    const taint =
      '0/7 nodes are available: 1 Insufficient nvidia.com/gpu, 6 node(s) had untolerated taint {nvidia.com/gpu: }. preemption: 0/7 nodes are available: 1 No preemption victims found for incoming pod, 6 Preemption is not helpful for scheduling.';
    const base = structuredClone(trainPod0);
    const name = 'sweep-lr-4xk2p';
    const labels: Record<string, string> = { ...base.metadata.labels, 'batch.kubernetes.io/job-name': 'sweep-lr', 'job-name': 'sweep-lr' };
    delete labels['batch.kubernetes.io/job-completion-index'];
    const waiting = (message: string): KubeObject => ({
      ...base,
      metadata: {
        ...base.metadata,
        name,
        uid: 'p-sweep',
        labels,
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'sweep-lr', uid: suspendedJob.metadata.uid!, controller: true }],
      },
      spec: { ...(base.spec as object), nodeName: undefined },
      status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }] },
    });
    const [before] = h.model.children(h.root('Pending'));
    assert.doesNotMatch(before!.row.tooltip!, /toleration/, 'no pod, nothing to explain');
    let fired = await h.change((api) => api.put(waiting(taint)));
    assert.deepEqual(ids(fired), ['job:jobs:team/sweep-lr']);
    assert.ok(fired![0]!.row.tooltip!.includes(`**${md('6 nodes need a toleration for nvidia.com/gpu.')}**`), fired![0]!.row.tooltip);
    fired = await h.change((api) => api.put(waiting('0/7 nodes are available: 7 node(s) were unschedulable.')));
    assert.ok(fired![0]!.row.tooltip!.includes(`**${md('7 nodes are cordoned.')}**`), fired![0]!.row.tooltip);
  });

  it('a job Kueue holds explains the wait from its Workload and ClusterQueue, and follows Kueue', async () => {
    h = new ModelHarness((d) => new JobsModel(d), { objects: CLUSTER });
    await h.open();
    h.tree();
    const K = 'kueue.x-k8s.io/v1beta1';
    const cq = (used: string): KubeObject => ({
      apiVersion: K,
      kind: 'ClusterQueue',
      metadata: { name: 'team-a', uid: 'cq-a', resourceVersion: '1' },
      spec: {
        resourceGroups: [
          { coveredResources: ['nvidia.com/gpu'], flavors: [{ name: 'h100', resources: [{ name: 'nvidia.com/gpu', nominalQuota: '8' }] }] },
        ],
      },
      status: {
        flavorsReservation: [{ name: 'h100', resources: [{ name: 'nvidia.com/gpu', total: used, borrowed: '0' }] }],
        pendingWorkloads: 1,
      },
    });
    // Kueue's own message (pkg/scheduler/flavorassigner, as test/fixtures/pending/messages.json quotes it).
    const workload: KubeObject = {
      apiVersion: K,
      kind: 'Workload',
      metadata: {
        name: 'job-sweep-lr-1a2b3',
        namespace: 'team',
        uid: 'wl-1',
        resourceVersion: '1',
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'sweep-lr', uid: suspendedJob.metadata.uid! }],
      },
      spec: { queueName: 'team-a', podSets: [{ name: 'main', count: 1 }] },
      status: {
        resourceRequests: [{ name: 'main', resources: { 'nvidia.com/gpu': '4' } }],
        conditions: [
          {
            type: 'QuotaReserved',
            status: 'False',
            reason: 'Pending',
            message: "couldn't assign flavors to pod set main: insufficient unused quota for nvidia.com/gpu in flavor h100, 2 more needed",
          },
        ],
      },
    };
    const lq: KubeObject = {
      apiVersion: K,
      kind: 'LocalQueue',
      metadata: { name: 'team-a', namespace: 'team', uid: 'lq-a', resourceVersion: '1' },
      spec: { clusterQueue: 'team-a' },
    };
    await h.change((api) => (api.put(cq('6')), api.put(lq)));
    const fired = await h.change((api) => api.put(workload));
    assert.deepEqual(ids(fired), ['job:jobs:team/sweep-lr']);
    const sentence = 'It needs 4 nvidia.com/gpu in flavor h100; team-a has 2 free of 8 and cannot borrow: it is in no cohort.';
    assert.ok(fired![0]!.row.tooltip!.includes(`**${md(sentence)}**`), fired![0]!.row.tooltip);
    // Kueue admits it: no Kueue reason any more (the job is still suspended until Kueue resumes it).
    const admitted = structuredClone(workload);
    (admitted.status as { conditions: unknown[] }).conditions = [
      { type: 'QuotaReserved', status: 'True' },
      { type: 'Admitted', status: 'True' },
    ];
    const again = await h.change((api) => api.put(admitted));
    assert.deepEqual(ids(again), ['job:jobs:team/sweep-lr']);
    assert.ok(!again![0]!.row.tooltip!.includes('Kueue'), again![0]!.row.tooltip);
  });

  it('a new job and a deleted job refresh their group only', async () => {
    h = new ModelHarness((d) => new JobsModel(d), { objects: CLUSTER });
    await h.open();
    h.tree();
    const fresh: KubeObject = {
      ...structuredClone(trainJob),
      metadata: { ...structuredClone(trainJob.metadata), name: 'train-vit', uid: 'f00d' },
      status: {},
    };
    let fired = await h.change((api) => api.put(fresh));
    assert.deepEqual(ids(fired), ['group:Pending']);
    assert.equal(fired![0]!.row.description, '2');
    fired = await h.change((api) => api.delete(failedJob));
    assert.deepEqual(ids(fired), ['group:Failed']);
    assert.equal(fired![0]!.row.description, '0');
    assert.equal(fired![0]!.row.collapsible, 'none');
    assert.deepEqual(h.model.children(h.root('Failed')), []);
  });

  it('hides batch Jobs that another controller owns (a JobSet’s)', async () => {
    const owned: KubeObject = {
      ...structuredClone(trainJob),
      metadata: {
        ...structuredClone(trainJob.metadata),
        name: 'tj-node-0',
        uid: 'js-1',
        ownerReferences: [{ apiVersion: 'jobset.x-k8s.io/v1alpha2', kind: 'JobSet', name: 'tj', uid: 'js-uid', controller: true }],
      },
    };
    h = new ModelHarness((d) => new JobsModel(d), { objects: [...CLUSTER, owned] });
    await h.open();
    assert.deepEqual(h.model.counts(), { Running: 1, Pending: 1, Succeeded: 1, Failed: 1 });
  });

  it('filters jobs by name, in the counts too', async () => {
    h = new ModelHarness((d) => new JobsModel(d), { objects: CLUSTER });
    await h.open();
    const next = h.next();
    h.model.setFilter('  BERT ');
    assert.equal(await next, undefined, 'a new filter refreshes the whole tree');
    assert.equal(h.model.filter, 'BERT');
    assert.deepEqual(h.tree(), [
      'Running | 0',
      'Pending | 0',
      'Succeeded | 0',
      'Failed | 1',
      '  train-bert | Job · 4 GPU · 0/1 · took 20m · BackoffLimitExceeded',
    ]);
  });

  it('names the namespace on job rows when several are shown, and lists each of them', async () => {
    const other: KubeObject = { ...structuredClone(failedJob), metadata: { ...structuredClone(failedJob.metadata), namespace: 'other' } };
    h = new ModelHarness((d) => new JobsModel(d), { objects: [...CLUSTER, other], namespaces: ['team', 'other'] });
    await h.open();
    assert.deepEqual(
      h.model
        .children(h.root('Failed'))
        .map((n) => `${n.id} ${n.row.description}`)
        .sort(),
      [
        'job:jobs:other/train-bert Job · other · 4 GPU · 0/1 · took 20m · BackoffLimitExceeded',
        'job:jobs:team/train-bert Job · team · 4 GPU · 0/1 · took 20m · BackoffLimitExceeded',
      ],
    );
    assert.ok(h.api.requests.some((r) => r.path === '/apis/batch/v1/namespaces/other/jobs'));
    assert.ok(!h.api.requests.some((r) => r.path === '/apis/batch/v1/jobs'), 'two namespaces: no cluster-wide list');
  });

  it('keeps one node object per id, so the view can refresh it by identity', async () => {
    h = new ModelHarness((d) => new JobsModel(d), { objects: CLUSTER });
    await h.open();
    const before = h.model.children(h.root('Running'))[0];
    await h.change((api) => api.put(withStatus(trainPod0, { qosClass: 'Guaranteed' })));
    await settle();
    assert.equal(h.model.children(h.root('Running'))[0], before);
  });
});
