import { type KubeClient } from './client';

/** A kind the explorer caches: where it is served and whether it lives in namespaces. */
export interface ResourceKind {
  readonly id: ResourceKindId;
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** Built into every cluster: never hidden by discovery. */
  readonly builtin: boolean;
  /** For messages: "list jobs". */
  readonly title: string;
}

export const KINDS = {
  pods: { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true, builtin: true, title: 'pods' },
  nodes: { group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false, builtin: true, title: 'nodes' },
  pvcs: {
    group: '',
    version: 'v1',
    plural: 'persistentvolumeclaims',
    kind: 'PersistentVolumeClaim',
    namespaced: true,
    builtin: true,
    title: 'persistent volume claims',
  },
  events: { group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true, builtin: true, title: 'events' },
  jobs: { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', namespaced: true, builtin: true, title: 'jobs' },
  deployments: {
    group: 'apps',
    version: 'v1',
    plural: 'deployments',
    kind: 'Deployment',
    namespaced: true,
    builtin: true,
    title: 'deployments',
  },
  trainJobs: {
    group: 'trainer.kubeflow.org',
    version: 'v1alpha1',
    plural: 'trainjobs',
    kind: 'TrainJob',
    namespaced: true,
    builtin: false,
    title: 'Kubeflow TrainJobs',
  },
  pytorchJobs: {
    group: 'kubeflow.org',
    version: 'v1',
    plural: 'pytorchjobs',
    kind: 'PyTorchJob',
    namespaced: true,
    builtin: false,
    title: 'PyTorchJobs',
  },
  rayJobs: { group: 'ray.io', version: 'v1', plural: 'rayjobs', kind: 'RayJob', namespaced: true, builtin: false, title: 'RayJobs' },
  inferenceServices: {
    group: 'serving.kserve.io',
    version: 'v1beta1',
    plural: 'inferenceservices',
    kind: 'InferenceService',
    namespaced: true,
    builtin: false,
    title: 'KServe InferenceServices',
  },
  fluidDatasets: {
    group: 'data.fluid.io',
    version: 'v1alpha1',
    plural: 'datasets',
    kind: 'Dataset',
    namespaced: true,
    builtin: false,
    title: 'Fluid Datasets',
  },
  // Kueue (kueue.x-k8s.io): the Queues view and why a queued job waits.
  clusterQueues: {
    group: 'kueue.x-k8s.io',
    version: 'v1beta1',
    plural: 'clusterqueues',
    kind: 'ClusterQueue',
    namespaced: false,
    builtin: false,
    title: 'Kueue ClusterQueues',
  },
  localQueues: {
    group: 'kueue.x-k8s.io',
    version: 'v1beta1',
    plural: 'localqueues',
    kind: 'LocalQueue',
    namespaced: true,
    builtin: false,
    title: 'Kueue LocalQueues',
  },
  workloads: {
    group: 'kueue.x-k8s.io',
    version: 'v1beta1',
    plural: 'workloads',
    kind: 'Workload',
    namespaced: true,
    builtin: false,
    title: 'Kueue Workloads',
  },
  resourceFlavors: {
    group: 'kueue.x-k8s.io',
    version: 'v1beta1',
    plural: 'resourceflavors',
    kind: 'ResourceFlavor',
    namespaced: false,
    builtin: false,
    title: 'Kueue ResourceFlavors',
  },
} as const satisfies Record<string, Omit<ResourceKind, 'id'>>;

export type ResourceKindId = keyof typeof KINDS;

export function kind(id: ResourceKindId): ResourceKind {
  return { id, ...KINDS[id] };
}

export const ALL_KINDS: readonly ResourceKind[] = (Object.keys(KINDS) as ResourceKindId[]).map(kind);

export function apiVersionOf(k: Pick<ResourceKind, 'group' | 'version'>): string {
  return k.group ? `${k.group}/${k.version}` : k.version;
}

/** The REST path of a collection (namespace undefined: all namespaces, or a cluster-scoped kind). */
export function collectionPath(k: Pick<ResourceKind, 'group' | 'version' | 'plural' | 'namespaced'>, namespace?: string): string {
  const base = k.group ? `/apis/${k.group}/${k.version}` : `/api/${k.version}`;
  return k.namespaced && namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${k.plural}` : `${base}/${k.plural}`;
}

export function objectPath(k: Pick<ResourceKind, 'group' | 'version' | 'plural' | 'namespaced'>, name: string, namespace?: string): string {
  return `${collectionPath(k, namespace)}/${encodeURIComponent(name)}`;
}

/** One named object of a kind (the record of what a run applied, for example). */
export interface ResourceRef {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
}

/** The REST path of a namespaced object named by a ref (or of its collection, without a name). */
export function refPath(ref: Pick<ResourceRef, 'group' | 'version' | 'plural' | 'namespace'>, name?: string): string {
  const coll = collectionPath({ ...ref, namespaced: true }, ref.namespace);
  return name ? `${coll}/${encodeURIComponent(name)}` : coll;
}

/** Finds the kind whose apiVersion and kind match an object. */
export function kindOfObject(o: { apiVersion?: string; kind?: string }): ResourceKind | undefined {
  return ALL_KINDS.find((k) => k.kind === o.kind && apiVersionOf(k) === o.apiVersion);
}

/** What discovery found: the served group/versions and, per group/version, its resource plurals. */
export interface ServedApis {
  readonly groupVersions: ReadonlySet<string>;
  readonly resources: ReadonlyMap<string, ReadonlySet<string>>;
}

interface ApiGroupList {
  groups: Array<{ name: string; versions: Array<{ groupVersion: string; version: string }> }>;
}
interface ApiResourceList {
  resources: Array<{ name: string; namespaced: boolean; kind: string; verbs?: string[] }>;
}

/** Pure: which of our optional kinds a discovery answer says are served. */
export function servedKinds(apis: ServedApis, kinds: readonly ResourceKind[] = ALL_KINDS): ResourceKind[] {
  return kinds.filter((k) => k.builtin || (apis.resources.get(apiVersionOf(k))?.has(k.plural) ?? false));
}

/**
 * Asks the API server which of the optional (CRD) kinds are served: `/apis`, then the resource
 * list of the group/versions we care about. Kinds of groups that are not served are absent.
 */
export async function discover(client: KubeClient, signal?: AbortSignal, kinds: readonly ResourceKind[] = ALL_KINDS): Promise<ServedApis> {
  const groups = await client.json<ApiGroupList>('/apis', { what: 'discover the served APIs', timeoutMs: 10_000, signal });
  const groupVersions = new Set<string>();
  for (const g of groups.groups ?? []) for (const v of g.versions ?? []) groupVersions.add(v.groupVersion);
  const wanted = [...new Set(kinds.filter((k) => !k.builtin && groupVersions.has(apiVersionOf(k))).map(apiVersionOf))];
  const resources = new Map<string, Set<string>>();
  await Promise.all(
    wanted.map(async (gv) => {
      try {
        const list = await client.json<ApiResourceList>(`/apis/${gv}`, { what: `discover ${gv}`, timeoutMs: 10_000, signal });
        resources.set(gv, new Set(list.resources.filter((r) => !r.name.includes('/')).map((r) => r.name)));
      } catch {
        // A group that fails discovery (aggregated API down) is treated as not served.
      }
    }),
  );
  return { groupVersions, resources };
}

/** Kueue's visibility API (pending workloads in admission order, with their positions). */
export const KUEUE_VISIBILITY = '/apis/visibility.kueue.x-k8s.io/v1beta1';

/** Annotation of a run's Job that KubeML ended: why it failed, in KubeML's words (the Jobs view shows it). */
export const FAILURE_ANNOTATION = 'kubeml.io/failure';
