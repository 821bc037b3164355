/**
 * A deterministic corpus of realistic manifests for the lint benchmark: the kinds ML teams
 * write (Deployments, GPU Jobs, CronJobs, StatefulSets, Services, PVCs, ConfigMaps, PyTorchJobs,
 * InferenceServices), 30-70 lines each, with the usual mistakes sprinkled in at fixed rates.
 */
import { rng } from '../../test/support/rng';

export interface CorpusFile {
  name: string;
  text: string;
  documents: number;
}

export function makeCorpus(documents: number, perFile = 10, seed = 42): CorpusFile[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const chance = (p: number) => r() < p;
  const images = [
    'ghcr.io/acme/train:1.4.2',
    'nvcr.io/nvidia/pytorch:24.05-py3',
    'python:3.12-slim',
    'ghcr.io/acme/serve:0.9.0',
    'redis:7.2',
    'nginx:1.27',
  ];
  const image = () => (chance(0.15) ? pick(['nginx', 'ghcr.io/acme/train:latest', 'pytorch/pytorch']) : pick(images));

  const container = (name: string, ind: string, gpu: boolean, torch: boolean) => {
    const lines = [`${ind}- name: ${name}`, `${ind}  image: ${image()}`];
    if (torch) lines.push(`${ind}  command: ["torchrun", "--nproc_per_node=${gpu ? 2 : 1}", "train.py"]`);
    else lines.push(`${ind}  args: ["--port", "8080"]`);
    lines.push(
      `${ind}  env:`,
      `${ind}    - name: LOG_LEVEL`,
      `${ind}      value: info`,
      `${ind}    - name: WORKERS`,
      `${ind}      value: "4"`,
    );
    if (chance(0.05)) lines.push(`${ind}    - name: LOG_LEVEL`, `${ind}      value: debug`);
    if (chance(0.05)) lines.push(`${ind}    - name: DB_PASSWORD`, `${ind}      value: hunter2`);
    if (!chance(0.3))
      lines.push(
        `${ind}  securityContext:`,
        `${ind}    allowPrivilegeEscalation: false`,
        `${ind}    readOnlyRootFilesystem: ${chance(0.7)}`,
        ...(chance(0.04) ? [`${ind}    privileged: true`] : []),
      );
    if (!chance(0.2)) {
      lines.push(
        `${ind}  resources:`,
        `${ind}    requests:`,
        `${ind}      cpu: "${pick([1, 2, 4])}"`,
        `${ind}      memory: ${pick(['1Gi', '4Gi', '16Gi'])}`,
      );
      if (gpu) lines.push(`${ind}      nvidia.com/gpu: ${chance(0.05) ? '0.5' : 1}`);
      if (!chance(0.25)) {
        lines.push(`${ind}    limits:`, `${ind}      cpu: "4"`, `${ind}      memory: 16Gi`);
        if (gpu && !chance(0.15)) lines.push(`${ind}      nvidia.com/gpu: 1`);
      }
    }
    lines.push(
      `${ind}  ports:`,
      `${ind}    - containerPort: ${chance(0.03) ? '"8080"' : 8080}`,
      `${ind}      ${chance(0.03) ? 'protocl' : 'protocol'}: TCP`,
    );
    if (torch)
      lines.push(
        `${ind}  volumeMounts:`,
        `${ind}    - name: ${chance(0.5) ? 'dshm' : 'data'}`,
        `${ind}      mountPath: ${chance(0.5) ? '/dev/shm' : '/data'}`,
      );
    lines.push(`${ind}  readinessProbe:`, `${ind}    httpGet: {path: /healthz, port: 8080}`, `${ind}    periodSeconds: 10`);
    return lines;
  };

  const podSpec = (ind: string, gpu: boolean, torch: boolean, job: boolean) => {
    const lines: string[] = [];
    if (job) lines.push(`${ind}restartPolicy: ${chance(0.05) ? 'Always' : pick(['Never', 'OnFailure'])}`);
    if (chance(0.04)) lines.push(`${ind}hostNetwork: true`);
    if (!chance(0.4)) lines.push(`${ind}securityContext:`, `${ind}  runAsNonRoot: true`, `${ind}  runAsUser: 1000`);
    if (gpu && !chance(0.3))
      lines.push(`${ind}tolerations:`, `${ind}  - key: nvidia.com/gpu`, `${ind}    operator: Exists`, `${ind}    effect: NoSchedule`);
    if (gpu && !chance(0.3)) lines.push(`${ind}nodeSelector:`, `${ind}  nvidia.com/gpu.product: NVIDIA-A100-SXM4-80GB`);
    lines.push(`${ind}serviceAccountName: trainer`, `${ind}containers:`, ...container(torch ? 'train' : 'app', `${ind}  `, gpu, torch));
    if (chance(0.2)) lines.push(...container('metrics-agent', `${ind}  `, false, false));
    lines.push(
      `${ind}volumes:`,
      `${ind}  - name: data`,
      `${ind}    persistentVolumeClaim:`,
      `${ind}      claimName: dataset-${Math.floor(r() * 20)}`,
    );
    if (torch && chance(0.7))
      lines.push(`${ind}  - name: dshm`, `${ind}    emptyDir:`, `${ind}      medium: Memory`, `${ind}      sizeLimit: 8Gi`);
    return lines;
  };

  const meta = (name: string, i: number) => [
    'metadata:',
    `  name: ${name}-${i}`,
    `  namespace: team-${i % 5}`,
    '  labels:',
    `    app: ${name}-${i}`,
    '    team: ml',
  ];

  const makers: Array<[number, (i: number) => string[]]> = [
    [
      25,
      (i) => [
        'apiVersion: apps/v1',
        'kind: Deployment',
        ...meta('serve', i),
        'spec:',
        '  replicas: 2',
        '  selector:',
        '    matchLabels:',
        `      app: serve-${i}`,
        '  template:',
        '    metadata:',
        '      labels:',
        `        app: ${chance(0.03) ? 'serve' : `serve-${i}`}`,
        '    spec:',
        ...podSpec('      ', chance(0.3), false, false),
      ],
    ],
    [
      20,
      (i) => [
        'apiVersion: batch/v1',
        'kind: Job',
        ...meta('train', i),
        'spec:',
        ...(chance(0.7) ? ['  backoffLimit: 2'] : []),
        ...(chance(0.6) ? ['  ttlSecondsAfterFinished: 86400'] : []),
        '  template:',
        '    spec:',
        ...podSpec('      ', true, true, true),
      ],
    ],
    [
      8,
      (i) => [
        'apiVersion: batch/v1',
        'kind: CronJob',
        ...meta('drift', i),
        'spec:',
        '  schedule: "0 * * * *"',
        '  concurrencyPolicy: Forbid',
        '  jobTemplate:',
        '    spec:',
        '      backoffLimit: 1',
        '      template:',
        '        spec:',
        ...podSpec('          ', false, false, true),
      ],
    ],
    [
      7,
      (i) => [
        'apiVersion: apps/v1',
        'kind: StatefulSet',
        ...meta('feature-store', i),
        'spec:',
        `  serviceName: feature-store-${i}`,
        '  replicas: 3',
        '  selector:',
        '    matchLabels:',
        `      app: feature-store-${i}`,
        '  template:',
        '    metadata:',
        '      labels:',
        `        app: feature-store-${i}`,
        '    spec:',
        ...podSpec('      ', false, false, false),
      ],
    ],
    [
      15,
      (i) => [
        'apiVersion: v1',
        'kind: Service',
        ...meta('serve', i),
        'spec:',
        '  type: ClusterIP',
        '  selector:',
        `    app: serve-${i}`,
        '  ports:',
        '    - name: http',
        '      port: 80',
        '      targetPort: 8080',
        '      protocol: TCP',
      ],
    ],
    [
      8,
      (i) => [
        'apiVersion: v1',
        'kind: PersistentVolumeClaim',
        ...meta('dataset', i),
        'spec:',
        '  accessModes: [ReadWriteOnce]',
        '  storageClassName: standard',
        '  resources:',
        '    requests:',
        `      storage: ${pick(['10Gi', '200Gi', '1Ti'])}`,
      ],
    ],
    [
      10,
      (i) => [
        'apiVersion: v1',
        'kind: ConfigMap',
        ...meta('config', i),
        'data:',
        '  config.yaml: |',
        '    lr: 0.001',
        '    epochs: 10',
        '    batch_size: 256',
        `  MODEL_NAME: resnet-${i}`,
      ],
    ],
    [
      4,
      (i) => [
        'apiVersion: kubeflow.org/v1',
        'kind: PyTorchJob',
        ...meta('ddp', i),
        'spec:',
        '  pytorchReplicaSpecs:',
        '    Master:',
        `      replicas: ${chance(0.1) ? 2 : 1}`,
        '      restartPolicy: OnFailure',
        '      template:',
        '        spec:',
        ...podSpec('          ', true, true, false),
        '    Worker:',
        '      replicas: 3',
        '      restartPolicy: OnFailure',
        '      template:',
        '        spec:',
        ...podSpec('          ', true, true, false),
      ],
    ],
    [
      3,
      (i) => [
        'apiVersion: serving.kserve.io/v1beta1',
        'kind: InferenceService',
        ...meta('isvc', i),
        'spec:',
        '  predictor:',
        '    model:',
        '      modelFormat: {name: sklearn}',
        `      storageUri: ${chance(0.1) ? 'ftp://models/iris' : 's3://models/iris'}`,
        '      resources:',
        '        requests: {cpu: 100m, memory: 256Mi}',
        '        limits: {cpu: "1", memory: 1Gi}',
      ],
    ],
  ];
  const total = makers.reduce((s, [w]) => s + w, 0);
  const files: CorpusFile[] = [];
  let docs: string[] = [];
  for (let i = 0; i < documents; i++) {
    let x = r() * total;
    const maker = makers.find(([w]) => (x -= w) < 0)?.[1] ?? makers[0]![1];
    docs.push(maker(i).join('\n') + '\n');
    if (docs.length === perFile || i === documents - 1) {
      files.push({ name: `manifests-${String(files.length).padStart(4, '0')}.yaml`, text: docs.join('---\n'), documents: docs.length });
      docs = [];
    }
  }
  return files;
}
