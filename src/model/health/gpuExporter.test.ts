import { strict as assert } from 'node:assert';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { until } from '../../../test/support/wait';

// The local cluster's DCGM stand-in (scripts/cluster/dcgm_exporter.py + gpu_pods.py) with its Kubernetes pod
// mapping fed from a PodList file instead of the API server: the labels and values gpuUse.ts reads.
// test/integration/gpuUse.test.ts runs it against the real cluster (and the real node's cgroups).
const dir = resolve(__dirname, '../../../scripts/cluster');
const python = process.env.KUBEML_PYTHON ?? 'python3';

const pod = (
  name: string,
  node: string,
  limits: Record<string, string>,
  extra: { annotations?: Record<string, string>; startTime?: string } = {},
) => ({
  metadata: {
    name,
    namespace: 'team-a',
    uid: `uid-${name}`,
    creationTimestamp: extra.startTime ?? '2026-01-01T10:00:00Z',
    annotations: extra.annotations,
  },
  spec: { nodeName: node, containers: [{ name: 'sidecar' }, { name: 'trainer', resources: { limits } }] },
  status: { phase: 'Running', startTime: extra.startTime ?? '2026-01-01T10:00:00Z' },
});

interface Sample {
  labels: Record<string, string>;
  value: number;
  time?: number;
}

function parse(text: string, metric: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    const close = line.lastIndexOf('}');
    const labels = Object.fromEntries([...line.slice(metric.length + 1, close).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const [value, time] = line
      .slice(close + 2)
      .split(' ')
      .map(Number);
    out.push({ labels, value, time });
  }
  return out;
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? res(a.port) : rej(new Error('no port'))));
    });
  });
}

describe('dcgm_exporter.py: the pod mapping (pods from a file)', function () {
  this.timeout(30_000);
  let tmp: string;
  let inventory: string;
  let podsFile: string;
  let proc: ChildProcess | undefined;

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'kubeml-dcgm-'));
    inventory = join(tmp, 'inventory.json');
    writeFileSync(inventory, execFileSync(python, [join(dir, 'fleet.py'), 'inventory', '--count', '3']));
    podsFile = join(tmp, 'pods.json');
    const items = [
      // Two whole GPUs on an H100 node (8 whole GPUs), one idle by annotation on the same node.
      pod('busy', 'kwok-h100-0000', { 'nvidia.com/gpu': '2' }),
      pod(
        'idle',
        'kwok-h100-0000',
        { 'nvidia.com/gpu': '1' },
        { annotations: { 'kubeml.dev/simulated-gpu-util': '3' }, startTime: '2026-01-01T10:30:00Z' },
      ),
      // A MIG instance on the A100 node (mixed strategy): a 3g.40gb slice, not a whole GPU.
      pod('mig', 'kwok-a100-0002', { 'nvidia.com/mig-3g.40gb': '1' }, { annotations: { 'kubeml.dev/simulated-gpu-util': '50' } }),
      // On the real node: its utilisation comes from its cgroup, which this pod does not have.
      pod('real', 'kubeml-node', { 'nvidia.com/gpu': '1' }),
      // Finished and unbound pods hold nothing.
      { ...pod('done', 'kwok-h100-0000', { 'nvidia.com/gpu': '1' }), status: { phase: 'Succeeded' } },
      { ...pod('pending', '', { 'nvidia.com/gpu': '1' }), status: { phase: 'Pending' } },
    ];
    writeFileSync(podsFile, JSON.stringify({ kind: 'PodList', items }));
  });

  after(() => {
    proc?.kill();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('labels each held GPU with pod, namespace and container, GPUs in a stable order; a GPU no pod holds has empty labels and reads 0%', async () => {
    const port = await freePort();
    proc = spawn(python, [join(dir, 'dcgm_exporter.py'), '--inventory', inventory, '--pods-json', podsFile, '--port', String(port)], {
      stdio: 'ignore',
    });
    const text = await until('the exporter to answer', 20_000, async () => {
      const r = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
      return r?.ok ? r.text() : undefined;
    });
    const util = parse(text, 'DCGM_FI_DEV_GPU_UTIL');
    const held = (name: string) => util.filter((s) => s.labels.pod === name);
    // The oldest pod gets the lowest indices (the idle pod started 30 min later).
    assert.deepEqual(
      held('busy').map((s) => [s.labels.Hostname, s.labels.gpu, s.labels.namespace, s.labels.container]),
      [
        ['kwok-h100-0000', '0', 'team-a', 'trainer'],
        ['kwok-h100-0000', '1', 'team-a', 'trainer'],
      ],
    );
    assert.ok(
      held('busy').every((s) => s.value >= 15),
      `a busy simulated pod reads its busy wave (15..95%): ${held('busy').map((s) => s.value)}`,
    );
    assert.deepEqual(
      held('idle').map((s) => [s.labels.gpu, s.value]),
      [['2', 3]],
    );
    const mig = held('mig');
    assert.equal(mig.length, 1);
    assert.equal(mig[0].labels.GPU_I_PROFILE, '3g.40gb');
    assert.equal(mig[0].value, 50);
    assert.deepEqual(
      held('real').map((s) => [s.labels.Hostname, s.labels.gpu, s.value]),
      [['kubeml-node', '0', 0]],
      'no cgroup for this pod: no CPU use',
    );
    assert.deepEqual(held('done'), []);
    assert.deepEqual(held('pending'), []);
    const free = util.filter((s) => s.labels.pod === '');
    assert.equal(free.length + util.filter((s) => s.labels.pod).length, util.length);
    assert.ok(
      free.every((s) => s.labels.namespace === '' && s.labels.container === '' && s.value === 0),
      'unheld GPUs: empty pod labels (dcgm-exporter sets them empty), 0%',
    );
    const fb = parse(text, 'DCGM_FI_DEV_FB_USED').filter((s) => s.labels.pod === '');
    assert.ok(fb.length > 0 && fb.every((s) => s.value === 0), 'an unheld GPU uses no memory');
  });

  it('--history: a simulated GPU is held from its pod start; a real-node GPU held by a pod is left out (its past is not known)', () => {
    const t0 = Date.parse('2026-01-01T10:00:00Z') / 1000;
    const text = execFileSync(
      python,
      [
        join(dir, 'dcgm_exporter.py'),
        '--inventory',
        inventory,
        '--pods-json',
        podsFile,
        '--history',
        String(t0),
        String(t0 + 3600),
        '1800',
        '--labels',
        'job="dcgm-exporter"',
      ],
      { encoding: 'utf8' },
    );
    assert.ok(text.endsWith('# EOF\n'));
    const gpu2 = parse(text, 'DCGM_FI_DEV_GPU_UTIL').filter((s) => s.labels.Hostname === 'kwok-h100-0000' && s.labels.gpu === '2');
    // 10:00 before the idle pod started (no pod, 0%), 10:30 and 11:00 held by it at its annotated 3%.
    assert.deepEqual(
      gpu2.map((s) => [s.time, s.labels.pod, s.value, s.labels.job]),
      [
        [t0, '', 0, 'dcgm-exporter'],
        [t0 + 1800, 'idle', 3, 'dcgm-exporter'],
        [t0 + 3600, 'idle', 3, 'dcgm-exporter'],
      ],
    );
    const real = parse(text, 'DCGM_FI_DEV_GPU_UTIL').filter((s) => s.labels.Hostname === 'kubeml-node');
    assert.deepEqual(
      real.map((s) => [s.labels.gpu, s.labels.pod]),
      [
        ['1', ''],
        ['1', ''],
        ['1', ''],
      ],
    );
  });
});
