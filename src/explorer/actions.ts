/** The write side of the explorer's actions (delete, re-run, browse): plain Node, used by commands.ts. */
import { KubeMLError } from '../common/errors';
import { type KubeClient } from '../cluster/client';
import { type KubeObject } from '../cluster/read/informerState';
import { kind, objectPath, type ResourceKindId } from '../cluster/resources';
import { createObject } from '../cluster/write/objects';

const JOB_CONTROLLER_LABELS = ['controller-uid', 'batch.kubernetes.io/controller-uid', 'job-name', 'batch.kubernetes.io/job-name'];

function withoutKeys(rec: Record<string, string> | undefined, keys: readonly string[]): Record<string, string> | undefined {
  if (!rec) return undefined;
  const out = Object.fromEntries(Object.entries(rec).filter(([k]) => !keys.includes(k)));
  return Object.keys(out).length ? out : undefined;
}

/** A fresh copy of a job to create again: same spec, new generated name, no status, no controller labels. */
export function rerunManifest(o: KubeObject): KubeObject {
  const base = o.metadata.name.replace(/-r[a-z0-9]{5}$/, '').slice(0, 50);
  const spec = structuredClone(o.spec ?? {}) as Record<string, unknown>;
  if (o.kind === 'Job' && o.apiVersion === 'batch/v1') {
    delete spec.selector;
    delete spec.manualSelector;
    delete spec.suspend;
    const tmpl = spec.template as { metadata?: { labels?: Record<string, string> } } | undefined;
    if (tmpl?.metadata) tmpl.metadata.labels = withoutKeys(tmpl.metadata.labels, JOB_CONTROLLER_LABELS);
  }
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: {
      name: '',
      generateName: `${base}-r`,
      namespace: o.metadata.namespace,
      labels: withoutKeys(o.metadata.labels, JOB_CONTROLLER_LABELS),
      annotations: { 'kubeml.io/rerun-of': o.metadata.name },
    },
    spec,
  };
}

export async function rerun(client: KubeClient, kindId: ResourceKindId, namespace: string, name: string): Promise<KubeObject> {
  const k = kind(kindId);
  const o = await client.json<KubeObject>(objectPath(k, name, namespace), { what: `read ${k.kind} ${name}`, timeoutMs: 15_000 });
  const m = rerunManifest(o);
  const { name: _unused, ...metadata } = m.metadata;
  return createObject<KubeObject>(client, kindId, namespace, { ...m, metadata });
}

interface PodLike {
  metadata: { name: string; labels?: Record<string, string> };
  spec?: {
    nodeName?: string;
    volumes?: Array<{ persistentVolumeClaim?: { claimName?: string } }>;
    containers?: Array<{ name: string; ports?: Array<{ containerPort?: number; name?: string }> }>;
  };
  status?: { phase?: string };
}

/** The node of a running pod that mounts the claim, if any (where a browse pod must go for RWO volumes). */
export async function nodeUsingClaim(client: KubeClient, namespace: string, claim: string): Promise<string | undefined> {
  const list = await client.json<{ items: PodLike[] }>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, {
    what: `list the pods in ${namespace}`,
    timeoutMs: 10_000,
  });
  return list.items.find(
    (p) =>
      p.status?.phase === 'Running' && p.spec?.nodeName && (p.spec.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === claim),
  )?.spec?.nodeName;
}

/** The port a model server listens on: KServe's kserve-container's first port, else any declared port, else 8080. */
export function servingPort(pod: PodLike): number {
  const cs = pod.spec?.containers ?? [];
  const ordered = [...cs.filter((c) => c.name === 'kserve-container'), ...cs.filter((c) => c.name !== 'kserve-container')];
  for (const c of ordered) {
    const p = c.ports?.find((x) => x.containerPort);
    if (p?.containerPort) return p.containerPort;
  }
  return 8080;
}

/** A running predictor pod of an InferenceService (KServe labels its pods with the service name) and its serving port. */
export async function predictorPod(client: KubeClient, namespace: string, isvc: string): Promise<{ name: string; port: number }> {
  const list = await client.json<{ items: PodLike[] }>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, {
    what: `find the predictor pod of ${isvc}`,
    timeoutMs: 10_000,
    query: { labelSelector: `serving.kserve.io/inferenceservice=${isvc}` },
  });
  const running = list.items.filter((p) => p.status?.phase === 'Running');
  // The predictor, rather than a transformer or explainer pod, when KServe says which is which.
  const pod = running.find((p) => p.metadata.labels?.['component'] === 'predictor') ?? running[0];
  if (!pod)
    throw new KubeMLError(
      'not-found',
      `${isvc} has no running predictor pod (pods labelled serving.kserve.io/inferenceservice=${isvc}).`,
      'Wait until it is Ready, then try again.',
    );
  return { name: pod.metadata.name, port: servingPort(pod) };
}

/** `6006` (the same local port when free, else any) or `16006:6006` (local:remote; 0 for any free local port). */
export function parsePortSpec(v: string): { local?: number; remote: number } | undefined {
  const m = /^\s*(?:(\d{1,5})\s*:\s*)?(\d{1,5})\s*$/.exec(v);
  if (!m) return undefined;
  const remote = Number(m[2]);
  const local = m[1] === undefined ? undefined : Number(m[1]);
  if (remote < 1 || remote > 65535 || (local !== undefined && local > 65535)) return undefined;
  return { local, remote };
}
