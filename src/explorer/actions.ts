/** The write side of the explorer's actions (delete, re-run, browse): plain Node, used by commands.ts. */
import { KubeMLError } from '../common/errors';
import { type KubeClient } from '../cluster/client';
import { type KubeObject } from '../cluster/informerState';
import { collectionPath, kind, objectPath, type ResourceKindId } from '../cluster/resources';

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
  return client.json<KubeObject>(collectionPath(k, namespace), { method: 'POST', body: { ...m, metadata }, what: `create a re-run of ${k.kind} ${name}`, timeoutMs: 15_000 });
}

/** Deletes an object; jobs take their pods with them (background propagation). */
export async function deleteObject(client: KubeClient, kindId: ResourceKindId, namespace: string | undefined, name: string): Promise<void> {
  const k = kind(kindId);
  await client.raw(objectPath(k, name, namespace), {
    method: 'DELETE',
    body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' },
    what: `delete ${k.kind} ${namespace ? `${namespace}/` : ''}${name}`,
    timeoutMs: 15_000,
  });
}

/** A short-lived pod that mounts a claim read-only, to list its files; it deletes itself after an hour. */
export function browserPodManifest(namespace: string, claim: string, image: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: '', generateName: `kubeml-browse-${claim.slice(0, 30)}-`, namespace, labels: { 'app.kubernetes.io/managed-by': 'kubeml', 'kubeml.io/browse': claim } },
    spec: {
      restartPolicy: 'Never',
      activeDeadlineSeconds: 3600,
      terminationGracePeriodSeconds: 0,
      securityContext: { runAsNonRoot: false },
      containers: [
        {
          name: 'browse',
          image,
          command: ['sh', '-c', 'sleep 3600'],
          volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }],
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
        },
      ],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: claim, readOnly: true } }],
    },
  };
}

/** A running predictor pod of an InferenceService (KServe labels its pods with the service name). */
export async function predictorPod(client: KubeClient, namespace: string, isvc: string): Promise<string> {
  const list = await client.json<{ items: Array<{ metadata: { name: string }; status?: { phase?: string } }> }>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, {
    what: `find the predictor pod of ${isvc}`,
    timeoutMs: 10_000,
    query: { labelSelector: `serving.kserve.io/inferenceservice=${isvc}` },
  });
  const pod = list.items.find((p) => p.status?.phase === 'Running');
  if (!pod) throw new KubeMLError('not-found', `${isvc} has no running predictor pod.`, 'Wait until it is Ready, then try again.');
  return pod.metadata.name;
}
