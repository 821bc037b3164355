import { type KubeObject } from '../../cluster/read/informerState';
import { FAILURE_ANNOTATION, type ResourceKindId } from '../../cluster/resources';
import { LABEL_KIND, LABEL_RUN } from '../../model/runRecords';
import { podRank } from '../../model/health/jobPods';
import {
  age,
  condition,
  GPU_RESOURCE,
  intQuantity,
  isTrue,
  md,
  podSpecRequest,
  shortDuration,
  tooltipTable,
  type PodSpecLike,
  type Row,
} from './common';

export const JOB_STATES = ['Running', 'Pending', 'Succeeded', 'Failed'] as const;
export type JobState = (typeof JOB_STATES)[number];
export type JobKindId = Extract<ResourceKindId, 'jobs' | 'trainJobs' | 'pytorchJobs' | 'rayJobs'>;
export const JOB_KINDS: readonly JobKindId[] = ['jobs', 'trainJobs', 'pytorchJobs', 'rayJobs'];

const KIND_LABEL: Record<JobKindId, string> = { jobs: 'Job', trainJobs: 'TrainJob', pytorchJobs: 'PyTorchJob', rayJobs: 'RayJob' };
const KIND_WORD: Record<JobKindId, string> = { jobs: 'batch', trainJobs: 'trainjob', pytorchJobs: 'pytorchjob', rayJobs: 'rayjob' };

export interface JobSummary {
  kindId: JobKindId;
  /** `${kindId}:${namespace}/${name}`: the job's identity in the tree and in pod owner lookups. */
  ref: string;
  namespace: string;
  name: string;
  state: JobState;
  reason?: string;
  gpus: number;
  completions?: string;
  created?: string;
  started?: string;
  finished?: string;
  /** RayJob: the RayCluster whose pods belong to it. */
  rayCluster?: string;
  /** A KubeML run (its labels): its record and results are in the workspace's .kubeml/runs/<id>. */
  run?: { id: string; purpose: string };
}

export function jobRef(kindId: JobKindId, namespace: string | undefined, name: string): string {
  return `${kindId}:${namespace ?? ''}/${name}`;
}

type ReplicaSpecs = Record<string, { replicas?: number; template?: { spec?: PodSpecLike } }>;

function replicaGpus(specs: ReplicaSpecs | undefined): number {
  return Object.values(specs ?? {}).reduce((n, r) => n + (r.replicas ?? 1) * podSpecRequest(r.template?.spec), 0);
}

/** Batch Jobs created by another controller (JobSet, RayJob, ...) are shown under their owner, not as jobs. */
export function isOwnedJob(job: KubeObject): boolean {
  return (job.metadata.ownerReferences ?? []).some((o) => o.controller && o.kind !== 'CronJob');
}

/** Normalises the four job kinds into one summary: state, GPUs, completions, times. */
function runOf(o: KubeObject): { run?: JobSummary['run'] } {
  const id = o.metadata.labels?.[LABEL_RUN];
  return id ? { run: { id, purpose: o.metadata.labels?.[LABEL_KIND] ?? 'train' } } : {};
}

export function summarizeJob(kindId: JobKindId, o: KubeObject): JobSummary {
  const base = {
    kindId,
    ref: jobRef(kindId, o.metadata.namespace, o.metadata.name),
    namespace: o.metadata.namespace ?? '',
    name: o.metadata.name,
    created: o.metadata.creationTimestamp,
    ...runOf(o),
  };
  switch (kindId) {
    case 'jobs':
      return { ...base, ...batchJob(o) };
    case 'trainJobs':
      return { ...base, ...trainJob(o) };
    case 'pytorchJobs':
      return { ...base, ...pytorchJob(o) };
    case 'rayJobs':
      return { ...base, ...rayJob(o) };
  }
}

type Derived = Omit<JobSummary, 'kindId' | 'ref' | 'namespace' | 'name' | 'created'>;

function batchJob(o: KubeObject): Derived {
  const spec = (o.spec ?? {}) as { parallelism?: number; completions?: number; suspend?: boolean; template?: { spec?: PodSpecLike } };
  const st = (o.status ?? {}) as {
    active?: number;
    ready?: number;
    succeeded?: number;
    failed?: number;
    startTime?: string;
    completionTime?: string;
  };
  const failed = condition(o, 'Failed');
  let state: JobState;
  let reason: string | undefined;
  if (isTrue(o, 'Complete') || isTrue(o, 'SuccessCriteriaMet')) state = 'Succeeded';
  else if (failed?.status === 'True' || isTrue(o, 'FailureTarget')) {
    state = 'Failed';
    // A run KubeML ended says why in its annotation (the condition would only say DeadlineExceeded).
    reason = o.metadata.annotations?.[FAILURE_ANNOTATION] ?? failed?.reason ?? condition(o, 'FailureTarget')?.reason;
  } else if (spec.suspend) {
    state = 'Pending';
    reason = 'Suspended';
  } else if ((st.active ?? 0) > 0 && (st.ready === undefined || st.ready > 0)) state = 'Running';
  else state = 'Pending';
  return {
    state,
    reason,
    gpus: podSpecRequest(spec.template?.spec) * (spec.parallelism ?? 1),
    completions: `${st.succeeded ?? 0}/${spec.completions ?? 1}`,
    started: st.startTime,
    finished: st.completionTime ?? (state === 'Failed' ? failed?.lastTransitionTime : undefined),
  };
}

function trainJob(o: KubeObject): Derived {
  const spec = (o.spec ?? {}) as {
    suspend?: boolean;
    trainer?: { numNodes?: number; resourcesPerNode?: { requests?: Record<string, string>; limits?: Record<string, string> } };
  };
  const st = (o.status ?? {}) as {
    jobsStatus?: Array<{ name: string; active?: number; ready?: number; succeeded?: number; failed?: number; suspended?: number }>;
  };
  const res = spec.trainer?.resourcesPerNode;
  const nodes = spec.trainer?.numNodes ?? 1;
  const gpus = nodes * intQuantity(res?.requests?.[GPU_RESOURCE] ?? res?.limits?.[GPU_RESOURCE]);
  const jobs = st.jobsStatus ?? [];
  const active = jobs.reduce((n, j) => n + (j.active ?? 0), 0);
  const ready = jobs.reduce((n, j) => n + (j.ready ?? 0), 0);
  const succeeded = jobs.reduce((n, j) => n + (j.succeeded ?? 0), 0);
  const complete = condition(o, 'Complete');
  const failed = condition(o, 'Failed');
  let state: JobState;
  let reason: string | undefined;
  if (complete?.status === 'True') state = 'Succeeded';
  else if (failed?.status === 'True') {
    state = 'Failed';
    reason = failed.reason;
  } else if (spec.suspend || isTrue(o, 'Suspended')) {
    state = 'Pending';
    reason = 'Suspended';
  } else if (active > 0 && ready > 0) state = 'Running';
  else state = 'Pending';
  return {
    state,
    reason,
    gpus,
    completions: jobs.length > 0 ? `${succeeded}/${nodes}` : undefined,
    started: condition(o, 'Created')?.lastTransitionTime,
    finished: (complete?.status === 'True' ? complete : failed?.status === 'True' ? failed : undefined)?.lastTransitionTime,
  };
}

function pytorchJob(o: KubeObject): Derived {
  const spec = (o.spec ?? {}) as { pytorchReplicaSpecs?: ReplicaSpecs; runPolicy?: { suspend?: boolean } };
  const st = (o.status ?? {}) as {
    startTime?: string;
    completionTime?: string;
    replicaStatuses?: Record<string, { active?: number; succeeded?: number; failed?: number }>;
  };
  const conds = (
    (o.status as { conditions?: Array<{ type: string; status: string; reason?: string; lastTransitionTime?: string }> } | undefined)
      ?.conditions ?? []
  ).filter((c) => c.status === 'True');
  const last = conds[conds.length - 1];
  let state: JobState;
  if (conds.some((c) => c.type === 'Succeeded')) state = 'Succeeded';
  else if (conds.some((c) => c.type === 'Failed')) state = 'Failed';
  else if (last?.type === 'Running') state = 'Running';
  else state = 'Pending';
  const replicas = Object.values(spec.pytorchReplicaSpecs ?? {}).reduce((n, r) => n + (r.replicas ?? 1), 0);
  const succeeded = Object.values(st.replicaStatuses ?? {}).reduce((n, r) => n + (r.succeeded ?? 0), 0);
  return {
    state,
    reason:
      state === 'Failed' || state === 'Pending'
        ? (conds.find((c) => c.type === 'Failed') ?? (spec.runPolicy?.suspend ? { reason: 'Suspended' } : last))?.reason
        : undefined,
    gpus: replicaGpus(spec.pytorchReplicaSpecs),
    completions: `${succeeded}/${replicas}`,
    started: st.startTime,
    finished: st.completionTime ?? (state === 'Failed' ? conds.find((c) => c.type === 'Failed')?.lastTransitionTime : undefined),
  };
}

function rayJob(o: KubeObject): Derived {
  type Group = { replicas?: number; template?: { spec?: PodSpecLike } };
  const spec = (o.spec ?? {}) as { suspend?: boolean; rayClusterSpec?: { headGroupSpec?: Group; workerGroupSpecs?: Group[] } };
  const st = (o.status ?? {}) as {
    jobStatus?: string;
    jobDeploymentStatus?: string;
    startTime?: string;
    endTime?: string;
    rayClusterName?: string;
    message?: string;
    reason?: string;
  };
  const js = (st.jobStatus ?? '').toUpperCase();
  const ds = st.jobDeploymentStatus ?? '';
  let state: JobState;
  if (js === 'SUCCEEDED') state = 'Succeeded';
  else if (js === 'FAILED' || js === 'STOPPED' || ds === 'Failed' || ds === 'ValidationFailed') state = 'Failed';
  else if (js === 'RUNNING' || ds === 'Running') state = 'Running';
  else state = 'Pending';
  const head = spec.rayClusterSpec?.headGroupSpec;
  const workers = spec.rayClusterSpec?.workerGroupSpecs ?? [];
  const gpus = podSpecRequest(head?.template?.spec) + workers.reduce((n, w) => n + (w.replicas ?? 1) * podSpecRequest(w.template?.spec), 0);
  return {
    state,
    reason: state === 'Failed' ? (st.reason ?? js) || ds : state === 'Pending' ? ds || undefined : undefined,
    gpus,
    started: st.startTime,
    finished: st.endTime,
    rayCluster: st.rayClusterName,
  };
}

const STATE_ICON: Record<JobState, { id: string; color: string }> = {
  Running: { id: 'sync', color: 'charts.blue' },
  Pending: { id: 'clock', color: 'charts.yellow' },
  Succeeded: { id: 'pass', color: 'testing.iconPassed' },
  Failed: { id: 'error', color: 'testing.iconFailed' },
};

export function groupRow(state: JobState, count: number): Row {
  return {
    label: state,
    description: String(count),
    icon: STATE_ICON[state],
    contextValue: `kubeml.jobGroup.${state.toLowerCase()}`,
    // An empty group has nothing to open. (Once it fills, VS Code keeps it closed: it keeps an item's expansion
    // by id; TreeView.reveal could open it, but reveal also reopens a Jobs view the user collapsed.)
    collapsible: count === 0 ? 'none' : state === 'Running' || state === 'Pending' || state === 'Failed' ? 'expanded' : 'collapsed',
  };
}

/**
 * `why`: for a pending job, model/pending's explanation (its sentence under the table, the details below it).
 */
export function jobRow(s: JobSummary, now: number, showNamespace = false, why?: { sentence: string; details: readonly string[] }): Row {
  const start = s.started ? Date.parse(s.started) : undefined;
  const end = s.finished ? Date.parse(s.finished) : undefined;
  const duration =
    start !== undefined && Number.isFinite(start)
      ? shortDuration((end !== undefined && Number.isFinite(end) ? end : now) - start)
      : undefined;
  const when =
    s.state === 'Succeeded' || s.state === 'Failed'
      ? duration
        ? `took ${duration}`
        : age(s.created, now)
      : s.state === 'Running' && duration
        ? `running ${duration}`
        : age(s.created, now);
  const parts = [
    KIND_LABEL[s.kindId],
    showNamespace ? s.namespace : undefined,
    s.gpus > 0 ? `${s.gpus} GPU` : undefined,
    s.completions,
    when,
    s.reason,
  ].filter((p) => p !== undefined && p !== '');
  return {
    label: s.name,
    description: parts.join(' · '),
    icon: STATE_ICON[s.state],
    tooltip:
      tooltipTable(`${KIND_LABEL[s.kindId]} ${s.namespace}/${s.name}`, [
        ['State', s.reason ? `${s.state} (${s.reason})` : s.state],
        ['GPUs requested', s.gpus],
        ['Completions', s.completions],
        ['Created', s.created],
        ['Started', s.started],
        ['Finished', s.finished],
        ['Duration', duration],
      ]) + (why ? `\n\n**${md(why.sentence)}**${why.details.map((d) => `\n\n${md(d)}`).join('')}` : ''),
    // A KubeML run adds .run (Show Run Logs) and, for validation, .validation (Open Drift Report) to its menu.
    contextValue: `kubeml.job.${KIND_WORD[s.kindId]}.${s.state.toLowerCase()}${s.run ? `.run${s.run.purpose === 'validate' ? '.validation' : ''}` : ''}`,
    collapsible: 'collapsed',
  };
}

/** The jobs a pod may belong to, as job refs (plus `raycluster:` refs resolved by the model). */
export function podOwnerRefs(pod: KubeObject): string[] {
  const ns = pod.metadata.namespace;
  const l = pod.metadata.labels ?? {};
  const refs: string[] = [];
  for (const o of pod.metadata.ownerReferences ?? []) if (o.kind === 'Job') refs.push(jobRef('jobs', ns, o.name));
  const jobName = l['batch.kubernetes.io/job-name'] ?? l['job-name'];
  if (jobName) refs.push(jobRef('jobs', ns, jobName));
  if (l['training.kubeflow.org/job-name']) refs.push(jobRef('pytorchJobs', ns, l['training.kubeflow.org/job-name']));
  const trainJob = l['trainer.kubeflow.org/trainjob-name'] ?? l['jobset.sigs.k8s.io/jobset-name'];
  if (trainJob) refs.push(jobRef('trainJobs', ns, trainJob));
  if (l['ray.io/originated-from-crd'] === 'RayJob' && l['ray.io/originated-from-cr-name'])
    refs.push(jobRef('rayJobs', ns, l['ray.io/originated-from-cr-name']));
  if (l['ray.io/cluster']) refs.push(`raycluster:${ns ?? ''}/${l['ray.io/cluster']}`);
  return [...new Set(refs)];
}

interface PodStatus {
  phase?: string;
  reason?: string;
  startTime?: string;
  containerStatuses?: Array<{
    name: string;
    restartCount?: number;
    ready?: boolean;
    state?: { waiting?: { reason?: string }; terminated?: { reason?: string; exitCode?: number } };
  }>;
}

/** What kubectl shows as STATUS: a waiting or terminated reason wins over the phase. */
export function podDisplayPhase(pod: KubeObject): string {
  const st = (pod.status ?? {}) as PodStatus;
  if (pod.metadata.deletionTimestamp) return 'Terminating';
  for (const c of st.containerStatuses ?? []) {
    const r = c.state?.waiting?.reason ?? (c.state?.terminated && st.phase !== 'Succeeded' ? c.state.terminated.reason : undefined);
    if (r && r !== 'Completed') return r;
  }
  return st.reason ?? st.phase ?? 'Unknown';
}

export function podRestarts(pod: KubeObject): number {
  return ((pod.status as PodStatus | undefined)?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);
}

export { podRank };

export function podRow(pod: KubeObject, now: number): Row {
  const spec = (pod.spec ?? {}) as PodSpecLike;
  const phase = podDisplayPhase(pod);
  const restarts = podRestarts(pod);
  const rank = podRank(pod);
  const gpus = podSpecRequest(spec);
  const bad = /Err|BackOff|OOM|Failed|Evicted|Error/.test(phase);
  const icon =
    phase === 'Running'
      ? { id: 'circle-filled', color: 'charts.green' }
      : phase === 'Succeeded'
        ? { id: 'pass', color: 'testing.iconPassed' }
        : bad
          ? { id: 'error', color: 'testing.iconFailed' }
          : { id: 'circle-outline', color: 'charts.yellow' };
  return {
    label: pod.metadata.name,
    description: [
      rank,
      phase,
      spec.nodeName,
      restarts > 0 ? `${restarts} restarts` : undefined,
      gpus > 0 ? `${gpus} GPU` : undefined,
      age(pod.metadata.creationTimestamp, now),
    ]
      .filter(Boolean)
      .join(' · '),
    icon,
    tooltip: tooltipTable(`Pod ${pod.metadata.namespace}/${pod.metadata.name}`, [
      ['Phase', phase],
      ['Node', spec.nodeName ?? '(not scheduled)'],
      ['Rank', rank],
      ['Restarts', restarts],
      ['GPUs', gpus || undefined],
      ['Containers', (spec.containers ?? []).map((c) => c.name).join(', ')],
      ['Started', (pod.status as PodStatus | undefined)?.startTime],
    ]),
    contextValue: `kubeml.pod.${phase === 'Running' ? 'running' : 'other'}`,
    collapsible: 'none',
  };
}
