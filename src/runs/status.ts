/**
 * What the state of a run's pods means, and what to tell the user: pure functions over the pod and
 * event JSON the API server returns. Every failure quotes what Kubernetes said.
 */
import { EXIT_NO_CODE, EXIT_NO_CODE_DIR } from './generate';
import { type KubeEvent } from '../cluster/read/describe';
import { type FailureReason } from '../model/runRecords';
import { schedulingHint, type ScheduledSpec } from './scheduling';

export interface PodJson {
  metadata?: { name?: string; namespace?: string; creationTimestamp?: string; deletionTimestamp?: string };
  spec?: ScheduledSpec & {
    nodeName?: string;
    containers?: Array<{ name: string; resources?: { limits?: Record<string, string>; requests?: Record<string, string> } }>;
  };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: Array<{ type?: string; status?: string; reason?: string; message?: string }>;
    containerStatuses?: ContainerStatusJson[];
    initContainerStatuses?: ContainerStatusJson[];
  };
}

export interface ContainerStatusJson {
  name: string;
  ready?: boolean;
  state?: {
    waiting?: { reason?: string; message?: string };
    running?: { startedAt?: string };
    terminated?: { exitCode?: number; reason?: string; message?: string; signal?: number };
  };
}

/** Events as the launcher reads them (one shape with the explorer's Describe). */
export type EventJson = KubeEvent;

/** Prefix of the pending detail of a pod the scheduler will place once its claims are bound. */
export const TRANSIENT_SCHEDULING = 'FailedScheduling (claims not bound yet)';

export type PodVerdict =
  | { readonly kind: 'pending'; readonly detail: string }
  /** Scheduled and the container runs (in the waiting entrypoint until the code arrives). */
  | { readonly kind: 'running' }
  | { readonly kind: 'succeeded' }
  | {
      readonly kind: 'failed';
      readonly reason: FailureReason;
      readonly message: string;
      readonly hint: string;
      readonly exitCode?: number;
    };

const IMAGE_REASONS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'ErrImageNeverPull',
  'InvalidImageName',
  'ImageInspectError',
  'RegistryUnavailable',
]);
const CONFIG_REASONS = new Set([
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'PreCreateHookError',
  'PostStartHookError',
]);

function eventTime(e: EventJson): number {
  const t = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;
  return t ? Date.parse(t) || 0 : 0;
}

/** The latest event with this reason about this pod. */
export function latestEvent(events: readonly EventJson[], reason: string, pod?: string): EventJson | undefined {
  return events
    .filter((e) => e.reason === reason && (!pod || e.involvedObject?.name === pod))
    .sort((a, b) => eventTime(b) - eventTime(a))[0];
}

function quote(s: string | undefined): string {
  return (s ?? '').trim().replace(/\s+/g, ' ').slice(0, 600);
}

/** The verdict on one pod of the run; `container` is the one that runs the command. */
export function classifyPod(pod: PodJson, events: readonly EventJson[], container: string): PodVerdict {
  const name = pod.metadata?.name ?? '(pod)';
  const status = pod.status ?? {};
  const cs = status.containerStatuses?.find((c) => c.name === container) ?? status.containerStatuses?.[0];
  const term = cs?.state?.terminated;
  const limits = pod.spec?.containers?.find((c) => c.name === container)?.resources?.limits;
  if (term) {
    const code = term.exitCode ?? -1;
    if (term.reason === 'OOMKilled') {
      return {
        kind: 'failed',
        reason: 'oom',
        exitCode: code,
        message: `Kubernetes killed the run: OOMKilled (pod ${name}, exit code ${code}): the process used more than its memory limit${limits?.memory ? ` of ${limits.memory}` : ''}.`,
        hint: 'Raise resources.memory in kubeml.yaml, or use less memory (smaller batches), then Re-run.',
      };
    }
    if (code === 0) return { kind: 'succeeded' };
    if (code === EXIT_NO_CODE) {
      return {
        kind: 'failed',
        reason: 'upload',
        exitCode: code,
        message: `The pod ${name} gave up waiting for the code (exit code ${code}): the upload did not finish in time.`,
        hint: 'Check the KubeML log for the upload error, raise uploadTimeoutSeconds if the workspace is large, then Re-run.',
      };
    }
    if (code === EXIT_NO_CODE_DIR) {
      return {
        kind: 'failed',
        reason: 'upload',
        exitCode: code,
        message: `The pod ${name} could not enter the code folder (exit code ${code}).`,
        hint: 'Check codePath in kubeml.yaml.',
      };
    }
    const said = term.message ? `: ${quote(term.message)}` : '';
    const sig = code > 128 && code < 160 ? ` (signal ${code - 128})` : '';
    return {
      kind: 'failed',
      reason: 'exit',
      exitCode: code,
      message: `The command exited with code ${code}${sig} in pod ${name} (${term.reason ?? 'Error'})${said}.`,
      hint: 'Show Logs has its output; fix the code, then Re-run.',
    };
  }
  const waiting = cs?.state?.waiting;
  if (waiting?.reason && IMAGE_REASONS.has(waiting.reason)) {
    const ev = latestEvent(events, 'Failed', name);
    const msg = quote(waiting.message || ev?.message);
    const never = waiting.reason === 'ErrImageNeverPull';
    return {
      kind: 'failed',
      reason: 'image',
      message: `The image cannot be used: ${waiting.reason}${msg ? `: ${msg}` : ''}.`,
      hint: never
        ? 'imagePullPolicy is Never and the node does not have the image: load it on the node, or change image in kubeml.yaml.'
        : 'Check the image name and tag in kubeml.yaml and that the cluster may pull it (imagePullSecrets).',
    };
  }
  if (waiting?.reason && CONFIG_REASONS.has(waiting.reason)) {
    return {
      kind: 'failed',
      reason: 'config',
      message: `The container cannot start: ${waiting.reason}: ${quote(waiting.message)}.`,
      hint: 'Check the env, claims and service account in kubeml.yaml.',
    };
  }
  if (status.phase === 'Failed') {
    if (status.reason === 'Evicted' || status.reason === 'DeadlineExceeded') {
      return {
        kind: 'failed',
        reason: status.reason === 'Evicted' ? 'evicted' : 'deadline',
        message: `Kubernetes stopped pod ${name}: ${status.reason}: ${quote(status.message)}.`,
        hint:
          status.reason === 'Evicted'
            ? 'The node ran short of resources; Re-run, perhaps with larger requests.'
            : 'Raise timeoutMinutes in kubeml.yaml.',
      };
    }
    return {
      kind: 'failed',
      reason: 'exit',
      message: `Pod ${name} failed${status.reason ? `: ${status.reason}` : ''}${status.message ? `: ${quote(status.message)}` : ''}.`,
      hint: 'Show Logs has its output.',
    };
  }
  if (status.phase === 'Succeeded') return { kind: 'succeeded' };
  const sched = status.conditions?.find((c) => c.type === 'PodScheduled');
  if (status.phase === 'Pending' && sched?.status === 'False' && sched.reason === 'Unschedulable') {
    const ev = latestEvent(events, 'FailedScheduling', name);
    const msg = quote(ev?.message || sched.message);
    // A claim that is being bound (or a volume being provisioned) is a wait, not a verdict. So is a
    // claim the scheduler has not seen yet: the launcher checked it exists before applying, and the
    // scheduler's cache can lag behind the API server (after a restart of either); the claim-bind
    // timeout still ends a wait that lasts.
    if (/unbound immediate PersistentVolumeClaims|waiting for .*volume|persistentvolumeclaim "[^"]*" not found/i.test(msg))
      return { kind: 'pending', detail: `${TRANSIENT_SCHEDULING}: ${msg}` };
    return {
      kind: 'failed',
      reason: 'unschedulable',
      message: `No node can run the pod: FailedScheduling: ${msg}`,
      hint: schedulingHint(msg, pod.spec),
    };
  }
  if (status.phase === 'Running' && cs?.state?.running) return { kind: 'running' };
  const detail = waiting?.reason ?? (pod.spec?.nodeName ? 'ContainerCreating' : 'waiting for a node');
  return { kind: 'pending', detail };
}

export interface JobJson {
  metadata?: { name?: string; deletionTimestamp?: string };
  status?: {
    conditions?: Array<{ type?: string; status?: string; reason?: string; message?: string }>;
    succeeded?: number;
    failed?: number;
    active?: number;
  };
}

/** What the controller's own conditions say (a Job, or a PyTorchJob/TrainJob with Succeeded/Failed/Complete). */
export function classifyJob(job: JobJson): PodVerdict | undefined {
  const cond = (type: string) => job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
  if (cond('Complete') || cond('Succeeded')) return { kind: 'succeeded' };
  const failed = cond('Failed');
  if (failed) {
    if (failed.reason === 'DeadlineExceeded')
      return {
        kind: 'failed',
        reason: 'deadline',
        message: `The run took longer than its time limit: DeadlineExceeded: ${quote(failed.message)}.`,
        hint: 'Raise timeoutMinutes in kubeml.yaml, then Re-run.',
      };
    return {
      kind: 'failed',
      reason: 'exit',
      message: `The ${job.metadata?.name ? `run ${job.metadata.name}` : 'run'} failed: ${failed.reason ?? 'Failed'}: ${quote(failed.message)}.`,
      hint: 'Show Logs has its output.',
    };
  }
  return undefined;
}

/**
 * The run's verdict from all its pods: the first failure wins; succeeded when every pod has; else
 * running when every pod runs; else pending with the slowest pod's detail.
 */
export function combineVerdicts(verdicts: readonly PodVerdict[], expectedPods: number): PodVerdict {
  const failed = verdicts.find((v) => v.kind === 'failed');
  if (failed) return failed;
  if (verdicts.length >= expectedPods && verdicts.every((v) => v.kind === 'succeeded')) return { kind: 'succeeded' };
  if (verdicts.length >= expectedPods && verdicts.every((v) => v.kind === 'running' || v.kind === 'succeeded')) return { kind: 'running' };
  const pending = verdicts.find((v) => v.kind === 'pending');
  return {
    kind: 'pending',
    detail: pending?.kind === 'pending' ? pending.detail : `waiting for ${expectedPods - verdicts.length} pod(s) to be created`,
  };
}
