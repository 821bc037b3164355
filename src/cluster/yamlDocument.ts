import { stringify } from 'yaml';
import { type KubeClient } from './client';
import { type KubeObject } from './read/informerState';
import { kind, objectPath, type ResourceKindId } from './resources';

/** The address of a live object as a read-only document: kubeml-live:/<kind>/<namespace>/<name>.yaml */
export const LIVE_SCHEME = 'kubeml-live';

export interface LiveRef {
  kindId: ResourceKindId;
  namespace?: string;
  name: string;
}

export function liveDocumentPath(ref: LiveRef): string {
  return `/${ref.kindId}/${encodeURIComponent(ref.namespace ?? '_')}/${encodeURIComponent(ref.name)}.yaml`;
}

export function parseLiveDocumentPath(path: string): LiveRef | undefined {
  const m = /^\/([A-Za-z]+)\/([^/]+)\/([^/]+)\.yaml$/.exec(path);
  if (!m) return undefined;
  try {
    kind(m[1] as ResourceKindId);
  } catch {
    return undefined;
  }
  const ns = decodeURIComponent(m[2]);
  return { kindId: m[1] as ResourceKindId, namespace: ns === '_' ? undefined : ns, name: decodeURIComponent(m[3]) };
}

/** YAML of an object as kubectl get -o yaml shows it, without managedFields. */
export function objectToYaml(o: KubeObject): string {
  const copy = { ...o, metadata: { ...o.metadata } };
  delete copy.metadata.managedFields;
  return stringify(copy, { lineWidth: 0 });
}

export async function fetchLiveYaml(client: KubeClient, ref: LiveRef, signal?: AbortSignal): Promise<string> {
  const k = kind(ref.kindId);
  const o = await client.json<KubeObject>(objectPath(k, ref.name, ref.namespace), {
    what: `read ${k.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`,
    timeoutMs: 15_000,
    signal,
  });
  return objectToYaml(o);
}
