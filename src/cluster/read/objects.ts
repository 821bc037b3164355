/**
 * One-shot reads of the API server (get, list): each one request with a classified error. Live
 * views read the informer cache instead (informer.ts, informerRegistry.ts). Plain Node.
 */
import { KubeMLError } from '../../common/errors';
import { type KubeClient } from '../client';
import { refPath, type ResourceRef } from '../resources';
import { type KubeEvent } from './describe';

/** Reads one object; undefined when it does not exist. */
export async function getObject<T>(client: KubeClient, ref: ResourceRef, signal?: AbortSignal): Promise<T | undefined> {
  try {
    return await client.json<T>(refPath(ref, ref.name), {
      what: `read ${ref.kind} ${ref.namespace}/${ref.name}`,
      timeoutMs: 10_000,
      signal,
    });
  } catch (e) {
    if (KubeMLError.is(e) && e.kind === 'not-found') return undefined;
    throw e;
  }
}

/** The pods of a label selector, by name. */
export async function listPods<P extends { metadata?: { name?: string } }>(
  client: KubeClient,
  namespace: string,
  labelSelector: string,
  signal?: AbortSignal,
): Promise<P[]> {
  const list = await client.json<{ items?: P[] }>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, {
    query: { labelSelector },
    what: `list the pods of ${labelSelector} in ${namespace}`,
    timeoutMs: 10_000,
    signal,
  });
  return (list.items ?? []).sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

/** Events about one object (a pod, or the job itself). */
export async function listEvents(client: KubeClient, namespace: string, objectName: string, signal?: AbortSignal): Promise<KubeEvent[]> {
  const list = await client.json<{ items?: KubeEvent[] }>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, {
    query: { fieldSelector: `involvedObject.name=${objectName}` },
    what: `list the events of ${namespace}/${objectName}`,
    timeoutMs: 10_000,
    signal,
  });
  return list.items ?? [];
}

/** The missing claims among `claims` (404); a claim the user may not read counts as present; other errors propagate. */
export async function missingClaims(
  client: KubeClient,
  namespace: string,
  claims: readonly string[],
  signal?: AbortSignal,
): Promise<string[]> {
  const out: string[] = [];
  await Promise.all(
    [...new Set(claims)].map(async (c) => {
      try {
        await client.json(`/api/v1/namespaces/${encodeURIComponent(namespace)}/persistentvolumeclaims/${encodeURIComponent(c)}`, {
          what: `read the claim ${namespace}/${c}`,
          timeoutMs: 10_000,
          signal,
        });
      } catch (e) {
        if (KubeMLError.is(e) && e.kind === 'not-found') out.push(c);
        else if (!(KubeMLError.is(e) && e.kind === 'forbidden')) throw e;
      }
    }),
  );
  return out.sort();
}

interface ClaimPodLike {
  spec?: { nodeName?: string; volumes?: Array<{ persistentVolumeClaim?: { claimName?: string } }> };
  status?: { phase?: string };
}

/** The node of a running pod that mounts the claim, if any (where a pod that mounts a ReadWriteOnce claim must go). */
export async function nodeUsingClaim(
  client: KubeClient,
  namespace: string,
  claim: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const list = await client.json<{ items: ClaimPodLike[] }>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, {
    what: `list the pods in ${namespace}`,
    timeoutMs: 10_000,
    signal,
  });
  return list.items.find(
    (p) =>
      p.status?.phase === 'Running' && p.spec?.nodeName && (p.spec.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === claim),
  )?.spec?.nodeName;
}
