/**
 * The run launcher's calls to the API server, each one request with a classified error: apply
 * (server-side apply, field manager "kubeml"), read pods and events, delete. Plain Node.
 */
import { stringify } from 'yaml';
import { type KubeClient } from '../cluster/client';
import { KubeMLError } from '../common/errors';
import { FIELD_MANAGER, type KubeObject, objectPath } from './generate';
import { type ResourceRef } from '../model/runRecords';
import { type EventJson, type JobJson, type PodJson } from './status';

const KIND_REFS: Record<string, Omit<ResourceRef, 'name' | 'namespace' | 'kind'>> = {
  Job: { group: 'batch', version: 'v1', plural: 'jobs' },
  TrainJob: { group: 'trainer.kubeflow.org', version: 'v1alpha1', plural: 'trainjobs' },
  PyTorchJob: { group: 'kubeflow.org', version: 'v1', plural: 'pytorchjobs' },
};

/** Server-side apply of one object (PATCH application/apply-patch+yaml, fieldManager=kubeml, force). */
export async function applyObject(client: KubeClient, obj: KubeObject, opts: { dryRun?: boolean; signal?: AbortSignal } = {}): Promise<KubeObject> {
  const ref = KIND_REFS[obj.kind];
  if (!ref) throw new KubeMLError('invalid', `KubeML does not apply ${obj.kind} objects.`);
  const path = objectPath({ ...ref, namespace: obj.metadata.namespace }, obj.metadata.name);
  try {
    return await client.json<KubeObject>(path, {
      method: 'PATCH',
      body: stringify(obj),
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: FIELD_MANAGER, force: true, ...(opts.dryRun ? { dryRun: 'All' } : {}) },
      what: `apply ${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name}`,
      timeoutMs: 30_000,
      signal: opts.signal,
    });
  } catch (e) {
    if (KubeMLError.is(e) && e.kind === 'not-found' && obj.kind !== 'Job') {
      throw new KubeMLError('not-found', `This cluster does not serve ${obj.kind} (${obj.apiVersion}): ${e.message}`, `Install its operator, or set kind: Job in kubeml.yaml.`, 404, { cause: e });
    }
    if (KubeMLError.is(e) && e.kind === 'not-found') {
      throw new KubeMLError('not-found', `The namespace ${obj.metadata.namespace} does not exist (${e.message})`, 'Create it, or set namespace in kubeml.yaml.', 404, { cause: e });
    }
    throw e;
  }
}

export async function getObject<T>(client: KubeClient, ref: ResourceRef, signal?: AbortSignal): Promise<T | undefined> {
  try {
    return await client.json<T>(objectPath(ref, ref.name), { what: `read ${ref.kind} ${ref.namespace}/${ref.name}`, timeoutMs: 10_000, signal });
  } catch (e) {
    if (KubeMLError.is(e) && e.kind === 'not-found') return undefined;
    throw e;
  }
}

export async function listPods(client: KubeClient, namespace: string, labelSelector: string, signal?: AbortSignal): Promise<PodJson[]> {
  const list = await client.json<{ items?: PodJson[] }>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, { query: { labelSelector }, what: `list the pods of ${labelSelector} in ${namespace}`, timeoutMs: 10_000, signal });
  return (list.items ?? []).sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

/** Events about one object (a pod, or the job itself). */
export async function listEvents(client: KubeClient, namespace: string, objectName: string, signal?: AbortSignal): Promise<EventJson[]> {
  const list = await client.json<{ items?: EventJson[] }>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, {
    query: { fieldSelector: `involvedObject.name=${objectName}` },
    what: `list the events of ${namespace}/${objectName}`,
    timeoutMs: 10_000,
    signal,
  });
  return list.items ?? [];
}

export async function readLog(client: KubeClient, namespace: string, pod: string, container: string, signal?: AbortSignal): Promise<string> {
  const res = await client.raw(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`, { query: { container }, what: `read the log of ${namespace}/${pod}`, timeoutMs: 30_000, signal, });
  return res.text();
}

/** The missing claims among `claims` (404); other errors propagate. */
export async function missingClaims(client: KubeClient, namespace: string, claims: readonly string[], signal?: AbortSignal): Promise<string[]> {
  const out: string[] = [];
  await Promise.all(
    [...new Set(claims)].map(async (c) => {
      try {
        await client.json(`/api/v1/namespaces/${encodeURIComponent(namespace)}/persistentvolumeclaims/${encodeURIComponent(c)}`, { what: `read the claim ${namespace}/${c}`, timeoutMs: 10_000, signal });
      } catch (e) {
        if (KubeMLError.is(e) && e.kind === 'not-found') out.push(c);
        else if (!(KubeMLError.is(e) && e.kind === 'forbidden')) throw e;
      }
    }),
  );
  return out.sort();
}

/**
 * Deletes the run: its primary object (its controller's pods go with it) and, to be sure they stop
 * at once, its pods with a short grace period. A run that is already gone is fine.
 */
export async function deleteRun(client: KubeClient, primary: ResourceRef, podSelector: string, signal?: AbortSignal): Promise<void> {
  const ignore404 = (e: unknown) => {
    if (!(KubeMLError.is(e) && e.kind === 'not-found')) throw e;
  };
  await client
    .raw(objectPath(primary, primary.name), { method: 'DELETE', body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' }, what: `delete ${primary.kind} ${primary.namespace}/${primary.name}`, timeoutMs: 30_000, signal })
    .catch(ignore404);
  await client
    .raw(`/api/v1/namespaces/${encodeURIComponent(primary.namespace)}/pods`, { method: 'DELETE', query: { labelSelector: podSelector, gracePeriodSeconds: 1 }, what: `delete the pods of ${primary.name}`, timeoutMs: 30_000, signal })
    .catch(ignore404);
}

export type { JobJson };
