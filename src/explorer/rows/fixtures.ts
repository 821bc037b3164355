/** Kubernetes objects as the API server returns them, trimmed, for the row tests. */
import { type GpuMetrics } from './gpuUsage';
import { type KubeObject } from '../../cluster/read/informerState';

export const NOW = Date.parse('2025-06-01T12:00:00Z');

const meta = (name: string, ns: string | undefined, extra: Partial<KubeObject['metadata']> = {}) => ({
  name,
  namespace: ns,
  uid: `uid-${name}`,
  resourceVersion: '1',
  creationTimestamp: '2025-06-01T11:00:00Z',
  ...extra,
});
const gpuTemplate = (gpus: number) => ({
  spec: { containers: [{ name: 'trainer', image: 'img', resources: { limits: { 'nvidia.com/gpu': String(gpus) } } }] },
});

export const batchRunning: KubeObject = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: meta('train-a', 'team'),
  spec: { parallelism: 2, completions: 2, template: gpuTemplate(1) },
  status: { active: 2, ready: 2, startTime: '2025-06-01T11:30:00Z' },
};
export const batchPendingNotReady: KubeObject = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: meta('train-b', 'team'),
  spec: { template: gpuTemplate(4) },
  status: { active: 1, ready: 0 },
};
export const batchSucceeded: KubeObject = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: meta('train-c', 'team'),
  spec: { completions: 1, template: gpuTemplate(0) },
  status: {
    succeeded: 1,
    startTime: '2025-06-01T11:00:00Z',
    completionTime: '2025-06-01T11:05:00Z',
    conditions: [{ type: 'Complete', status: 'True' }],
  },
};
export const batchFailed: KubeObject = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: meta('train-d', 'team'),
  spec: { template: gpuTemplate(1) },
  status: {
    failed: 3,
    startTime: '2025-06-01T11:00:00Z',
    conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', lastTransitionTime: '2025-06-01T11:10:00Z' }],
  },
};
export const batchOwnedByJobSet: KubeObject = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: meta('tj-node-0', 'team', {
    ownerReferences: [{ apiVersion: 'jobset.x-k8s.io/v1alpha2', kind: 'JobSet', name: 'tj', uid: 'u', controller: true }],
  }),
  spec: { template: gpuTemplate(1) },
  status: {},
};
export const trainJobRunning: KubeObject = {
  apiVersion: 'trainer.kubeflow.org/v1alpha1',
  kind: 'TrainJob',
  metadata: meta('tj', 'team'),
  spec: { runtimeRef: { name: 'torch-distributed' }, trainer: { numNodes: 2, resourcesPerNode: { limits: { 'nvidia.com/gpu': '8' } } } },
  status: {
    conditions: [{ type: 'Created', status: 'True', lastTransitionTime: '2025-06-01T11:50:00Z' }],
    jobsStatus: [{ name: 'node', active: 2, ready: 2, succeeded: 0, failed: 0 }],
  },
};
export const pytorchFailed: KubeObject = {
  apiVersion: 'kubeflow.org/v1',
  kind: 'PyTorchJob',
  metadata: meta('ptj', 'team'),
  spec: { pytorchReplicaSpecs: { Master: { replicas: 1, template: gpuTemplate(2) }, Worker: { replicas: 3, template: gpuTemplate(2) } } },
  status: {
    startTime: '2025-06-01T11:00:00Z',
    conditions: [
      { type: 'Created', status: 'True' },
      { type: 'Running', status: 'False' },
      { type: 'Failed', status: 'True', reason: 'PyTorchJobFailed', lastTransitionTime: '2025-06-01T11:20:00Z' },
    ],
    replicaStatuses: { Master: { failed: 1 }, Worker: { succeeded: 1 } },
  },
};
export const rayJobPending: KubeObject = {
  apiVersion: 'ray.io/v1',
  kind: 'RayJob',
  metadata: meta('rj', 'team'),
  spec: { rayClusterSpec: { headGroupSpec: { template: gpuTemplate(0) }, workerGroupSpecs: [{ replicas: 2, template: gpuTemplate(1) }] } },
  status: { jobDeploymentStatus: 'Initializing', rayClusterName: 'rj-raycluster-abc' },
};

export const masterPod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: meta('ptj-master-0', 'team', {
    labels: {
      'training.kubeflow.org/job-name': 'ptj',
      'training.kubeflow.org/replica-type': 'Master',
      'training.kubeflow.org/replica-index': '0',
    },
  }),
  spec: { nodeName: 'gpu-1', containers: [{ name: 'pytorch', resources: { limits: { 'nvidia.com/gpu': '2' } } }] },
  status: { phase: 'Running', containerStatuses: [{ name: 'pytorch', restartCount: 2, ready: true, state: { running: {} } }] },
};
export const crashingPod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: meta('train-a-xyz', 'team', {
    labels: { 'batch.kubernetes.io/job-name': 'train-a', 'batch.kubernetes.io/job-completion-index': '1' },
    ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'train-a', uid: 'uid-train-a', controller: true }],
  }),
  spec: { nodeName: 'gpu-1', containers: [{ name: 'trainer', resources: { requests: { 'nvidia.com/gpu': '1' } } }] },
  status: {
    phase: 'Running',
    containerStatuses: [{ name: 'trainer', restartCount: 5, state: { waiting: { reason: 'CrashLoopBackOff' } } }],
  },
};
export const donePod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: meta('old', 'team'),
  spec: { nodeName: 'gpu-1', containers: [{ name: 'c', resources: { limits: { 'nvidia.com/gpu': '4' } } }] },
  status: { phase: 'Succeeded' },
};
export const rayWorkerPod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: meta('rj-worker-1', 'team', { labels: { 'ray.io/cluster': 'rj-raycluster-abc', 'ray.io/node-type': 'worker' } }),
  spec: { containers: [{ name: 'ray' }] },
  status: { phase: 'Pending' },
};

export const gpuNode: KubeObject = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: meta('gpu-1', undefined, { labels: { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB', 'nvidia.com/gpu.memory': '81920' } }),
  spec: { taints: [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }] },
  status: {
    capacity: { cpu: '96', 'nvidia.com/gpu': '4', 'nvidia.com/mig-1g.10gb': '14', 'nvidia.com/mig-3g.40gb': '0' },
    allocatable: { 'nvidia.com/gpu': '4' },
    conditions: [{ type: 'Ready', status: 'True' }],
  },
};
export const cpuNode: KubeObject = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: meta('cpu-1', undefined),
  status: { capacity: { cpu: '8' } },
};
export const cordonedGpuNode: KubeObject = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: meta('gpu-2', undefined, { labels: { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' } }),
  spec: { unschedulable: true },
  status: { capacity: { 'nvidia.com/gpu': '8' }, allocatable: { 'nvidia.com/gpu': '8' }, conditions: [{ type: 'Ready', status: 'False' }] },
};

export const datasetClaim: KubeObject = {
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: meta('imagenet', 'team', { labels: { 'kubeml.io/dataset': 'imagenet' } }),
  spec: { accessModes: ['ReadOnlyMany'], storageClassName: 'fast', resources: { requests: { storage: '100Gi' } }, volumeName: 'pv-1' },
  status: { phase: 'Bound', capacity: { storage: '120Gi' }, accessModes: ['ReadOnlyMany'] },
};
export const plainClaim: KubeObject = {
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: meta('scratch', 'team'),
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
  status: { phase: 'Pending' },
};
export const fluidDataset: KubeObject = {
  apiVersion: 'data.fluid.io/v1alpha1',
  kind: 'Dataset',
  metadata: meta('coco', 'team'),
  spec: { mounts: [{ mountPoint: 's3://bucket/coco', name: 'coco' }], accessModes: ['ReadOnlyMany'] },
  status: {
    phase: 'Bound',
    ufsTotal: '19.0GiB',
    cacheStates: { cached: '2GiB', cachedPercentage: '10%' },
    runtimes: [{ name: 'coco', type: 'alluxio' }],
  },
};

export const isvc: KubeObject = {
  apiVersion: 'serving.kserve.io/v1beta1',
  kind: 'InferenceService',
  metadata: meta('sklearn-iris', 'team'),
  spec: {
    predictor: {
      canaryTrafficPercent: 10,
      model: {
        modelFormat: { name: 'sklearn' },
        runtime: 'kserve-sklearnserver',
        storageUri: 'gs://kfserving-examples/models/sklearn/1.0/model',
      },
    },
  },
  status: {
    url: 'http://sklearn-iris.team.example.com',
    conditions: [
      { type: 'IngressReady', status: 'True' },
      { type: 'PredictorReady', status: 'False', reason: 'RevisionMissing', message: 'Revision "sklearn-iris-predictor-00002" failed' },
      { type: 'Ready', status: 'False', reason: 'RevisionMissing' },
    ],
    components: {
      predictor: {
        latestReadyRevision: 'sklearn-iris-predictor-00001',
        latestCreatedRevision: 'sklearn-iris-predictor-00002',
        traffic: [
          { revisionName: 'sklearn-iris-predictor-00001', percent: 90, latestRevision: false },
          { revisionName: 'sklearn-iris-predictor-00002', percent: 10, latestRevision: true },
        ],
      },
    },
    modelStatus: { lastFailureInfo: { reason: 'ModelLoadFailed', message: 'could not load model' } },
  },
};
export const modelDeployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: meta('llm', 'team', { labels: { 'kubeml.io/model': 'llama' } }),
  spec: { replicas: 2, selector: { matchLabels: { app: 'llm' } }, template: { spec: { containers: [{ image: 'vllm:1' }] } } },
  status: { readyReplicas: 1 },
};

/**
 * DCGM measurements of gpuNode (4 × A100 80 GB = 81920 MiB): GPUs 0 and 1 attributed to masterPod,
 * GPU 2 to crashingPod, GPU 3 idle without FB_FREE (its size comes from the node label).
 */
export const gpuNodeMetrics: GpuMetrics = {
  devices: [
    { gpu: '0', utilPercent: 90, fbUsedMiB: 40960, fbFreeMiB: 40960, namespace: 'team', pod: 'ptj-master-0' },
    { gpu: '1', utilPercent: 70, fbUsedMiB: 61440, fbFreeMiB: 20480, namespace: 'team', pod: 'ptj-master-0' },
    { gpu: '2', utilPercent: 20, fbUsedMiB: 10240, fbFreeMiB: 71680, namespace: 'team', pod: 'train-a-xyz' },
    { gpu: '3', utilPercent: 0, fbUsedMiB: 1024 },
  ],
};
/** A second A100 node where DCGM measures only two devices, no pod attribution. */
export const gpuNodeMetricsTwoDevices: GpuMetrics = {
  devices: [
    { gpu: '0', utilPercent: 13, fbUsedMiB: 8192, fbFreeMiB: 73728 },
    { gpu: '1', utilPercent: 13, fbUsedMiB: 8192, fbFreeMiB: 73728 },
  ],
};
