/**
 * A short-lived pod that mounts a claim read-only at /data: how KubeML reaches the files of a claim
 * (Browse Files, drift data on a claim). Plain Node.
 */
import { KubeMLError } from '../../common/errors';
import { Settings } from '../../common/settings';
import { type KubeClient } from '../client';
import { type KubeObject } from '../read/informerState';
import { createObject, deleteObject } from '../write/objects';
import { type PodRef } from './transport';

/** The image of claim pods unless the user sets kubeml.datasets.browseImage: it needs sh, ls, wc and dd. */
export const DEFAULT_CLAIM_POD_IMAGE = Settings.browseImage.default;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A short-lived pod that mounts a claim read-only, to list its files; it deletes itself after an
 * hour. With `node`, it must run there (a ReadWriteOnce volume in use can only be mounted on the
 * node that already has it).
 */
export function browserPodManifest(namespace: string, claim: string, image: string, node?: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: '',
      generateName: `kubeml-browse-${claim.slice(0, 30)}-`,
      namespace,
      labels: { 'app.kubernetes.io/managed-by': 'kubeml', 'kubeml.io/browse': claim.slice(0, 63) },
    },
    spec: {
      restartPolicy: 'Never',
      activeDeadlineSeconds: 3600,
      terminationGracePeriodSeconds: 0,
      automountServiceAccountToken: false,
      ...(node
        ? {
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }],
                },
              },
            },
          }
        : {}),
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

/**
 * Runs `use` with a pod that mounts `claim` read-only at /data (the explorer's browse pod),
 * then deletes the pod whatever happened.
 */
export async function withClaimPod<T>(
  client: KubeClient,
  namespace: string,
  claim: string,
  image: string,
  use: (pod: PodRef) => Promise<T>,
  opts: { startTimeoutMs?: number; signal?: AbortSignal; onProgress?: (m: string) => void } = {},
): Promise<T> {
  const m = browserPodManifest(namespace, claim, image);
  const { name: _unused, ...metadata } = m.metadata;
  const ns = encodeURIComponent(namespace);
  const created = await createObject<KubeObject>(client, 'pods', namespace, { ...m, metadata }, opts.signal);
  const name = created.metadata.name;
  try {
    opts.onProgress?.(`waiting for pod ${name} to mount ${claim}`);
    const end = Date.now() + (opts.startTimeoutMs ?? 120_000);
    for (;;) {
      if (opts.signal?.aborted) throw new KubeMLError('unknown', `Reading claim ${claim} was cancelled.`);
      const p = await client.json<KubeObject>(`/api/v1/namespaces/${ns}/pods/${encodeURIComponent(name)}`, {
        what: `read pod ${name}`,
        timeoutMs: 10_000,
      });
      const st = p.status as
        | { phase?: string; containerStatuses?: Array<{ state?: { running?: unknown; waiting?: { reason?: string; message?: string } } }> }
        | undefined;
      if (st?.phase === 'Running' && st.containerStatuses?.[0]?.state?.running) break;
      const waiting = st?.containerStatuses?.[0]?.state?.waiting;
      if (
        st?.phase === 'Failed' ||
        st?.phase === 'Succeeded' ||
        /ErrImagePull|ImagePullBackOff|InvalidImageName|CreateContainerError/.test(waiting?.reason ?? '')
      ) {
        throw new KubeMLError(
          'server',
          `The pod that mounts ${claim} could not start: ${waiting?.reason ?? st?.phase}${waiting?.message ? ` (${waiting.message})` : ''}.`,
          'Set kubeml.datasets.browseImage to an image the cluster can pull that has sh, wc and dd.',
        );
      }
      if (Date.now() > end)
        throw new KubeMLError(
          'timeout',
          `The pod that mounts ${claim} did not start within ${Math.round((opts.startTimeoutMs ?? 120_000) / 1000)} s.`,
          'The claim may be mounted read-write by a pod on another node, or the image is still being pulled.',
        );
      await sleep(500);
    }
    return await use({ namespace, name, container: 'browse' });
  } finally {
    await deleteObject(client, 'pods', namespace, name).catch(() => undefined);
  }
}
