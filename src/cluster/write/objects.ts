/**
 * Writes to the API server: server-side apply, create, delete. Each one request with a classified
 * error; features never build write requests of their own. Plain Node.
 */
import { stringify } from 'yaml';
import { KubeMLError } from '../../common/errors';
import { type KubeClient } from '../client';
import {
  collectionPath,
  FAILURE_ANNOTATION,
  kind,
  kindOfObject,
  objectPath,
  refPath,
  type ResourceKindId,
  type ResourceRef,
} from '../resources';

/** The field manager of everything KubeML applies. */
export const FIELD_MANAGER = 'kubeml';

export interface ApplyObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
}

/** Server-side apply of one namespaced object of a kind KubeML knows (PATCH application/apply-patch+yaml, fieldManager=kubeml, force). */
export async function applyObject<T extends ApplyObject>(
  client: KubeClient,
  obj: T,
  opts: { dryRun?: boolean; signal?: AbortSignal; notServedHint?: string } = {},
): Promise<T> {
  const k = kindOfObject(obj);
  if (!k) throw new KubeMLError('invalid', `KubeML does not apply ${obj.kind} objects (${obj.apiVersion}).`);
  const path = objectPath(k, obj.metadata.name, obj.metadata.namespace);
  try {
    return await client.json<T>(path, {
      method: 'PATCH',
      body: stringify(obj),
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: FIELD_MANAGER, force: true, ...(opts.dryRun ? { dryRun: 'All' } : {}) },
      what: `apply ${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name}`,
      timeoutMs: 30_000,
      signal: opts.signal,
    });
  } catch (e) {
    if (KubeMLError.is(e) && e.kind === 'not-found' && !k.builtin) {
      throw new KubeMLError(
        'not-found',
        `This cluster does not serve ${obj.kind} (${obj.apiVersion}): ${e.message}`,
        opts.notServedHint ?? 'Install its operator.',
        404,
        { cause: e },
      );
    }
    if (KubeMLError.is(e) && e.kind === 'not-found') {
      throw new KubeMLError(
        'not-found',
        `The namespace ${obj.metadata.namespace} does not exist (${e.message})`,
        'Create it, or choose another namespace.',
        404,
        { cause: e },
      );
    }
    throw e;
  }
}

/** Creates an object of a known kind (POST to its collection). */
export async function createObject<T>(
  client: KubeClient,
  kindId: ResourceKindId,
  namespace: string | undefined,
  body: unknown,
  signal?: AbortSignal,
): Promise<T> {
  const k = kind(kindId);
  const name = (body as { metadata?: { name?: string; generateName?: string } }).metadata;
  return client.json<T>(collectionPath(k, namespace), {
    method: 'POST',
    body,
    what: `create ${k.kind} ${name?.name ?? `${name?.generateName ?? ''}…`}`,
    timeoutMs: 15_000,
    signal,
  });
}

/** Deletes an object; jobs take their pods with them (background propagation). */
export async function deleteObject(
  client: KubeClient,
  kindId: ResourceKindId,
  namespace: string | undefined,
  name: string,
  signal?: AbortSignal,
): Promise<void> {
  const k = kind(kindId);
  await client.raw(objectPath(k, name, namespace), {
    method: 'DELETE',
    body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' },
    what: `delete ${k.kind} ${namespace ? `${namespace}/` : ''}${name}`,
    timeoutMs: 15_000,
    signal,
  });
}

/**
 * Deletes a run: its primary object (its controller's pods go with it) and, to be sure they stop
 * at once, its pods with a short grace period. A run that is already gone is fine.
 */
/**
 * Ends a run's batch Job without deleting it, so that it stays in the Jobs view (Failed) until the
 * user deletes it: its reason in an annotation, and an active deadline already past, which makes the
 * Job controller delete its pods and mark it Failed (DeadlineExceeded). Other kinds: deleteRun.
 */
export async function endRun(
  client: KubeClient,
  primary: ResourceRef,
  podSelector: string,
  reason: string,
  signal?: AbortSignal,
): Promise<void> {
  if (primary.kind !== 'Job') return deleteRun(client, primary, podSelector, signal);
  await client
    .raw(refPath(primary, primary.name), {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { metadata: { annotations: { [FAILURE_ANNOTATION]: reason.slice(0, 1000) } }, spec: { activeDeadlineSeconds: 1 } },
      what: `end ${primary.kind} ${primary.namespace}/${primary.name}`,
      timeoutMs: 30_000,
      signal,
    })
    .catch((e: unknown) => {
      if (!(KubeMLError.is(e) && e.kind === 'not-found')) throw e;
    });
}

export async function deleteRun(client: KubeClient, primary: ResourceRef, podSelector: string, signal?: AbortSignal): Promise<void> {
  const ignore404 = (e: unknown) => {
    if (!(KubeMLError.is(e) && e.kind === 'not-found')) throw e;
  };
  await client
    .raw(refPath(primary, primary.name), {
      method: 'DELETE',
      body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' },
      what: `delete ${primary.kind} ${primary.namespace}/${primary.name}`,
      timeoutMs: 30_000,
      signal,
    })
    .catch(ignore404);
  await client
    .raw(`/api/v1/namespaces/${encodeURIComponent(primary.namespace)}/pods`, {
      method: 'DELETE',
      query: { labelSelector: podSelector, gracePeriodSeconds: 1 },
      what: `delete the pods of ${primary.name}`,
      timeoutMs: 30_000,
      signal,
    })
    .catch(ignore404);
}

/** The storage objects Create Claim applies: core/v1 PersistentVolumeClaim (namespaced) and PersistentVolume (cluster-wide). */
export interface StorageObject {
  apiVersion: 'v1';
  kind: 'PersistentVolumeClaim' | 'PersistentVolume';
  metadata: { name: string; namespace?: string };
}

/** Server-side apply of a claim or volume (field manager kubeml); refusals come back as classified errors (RBAC: 'forbidden'). */
export async function applyStorageObject(client: KubeClient, obj: StorageObject, opts: { signal?: AbortSignal } = {}): Promise<void> {
  const name = encodeURIComponent(obj.metadata.name);
  const path =
    obj.kind === 'PersistentVolume'
      ? `/api/v1/persistentvolumes/${name}`
      : `/api/v1/namespaces/${encodeURIComponent(obj.metadata.namespace ?? '')}/persistentvolumeclaims/${name}`;
  await client.json(path, {
    method: 'PATCH',
    body: stringify(obj),
    contentType: 'application/apply-patch+yaml',
    query: { fieldManager: FIELD_MANAGER, force: true },
    what: `apply ${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`,
    timeoutMs: 30_000,
    signal: opts.signal,
  });
}
