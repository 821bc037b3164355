import { get, isRecord } from './document';
import { jobSetPods, mlPodSpecs } from './podTemplates';
import type { Path } from './types';

/** Where the pods of a resource are described, whatever its kind (core workloads and the ML CRDs). */
export interface PodSpecRef {
  path: Path;
  spec: Record<string, unknown>;
  /** Replica or group role: 'Master', 'Worker', 'head', 'predictor', ... */
  role?: string;
  /** Path of the batch/v1 JobSpec that owns this pod spec, when there is one. */
  jobSpecPath?: Path;
  /** The restartPolicy a webhook sets when the template has none (JobSet: OnFailure). */
  defaultRestartPolicy?: string;
}

export interface ContainerRef {
  path: Path;
  container: Record<string, unknown>;
  pod: PodSpecRef;
  init: boolean;
  /** A native sidecar (init container with restartPolicy Always) or a well-known proxy/agent. */
  sidecar: boolean;
  /** The key under the container that holds requests/limits (`resources`, or `resourcesPerNode` for a TrainJob trainer). */
  resourcesKey: string;
  /** False for pseudo-containers without an image of their own (KServe model, TrainJob trainer without image). */
  hasImage: boolean;
}

export interface ResourceHead {
  apiVersion: string;
  kind: string;
  group: string;
  version: string;
  name?: string;
  namespace?: string;
}

export function headOf(value: unknown): ResourceHead | undefined {
  if (!isRecord(value)) return undefined;
  const { apiVersion, kind } = value;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return undefined;
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const md = isRecord(value.metadata) ? value.metadata : {};
  return {
    apiVersion,
    kind,
    group,
    version,
    name: typeof md.name === 'string' ? md.name : undefined,
    namespace: typeof md.namespace === 'string' ? md.namespace : undefined,
  };
}

function pod(value: unknown, path: Path, role?: string, jobSpecPath?: Path): PodSpecRef[] {
  const spec = get(value, path);
  return isRecord(spec) ? [{ path, spec, role, jobSpecPath }] : [];
}

/** Every pod spec inside a resource. */
export function podSpecsOf(value: unknown, head: ResourceHead): PodSpecRef[] {
  const spec = get(value, ['spec']);
  const ml = mlPodSpecs(value, head);
  if (ml) return ml;
  switch (head.kind) {
    case 'Pod':
      return pod(value, ['spec']);
    case 'PodTemplate':
      return pod(value, ['template', 'spec']);
    case 'Job':
      return head.group === 'batch' ? pod(value, ['spec', 'template', 'spec'], undefined, ['spec']) : [];
    case 'CronJob':
      return pod(value, ['spec', 'jobTemplate', 'spec', 'template', 'spec'], undefined, ['spec', 'jobTemplate', 'spec']);
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'ReplicationController':
      return pod(value, ['spec', 'template', 'spec']);
    case 'JobSet':
      return jobSetPods(value, ['spec']);
    case 'RayJob':
    case 'RayCluster':
    case 'RayService': {
      const base: Path =
        head.kind === 'RayJob' ? ['spec', 'rayClusterSpec'] : head.kind === 'RayService' ? ['spec', 'rayClusterConfig'] : ['spec'];
      const out = pod(value, [...base, 'headGroupSpec', 'template', 'spec'], 'head');
      const workers = get(value, [...base, 'workerGroupSpecs']);
      if (Array.isArray(workers))
        workers.forEach((_, i) => out.push(...pod(value, [...base, 'workerGroupSpecs', i, 'template', 'spec'], 'worker')));
      if (head.kind === 'RayJob') out.push(...pod(value, ['spec', 'submitterPodTemplate', 'spec'], 'submitter'));
      return out;
    }
    case 'InferenceService': {
      const out: PodSpecRef[] = [];
      for (const component of ['predictor', 'transformer', 'explainer']) out.push(...pod(value, ['spec', component], component));
      return out;
    }
    default:
      break;
  }
  // Kubeflow training operator jobs: PyTorchJob, TFJob, MPIJob, XGBoostJob, PaddleJob, JAXJob.
  if (isRecord(spec)) {
    const out: PodSpecRef[] = [];
    for (const key of Object.keys(spec)) {
      if (!key.endsWith('ReplicaSpecs') || !isRecord(spec[key])) continue;
      for (const role of Object.keys(spec[key] as object)) out.push(...pod(value, ['spec', key, role, 'template', 'spec'], role));
    }
    return out;
  }
  return [];
}

const SIDECAR_NAMES =
  /^(istio-proxy|linkerd-proxy|envoy|queue-proxy|cloud-sql-proxy|oauth2-proxy|vault-agent|fluent-?bit|fluentd|filebeat|promtail|otel-collector|datadog-agent)$|(-sidecar|-proxy|-agent|-exporter|-logger)$/;

/** Every container in a pod spec, plus the pseudo-containers of ML CRDs (KServe model, TrainJob trainer). */
export function containersOf(value: unknown, head: ResourceHead, pods: PodSpecRef[] = podSpecsOf(value, head)): ContainerRef[] {
  const out: ContainerRef[] = [];
  for (const p of pods) {
    for (const [key, init] of [
      ['initContainers', true],
      ['containers', false],
    ] as const) {
      const list = p.spec[key];
      if (!Array.isArray(list)) continue;
      list.forEach((c, i) => {
        if (!isRecord(c)) return;
        const name = typeof c.name === 'string' ? c.name : '';
        const sidecar = (init && c.restartPolicy === 'Always') || (!init && list.length > 1 && SIDECAR_NAMES.test(name));
        out.push({ path: [...p.path, key, i], container: c, pod: p, init, sidecar, resourcesKey: 'resources', hasImage: true });
      });
    }
    if (head.kind === 'InferenceService') {
      for (const key of Object.keys(p.spec)) {
        const c = p.spec[key];
        if (key === 'containers' || !isRecord(c) || !('storageUri' in c || 'modelFormat' in c || 'runtime' in c)) continue;
        out.push({
          path: [...p.path, key],
          container: c,
          pod: p,
          init: false,
          sidecar: false,
          resourcesKey: 'resources',
          hasImage: typeof c.image === 'string',
        });
      }
    }
  }
  if (head.kind === 'TrainJob') {
    const trainer = get(value, ['spec', 'trainer']);
    if (isRecord(trainer)) {
      const ref: PodSpecRef = { path: ['spec'], spec: {}, role: 'trainer' };
      out.push({
        path: ['spec', 'trainer'],
        container: trainer,
        pod: ref,
        init: false,
        sidecar: false,
        resourcesKey: 'resourcesPerNode',
        hasImage: typeof trainer.image === 'string',
      });
    }
  }
  return out;
}

export const GPU_RESOURCES = ['nvidia.com/gpu', 'amd.com/gpu', 'gpu.intel.com/i915', 'gpu.intel.com/xe'];

/** gpuKeys per container: every ML rule asks, for every container. */
const gpuKeysOf = new WeakMap<ContainerRef, readonly string[]>();

/** The GPU resource names a container asks for, in requests or limits. */
export function gpuKeys(c: ContainerRef): readonly string[] {
  const known = gpuKeysOf.get(c);
  if (known) return known;
  const res = c.container[c.resourcesKey];
  const keys = new Set<string>();
  if (isRecord(res)) {
    for (const part of ['requests', 'limits']) {
      const m = res[part];
      if (isRecord(m)) for (const k of Object.keys(m)) if (GPU_RESOURCES.includes(k) || /^nvidia\.com\/mig-/.test(k)) keys.add(k);
    }
  }
  const out = [...keys];
  gpuKeysOf.set(c, out);
  return out;
}

/** Parses a Kubernetes quantity into a number (2, "2", "500m", "1Gi"); NaN when it is not one. */
export function quantityValue(q: unknown): number {
  if (typeof q === 'number') return q;
  if (typeof q !== 'string') return NaN;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(q.trim());
  if (!m) return NaN;
  let n = Number(m[1]);
  if (m[2]) n *= 10 ** Number(m[2].slice(1));
  const suffix = m[3];
  if (suffix) {
    const bin: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
    const dec: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
    n *= bin[suffix] ?? dec[suffix] ?? 1;
  }
  return n;
}

const TORCH = /\b(torch|pytorch|torchrun|torchx|deepspeed|accelerate|lightning|megatron|nemo|vllm)\b|torch\.distributed/i;

/** A container that looks like PyTorch training or serving (image, command or args). */
export function looksLikePyTorch(c: Record<string, unknown>): boolean {
  const parts = [c.image, ...(Array.isArray(c.command) ? c.command : []), ...(Array.isArray(c.args) ? c.args : [])];
  return parts.some((p) => typeof p === 'string' && TORCH.test(p));
}
