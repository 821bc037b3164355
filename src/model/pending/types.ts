/**
 * What a reader gathers about a pending job, and what explainPending makes of it. Plain shapes of the
 * Kubernetes and Kueue objects (only the fields read here), so that the explorer rows, the run launcher and
 * the Queues view can pass what their informers already hold.
 */

export type Quantity = string | number;
export type ResourceMap = Record<string, Quantity>;

export interface Meta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  creationTimestamp?: string;
  ownerReferences?: Array<{ kind: string; name: string }>;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

export interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface ContainerLike {
  name?: string;
  resources?: { requests?: ResourceMap; limits?: ResourceMap };
}

export interface PodLike {
  metadata: Meta;
  spec?: {
    nodeName?: string;
    containers?: ContainerLike[];
    initContainers?: ContainerLike[];
    nodeSelector?: Record<string, string>;
    tolerations?: Toleration[];
    affinity?: {
      nodeAffinity?: {
        requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: Array<{ matchExpressions?: NodeSelectorRequirement[] }> };
      };
    };
    volumes?: Array<{ name: string; persistentVolumeClaim?: { claimName: string } }>;
  };
  status?: { phase?: string; conditions?: Condition[] };
}

export interface EventLike {
  reason?: string;
  message?: string;
  type?: string;
  involvedObject?: { kind?: string; name?: string; namespace?: string };
  lastTimestamp?: string;
  eventTime?: string;
  firstTimestamp?: string;
  metadata?: { creationTimestamp?: string };
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface NodeLike {
  metadata: Meta;
  spec?: { unschedulable?: boolean; taints?: Taint[] };
  status?: { allocatable?: ResourceMap; capacity?: ResourceMap };
}

export interface ResourceQuotaLike {
  metadata: Meta;
  status?: { hard?: ResourceMap; used?: ResourceMap };
}

export interface ClaimLike {
  metadata: Meta;
  spec?: { storageClassName?: string; resources?: { requests?: ResourceMap } };
  status?: { phase?: string };
}

/** A Kueue Workload (kueue.x-k8s.io/v1beta1 or v1beta2: the fields read here are the same). */
export interface WorkloadLike {
  metadata: Meta;
  spec?: {
    queueName?: string;
    podSets?: Array<{
      name: string;
      count?: number;
      template?: { spec?: { containers?: ContainerLike[]; initContainers?: ContainerLike[] } };
    }>;
  };
  status?: {
    conditions?: Condition[];
    admission?: { clusterQueue?: string };
    admissionChecks?: Array<{ name: string; state?: string; message?: string }>;
    resourceRequests?: Array<{ name: string; resources?: ResourceMap }>;
  };
}

export interface ClusterQueueLike {
  metadata: Meta;
  spec?: {
    /** v1beta2; v1beta1 calls it `cohort`. */
    cohortName?: string;
    cohort?: string;
    resourceGroups?: Array<{
      coveredResources?: string[];
      flavors?: Array<{
        name: string;
        resources?: Array<{ name: string; nominalQuota?: Quantity; borrowingLimit?: Quantity; lendingLimit?: Quantity }>;
      }>;
    }>;
  };
  status?: {
    flavorsReservation?: Array<{ name: string; resources?: Array<{ name: string; total?: Quantity; borrowed?: Quantity }> }>;
    flavorsUsage?: Array<{ name: string; resources?: Array<{ name: string; total?: Quantity; borrowed?: Quantity }> }>;
    pendingWorkloads?: number;
    admittedWorkloads?: number;
  };
}

/** A workload ahead in the queue: the visibility API's PendingWorkload plus what the reader knows of it. */
export interface QueuedWorkload {
  namespace: string;
  name: string;
  /** The owning job, from ownerReferences. */
  owner?: string;
  /** Its requests (Workload status.resourceRequests summed), when the reader has the Workload. */
  requests?: ResourceMap;
  creationTimestamp?: string;
}

export interface KueueInput {
  workload: WorkloadLike;
  /** The workload's ClusterQueue (through its LocalQueue). */
  clusterQueue?: ClusterQueueLike;
  /** The other ClusterQueues the reader may see (the cohort's members among them). */
  clusterQueues?: ClusterQueueLike[];
  /** LocalQueues of the namespace with their ClusterQueue's name: where the job could go instead. */
  localQueues?: Array<{ name: string; clusterQueue: string }>;
  /** From the visibility API (0-based there). */
  position?: { positionInClusterQueue?: number; positionInLocalQueue?: number; localQueueName?: string };
  /** The pending workloads ahead of this one, in admission order. */
  ahead?: QueuedWorkload[];
}

export interface PendingInput {
  /** ISO time or epoch ms that ages are measured to. */
  now?: string | number;
  pods?: PodLike[];
  /** Events of the pods, the job and the workload (FailedScheduling, FailedCreate, Pending). */
  events?: EventLike[];
  primary?: { kind?: string; metadata: Meta };
  nodes?: NodeLike[];
  /** What the pods already bound to each node request: node name -> resource -> quantity. */
  nodeRequests?: Record<string, ResourceMap>;
  resourceQuotas?: ResourceQuotaLike[];
  claims?: ClaimLike[];
  kueue?: KueueInput;
}

/** A change that would let the job start: typed, for the skins to turn into quick actions. */
export type PendingAction =
  | { kind: 'addToleration'; key: string; value?: string; effect?: string; nodes: number }
  | { kind: 'setGpus'; gpus: number; resource: string; why: 'largestFreeBlock' | 'largestNode' | 'quotaFree' | 'queueFree' | 'queueMax' }
  | { kind: 'setNodeSelector'; key: string; from: string; to: string; nodes: number }
  | { kind: 'switchQueue'; queue: string; clusterQueue: string; flavor: string; resource: string; free: number }
  | { kind: 'showBlockingWorkloads'; clusterQueue?: string; workloads: Array<{ namespace: string; name: string }> }
  | { kind: 'createClaim'; namespace?: string; name: string };

export interface PendingExplanation {
  /** One plain sentence with the numbers: why it waits, or what to change. */
  sentence: string;
  /** Below the sentence: each reason, the queue position, and the cluster's own words (never dropped). */
  details: string[];
  actions: PendingAction[];
  /** Who holds the job back. */
  source: 'kueue' | 'scheduler' | 'quota' | 'none';
  /** The queue position (1-based) when Kueue holds it: for "queued: 3rd in team-a". */
  queue?: { localQueue?: string; clusterQueue?: string; position?: number; positionInClusterQueue?: number };
}
