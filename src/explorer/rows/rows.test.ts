import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as f from './fixtures';
import { age, claimNamesIn, podSpecRequest, shortDuration } from './common';
import { groupRow, isOwnedJob, jobRow, podDisplayPhase, podOwnerRefs, podRank, podRow, summarizeJob } from './jobs';
import { clusterSummaryRow, gpuNodeInfo, gpuNodeRow, gpuPodRow, isGpuNode, podGpus, productRow, summarizeProducts } from './gpus';
import { aggregateGpus, measuredTexts, podDevices, usageTooltip } from './gpuUsage';
import { claimInfo, claimRow, compareClaims, fluidRow, volumeMountSnippet } from './datasets';
import { deploymentRow, inferenceServiceDetailRows, inferenceServiceInfo, inferenceServiceRow, selects } from './models';

describe('explorer rows: jobs', () => {
  it('maps batch Job status to Running, Pending, Succeeded and Failed', () => {
    assert.equal(summarizeJob('jobs', f.batchRunning).state, 'Running');
    assert.equal(summarizeJob('jobs', f.batchPendingNotReady).state, 'Pending');
    assert.equal(summarizeJob('jobs', f.batchSucceeded).state, 'Succeeded');
    const failed = summarizeJob('jobs', f.batchFailed);
    assert.equal(failed.state, 'Failed');
    assert.equal(failed.reason, 'BackoffLimitExceeded');
    assert.equal(failed.finished, '2025-06-01T11:10:00Z');
    // A run KubeML ended (its pods could never run) says why in its annotation, not "DeadlineExceeded".
    const ended = {
      ...f.batchFailed,
      metadata: { ...f.batchFailed.metadata, annotations: { 'kubeml.io/failure': 'No node can run the pod: FailedScheduling: ...' } },
    };
    assert.equal(summarizeJob('jobs', ended).reason, 'No node can run the pod: FailedScheduling: ...');
  });

  it("a KubeML run's row offers Show Run Logs, and a validation run's also Open Drift Report (package.json menus)", () => {
    const menus = (
      JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
        contributes: { menus: { 'view/item/context': Array<{ command: string; when: string }> } };
      }
    ).contributes.menus['view/item/context'];
    const shownFor = (command: string, contextValue: string) =>
      menus
        .filter((m) => m.command === command && m.when.includes('view == kubeml.jobs'))
        .some((m) => new RegExp(/viewItem =~ \/(.*)\/$/.exec(m.when)![1]!).test(contextValue));
    const labelled = (kind: string) => ({
      ...f.batchSucceeded,
      metadata: { ...f.batchSucceeded.metadata, labels: { 'kubeml.io/run': 'forest-val-1', 'kubeml.io/kind': kind } },
    });
    const val = jobRow(summarizeJob('jobs', labelled('validate')), f.NOW).contextValue!;
    const train = jobRow(summarizeJob('jobs', labelled('train')), f.NOW).contextValue!;
    const plain = jobRow(summarizeJob('jobs', f.batchSucceeded), f.NOW).contextValue!;
    assert.deepEqual(
      [val, train, plain].map((c) => [shownFor('kubeml.showRunLogs', c), shownFor('kubeml.openDriftReport', c)]),
      [
        [true, true],
        [true, false],
        [false, false],
      ],
    );
  });

  it('counts GPUs requested across parallel pods, replicas, nodes and worker groups', () => {
    assert.equal(summarizeJob('jobs', f.batchRunning).gpus, 2);
    assert.equal(summarizeJob('trainJobs', f.trainJobRunning).gpus, 16);
    assert.equal(summarizeJob('pytorchJobs', f.pytorchFailed).gpus, 8);
    assert.equal(summarizeJob('rayJobs', f.rayJobPending).gpus, 2);
  });

  it('normalises TrainJob, PyTorchJob and RayJob states and completions', () => {
    const tj = summarizeJob('trainJobs', f.trainJobRunning);
    assert.equal(tj.state, 'Running');
    assert.equal(tj.completions, '0/2');
    const ptj = summarizeJob('pytorchJobs', f.pytorchFailed);
    assert.equal(ptj.state, 'Failed');
    assert.equal(ptj.reason, 'PyTorchJobFailed');
    assert.equal(ptj.completions, '1/4');
    const rj = summarizeJob('rayJobs', f.rayJobPending);
    assert.equal(rj.state, 'Pending');
    assert.equal(rj.reason, 'Initializing');
    assert.equal(rj.rayCluster, 'rj-raycluster-abc');
  });

  it('describes a job with kind, GPUs, completions and duration, and a context value per kind and state', () => {
    const row = jobRow(summarizeJob('jobs', f.batchRunning), f.NOW);
    assert.equal(row.label, 'train-a');
    assert.equal(row.description, 'Job · 2 GPU · 0/2 · running 30m');
    assert.equal(row.contextValue, 'kubeml.job.batch.running');
    assert.equal(row.collapsible, 'collapsed');
    const done = jobRow(summarizeJob('jobs', f.batchSucceeded), f.NOW, true);
    assert.equal(done.description, 'Job · team · 1/1 · took 5m');
    assert.equal(jobRow(summarizeJob('pytorchJobs', f.pytorchFailed), f.NOW).contextValue, 'kubeml.job.pytorchjob.failed');
    assert.match(row.tooltip ?? '', /GPUs requested \| 2/);
  });

  it('shows group rows with their count', () => {
    assert.deepEqual([groupRow('Failed', 3).label, groupRow('Failed', 3).description], ['Failed', '3']);
  });

  it('shows an empty group closed, with nothing to open, and a filled one opened by its state', () => {
    assert.deepEqual(
      ['Running', 'Pending', 'Succeeded', 'Failed'].map((s) => groupRow(s as 'Running', 0).collapsible),
      ['none', 'none', 'none', 'none'],
    );
    assert.deepEqual(
      ['Running', 'Pending', 'Succeeded', 'Failed'].map((s) => groupRow(s as 'Running', 2).collapsible),
      ['expanded', 'expanded', 'collapsed', 'expanded'],
    );
    assert.notEqual(groupRow('Failed', 0).idVariant, groupRow('Failed', 1).idVariant);
  });

  it('hides batch Jobs created by another controller (JobSet), not CronJob ones', () => {
    assert.equal(isOwnedJob(f.batchOwnedByJobSet), true);
    assert.equal(isOwnedJob(f.batchRunning), false);
  });

  it('finds the jobs a pod belongs to and its rank', () => {
    assert.deepEqual(podOwnerRefs(f.masterPod), ['pytorchJobs:team/ptj']);
    assert.deepEqual(podOwnerRefs(f.crashingPod), ['jobs:team/train-a']);
    assert.deepEqual(podOwnerRefs(f.rayWorkerPod), ['raycluster:team/rj-raycluster-abc']);
    assert.equal(podRank(f.masterPod), 'master-0');
    assert.equal(podRank(f.crashingPod), 'rank 1');
    assert.equal(podRank(f.rayWorkerPod), 'worker');
  });

  it('shows a pod with phase (a waiting reason wins), node, restarts and rank', () => {
    assert.equal(podDisplayPhase(f.crashingPod), 'CrashLoopBackOff');
    const row = podRow(f.crashingPod, f.NOW);
    assert.equal(row.description, 'rank 1 · CrashLoopBackOff · gpu-1 · 5 restarts · 1 GPU · 60m');
    assert.equal(row.icon?.id, 'error');
    assert.match(row.contextValue, /(^|[.:])pod([.:]|$)/, 'the sync menu matches pods by this pattern');
    assert.equal(podRow(f.masterPod, f.NOW).contextValue, 'kubeml.pod.running');
  });
});

describe('explorer rows: GPUs', () => {
  it('recognises GPU nodes by nvidia.com/gpu or MIG capacity', () => {
    assert.equal(isGpuNode(f.gpuNode), true);
    assert.equal(isGpuNode(f.cpuNode), false);
  });

  it('counts GPUs held by scheduled, non-terminated pods only', () => {
    assert.equal(podGpus(f.masterPod), 2);
    assert.equal(podGpus(f.donePod), 0);
    assert.equal(podGpus(f.rayWorkerPod), 0);
    assert.equal(
      podSpecRequest({
        containers: [{ name: 'a', resources: { limits: { 'nvidia.com/gpu': '1' } } }],
        initContainers: [{ name: 'i', resources: { limits: { 'nvidia.com/gpu': '3' } } }],
      }),
      3,
    );
  });

  it('reads product, memory, count, allocatable, MIG devices, taints and schedulability', () => {
    const info = gpuNodeInfo(f.gpuNode, 3);
    assert.deepEqual(info, {
      name: 'gpu-1',
      product: 'NVIDIA-A100-SXM4-80GB',
      memoryMiB: 81920,
      count: 4,
      allocatable: 4,
      allocated: 3,
      mig: [{ profile: '1g.10gb', count: 14 }],
      taints: ['nvidia.com/gpu:NoSchedule'],
      schedulable: true,
      ready: true,
    });
    const row = gpuNodeRow(info);
    assert.equal(row.description, '3/4 allocated · A100-SXM4-80GB · MIG 14×1g.10gb', 'no measurements: allocation only');
    assert.match(row.tooltip ?? '', /Utilisation, memory\*\*: not measured/);
    const cordoned = gpuNodeRow(gpuNodeInfo(f.cordonedGpuNode, 0));
    assert.match(cordoned.description ?? '', /NotReady · cordoned/);
    assert.equal(cordoned.contextValue, 'kubeml.gpuNode.cordoned');
  });

  // gpuNodeMetrics by hand: util (90+70+20+0)/4 = 45 %; memory used (40960+61440+10240+1024)/4 = 28416 MiB
  // = 27.75 GiB -> 28 GB per GPU, of 81920 MiB = 80 GB (used + free for GPUs 0-2, the node label for GPU 3).
  it('a node row says which number is allocation (pods) and which is measured (DCGM), memory per GPU', () => {
    const info = gpuNodeInfo(f.gpuNode, 3);
    const holders = [
      { namespace: 'team', name: 'ptj-master-0', gpus: 2 },
      { namespace: 'team', name: 'train-a-xyz', gpus: 1 },
    ];
    const row = gpuNodeRow(info, f.gpuNodeMetrics, holders);
    assert.equal(row.description, '3/4 allocated · A100-SXM4-80GB · MIG 14×1g.10gb · util 45% (measured) · mem 28 GB/GPU avg of 80 GB');
    const tip = row.tooltip ?? '';
    assert.match(
      tip,
      /^- \*\*Allocated 3 of 4\*\*: GPUs requested \(nvidia\.com\/gpu\) by running and pending pods scheduled here, of those the node offers to pods \(capacity 4\)/m,
    );
    assert.match(tip, /^- \*\*Utilisation 45% \(measured\)\*\*: DCGM_FI_DEV_GPU_UTIL, .* mean over 4 measured GPUs/m);
    assert.match(
      tip,
      /^- \*\*Memory 28 GB\/GPU avg of 80 GB\*\*: framebuffer memory used \(DCGM_FI_DEV_FB_USED\), mean per GPU over 4 GPUs/m,
    );
    assert.match(tip, /^- team\/ptj\\-master\\-0: 2 GPUs allocated \(on GPU 0, 1, from DCGM\)$/m);
    assert.match(tip, /^- team\/train\\-a\\-xyz: 1 GPU allocated \(on GPU 2, from DCGM\)$/m);
    assert.match(tip, /\| Memory per GPU \| 80 GB \|\n\| MIG devices \|/, 'the table stays one table');
  });

  it('the issue’s case: GPUs busy while no pod requests them reads as two different things', () => {
    const idle = gpuNodeRow(gpuNodeInfo(f.gpuNode, 0), f.gpuNodeMetrics);
    assert.equal(idle.description, '0/4 allocated · A100-SXM4-80GB · MIG 14×1g.10gb · util 45% (measured) · mem 28 GB/GPU avg of 80 GB');
    assert.match(idle.tooltip ?? '', /Allocation and measurements are independent/);
    assert.match(idle.tooltip ?? '', /No pod holds GPUs of this node\.$/);
  });

  it('aggregates a product like a node: allocation summed, measurements averaged over all its GPUs', () => {
    const a = gpuNodeInfo(f.gpuNode, 3);
    const b = { ...gpuNodeInfo(f.gpuNode, 1), name: 'gpu-3' };
    const metrics = (n: string) => (n === 'gpu-1' ? f.gpuNodeMetrics : n === 'gpu-3' ? f.gpuNodeMetricsTwoDevices : undefined);
    const s = summarizeProducts([a, gpuNodeInfo(f.cordonedGpuNode, 0), b], metrics);
    assert.deepEqual(
      s.map((x) => [x.product, x.allocated, x.allocatable, x.nodes, x.utilDevices]),
      [
        ['NVIDIA-A100-SXM4-80GB', 4, 8, 2, 6],
        ['NVIDIA-H100-80GB-HBM3', 0, 8, 1, 0],
      ],
    );
    // Six measured GPUs: util (90+70+20+0+13+13)/6 = 34.3 -> 34 % (the mean of the two node means would be 29);
    // memory (113664 + 2×8192)/6 = 21674.7 MiB = 21.2 GiB -> 21 GB per GPU (a sum would read 127 GB).
    assert.equal(productRow(s[0]).description, '4/8 allocated · 2 nodes · util 34% (measured) · mem 21 GB/GPU avg of 80 GB');
    assert.equal(productRow(s[1]).description, '0/8 allocated · 1 node');
    assert.match(productRow(s[0]).tooltip ?? '', /mean over 6 measured GPUs/);
    assert.match(productRow(s[0]).tooltip ?? '', /Allocated 4 of 8\*\*: .* of those the nodes offer to pods \(capacity 8\)/);
    assert.equal(clusterSummaryRow(s).description, '4/16 allocated · 3 GPU nodes · util 34% (measured)');
    assert.equal(
      gpuNodeRow(b, f.gpuNodeMetricsTwoDevices).description,
      '1/4 allocated · A100-SXM4-80GB · MIG 14×1g.10gb · util 13% (measured) · mem 8 GB/GPU avg of 80 GB',
    );
    assert.deepEqual(aggregateGpus([]), {
      nodes: 0,
      capacity: 0,
      allocatable: 0,
      allocated: 0,
      utilDevices: 0,
      utilPercent: undefined,
      memDevices: 0,
      memUsedMiB: undefined,
      memTotalMiB: undefined,
      migDevices: 0,
    });
    // A node with a whole GPU (80 GB, 40 GB used) and a MIG instance (10 GB, 2 GB used): memory per device,
    // (40960 + 2048)/2 = 21504 MiB = 21 GB of (81920 + 10240)/2 = 46080 MiB = 45 GB; util (30 + 10)/2 = 20 %.
    const mixed = aggregateGpus([
      {
        alloc: a,
        metrics: {
          devices: [
            { gpu: '0', utilPercent: 30, fbUsedMiB: 40960, fbFreeMiB: 40960 },
            { gpu: '1', mig: '1g.10gb #1', utilPercent: 10, fbUsedMiB: 2048, fbFreeMiB: 8192 },
          ],
        },
      },
    ]);
    assert.deepEqual(measuredTexts(mixed), ['util 20% (measured)', 'mem 21 GB/device avg of 45 GB']);
    assert.match(usageTooltip(mixed).join('\n'), /mean over 2 measured devices \(1 of them MIG instances\)/);
  });

  it('a pod under its node shows namespace, GPUs allocated and, when DCGM attributes them, which GPUs', () => {
    const crash = gpuPodRow(f.crashingPod, f.NOW, f.gpuNodeMetrics);
    assert.equal(crash.description, 'team · 1 GPU allocated · GPU 2 · rank 1 · CrashLoopBackOff · 5 restarts · 60m');
    assert.match(crash.tooltip ?? '', /\*\*GPU 2\*\*: the device index on the node DCGM attributes to this pod/);
    assert.match(
      gpuPodRow(f.masterPod, f.NOW, f.gpuNodeMetrics).description ?? '',
      /^team · 2 GPUs allocated · GPU 0, 1 · master-0 · Running · 2 restarts · /,
    );
    const unattributed = gpuPodRow(f.crashingPod, f.NOW);
    assert.equal(unattributed.description, 'team · 1 GPU allocated · rank 1 · CrashLoopBackOff · 5 restarts · 60m');
    assert.match(unattributed.tooltip ?? '', /\*\*GPU index\*\*: not known/);
    assert.deepEqual(
      podDevices({
        devices: [
          { gpu: '10', pod: 'p', namespace: 'n' },
          { gpu: '2', mig: '1g.10gb #1', pod: 'p', namespace: 'n' },
          { gpu: '10', pod: 'p', namespace: 'n' },
        ],
      }),
      new Map([['n/p', ['2 (MIG 1g.10gb #1)', '10']]]),
      'numeric order, one entry per device',
    );
  });
});

describe('explorer rows: datasets', () => {
  it('shows capacity, phase, access modes and storage class; labelled claims sort first', () => {
    const ds = claimInfo(f.datasetClaim);
    const plain = claimInfo(f.plainClaim);
    assert.equal(
      claimRow(ds, 2, false, f.NOW, f.datasetClaim.metadata.creationTimestamp).description,
      '120Gi · Bound · ROX · fast · 2 using · 60m',
    );
    assert.equal(claimRow(ds, 2, false, f.NOW).collapsible, 'collapsed');
    assert.equal(claimRow(plain, 0, false, f.NOW).collapsible, 'none');
    assert.equal(claimRow(plain, 0, false, f.NOW).icon?.id, 'warning');
    assert.deepEqual(
      [plain, ds].sort(compareClaims).map((c) => c.name),
      ['imagenet', 'scratch'],
    );
  });

  it('finds claim names anywhere in pod specs and job templates', () => {
    const spec = {
      template: {
        spec: {
          volumes: [
            { name: 'd', persistentVolumeClaim: { claimName: 'imagenet' } },
            { name: 'e', emptyDir: {} },
          ],
        },
      },
      Worker: { template: { spec: { volumes: [{ persistentVolumeClaim: { claimName: 'b' } }] } } },
    };
    assert.deepEqual([...claimNamesIn(spec)].sort(), ['b', 'imagenet']);
  });

  it('shows a Fluid Dataset with size, phase and runtime', () => {
    assert.equal(fluidRow(f.fluidDataset, 0, false, f.NOW).description, 'Fluid · 19.0GiB · Bound · ROX · alluxio · 60m');
  });

  it('writes a read-only volume mount snippet', () => {
    assert.match(
      volumeMountSnippet('imagenet'),
      /claimName: imagenet\n {4}readOnly: true\n# volumeMounts: \(container\)\n- name: imagenet\n {2}mountPath: \/data\/imagenet/,
    );
  });
});

describe('explorer rows: models', () => {
  it('reads Ready and other conditions, URL, runtime, storageUri, canary, revisions and last failure', () => {
    const i = inferenceServiceInfo(f.isvc);
    assert.equal(i.ready, 'False');
    assert.equal(i.url, 'http://sklearn-iris.team.example.com');
    assert.equal(i.runtime, 'kserve-sklearnserver');
    assert.equal(i.modelFormat, 'sklearn');
    assert.equal(i.canaryPercent, 10);
    assert.equal(i.latestReady, 'sklearn-iris-predictor-00001');
    assert.equal(i.latestCreated, 'sklearn-iris-predictor-00002');
    assert.equal(i.lastFailure?.reason, 'ModelLoadFailed');
    const row = inferenceServiceRow(i, false, f.NOW);
    assert.equal(row.description, 'Not ready (RevisionMissing) · sklearn · canary 10% · http://sklearn-iris.team.example.com');
    assert.equal(row.contextValue, 'kubeml.model.isvc.url');
    assert.deepEqual(
      inferenceServiceDetailRows(i).map((r) => r.id),
      ['cond:IngressReady', 'cond:PredictorReady', 'cond:Ready', 'storage', 'revisions', 'failure'],
    );
  });

  it('shows model Deployments with readiness and selects their pods', () => {
    assert.equal(deploymentRow(f.modelDeployment, false, f.NOW).description, 'Deployment · 1/2 ready · llama · 60m');
    const pod = { ...f.rayWorkerPod, metadata: { ...f.rayWorkerPod.metadata, labels: { app: 'llm' } } };
    assert.equal(selects(f.modelDeployment, pod), true);
    assert.equal(selects(f.modelDeployment, f.rayWorkerPod), false);
  });
});

describe('explorer rows: durations', () => {
  it('formats ages', () => {
    assert.equal(shortDuration(45_000), '45s');
    assert.equal(shortDuration(3 * 3600_000 + 5 * 60_000), '3h5m');
    assert.equal(shortDuration(5 * 86400_000), '5d');
    assert.equal(age(undefined, 0), undefined);
  });
});
