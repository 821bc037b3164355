// Integration tests of a real distributed job on the local cluster (issue 16): samples/ddp_train.py as the
// PyTorchJob of samples/cluster/ddp-pytorchjob.yaml (Master + 1 Worker), run on the real node by Kubeflow
// training-operator v1.8.1 (scripts/cluster/training-operator.sh), PyTorch 1.13 from Debian in the
// training image. Needs `npm run cluster:up`; run:
// KUBEML_KUBECONFIG=$(bash scripts/cluster/cluster.sh kubeconfig) npx mocha --no-config --require tsx/cjs --extension ts --exit --timeout 600000 test/integration/pytorchjob.test.ts
// The cluster is shared: the jobs run in a namespace of their own, deleted afterwards. Their pods use the
// node's network (see the manifest): the master's port is a host port, so these jobs run one at a time.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import { until } from '../support/wait';

const REPO = join(__dirname, '..', '..');
const SAMPLES = join(REPO, 'samples');
const REAL_NODE = 'kubeml-node';
const GROUP = 'kubeflow.org';
const VERSION = 'v1';
const PLURAL = 'pytorchjobs';
const STEPS = 30;

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
interface ReplicaSpec {
  replicas: number;
  template: {
    spec: { hostAliases?: { ip: string; hostnames: string[] }[]; containers: { name: string; image: string; command: string[] }[] };
  };
}
interface PyTorchJob {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec: { pytorchReplicaSpecs: Record<'Master' | 'Worker', ReplicaSpec> };
  status?: { conditions?: Condition[] };
}
interface ResultLine {
  type: string;
  name: string;
  value: number;
  step?: number;
  split?: string;
}

const suffix = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;

/** The sample manifest, renamed (the master's hostAliases name follows the job's) and on the given image. */
function sampleJob(name: string, image: string): PyTorchJob {
  const job = parse(readFileSync(join(SAMPLES, 'cluster', 'ddp-pytorchjob.yaml'), 'utf8')) as PyTorchJob;
  const oldMaster = `${job.metadata.name}-master-0`;
  job.metadata.name = name;
  for (const spec of Object.values(job.spec.pytorchReplicaSpecs)) {
    for (const alias of spec.template.spec.hostAliases ?? [])
      alias.hostnames = alias.hostnames.map((h) => (h === oldMaster ? `${name}-master-0` : h));
    for (const c of spec.template.spec.containers) c.image = image;
  }
  return job;
}

function results(log: string): ResultLine[] {
  return log
    .split('\n')
    .filter((l) => l.startsWith('KUBEML_RESULT '))
    .map((l) => JSON.parse(l.slice('KUBEML_RESULT '.length)) as ResultLine);
}

describe('PyTorchJob under training-operator on the local cluster (samples/ddp_train.py)', function () {
  this.timeout(420_000);
  const ns = `kubeml-ddp-${suffix()}`;
  let core: k8s.CoreV1Api;
  let custom: k8s.CustomObjectsApi;
  let image: string;

  before(async function () {
    const path = process.env.KUBEML_KUBECONFIG;
    assert.ok(path, 'KUBEML_KUBECONFIG must point at the cluster kubeconfig (npm run --silent cluster:kubeconfig)');
    assert.ok(existsSync(path), `kubeconfig ${path} does not exist: run npm run cluster:up`);
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(path);
    core = kc.makeApiClient(k8s.CoreV1Api);
    custom = kc.makeApiClient(k8s.CustomObjectsApi);
    // The image of this recipe (with python3-torch), not whichever training image the node has.
    image = execFileSync('bash', [join(REPO, 'images', 'build.sh'), 'ref', 'train'], { encoding: 'utf8' }).trim();
    const node = await core.readNode({ name: REAL_NODE });
    const names = (node.status?.images ?? []).flatMap((i) => i.names ?? []);
    assert.ok(names.includes(image), `${image} is not on ${REAL_NODE}: run npm run cluster:up (it builds and imports it)`);
    await core.createNamespace({ body: { metadata: { name: ns } } });
    const data = Object.fromEntries(['ddp_train.py', 'kubeml_results.py'].map((f) => [f, readFileSync(join(SAMPLES, f), 'utf8')]));
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'kubeml-ddp' }, data } });
  });

  after(async function () {
    this.timeout(120_000);
    await core.deleteNamespace({ name: ns }).catch(() => undefined);
  });

  async function readJob(name: string): Promise<PyTorchJob> {
    return (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, name })) as PyTorchJob;
  }

  async function finished(name: string): Promise<Condition> {
    return until(
      `PyTorchJob ${name} to succeed or fail`,
      300_000,
      async () =>
        (await readJob(name)).status?.conditions?.find((c) => (c.type === 'Succeeded' || c.type === 'Failed') && c.status === 'True'),
      1000,
    );
  }

  const log = (pod: string, container = 'pytorch') => core.readNamespacedPodLog({ name: pod, namespace: ns, container });

  it("why the sample uses the node's network: on the pod network a pod reaches another by IP, not by Service name or ClusterIP", async function () {
    const pod = (name: string, command: string[]) => ({
      metadata: { name, labels: { app: name } },
      spec: {
        nodeSelector: { 'kubernetes.io/hostname': REAL_NODE },
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'c', image, imagePullPolicy: 'Never', command }],
      },
    });
    await core.createNamespacedPod({ namespace: ns, body: pod('probe-server', ['python3', '-m', 'http.server', '8000']) });
    await core.createNamespacedService({
      namespace: ns,
      body: { metadata: { name: 'probe-server' }, spec: { selector: { app: 'probe-server' }, ports: [{ port: 8000 }] } },
    });
    const server = await until(
      'the probe server to run',
      120_000,
      async () => {
        const p = await core.readNamespacedPod({ name: 'probe-server', namespace: ns });
        return p.status?.phase === 'Running' && p.status.podIP ? p : undefined;
      },
      1000,
    );
    const svc = await core.readNamespacedService({ name: 'probe-server', namespace: ns });
    const script = [
      'import socket, urllib.request',
      'def get(u):',
      '    try: return str(urllib.request.urlopen(u, timeout=5).status)',
      '    except Exception as e: return "error"',
      'def name(n):',
      '    try: return socket.gethostbyname(n)',
      '    except Exception as e: return "error"',
      `print("pod-ip", get("http://${server.status?.podIP}:8000/"))`,
      `print("cluster-ip", get("http://${svc.spec?.clusterIP}:8000/"))`,
      `print("service-name", name("probe-server.${ns}.svc.cluster.local"))`,
    ].join('\n');
    const client = pod('probe-client', ['python3', '-c', script]);
    await core.createNamespacedPod({ namespace: ns, body: { ...client, spec: { ...client.spec, restartPolicy: 'Never' } } });
    const out = await until(
      'the probe client to finish',
      120_000,
      async () => {
        const p = await core.readNamespacedPod({ name: 'probe-client', namespace: ns });
        return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? log('probe-client', 'c') : undefined;
      },
      1000,
    );
    assert.match(out, /^pod-ip 200$/m, `pod to pod by IP works on the bridge:\n${out}`);
    assert.match(out, /^cluster-ip error$/m, `no kube-proxy: a ClusterIP is not reachable:\n${out}`);
    assert.match(out, /^service-name error$/m, `no cluster DNS: a Service name does not resolve:\n${out}`);
    await core.deleteNamespacedPod({ name: 'probe-server', namespace: ns, gracePeriodSeconds: 0 });
  });

  it('runs 2 ranks on the real node: both pods start, meet at the master, print step metrics and the job succeeds', async function () {
    const name = 'ddp';
    await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns,
      plural: PLURAL,
      body: sampleJob(name, image),
    });

    // The operator makes one pod per rank and a headless Service for the master.
    const pods = await until(
      'the operator to create both pods',
      120_000,
      async () => {
        const list = await core.listNamespacedPod({ namespace: ns, labelSelector: `training.kubeflow.org/job-name=${name}` });
        return list.items.length === 2 ? list.items : undefined;
      },
      1000,
    );
    assert.deepEqual(pods.map((p) => p.metadata?.name).sort(), [`${name}-master-0`, `${name}-worker-0`]);
    const service = await core.readNamespacedService({ name: `${name}-master-0`, namespace: ns });
    assert.equal(service.spec?.clusterIP, 'None', "the master's Service is headless");
    for (const pod of pods) {
      assert.equal(pod.spec?.nodeName ?? REAL_NODE, REAL_NODE);
      const env = Object.fromEntries((pod.spec?.containers[0].env ?? []).map((e) => [e.name, e.value]));
      assert.equal(env.MASTER_ADDR, `${name}-master-0`, 'MASTER_ADDR is the master replica, set by the operator');
      assert.equal(env.MASTER_PORT, '23456');
      assert.equal(env.WORLD_SIZE, '2');
    }

    const done = await finished(name);
    const [master, worker] = [await log(`${name}-master-0`), await log(`${name}-worker-0`)];
    assert.equal(done.type, 'Succeeded', `the job failed: ${done.message}\n--- master ---\n${master}\n--- worker ---\n${worker}`);

    for (const [rank, text] of [master, worker].entries()) {
      assert.match(text, new RegExp(`\\[rank ${rank}/2\\] joined the group of 2`), `rank ${rank} joined the group:\n${text}`);
      assert.match(text, new RegExp(`\\[rank ${rank}/2\\] step ${STEPS}/${STEPS} loss `), `rank ${rank} logs every step:\n${text}`);
      const losses = results(text).filter((r) => r.name === 'loss');
      assert.deepEqual(
        losses.map((r) => r.step),
        Array.from({ length: STEPS }, (_, i) => i + 1),
        `rank ${rank} printed a loss per step`,
      );
      assert.ok(
        losses.every((r) => r.split === `rank${rank}` && Number.isFinite(r.value)),
        `rank ${rank}'s metrics carry its rank`,
      );
      assert.ok(
        losses[STEPS - 1].value < losses[0].value,
        `rank ${rank}'s loss went down: ${losses[0].value} -> ${losses[STEPS - 1].value}`,
      );
      const sync = results(text).find((r) => r.name === 'weights_in_sync');
      assert.equal(sync?.value, 1, `rank ${rank} holds the same weights as the other rank (gradients were all-reduced)`);
    }
  });

  it('a wrong master port: the worker cannot reach the rendezvous, gloo/c10d time out and the job fails', async function () {
    const name = 'ddp-badport';
    const job = sampleJob(name, image);
    // The worker dials a port where nothing listens (the master listens on MASTER_PORT=23456).
    const worker = job.spec.pytorchReplicaSpecs.Worker.template.spec.containers[0];
    const args = worker.command.slice(1).map((a) => (a === '120' ? '30' : a));
    worker.command = ['sh', '-c', `MASTER_PORT=23499 exec python3 ${args.join(' ')}`];
    const master = job.spec.pytorchReplicaSpecs.Master.template.spec.containers[0];
    master.command = master.command.map((a) => (a === '120' ? '30' : a));
    await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL, body: job });

    const done = await finished(name);
    // The job fails with its first failed pod; the other one ends at its own timeout.
    for (const pod of [`${name}-master-0`, `${name}-worker-0`]) {
      await until(
        `pod ${pod} to end`,
        120_000,
        async () => ['Succeeded', 'Failed'].includes((await core.readNamespacedPod({ name: pod, namespace: ns })).status?.phase ?? ''),
        1000,
      );
    }
    const [masterLog, workerLog] = [await log(`${name}-master-0`), await log(`${name}-worker-0`)];
    assert.equal(done.type, 'Failed', `the job should fail:\n--- master ---\n${masterLog}\n--- worker ---\n${workerLog}`);
    assert.match(workerLog, /joining the gloo group at ddp-badport-master-0:23499/);
    assert.doesNotMatch(workerLog, /joined the group/);
    // The worker (torch 1.13's TCPStore client, c10d socket.cpp) gives up dialling the wrong port:
    assert.match(
      workerLog,
      /^TimeoutError: The client socket has timed out after 30s while trying to connect to \(ddp-badport-master-0, 23499\)\.$/m,
      `the worker's log names the port it could not reach:\n${workerLog}`,
    );
    // The master's store saw no worker: gloo's process group times out waiting for the other rank's address.
    assert.match(masterLog, /pg = ProcessGroupGloo\(/, `the master timed out in the gloo process group:\n${masterLog}`);
    assert.match(masterLog, /^RuntimeError: Socket Timeout$/m, `the master's log has gloo's timeout:\n${masterLog}`);
    assert.doesNotMatch(masterLog, /joined the group/);
    assert.match(done.message ?? '', /failed/i, `the job's Failed condition says why: ${done.message}`);
  });
});
