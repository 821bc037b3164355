import { KubeMLError } from '../common/errors';
import { type KubeClient } from '../cluster/client';
import { type PodRef } from '../cluster/stream/transport';

/** What a sync session needs to know about a target pod. */
export interface PodInfo {
  readonly ref: PodRef;
  /** Changes when the pod is recreated (new uid) or its container restarts: a re-sync is due. */
  readonly incarnation: string;
  /** The target container is running: exec can reach it. */
  readonly running: boolean;
}

/** Where a session finds its pods: fixed names (Start Sync on a pod) or a label selector (a run's ranks). */
export interface PodSource {
  readonly description: string;
  /** True when the set can grow (a selector): an empty list then does not end the session. */
  readonly dynamic: boolean;
  list(signal?: AbortSignal): Promise<PodInfo[]>;
}

interface PodJson {
  metadata?: { name?: string; namespace?: string; uid?: string; deletionTimestamp?: string; labels?: Record<string, string> };
  spec?: { containers?: Array<{ name: string }> };
  status?: { phase?: string; containerStatuses?: Array<{ name: string; restartCount?: number; state?: { running?: { startedAt?: string } } }> };
}

/** Pure: a pod object to PodInfo for the chosen (or first) container. */
export function podInfoFromJson(pod: PodJson, container?: string): PodInfo | undefined {
  const name = pod.metadata?.name;
  const namespace = pod.metadata?.namespace;
  if (!name || !namespace) return undefined;
  const cname = container || pod.spec?.containers?.[0]?.name || '';
  const cs = pod.status?.containerStatuses?.find((c) => c.name === cname);
  const startedAt = cs?.state?.running?.startedAt ?? '';
  const running = pod.status?.phase === 'Running' && !!cs?.state?.running && !pod.metadata?.deletionTimestamp;
  return {
    ref: { namespace, name, container: cname || undefined },
    incarnation: `${pod.metadata?.uid ?? ''}/${cs?.restartCount ?? 0}/${startedAt}`,
    running,
  };
}

const enc = encodeURIComponent;

/** Pods by name, read through the API server. A pod that is gone is simply absent. */
export class NamedPods implements PodSource {
  readonly dynamic = false;
  readonly description: string;
  constructor(
    private readonly client: KubeClient,
    private readonly refs: readonly PodRef[],
  ) {
    this.description = refs.map((r) => `${r.namespace}/${r.name}`).join(', ');
  }

  async list(signal?: AbortSignal): Promise<PodInfo[]> {
    const out: PodInfo[] = [];
    for (const ref of this.refs) {
      try {
        const pod = await this.client.json<PodJson>(`/api/v1/namespaces/${enc(ref.namespace)}/pods/${enc(ref.name)}`, { what: `read pod ${ref.namespace}/${ref.name}`, timeoutMs: 10_000, signal });
        const info = podInfoFromJson(pod, ref.container);
        if (info) out.push(info);
      } catch (e) {
        if (KubeMLError.is(e) && e.kind === 'not-found') continue;
        throw e;
      }
    }
    return out;
  }
}

/** Pods matching a label selector in one namespace: every rank of a run. */
export class SelectedPods implements PodSource {
  readonly dynamic = true;
  readonly description: string;
  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
    private readonly labelSelector: string,
    private readonly container?: string,
  ) {
    this.description = `pods ${labelSelector} in ${namespace}`;
  }

  async list(signal?: AbortSignal): Promise<PodInfo[]> {
    const list = await this.client.json<{ items?: PodJson[] }>(`/api/v1/namespaces/${enc(this.namespace)}/pods`, {
      what: `list pods ${this.labelSelector} in ${this.namespace}`,
      query: { labelSelector: this.labelSelector },
      timeoutMs: 10_000,
      signal,
    });
    return (list.items ?? []).map((p) => podInfoFromJson(p, this.container)).filter((p): p is PodInfo => !!p);
  }
}
