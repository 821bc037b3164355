/**
 * A small ML cluster shaped as the Kubernetes API returns it (kube-apiserver v1.33 after
 * defaulting and admission, as `kubectl get -o json` shows it, managedFields left out; written
 * by hand after the API types, not captured from a cluster): batch/v1 Jobs with their status conditions and the pods the Job
 * controller made for them, GPU nodes labelled by GPU feature discovery, PersistentVolumeClaims,
 * a KServe v1beta1 InferenceService (serverless, with its Knative traffic status), a Fluid
 * Dataset, and a Deployment serving a model. The built-in kinds are checked against the bundled
 * Kubernetes schema (fixtures.test.ts), so a field that does not exist fails that test.
 * Namespace `team` unless said otherwise; the clock of the tests is NOW.
 */
import { type KubeObject } from './informerState';

export const NOW = Date.parse('2025-06-01T12:00:00Z');

let uidSeq = 0;
const uid = (name: string) =>
  `${(++uidSeq).toString(16).padStart(8, '0')}-7c1e-4f1a-9d2b-${Buffer.from(name).toString('hex').slice(0, 12).padEnd(12, '0')}`;

/** Metadata; `extra` may carry fields the cache's type leaves out (finalizers, generation, blockOwnerDeletion). */
function meta(
  name: string,
  namespace: string | undefined,
  created: string,
  extra: Record<string, unknown> = {},
): KubeObject['metadata'] & { uid: string } {
  return { name, ...(namespace ? { namespace } : {}), uid: uid(name), resourceVersion: '1', creationTimestamp: created, ...extra };
}

const GPU_TOLERATION = { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' };
/** The tolerations the DefaultTolerationSeconds admission plugin adds to every pod. */
const DEFAULT_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

interface JobArgs {
  name: string;
  created: string;
  image: string;
  gpus: number;
  parallelism?: number;
  indexed?: boolean;
  claim?: string;
  restartPolicy?: 'Never' | 'OnFailure';
  suspend?: boolean;
  backoffLimit?: number;
  status: Record<string, unknown>;
}

function containerSpec(image: string, gpus: number, claim?: string) {
  return {
    name: 'trainer',
    image,
    command: ['python3', 'train.py'],
    resources: {
      limits: { memory: '32Gi', 'nvidia.com/gpu': String(gpus) },
      requests: { cpu: '8', memory: '32Gi', 'nvidia.com/gpu': String(gpus) },
    },
    ...(claim ? { volumeMounts: [{ name: 'data', mountPath: `/data/${claim}`, readOnly: true }] } : {}),
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'IfNotPresent',
  };
}

/** A batch/v1 Job after defaulting, with the selector and labels the Job controller adds. */
function job(a: JobArgs): KubeObject {
  const m = meta(a.name, 'team', a.created, { generation: 1, annotations: { 'batch.kubernetes.io/job-tracking': '' } });
  const labels = {
    'batch.kubernetes.io/controller-uid': m.uid,
    'batch.kubernetes.io/job-name': a.name,
    'controller-uid': m.uid,
    'job-name': a.name,
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { ...m, labels: { ...labels, 'kubeml.io/run': `${a.name}-20250601` } },
    spec: {
      parallelism: a.parallelism ?? 1,
      completions: a.parallelism ?? 1,
      completionMode: a.indexed ? 'Indexed' : 'NonIndexed',
      backoffLimit: a.backoffLimit ?? 6,
      manualSelector: false,
      podReplacementPolicy: 'TerminatingOrFailed',
      suspend: a.suspend ?? false,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': m.uid } },
      template: {
        metadata: { labels },
        spec: {
          containers: [containerSpec(a.image, a.gpus, a.claim)],
          restartPolicy: a.restartPolicy ?? 'Never',
          terminationGracePeriodSeconds: 30,
          dnsPolicy: 'ClusterFirst',
          securityContext: {},
          schedulerName: 'default-scheduler',
          tolerations: [GPU_TOLERATION],
          ...(a.claim ? { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: a.claim, readOnly: true } }] } : {}),
        },
      },
    },
    status: a.status,
  };
}

const cond = (type: string, status: 'True' | 'False', at: string, reason?: string, message?: string) => ({
  type,
  status,
  lastProbeTime: at,
  lastTransitionTime: at,
  ...(reason ? { reason } : {}),
  ...(message ? { message } : {}),
});

export const trainJob = job({
  name: 'train-resnet',
  created: '2025-06-01T11:30:00Z',
  image: 'ghcr.io/acme/train:1.4.0',
  gpus: 1,
  parallelism: 2,
  indexed: true,
  claim: 'imagenet',
  restartPolicy: 'OnFailure',
  status: { active: 2, ready: 1, terminating: 0, startTime: '2025-06-01T11:30:00Z', uncountedTerminatedPods: {} },
});
export const evalJob = job({
  name: 'eval-resnet',
  created: '2025-06-01T10:00:00Z',
  image: 'ghcr.io/acme/train:1.4.0',
  gpus: 1,
  claim: 'imagenet',
  status: {
    conditions: [
      cond('SuccessCriteriaMet', 'True', '2025-06-01T10:12:00Z', 'CompletionsReached', 'Reached expected number of succeeded pods'),
      cond('Complete', 'True', '2025-06-01T10:12:00Z', 'CompletionsReached', 'Reached expected number of succeeded pods'),
    ],
    startTime: '2025-06-01T10:00:00Z',
    completionTime: '2025-06-01T10:12:00Z',
    succeeded: 1,
    ready: 0,
    terminating: 0,
    uncountedTerminatedPods: {},
  },
});
export const failedJob = job({
  name: 'train-bert',
  created: '2025-06-01T09:00:00Z',
  image: 'ghcr.io/acme/bert:0.3.1',
  gpus: 4,
  backoffLimit: 1,
  status: {
    conditions: [
      cond('FailureTarget', 'True', '2025-06-01T09:20:00Z', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'),
      cond('Failed', 'True', '2025-06-01T09:20:05Z', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'),
    ],
    startTime: '2025-06-01T09:00:00Z',
    failed: 2,
    ready: 0,
    terminating: 0,
    uncountedTerminatedPods: {},
  },
});
export const suspendedJob = job({
  name: 'sweep-lr',
  created: '2025-06-01T11:55:00Z',
  image: 'ghcr.io/acme/train:1.4.0',
  gpus: 2,
  suspend: true,
  status: { conditions: [cond('Suspended', 'True', '2025-06-01T11:55:00Z', 'JobSuspended', 'Job suspended')], ready: 0, terminating: 0 },
});

interface PodArgs {
  name: string;
  namespace?: string;
  created: string;
  node?: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  owner?: { apiVersion: string; kind: string; name: string; uid: string };
  hostname?: string;
  containers: Array<Record<string, unknown>>;
  volumes?: Array<Record<string, unknown>>;
  restartPolicy?: string;
  status: Record<string, unknown>;
}

/** The service account token volume the ServiceAccount admission plugin adds to every pod. */
const API_ACCESS = 'kube-api-access-5x2vq';
const apiAccessVolume = {
  name: API_ACCESS,
  projected: {
    defaultMode: 420,
    sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  },
};

function pod(a: PodArgs): KubeObject {
  const containers = a.containers.map((c) => ({
    ...c,
    volumeMounts: [
      ...((c.volumeMounts as unknown[]) ?? []),
      { name: API_ACCESS, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
    ],
  }));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta(a.name, a.namespace ?? 'team', a.created, {
      generateName: a.name.replace(/[a-z0-9]{5}$/, ''),
      labels: a.labels,
      ...(a.annotations ? { annotations: a.annotations } : {}),
      ...(a.owner ? { ownerReferences: [{ ...a.owner, controller: true, blockOwnerDeletion: true }] } : {}),
      ...(a.owner?.kind === 'Job' ? { finalizers: ['batch.kubernetes.io/job-tracking'] } : {}),
    }),
    spec: {
      containers,
      volumes: [...(a.volumes ?? []), apiAccessVolume],
      ...(a.hostname ? { hostname: a.hostname } : {}),
      restartPolicy: a.restartPolicy ?? 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      serviceAccount: 'default',
      ...(a.node ? { nodeName: a.node } : {}),
      securityContext: {},
      schedulerName: 'default-scheduler',
      tolerations: [GPU_TOLERATION, ...DEFAULT_TOLERATIONS],
      priority: 0,
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
    },
    status: a.status,
  };
}

const podConds = (at: string, ready: boolean) => [
  { type: 'PodReadyToStartContainers', status: 'True', lastProbeTime: null, lastTransitionTime: at },
  { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: at },
  {
    type: 'Ready',
    status: ready ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: at,
    ...(ready ? {} : { reason: 'ContainersNotReady', message: 'containers with unready status: [trainer]' }),
  },
  {
    type: 'ContainersReady',
    status: ready ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: at,
    ...(ready ? {} : { reason: 'ContainersNotReady', message: 'containers with unready status: [trainer]' }),
  },
  { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: at },
];
const running = (name: string, image: string, at: string) => ({
  name,
  image,
  imageID: `${image.split(':')[0]}@sha256:9b2a1c3f4e5d6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b`,
  containerID: 'containerd://4f1c2b3a',
  ready: true,
  started: true,
  restartCount: 0,
  lastState: {},
  state: { running: { startedAt: at } },
});
const nodeIPs = (ip: string) => ({ hostIP: ip, hostIPs: [{ ip }] });

function jobPod(j: KubeObject, index: number, suffix: string, node: string | undefined, status: Record<string, unknown>): KubeObject {
  const t = (
    j.spec as {
      template: {
        metadata: { labels: Record<string, string> };
        spec: { containers: Array<Record<string, unknown>>; volumes?: Array<Record<string, unknown>>; restartPolicy: string };
      };
    }
  ).template;
  const indexed = (j.spec as { completionMode: string }).completionMode === 'Indexed';
  const name = indexed ? `${j.metadata.name}-${index}-${suffix}` : `${j.metadata.name}-${suffix}`;
  return pod({
    name,
    created: j.metadata.creationTimestamp!,
    node,
    labels: { ...t.metadata.labels, ...(indexed ? { 'batch.kubernetes.io/job-completion-index': String(index) } : {}) },
    annotations: indexed ? { 'batch.kubernetes.io/job-completion-index': String(index) } : undefined,
    owner: { apiVersion: 'batch/v1', kind: 'Job', name: j.metadata.name, uid: j.metadata.uid! },
    hostname: indexed ? `${j.metadata.name}-${index}` : undefined,
    containers: t.spec.containers,
    volumes: t.spec.volumes,
    restartPolicy: t.spec.restartPolicy,
    status,
  });
}

export const trainPod0 = jobPod(trainJob, 0, 'x7k2p', 'gpu-a100-0', {
  phase: 'Running',
  conditions: podConds('2025-06-01T11:30:20Z', true),
  ...nodeIPs('10.0.12.34'),
  podIP: '10.244.3.17',
  podIPs: [{ ip: '10.244.3.17' }],
  startTime: '2025-06-01T11:30:01Z',
  qosClass: 'Burstable',
  containerStatuses: [running('trainer', 'ghcr.io/acme/train:1.4.0', '2025-06-01T11:30:19Z')],
});
export const trainPod1 = jobPod(trainJob, 1, 'q9m4w', 'gpu-a100-0', {
  phase: 'Running',
  conditions: podConds('2025-06-01T11:41:02Z', false),
  ...nodeIPs('10.0.12.34'),
  podIP: '10.244.3.18',
  podIPs: [{ ip: '10.244.3.18' }],
  startTime: '2025-06-01T11:30:01Z',
  qosClass: 'Burstable',
  containerStatuses: [
    {
      ...running('trainer', 'ghcr.io/acme/train:1.4.0', ''),
      ready: false,
      started: false,
      restartCount: 3,
      state: {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: 'back-off 40s restarting failed container=trainer pod=train-resnet-1-q9m4w_team(2f1e0d9c)',
        },
      },
      lastState: {
        terminated: {
          exitCode: 1,
          reason: 'Error',
          startedAt: '2025-06-01T11:40:30Z',
          finishedAt: '2025-06-01T11:41:01Z',
          containerID: 'containerd://8d7e6f5a',
        },
      },
    },
  ],
});
export const evalPod = jobPod(evalJob, 0, 'h3n8v', 'gpu-a100-0', {
  phase: 'Succeeded',
  conditions: podConds('2025-06-01T10:12:00Z', false).map((c) =>
    c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, reason: 'PodCompleted' } : c,
  ),
  ...nodeIPs('10.0.12.34'),
  startTime: '2025-06-01T10:00:01Z',
  qosClass: 'Burstable',
  containerStatuses: [
    {
      ...running('trainer', 'ghcr.io/acme/train:1.4.0', ''),
      ready: false,
      started: false,
      state: {
        terminated: {
          exitCode: 0,
          reason: 'Completed',
          startedAt: '2025-06-01T10:00:20Z',
          finishedAt: '2025-06-01T10:11:58Z',
          containerID: 'containerd://1a2b3c4d',
        },
      },
    },
  ],
});

/** A pod of another team on the H100 node: GPU allocation counts every namespace. */
export const otherTeamPod = pod({
  name: 'finetune-0-r2d2x',
  namespace: 'other',
  created: '2025-06-01T08:00:00Z',
  node: 'gpu-h100-0',
  labels: { app: 'finetune' },
  containers: [
    {
      name: 'main',
      image: 'nvcr.io/nvidia/pytorch:25.04-py3',
      resources: { limits: { 'nvidia.com/gpu': '4' }, requests: { 'nvidia.com/gpu': '4' } },
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      imagePullPolicy: 'IfNotPresent',
    },
  ],
  status: {
    phase: 'Running',
    conditions: podConds('2025-06-01T08:01:00Z', true),
    ...nodeIPs('10.0.12.40'),
    podIP: '10.244.5.9',
    podIPs: [{ ip: '10.244.5.9' }],
    startTime: '2025-06-01T08:00:01Z',
    qosClass: 'BestEffort',
    containerStatuses: [running('main', 'nvcr.io/nvidia/pytorch:25.04-py3', '2025-06-01T08:00:50Z')],
  },
});

// ---- Nodes (GPU feature discovery labels; capacity and allocatable as the kubelet reports them)

function gpuNode(
  name: string,
  product: string,
  memoryMiB: number,
  gpus: number,
  ip: string,
  extra: { unschedulable?: boolean; ready?: boolean } = {},
): KubeObject {
  const at = '2025-06-01T11:59:30Z';
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: meta(name, undefined, '2025-05-20T07:00:00Z', {
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'node.kubernetes.io/instance-type': product.includes('H100') ? 'p5.48xlarge' : 'p4de.24xlarge',
        'nvidia.com/gpu.present': 'true',
        'nvidia.com/gpu.product': product,
        'nvidia.com/gpu.count': String(gpus),
        'nvidia.com/gpu.memory': String(memoryMiB),
        'nvidia.com/gpu.family': product.includes('H100') ? 'hopper' : 'ampere',
        'nvidia.com/cuda.driver.major': '570',
        'nvidia.com/mig.capable': 'true',
        'nvidia.com/gpu.replicas': '1',
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    }),
    spec: {
      podCIDR: '10.244.3.0/24',
      podCIDRs: ['10.244.3.0/24'],
      providerID: `aws:///us-east-1a/i-0${name.length}f3c2a1b0`,
      taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }],
      ...(extra.unschedulable ? { unschedulable: true } : {}),
    },
    status: {
      capacity: {
        cpu: '96',
        'ephemeral-storage': '1967409152Ki',
        'hugepages-1Gi': '0',
        'hugepages-2Mi': '0',
        memory: '1056462100Ki',
        'nvidia.com/gpu': String(gpus),
        pods: '110',
      },
      allocatable: {
        cpu: '95690m',
        'ephemeral-storage': '1813154690194',
        'hugepages-1Gi': '0',
        'hugepages-2Mi': '0',
        memory: '1045876500Ki',
        'nvidia.com/gpu': String(gpus),
        pods: '110',
      },
      conditions: [
        {
          type: 'MemoryPressure',
          status: 'False',
          lastHeartbeatTime: at,
          lastTransitionTime: '2025-05-20T07:01:00Z',
          reason: 'KubeletHasSufficientMemory',
          message: 'kubelet has sufficient memory available',
        },
        {
          type: 'DiskPressure',
          status: 'False',
          lastHeartbeatTime: at,
          lastTransitionTime: '2025-05-20T07:01:00Z',
          reason: 'KubeletHasNoDiskPressure',
          message: 'kubelet has no disk pressure',
        },
        {
          type: 'PIDPressure',
          status: 'False',
          lastHeartbeatTime: at,
          lastTransitionTime: '2025-05-20T07:01:00Z',
          reason: 'KubeletHasSufficientPID',
          message: 'kubelet has sufficient PID available',
        },
        extra.ready === false
          ? {
              type: 'Ready',
              status: 'Unknown',
              lastHeartbeatTime: '2025-06-01T11:40:00Z',
              lastTransitionTime: '2025-06-01T11:41:00Z',
              reason: 'NodeStatusUnknown',
              message: 'Kubelet stopped posting node status.',
            }
          : {
              type: 'Ready',
              status: 'True',
              lastHeartbeatTime: at,
              lastTransitionTime: '2025-05-20T07:02:00Z',
              reason: 'KubeletReady',
              message: 'kubelet is posting ready status',
            },
      ],
      addresses: [
        { type: 'InternalIP', address: ip },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: 'amd64',
        bootID: 'b0a1c2d3-0000-4000-8000-000000000001',
        containerRuntimeVersion: 'containerd://1.7.27',
        kernelVersion: '6.8.0-1029-aws',
        kubeProxyVersion: '',
        kubeletVersion: 'v1.33.13',
        machineID: 'ec2a1b2c3d4e5f60718293a4b5c6d7e8',
        operatingSystem: 'linux',
        osImage: 'Ubuntu 22.04.5 LTS',
        systemUUID: 'ec2a1b2c-3d4e-5f60-7182-93a4b5c6d7e8',
      },
    },
  };
}

export const a100Node = gpuNode('gpu-a100-0', 'NVIDIA-A100-SXM4-80GB', 81920, 8, '10.0.12.34');
export const h100Node = gpuNode('gpu-h100-0', 'NVIDIA-H100-80GB-HBM3', 81559, 8, '10.0.12.40');
export const cpuNode: KubeObject = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: meta('cpu-0', undefined, '2025-05-20T07:00:00Z', {
    labels: {
      'kubernetes.io/arch': 'amd64',
      'kubernetes.io/hostname': 'cpu-0',
      'kubernetes.io/os': 'linux',
      'node.kubernetes.io/instance-type': 'm6i.4xlarge',
    },
  }),
  spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'], providerID: 'aws:///us-east-1a/i-0a1b2c3d4e5f60718' },
  status: {
    capacity: { cpu: '16', 'ephemeral-storage': '101430960Ki', memory: '64969864Ki', pods: '110' },
    allocatable: { cpu: '15890m', 'ephemeral-storage': '93478772582', memory: '63818888Ki', pods: '110' },
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        lastHeartbeatTime: '2025-06-01T11:59:30Z',
        lastTransitionTime: '2025-05-20T07:02:00Z',
        reason: 'KubeletReady',
        message: 'kubelet is posting ready status',
      },
    ],
    addresses: [
      { type: 'InternalIP', address: '10.0.11.5' },
      { type: 'Hostname', address: 'cpu-0' },
    ],
    nodeInfo: {
      architecture: 'amd64',
      bootID: 'b0a1c2d3-0000-4000-8000-000000000002',
      containerRuntimeVersion: 'containerd://1.7.27',
      kernelVersion: '6.8.0-1029-aws',
      kubeProxyVersion: '',
      kubeletVersion: 'v1.33.13',
      machineID: 'ec2f0e1d2c3b4a59687766554433221',
      operatingSystem: 'linux',
      osImage: 'Ubuntu 22.04.5 LTS',
      systemUUID: 'ec2f0e1d-2c3b-4a59-6877-66554433221',
    },
  },
};

// ---- Storage

function pvc(name: string, created: string, size: string, bound: boolean, labels?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: meta(name, 'team', created, {
      ...(labels ? { labels } : {}),
      annotations: bound
        ? {
            'pv.kubernetes.io/bind-completed': 'yes',
            'pv.kubernetes.io/bound-by-controller': 'yes',
            'volume.beta.kubernetes.io/storage-provisioner': 'efs.csi.aws.com',
            'volume.kubernetes.io/storage-provisioner': 'efs.csi.aws.com',
          }
        : { 'volume.kubernetes.io/selected-node': 'gpu-a100-0' },
      finalizers: ['kubernetes.io/pvc-protection'],
    }),
    spec: {
      accessModes: [bound ? 'ReadOnlyMany' : 'ReadWriteOnce'],
      resources: { requests: { storage: size } },
      storageClassName: bound ? 'efs-sc' : 'gp3',
      volumeMode: 'Filesystem',
      ...(bound ? { volumeName: `pvc-${uid(name)}` } : {}),
    },
    status: bound ? { phase: 'Bound', accessModes: ['ReadOnlyMany'], capacity: { storage: size } } : { phase: 'Pending' },
  };
}

export const imagenetClaim = pvc('imagenet', '2025-05-21T09:00:00Z', '150Gi', true, { 'kubeml.io/dataset': 'imagenet' });
export const scratchClaim = pvc('scratch', '2025-06-01T11:50:00Z', '10Gi', false);

export const cocoDataset: KubeObject = {
  apiVersion: 'data.fluid.io/v1alpha1',
  kind: 'Dataset',
  metadata: meta('coco', 'team', '2025-05-28T14:00:00Z', { generation: 1, finalizers: ['fluid-dataset-controller-finalizer'] }),
  spec: {
    mounts: [{ mountPoint: 's3://acme-datasets/coco/', name: 'coco', path: '/' }],
    accessModes: ['ReadOnlyMany'],
    placement: 'Exclusive',
  },
  status: {
    phase: 'Bound',
    ufsTotal: '19.26GiB',
    fileNum: '123287',
    cacheStates: {
      cacheCapacity: '40.00GiB',
      cacheHitRatio: '0.0%',
      cacheThroughputRatio: '0.0%',
      cached: '2.00GiB',
      cachedPercentage: '10.4%',
      localHitRatio: '0.0%',
      localThroughputRatio: '0.0%',
      remoteHitRatio: '0.0%',
      remoteThroughputRatio: '0.0%',
    },
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'DatasetReady',
        message: 'The ddc runtime is ready.',
        lastTransitionTime: '2025-05-28T14:02:00Z',
        lastUpdateTime: '2025-05-28T14:02:00Z',
      },
    ],
    hcfs: { endpoint: 'alluxio://coco-master-0.team:19998', underlayerFileSystemVersion: '3.3.0' },
    mounts: [{ mountPoint: 's3://acme-datasets/coco/', name: 'coco', path: '/' }],
    runtimes: [{ name: 'coco', namespace: 'team', category: 'Accelerate', type: 'alluxio', masterReplicas: 1 }],
  },
};

/** A pod that mounts the Fluid dataset's claim (Fluid names the claim after the dataset). */
export const cocoReaderPod = pod({
  name: 'notebook-0-c0c0a',
  created: '2025-06-01T11:00:00Z',
  node: 'cpu-0',
  labels: { app: 'notebook' },
  containers: [
    {
      name: 'notebook',
      image: 'quay.io/jupyter/scipy-notebook:2025-05-26',
      volumeMounts: [{ name: 'coco', mountPath: '/data/coco' }],
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      imagePullPolicy: 'IfNotPresent',
    },
  ],
  volumes: [{ name: 'coco', persistentVolumeClaim: { claimName: 'coco' } }],
  status: {
    phase: 'Running',
    conditions: podConds('2025-06-01T11:00:30Z', true),
    ...nodeIPs('10.0.11.5'),
    podIP: '10.244.1.30',
    podIPs: [{ ip: '10.244.1.30' }],
    startTime: '2025-06-01T11:00:01Z',
    qosClass: 'BestEffort',
    containerStatuses: [running('notebook', 'quay.io/jupyter/scipy-notebook:2025-05-26', '2025-06-01T11:00:29Z')],
  },
});

// ---- Serving

/** KServe 0.16, serverless mode, after a canary rollout of revision 2 (10 %). */
export const sklearnIsvc: KubeObject = {
  apiVersion: 'serving.kserve.io/v1beta1',
  kind: 'InferenceService',
  metadata: meta('sklearn-iris', 'team', '2025-06-01T11:00:00Z', {
    generation: 2,
    annotations: { 'serving.kserve.io/deploymentMode': 'Serverless' },
    finalizers: ['inferenceservice.finalizers'],
  }),
  spec: {
    predictor: {
      canaryTrafficPercent: 10,
      model: {
        modelFormat: { name: 'sklearn' },
        name: '',
        protocolVersion: 'v1',
        resources: { limits: { cpu: '1', memory: '2Gi' }, requests: { cpu: '1', memory: '2Gi' } },
        runtime: 'kserve-sklearnserver',
        storageUri: 'gs://kfserving-examples/models/sklearn/1.0/model',
      },
    },
  },
  status: {
    address: { url: 'http://sklearn-iris.team.svc.cluster.local' },
    components: {
      predictor: {
        address: { url: 'http://sklearn-iris-predictor.team.svc.cluster.local' },
        latestCreatedRevision: 'sklearn-iris-predictor-00002',
        latestReadyRevision: 'sklearn-iris-predictor-00002',
        latestRolledoutRevision: 'sklearn-iris-predictor-00001',
        previousRolledoutRevision: 'sklearn-iris-predictor-00001',
        traffic: [
          {
            latestRevision: true,
            percent: 10,
            revisionName: 'sklearn-iris-predictor-00002',
            tag: 'latest',
            url: 'http://latest-sklearn-iris-predictor.team.example.com',
          },
          {
            latestRevision: false,
            percent: 90,
            revisionName: 'sklearn-iris-predictor-00001',
            tag: 'prev',
            url: 'http://prev-sklearn-iris-predictor.team.example.com',
          },
        ],
        url: 'http://sklearn-iris-predictor.team.example.com',
      },
    },
    conditions: [
      { lastTransitionTime: '2025-06-01T11:20:00Z', status: 'True', type: 'IngressReady' },
      { lastTransitionTime: '2025-06-01T11:20:00Z', severity: 'Info', status: 'True', type: 'LatestDeploymentReady' },
      { lastTransitionTime: '2025-06-01T11:20:00Z', severity: 'Info', status: 'True', type: 'PredictorConfigurationReady' },
      { lastTransitionTime: '2025-06-01T11:20:00Z', status: 'True', type: 'PredictorReady' },
      { lastTransitionTime: '2025-06-01T11:20:00Z', severity: 'Info', status: 'True', type: 'PredictorRouteReady' },
      { lastTransitionTime: '2025-06-01T11:20:00Z', status: 'True', type: 'Ready' },
      { lastTransitionTime: '2025-06-01T11:20:00Z', severity: 'Info', status: 'True', type: 'RoutesReady' },
    ],
    deploymentMode: 'Serverless',
    modelStatus: {
      copies: { failedCopies: 0, totalCopies: 1 },
      states: { activeModelState: 'Loaded', targetModelState: 'Loaded' },
      transitionStatus: 'UpToDate',
    },
    observedGeneration: 2,
    url: 'http://sklearn-iris.team.example.com',
  },
};

/** The same service while its new revision fails to load: not ready, no URL yet. */
export const failingIsvc: KubeObject = {
  ...structuredClone(sklearnIsvc),
  metadata: meta('llama-chat', 'team', '2025-06-01T11:45:00Z', {
    generation: 1,
    annotations: { 'serving.kserve.io/deploymentMode': 'Serverless' },
    finalizers: ['inferenceservice.finalizers'],
  }),
  spec: {
    predictor: {
      model: {
        modelFormat: { name: 'huggingface' },
        runtime: 'kserve-huggingfaceserver',
        storageUri: 'hf://meta-llama/Llama-3.1-8B-Instruct',
      },
    },
  },
  status: {
    components: { predictor: { latestCreatedRevision: 'llama-chat-predictor-00001' } },
    conditions: [
      {
        lastTransitionTime: '2025-06-01T11:50:00Z',
        reason: 'RevisionFailed',
        message: 'Revision "llama-chat-predictor-00001" failed with message: Container failed with: OOMKilled.',
        severity: 'Info',
        status: 'False',
        type: 'LatestDeploymentReady',
      },
      {
        lastTransitionTime: '2025-06-01T11:50:00Z',
        reason: 'RevisionFailed',
        message: 'Revision "llama-chat-predictor-00001" failed with message: Container failed with: OOMKilled.',
        status: 'False',
        type: 'PredictorReady',
      },
      {
        lastTransitionTime: '2025-06-01T11:50:00Z',
        reason: 'RevisionFailed',
        message: 'Revision "llama-chat-predictor-00001" failed with message: Container failed with: OOMKilled.',
        status: 'False',
        type: 'Ready',
      },
    ],
    deploymentMode: 'Serverless',
    modelStatus: {
      lastFailureInfo: {
        exitCode: 137,
        location: 'llama-chat-predictor-00001-deployment-5d8c7b6f4-kx2lp',
        message: 'Container failed with: OOMKilled',
        reason: 'ModelLoadFailed',
      },
      states: { activeModelState: '', targetModelState: 'FailedToLoad' },
      transitionStatus: 'BlockedByFailedLoad',
    },
    observedGeneration: 1,
  },
};

/** A predictor pod of the InferenceService (KServe and Knative label it). */
export const isvcPod = pod({
  name: 'sklearn-iris-predictor-00002-deployment-7c9d8f6b5-mk4zt',
  created: '2025-06-01T11:19:00Z',
  node: 'cpu-0',
  labels: {
    app: 'sklearn-iris-predictor-00002',
    component: 'predictor',
    'serving.kserve.io/inferenceservice': 'sklearn-iris',
    'serving.knative.dev/revision': 'sklearn-iris-predictor-00002',
    'serving.knative.dev/service': 'sklearn-iris-predictor',
    'pod-template-hash': '7c9d8f6b5',
  },
  owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'sklearn-iris-predictor-00002-deployment-7c9d8f6b5', uid: uid('rs-sklearn') },
  containers: [
    {
      name: 'kserve-container',
      image: 'kserve/sklearnserver:v0.16.0',
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'FallbackToLogsOnError',
      imagePullPolicy: 'IfNotPresent',
    },
  ],
  status: {
    phase: 'Running',
    conditions: podConds('2025-06-01T11:19:40Z', true),
    ...nodeIPs('10.0.11.5'),
    podIP: '10.244.1.41',
    podIPs: [{ ip: '10.244.1.41' }],
    startTime: '2025-06-01T11:19:01Z',
    qosClass: 'Guaranteed',
    containerStatuses: [running('kserve-container', 'kserve/sklearnserver:v0.16.0', '2025-06-01T11:19:30Z')],
  },
});

export const llmDeployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: meta('llm-server', 'team', '2025-05-30T10:00:00Z', {
    generation: 3,
    labels: { app: 'llm-server', 'kubeml.io/model': 'llama-3-8b' },
    annotations: { 'deployment.kubernetes.io/revision': '3' },
  }),
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'llm-server' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    revisionHistoryLimit: 10,
    progressDeadlineSeconds: 600,
    template: {
      metadata: { labels: { app: 'llm-server' } },
      spec: {
        containers: [
          {
            name: 'vllm',
            image: 'vllm/vllm-openai:v0.9.0',
            args: ['--model', '/models/llama-3-8b'],
            resources: { limits: { 'nvidia.com/gpu': '1' } },
            terminationMessagePath: '/dev/termination-log',
            terminationMessagePolicy: 'File',
            imagePullPolicy: 'IfNotPresent',
          },
        ],
        restartPolicy: 'Always',
        terminationGracePeriodSeconds: 30,
        dnsPolicy: 'ClusterFirst',
        securityContext: {},
        schedulerName: 'default-scheduler',
        tolerations: [GPU_TOLERATION],
      },
    },
  },
  status: {
    observedGeneration: 3,
    replicas: 2,
    updatedReplicas: 2,
    readyReplicas: 1,
    availableReplicas: 1,
    unavailableReplicas: 1,
    conditions: [
      {
        type: 'Available',
        status: 'False',
        lastUpdateTime: '2025-06-01T11:00:00Z',
        lastTransitionTime: '2025-06-01T11:00:00Z',
        reason: 'MinimumReplicasUnavailable',
        message: 'Deployment does not have minimum availability.',
      },
      {
        type: 'Progressing',
        status: 'True',
        lastUpdateTime: '2025-06-01T11:05:00Z',
        lastTransitionTime: '2025-05-30T10:00:00Z',
        reason: 'NewReplicaSetAvailable',
        message: 'ReplicaSet "llm-server-6d5f8b7c9d" has successfully progressed.',
      },
    ],
  },
};

/** One of the Deployment's pods (the ready one), on the H100 node. */
export const llmPod = pod({
  name: 'llm-server-6d5f8b7c9d-abcde',
  created: '2025-06-01T11:00:00Z',
  node: 'gpu-h100-0',
  labels: { app: 'llm-server', 'pod-template-hash': '6d5f8b7c9d' },
  owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'llm-server-6d5f8b7c9d', uid: uid('rs-llm') },
  containers: (llmDeployment.spec as { template: { spec: { containers: Array<Record<string, unknown>> } } }).template.spec.containers,
  status: {
    phase: 'Running',
    conditions: podConds('2025-06-01T11:03:00Z', true),
    ...nodeIPs('10.0.12.40'),
    podIP: '10.244.5.12',
    podIPs: [{ ip: '10.244.5.12' }],
    startTime: '2025-06-01T11:00:01Z',
    qosClass: 'BestEffort',
    containerStatuses: [running('vllm', 'vllm/vllm-openai:v0.9.0', '2025-06-01T11:02:10Z')],
  },
});

/** Every object above, for a fake API server to serve. */
export const CLUSTER: readonly KubeObject[] = [
  trainJob,
  evalJob,
  failedJob,
  suspendedJob,
  trainPod0,
  trainPod1,
  evalPod,
  otherTeamPod,
  cocoReaderPod,
  isvcPod,
  llmPod,
  a100Node,
  h100Node,
  cpuNode,
  imagenetClaim,
  scratchClaim,
  cocoDataset,
  sklearnIsvc,
  failingIsvc,
  llmDeployment,
];

/** A copy of an object with changes to its status (what a controller's status update does). */
export function withStatus(o: KubeObject, status: Record<string, unknown>): KubeObject {
  return { ...structuredClone(o), status: { ...(o.status as object), ...status } };
}
