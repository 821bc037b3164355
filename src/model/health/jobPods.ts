/**
 * A job's pods as the doctor's ranks (types.ts RankInput), pure: which pods belong to a job (the label the
 * operator sets), each pod's rank, phase, restarts and last termination, its node's GPU product. Logs, steps and
 * process states are added by the health feature (src/health/source.ts), which reads them from the cluster.
 */
import type { ContainerEnd, RankInput, RankLogLine } from './types';

export type HealthJobKind = 'Job' | 'PyTorchJob' | 'TrainJob' | 'RayJob';

export interface HealthJobRef {
  readonly kind: HealthJobKind;
  readonly namespace: string;
  readonly name: string;
}

/** The label selector of a job's pods, as each controller labels them. */
export function podSelector(job: HealthJobRef): string {
  switch (job.kind) {
    case 'PyTorchJob':
      return `training.kubeflow.org/job-name=${job.name}`;
    case 'TrainJob':
      return `jobset.sigs.k8s.io/jobset-name=${job.name}`;
    case 'RayJob':
      return `ray.io/originated-from-cr-name=${job.name}`;
    default:
      return `batch.kubernetes.io/job-name=${job.name}`;
  }
}

interface PodLike {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: {
    nodeName?: string;
    containers?: Array<{ name: string; resources?: { limits?: Record<string, string>; requests?: Record<string, string> } }>;
  };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    startTime?: string;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
    containerStatuses?: Array<{
      name: string;
      restartCount?: number;
      state?: { waiting?: { reason?: string; message?: string }; terminated?: TerminatedLike };
      lastState?: { terminated?: TerminatedLike };
    }>;
  };
}

interface TerminatedLike {
  reason?: string;
  exitCode?: number;
  signal?: number;
  finishedAt?: string;
  message?: string;
}

interface NodeLike {
  metadata: { name: string; labels?: Record<string, string> };
}

/** The rank of a pod in a distributed job, from the labels the operators set ("master-0", "worker-1", "rank 3"). */
export function podRank(pod: { metadata: PodLike['metadata'] }): string | undefined {
  const l = pod.metadata.labels ?? {};
  const type = l['training.kubeflow.org/replica-type'];
  const index = l['training.kubeflow.org/replica-index'];
  if (type && index !== undefined) return `${type.toLowerCase()}-${index}`;
  if (l['ray.io/node-type']) return l['ray.io/node-type'];
  const jobIndex = l['jobset.sigs.k8s.io/job-index'];
  const completion =
    l['batch.kubernetes.io/job-completion-index'] ?? pod.metadata.annotations?.['batch.kubernetes.io/job-completion-index'];
  if (jobIndex !== undefined) return `rank ${jobIndex}${completion !== undefined && completion !== '0' ? `.${completion}` : ''}`;
  if (completion !== undefined) return `rank ${completion}`;
  return undefined;
}

/**
 * PyTorch's RANK of a pod where the labels say it: a PyTorchJob's master-0 is 0 and worker-i is i + 1 (the
 * training-operator sets RANK so); an indexed Job's completion index; else undefined.
 */
export function rankIndex(pod: { metadata: PodLike['metadata'] }): number | undefined {
  const l = pod.metadata.labels ?? {};
  const type = l['training.kubeflow.org/replica-type']?.toLowerCase();
  const index = Number(l['training.kubeflow.org/replica-index']);
  if (type && Number.isInteger(index)) return type === 'master' ? index : type === 'worker' ? index + 1 : undefined;
  const completion = Number(
    l['batch.kubernetes.io/job-completion-index'] ?? pod.metadata.annotations?.['batch.kubernetes.io/job-completion-index'],
  );
  return Number.isInteger(completion) ? completion : undefined;
}

/** The container that trains: the PyTorchJob's `pytorch`, else the first. */
export function mainContainer(pod: PodLike): string | undefined {
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  return names.includes('pytorch') ? 'pytorch' : names[0];
}

const time = (s: string | undefined) => {
  const t = s ? Date.parse(s) : NaN;
  return Number.isFinite(t) ? t : undefined;
};

const end = (t: TerminatedLike | undefined): ContainerEnd | undefined =>
  t
    ? {
        ...(t.reason ? { reason: t.reason } : {}),
        ...(t.exitCode !== undefined ? { exitCode: t.exitCode } : {}),
        ...(t.signal !== undefined ? { signal: t.signal } : {}),
        ...(time(t.finishedAt) !== undefined ? { finishedAt: time(t.finishedAt) } : {}),
        ...(t.message ? { message: t.message } : {}),
      }
    : undefined;

const GPU = /^(nvidia\.com\/gpu|amd\.com\/gpu)$/;

function podGpus(pod: PodLike): number {
  let n = 0;
  for (const c of pod.spec?.containers ?? []) {
    const r = { ...c.resources?.requests, ...c.resources?.limits };
    for (const [k, v] of Object.entries(r)) if (GPU.test(k)) n += Number(v) || 0;
  }
  return n;
}

/** A pod as a rank, without logs (the caller adds them); `nodes` gives the GPU product of its node. */
export function rankOfPod(
  pod: PodLike,
  nodes: ReadonlyMap<string, NodeLike> = new Map(),
  log: readonly RankLogLine[] = [],
  previousLog?: readonly RankLogLine[],
): RankInput {
  const st = pod.status ?? {};
  const main = mainContainer(pod);
  const cs = st.containerStatuses?.find((c) => c.name === main) ?? st.containerStatuses?.[0];
  const scheduledCond = st.conditions?.find((c) => c.type === 'PodScheduled');
  const scheduled = !!pod.spec?.nodeName || scheduledCond?.status === 'True';
  const node = pod.spec?.nodeName ? nodes.get(pod.spec.nodeName) : undefined;
  const labels = node?.metadata.labels ?? {};
  const waiting = cs?.state?.waiting?.reason;
  const phase = st.reason === 'Evicted' ? 'Evicted' : waiting && waiting !== 'ContainerCreating' ? waiting : (st.phase ?? 'Unknown');
  const index = rankIndex(pod);
  const gpus = podGpus(pod);
  return {
    rank: podRank(pod) ?? pod.metadata.name,
    ...(index !== undefined ? { index } : {}),
    pod: pod.metadata.name,
    namespace: pod.metadata.namespace ?? '',
    phase,
    ...(st.reason ? { reason: st.reason } : {}),
    ...(st.message ? { message: st.message } : {}),
    ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
    ...(labels['nvidia.com/gpu.product'] ? { gpuProduct: labels['nvidia.com/gpu.product'] } : {}),
    ...(labels['nvidia.com/cuda.driver.major']
      ? {
          driver: [labels['nvidia.com/cuda.driver.major'], labels['nvidia.com/cuda.driver.minor'], labels['nvidia.com/cuda.driver.rev']]
            .filter(Boolean)
            .join('.'),
        }
      : {}),
    ...(gpus ? { gpus } : {}),
    restarts: cs?.restartCount ?? 0,
    ...(end(cs?.lastState?.terminated) ? { lastEnd: end(cs?.lastState?.terminated) } : {}),
    ...(end(cs?.state?.terminated) ? { currentEnd: end(cs?.state?.terminated) } : {}),
    ...(time(st.startTime) !== undefined ? { started: time(st.startTime) } : {}),
    scheduled,
    ...(!scheduled && scheduledCond?.reason === 'Unschedulable' && scheduledCond.message ? { unschedulable: scheduledCond.message } : {}),
    log,
    ...(previousLog ? { previousLog } : {}),
  };
}

/** Ranks in rank order (numeric rank, then name). */
export function sortRanks<T extends Pick<RankInput, 'rank' | 'index'>>(ranks: T[]): T[] {
  return ranks.sort((a, b) => (a.index ?? 1e9) - (b.index ?? 1e9) || a.rank.localeCompare(b.rank, undefined, { numeric: true }));
}

/** Parses the probe's output: "probe <pid>", then /proc/<pid>/stat lines ("pid (comm) state ..."), minus the probe's own. */
export function parseProcStat(text: string): Array<{ pid: number; state: string; command: string }> {
  const probe = Number(/^probe (\d+)/m.exec(text)?.[1]);
  const out: Array<{ pid: number; state: string; command: string }> = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+) \((.*)\) (\S) (\d+)/.exec(line.trim());
    if (!m) continue;
    const pid = Number(m[1]);
    const ppid = Number(m[4]);
    if (pid === probe || ppid === probe) continue; // the probe's sh and its cat
    out.push({ pid, state: m[3]!, command: m[2]! });
  }
  return out;
}
