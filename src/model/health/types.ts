/**
 * Job health (issue #16): the shapes shared by the doctor (doctor.ts and its recognisers, pure), the GPU use
 * model (gpuUse.ts, pure), the health feature that gathers them from the cluster (src/health/), and the Job
 * panel's message contract (src/model/health/panelContract.ts). Pure types: no vscode, no I/O.
 */

/** One log line of a rank, with the time the kubelet stamped on it (`kubectl logs --timestamps`), when known. */
export interface RankLogLine {
  /** Milliseconds since the epoch; undefined when the line came without a timestamp. */
  readonly time?: number;
  readonly text: string;
}

/** A container's last termination or current wait, as the pod status says. */
export interface ContainerEnd {
  readonly reason?: string; // OOMKilled, Error, Completed, ContainerCannotRun, ...
  readonly exitCode?: number;
  readonly signal?: number;
  readonly finishedAt?: number;
  readonly message?: string;
}

/** What the doctor knows of one rank (one pod of the job). */
export interface RankInput {
  /** Display name: "master-0", "worker-1", "rank 3" (src/explorer/rows/jobs.ts podRank), else the pod name. */
  readonly rank: string;
  /** Numeric rank when known (PyTorch's RANK: master-0 is 0, worker-i is i + 1 for a PyTorchJob). */
  readonly index?: number;
  readonly pod: string;
  readonly namespace: string;
  /** Pod phase, or the display phase (kubectl's STATUS) when it says more: Pending, Running, Succeeded, Failed, Evicted, ... */
  readonly phase: string;
  /** Pod status reason (Evicted, ...), message. */
  readonly reason?: string;
  readonly message?: string;
  readonly node?: string;
  /** The node's GPU product and driver (nvidia.com/gpu.product label, dcgm DCGM_FI_DRIVER_VERSION), when known. */
  readonly gpuProduct?: string;
  readonly driver?: string;
  readonly gpus?: number;
  readonly restarts: number;
  /** The main container's last termination (lastState.terminated), then its current terminated state. */
  readonly lastEnd?: ContainerEnd;
  readonly currentEnd?: ContainerEnd;
  /** When the pod started (status.startTime), ms. */
  readonly started?: number;
  /** Scheduled (PodScheduled True). False with `unschedulable` when the scheduler said why. */
  readonly scheduled: boolean;
  readonly unschedulable?: string;
  /** The last lines of its log (the current container), oldest first. */
  readonly log: readonly RankLogLine[];
  /** The last lines of the previous container's log (after a restart), oldest first. */
  readonly previousLog?: readonly RankLogLine[];
  /**
   * The processes of its main container (read through exec when the doctor needs them: a rank whose progress
   * stalled); state is the kernel's (R running, S sleeping, D disk wait, T stopped, t traced, Z zombie).
   */
  readonly processes?: ReadonlyArray<{ readonly pid: number; readonly state: string; readonly command: string }>;
  /** Progress points: (time, step) from KUBEML_RESULT step metrics, oldest first. */
  readonly steps?: ReadonlyArray<{ readonly time: number; readonly step: number }>;
}

export interface JobInput {
  readonly kind: string; // PyTorchJob, Job, TrainJob, RayJob
  readonly namespace: string;
  readonly name: string;
  readonly ranks: readonly RankInput[];
  /** The job's pending explanation (src/model/pending), when it has one and ranks are unscheduled. */
  readonly pending?: string;
  readonly now: number;
}

export type FindingKind =
  | 'hung' // a rank's progress stopped while others go on
  | 'straggler' // a rank runs far behind the others
  | 'collective' // NCCL/gloo error or timeout in a log
  | 'oom' // OOMKilled
  | 'evicted'
  | 'restarts' // a rank restarted (with exit code and last lines)
  | 'crashed' // a rank failed (exit code, last lines)
  | 'mixed-gpus' // ranks on different GPU products or drivers
  | 'unscheduled' // a rank never scheduled
  | 'idle-gpus'; // the job holds GPUs it does not use (gpuUse.ts)

export type Severity = 'error' | 'warning' | 'info';

/** One piece of evidence: where the doctor saw it. */
export interface Evidence {
  readonly rank?: string;
  readonly pod?: string;
  /** The log line, verbatim (trimmed to a reasonable length). */
  readonly line?: string;
  /** When it happened (ms since the epoch). */
  readonly time?: number;
}

export interface Finding {
  readonly kind: FindingKind;
  readonly severity: Severity;
  /** One sentence a user reads in a tree row or the status bar: "worker-1 stopped at step 120 while the others reached 180 (3 min ago)". */
  readonly title: string;
  /** What to do next, one or two sentences. */
  readonly advice?: string;
  /** The rank it is about (first reporter for collective errors). */
  readonly rank?: string;
  readonly pod?: string;
  readonly evidence: readonly Evidence[];
}

/** Thresholds (settings in the extension; defaults here). */
export interface DoctorOptions {
  /** A rank whose progress has not moved for this long while another rank's has is hung. Default 60 s. */
  readonly hungAfterMs?: number;
  /** A rank this many steps behind the median (and at most half of it) is a straggler. Default: 25% of the median step. */
  readonly stragglerFraction?: number;
  /** The idle-GPU threshold: utilisation under this (percent) ... Default 10. */
  readonly idleUtilPercent?: number;
  /** ... for this long. Default 10 minutes. */
  readonly idleForMs?: number;
}

/** GPU use of a job over time (Prometheus range queries of dcgm-exporter's series with pod/namespace labels). */
export interface GpuSeries {
  readonly rank?: string;
  readonly pod: string;
  readonly gpu: string; // dcgm's gpu label ("0") or UUID
  readonly node?: string;
  readonly product?: string;
  /** Sample times (ms) and values; NaN where Prometheus had no sample. */
  readonly times: Float64Array;
  readonly util: Float64Array; // percent
  readonly memUsedMiB: Float64Array;
  readonly memTotalMiB?: number;
}

export interface GpuHours {
  /** GPUs held x hours the pods held them. */
  readonly held: number;
  /** Sum over GPUs of utilisation x time (in GPU-hours). */
  readonly used: number;
}
