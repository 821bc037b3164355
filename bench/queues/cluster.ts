/**
 * The real local cluster's part of the queues benchmark: 20 ClusterQueues with zero quota (qbench-00..19),
 * one LocalQueue each in namespace kubeml-qbench, and suspended Jobs labelled with a queue, for which Kueue
 * makes Workloads that stay pending. Times how long the cluster takes to hold them, then the anchors on the
 * same objects: `kubectl get workloads -A -o json` and the visibility API's pendingworkloads of each
 * ClusterQueue read raw (node https with the kubeconfig's credentials, no KubeML code). `cleanupCluster`
 * deletes everything it made.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/cluster/client';

export const NS = 'kubeml-qbench';
export const CQS = 20;
export const cqName = (i: number) => `qbench-${String(i).padStart(2, '0')}`;
const K = '/apis/kueue.x-k8s.io/v1beta2';

export function kubeconfigPath(): string {
  return process.env.KUBEML_KUBECONFIG ?? '/root/.cache/kubeml/cluster/kubeconfig';
}
export function kubectl(): string {
  for (const p of [process.env.KUBECTL, '/usr/bin/kubectl', '/usr/local/bin/kubectl']) if (p && existsSync(p)) return p;
  return 'kubectl';
}
export function realClient(): { kc: KubeConfig; client: KubeClient } {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath());
  return { kc, client: new KubeClient(kc) };
}

const ignoreConflict = (e: unknown) => {
  if (!/already exists|AlreadyExists|conflict/i.test(String((e as Error).message ?? e))) throw e;
};

async function countWorkloads(client: KubeClient): Promise<number> {
  const r = await client.json<{ items: unknown[]; metadata: { remainingItemCount?: number } }>(`${K}/namespaces/${NS}/workloads`, {
    what: 'count the bench workloads',
    query: { limit: 1 },
  });
  return r.items.length + (r.metadata.remainingItemCount ?? 0);
}

/** Makes the queues and `jobs` Jobs (round robin over the queues); returns the seconds the API took and Kueue took. */
export async function setupCluster(
  client: KubeClient,
  jobs: number,
  log: (s: string) => void,
): Promise<{ createS: number; workloadsS: number; workloads: number }> {
  await client
    .json('/api/v1/namespaces', { method: 'POST', body: { metadata: { name: NS } }, what: 'create the bench namespace' })
    .catch(ignoreConflict);
  for (let i = 0; i < CQS; i++) {
    await client
      .json(`${K}/clusterqueues`, {
        method: 'POST',
        what: 'create a bench ClusterQueue',
        body: {
          apiVersion: 'kueue.x-k8s.io/v1beta2',
          kind: 'ClusterQueue',
          metadata: { name: cqName(i), labels: { 'kubeml.io/bench': 'queues' } },
          spec: {
            namespaceSelector: {},
            queueingStrategy: 'StrictFIFO',
            resourceGroups: [
              {
                coveredResources: ['cpu', 'memory'],
                flavors: [
                  {
                    name: 'default-flavor',
                    resources: [
                      { name: 'cpu', nominalQuota: '0' },
                      { name: 'memory', nominalQuota: '0' },
                    ],
                  },
                ],
              },
            ],
          },
        },
      })
      .catch(ignoreConflict);
    await client
      .json(`${K}/namespaces/${NS}/localqueues`, {
        method: 'POST',
        what: 'create a bench LocalQueue',
        body: {
          apiVersion: 'kueue.x-k8s.io/v1beta2',
          kind: 'LocalQueue',
          metadata: { name: cqName(i), namespace: NS },
          spec: { clusterQueue: cqName(i) },
        },
      })
      .catch(ignoreConflict);
  }
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < jobs) {
      const i = next++;
      await client
        .json(`/apis/batch/v1/namespaces/${NS}/jobs`, {
          method: 'POST',
          what: 'create a bench job',
          timeoutMs: 60_000,
          body: {
            metadata: { name: `q-${String(i).padStart(5, '0')}`, labels: { 'kueue.x-k8s.io/queue-name': cqName(i % CQS) } },
            spec: {
              suspend: true,
              template: {
                spec: {
                  restartPolicy: 'Never',
                  containers: [{ name: 'train', image: 'busybox', resources: { requests: { cpu: '1', memory: '1Gi' } } }],
                },
              },
            },
          },
        })
        .catch(ignoreConflict);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const createS = (performance.now() - t0) / 1000;
  log(`created ${jobs} jobs in ${createS.toFixed(1)} s; waiting for Kueue's workloads`);
  let n = 0;
  const deadline = Date.now() + Number(process.env.QBENCH_WAIT_S ?? 900) * 1000;
  while ((n = await countWorkloads(client)) < jobs && Date.now() < deadline) {
    log(`  ${n} workloads after ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    await new Promise((r) => setTimeout(r, 5000));
  }
  return { createS, workloadsS: (performance.now() - t0) / 1000, workloads: n };
}

/** Wall time of `kubectl get workloads -A -o json`. */
export function timeKubectlWorkloads(): number {
  const t0 = performance.now();
  execFileSync(kubectl(), ['get', 'workloads', '-A', '-o', 'json'], {
    env: { ...process.env, KUBECONFIG: kubeconfigPath() },
    maxBuffer: 1 << 30,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return performance.now() - t0;
}

/** The visibility API of every bench ClusterQueue read raw (in parallel, as the source does): wall ms and items. */
export async function timeVisibilityRaw(kc: KubeConfig): Promise<{ ms: number; items: number }> {
  const https = await import('node:https');
  const opts: Record<string, unknown> = {};
  await kc.applyToHTTPSOptions(opts as never);
  const server = new URL(kc.getCurrentCluster()!.server);
  const get = (path: string) =>
    new Promise<number>((resolve, reject) => {
      const req = https.request({ ...opts, hostname: server.hostname, port: server.port, path, method: 'GET' }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`${path}: HTTP ${res.statusCode}`));
          resolve((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { items?: unknown[] }).items?.length ?? 0);
        });
      });
      req.on('error', reject);
      req.end();
    });
  const t0 = performance.now();
  const counts = await Promise.all(
    Array.from({ length: CQS }, (_, i) =>
      get(`/apis/visibility.kueue.x-k8s.io/v1beta1/clusterqueues/${cqName(i)}/pendingworkloads?limit=4000`),
    ),
  );
  return { ms: performance.now() - t0, items: counts.reduce((a, b) => a + b, 0) };
}

export async function cleanupCluster(client: KubeClient, log: (s: string) => void): Promise<void> {
  await client.raw(`/api/v1/namespaces/${NS}`, { method: 'DELETE', what: 'delete the bench namespace' }).catch(() => undefined);
  for (let i = 0; i < CQS; i++)
    await client.raw(`${K}/clusterqueues/${cqName(i)}`, { method: 'DELETE', what: 'delete a bench ClusterQueue' }).catch(() => undefined);
  log(`deleted namespace ${NS} and ClusterQueues ${cqName(0)}..${cqName(CQS - 1)}`);
}

if (require.main === module) {
  const { client } = realClient();
  const cmd = process.argv[2];
  const n = Number(process.argv[3] ?? 4000);
  (cmd === 'cleanup'
    ? cleanupCluster(client, console.log)
    : setupCluster(client, n, console.log).then((r) => console.log(JSON.stringify(r)))
  ).catch((e: unknown) => (console.error(e), process.exit(1)));
}
