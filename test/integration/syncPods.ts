// Test pods for the sync integration tests and benchmark: a namespace of our own, idle pods of
// the training image on the real node, deleted afterwards.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { type PodRef } from '../../src/cluster/stream/transport';
import { until } from '../support/wait';

const REAL_NODE = 'kubeml-node';
export { until } from '../support/wait';

export interface TestPods {
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  namespace: string;
  image: string;
  createPod(name: string): Promise<PodRef>;
  cleanup(): Promise<void>;
}

/** A namespace of our own with idle pods (TERM makes them exit) of the training image on the real node. */
export async function testPods(prefix: string): Promise<TestPods> {
  // KUBEML_KUBECONFIG, else the local cluster's own (what `npm run bench -- sync` relies on).
  const path =
    process.env.KUBEML_KUBECONFIG ||
    execFileSync('bash', [join(__dirname, '../../scripts/cluster/cluster.sh'), 'kubeconfig'], { encoding: 'utf8' }).trim();
  process.env.KUBEML_KUBECONFIG = path;
  assert.ok(path, 'KUBEML_KUBECONFIG must point at the cluster kubeconfig (bash scripts/cluster/cluster.sh kubeconfig)');
  assert.ok(existsSync(path), `kubeconfig ${path} does not exist: run bash scripts/cluster/cluster.sh up`);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(path);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const node = await core.readNode({ name: REAL_NODE });
  const image =
    process.env.KUBEML_TRAIN_IMAGE ??
    (node.status?.images ?? []).flatMap((i) => i.names ?? []).find((n) => n.startsWith('localhost/kubeml-train:')) ??
    '';
  assert.ok(image, `no localhost/kubeml-train image on ${REAL_NODE}`);
  const namespace = `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  return {
    kc,
    core,
    namespace,
    image,
    async createPod(name: string) {
      await core.createNamespacedPod({
        namespace,
        body: {
          metadata: { name, labels: { app: 'kubeml-sync-test' } },
          spec: {
            nodeName: REAL_NODE,
            terminationGracePeriodSeconds: 0,
            containers: [
              { name: 'main', image, imagePullPolicy: 'Never', command: ['sh', '-c', 'trap "exit 1" TERM; sleep infinity & wait'] },
            ],
          },
        },
      });
      await until(
        `pod ${name} running`,
        90_000,
        async () => (await core.readNamespacedPod({ namespace, name })).status?.phase === 'Running',
      );
      return { namespace, name, container: 'main' };
    },
    async cleanup() {
      await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    },
  };
}
