import { strict as assert } from 'node:assert';
import { a100Node, CLUSTER, cpuNode, h100Node, otherTeamPod, trainPod0, trainPod1 } from '../cluster/read/fixtures';
import { type KubeObject } from '../cluster/read/informerState';
import { GpusModel, type GpuMetricsSource } from './gpusModel';
import { type GpuMetrics } from './rows/gpuUsage';
import { ids, ModelHarness } from './modelHarness';

const TREE = [
  'Cluster | 7/16 allocated · 2 GPU nodes',
  'A100-SXM4-80GB | 2/8 allocated · 1 node',
  '  gpu-a100-0 | 2/8 allocated · A100-SXM4-80GB',
  '    train-resnet-0-x7k2p | team · 1 GPU allocated · rank 0 · Running · 30m',
  '    train-resnet-1-q9m4w | team · 1 GPU allocated · rank 1 · CrashLoopBackOff · 3 restarts · 30m',
  'H100-80GB-HBM3 | 5/8 allocated · 1 node',
  '  gpu-h100-0 | 5/8 allocated · H100-80GB-HBM3',
  '    finetune-0-r2d2x | other · 4 GPUs allocated · Running · 4h',
  '    llm-server-6d5f8b7c9d-abcde | team · 1 GPU allocated · Running · 60m',
];

const A100 = ['node:gpu-a100-0', 'product:NVIDIA-A100-SXM4-80GB', 'summary'];

function gpuPod(name: string, node: string, gpus: number): KubeObject {
  const p = structuredClone(trainPod0);
  p.metadata = { ...p.metadata, name, uid: `uid-${name}`, labels: { app: name } };
  const spec = p.spec as {
    nodeName: string;
    containers: Array<{ resources: { limits: Record<string, string>; requests: Record<string, string> } }>;
  };
  spec.nodeName = node;
  spec.containers[0]!.resources = { limits: { 'nvidia.com/gpu': String(gpus) }, requests: { 'nvidia.com/gpu': String(gpus) } };
  return p;
}
const finished = (p: KubeObject): KubeObject => ({ ...structuredClone(p), status: { ...(p.status as object), phase: 'Succeeded' } });

describe('GpusModel', () => {
  let h: ModelHarness<GpusModel>;
  afterEach(() => h.dispose());

  it('sums GPUs per product and node from the pods of every namespace, and lists the pods holding them', async () => {
    h = new ModelHarness((d) => new GpusModel(d), { objects: CLUSTER, namespaces: ['team'] });
    await h.open();
    assert.deepEqual(h.tree(), TREE);
    assert.ok(
      h.api.requests.some((r) => r.path === '/api/v1/pods'),
      'pods of all namespaces, though the view shows one',
    );
    const node = h.model.children(h.root('A100-SXM4-80GB'))[0]!;
    assert.deepEqual([node.kindId, node.name, node.row.contextValue], ['nodes', 'gpu-a100-0', 'kubeml.gpuNode']);
    assert.deepEqual(
      h.model
        .nodeInfos()
        .map((i) => `${i.name} ${i.allocated}/${i.allocatable} ${i.memoryMiB}`)
        .sort(),
      ['gpu-a100-0 2/8 81920', 'gpu-h100-0 5/8 81559'],
    );
  });

  it('a pod taking GPUs refreshes its node, its product and the summary, not the other product', async () => {
    h = new ModelHarness((d) => new GpusModel(d), { objects: CLUSTER });
    await h.open();
    h.tree();
    const fired = await h.change((api) => api.put(gpuPod('train-resnet-2-z8z8z', 'gpu-a100-0', 2)));
    assert.deepEqual(ids(fired), A100);
    assert.deepEqual(fired!.map((n) => n.row.description).sort(), [
      '4/8 allocated · 1 node',
      '4/8 allocated · A100-SXM4-80GB',
      '9/16 allocated · 2 GPU nodes',
    ]);
  });

  it('a pod that finishes gives its GPUs back; so does one of another namespace that goes away', async () => {
    h = new ModelHarness((d) => new GpusModel(d), { objects: CLUSTER });
    await h.open();
    h.tree();
    let fired = await h.change((api) => api.put(finished(trainPod1)));
    assert.deepEqual(ids(fired), A100);
    assert.equal(h.model.roots()[0]!.row.description, '6/16 allocated · 2 GPU nodes');
    fired = await h.change((api) => api.delete(otherTeamPod));
    assert.deepEqual(ids(fired), ['node:gpu-h100-0', 'product:NVIDIA-H100-80GB-HBM3', 'summary']);
    assert.equal(fired!.find((n) => n.id === 'node:gpu-h100-0')!.row.description, '1/8 allocated · H100-80GB-HBM3');
  });

  it('a cordoned node refreshes its row and the summary; its product’s numbers did not move', async () => {
    h = new ModelHarness((d) => new GpusModel(d), { objects: CLUSTER });
    await h.open();
    h.tree();
    const cordoned = structuredClone(a100Node);
    (cordoned.spec as { unschedulable?: boolean }).unschedulable = true;
    const fired = await h.change((api) => api.put(cordoned));
    assert.deepEqual(ids(fired), ['node:gpu-a100-0', 'summary']);
    const row = fired!.find((n) => n.id === 'node:gpu-a100-0')!.row;
    assert.deepEqual(
      [row.description, row.contextValue, row.icon?.id],
      ['2/8 allocated · A100-SXM4-80GB · cordoned', 'kubeml.gpuNode.cordoned', 'warning'],
    );
  });

  it('a node without GPUs changing refreshes nothing', async () => {
    h = new ModelHarness((d) => new GpusModel(d), { objects: CLUSTER });
    await h.open();
    h.tree();
    const beat = structuredClone(cpuNode);
    (beat.status as { conditions: Array<{ lastHeartbeatTime: string }> }).conditions[0]!.lastHeartbeatTime = '2025-06-01T12:04:30Z';
    const fired = await h.change((api) => {
      api.put(beat);
      api.put(gpuPod('probe-q1q1q', 'gpu-h100-0', 1));
    });
    assert.deepEqual(
      ids(fired),
      ['node:gpu-h100-0', 'product:NVIDIA-H100-80GB-HBM3', 'summary'],
      'only the GPU pod’s rows; the CPU node is not in this view',
    );
  });

  it('a GPU node that joins or leaves, or changes product, refreshes the whole tree', async () => {
    h = new ModelHarness((d) => new GpusModel(d), { objects: CLUSTER });
    await h.open();
    h.tree();
    const second = structuredClone(h100Node);
    second.metadata = {
      ...second.metadata,
      name: 'gpu-h100-1',
      uid: 'uid-gpu-h100-1',
      labels: { ...second.metadata.labels, 'kubernetes.io/hostname': 'gpu-h100-1' },
    };
    assert.equal(await h.change((api) => api.put(second)), undefined);
    assert.equal(h.model.roots()[2]!.row.description, '5/16 allocated · 2 nodes');
    assert.equal(await h.change((api) => api.delete(a100Node)), undefined);
    assert.deepEqual(
      h.model.roots().map((r) => r.row.label),
      ['Cluster', 'H100-80GB-HBM3'],
    );
  });

  it('filters nodes by name under their product', async () => {
    h = new ModelHarness((d) => new GpusModel(d), { objects: CLUSTER });
    await h.open();
    h.model.setFilter('h100');
    assert.deepEqual(h.model.children(h.root('A100-SXM4-80GB')), []);
    assert.deepEqual(
      h.model.children(h.root('H100-80GB-HBM3')).map((n) => n.name),
      ['gpu-h100-0'],
    );
  });

  it('shows GPU metrics on node rows and a note row when they cannot be read', async () => {
    h = new ModelHarness((d) => new GpusModel(d), { objects: CLUSTER });
    await h.open();
    h.tree();
    // Two measured GPUs on gpu-a100-0, one per pod: util (87.4+12.6)/2 = 50 %, memory (40960+20480)/2 = 30720 MiB = 30 GB
    // per GPU of 81920 MiB = 80 GB (used + free).
    const a100: GpuMetrics = {
      devices: [
        { gpu: '0', utilPercent: 87.4, fbUsedMiB: 40960, fbFreeMiB: 40960, namespace: 'team', pod: 'train-resnet-0-x7k2p' },
        { gpu: '1', utilPercent: 12.6, fbUsedMiB: 20480, fbFreeMiB: 61440, namespace: 'team', pod: 'train-resnet-1-q9m4w' },
      ],
    };
    let metrics: GpuMetricsSource = { get: (n) => (n === 'gpu-a100-0' ? a100 : undefined) };
    h.model.metrics = metrics;
    let next = h.next();
    h.model.refreshMetrics();
    assert.deepEqual(
      ids(await next),
      [
        'gpupod:team/train-resnet-0-x7k2p',
        'gpupod:team/train-resnet-1-q9m4w',
        'node:gpu-a100-0',
        'node:gpu-h100-0',
        'product:NVIDIA-A100-SXM4-80GB',
        'summary',
      ],
      'the A100 product and the summary average the same measurements; its pods learn their GPU index; the H100 product did not move',
    );
    assert.deepEqual(h.tree().slice(0, 5), [
      'Cluster | 7/16 allocated · 2 GPU nodes · util 50% (measured)',
      'A100-SXM4-80GB | 2/8 allocated · 1 node · util 50% (measured) · mem 30 GB/GPU avg of 80 GB',
      '  gpu-a100-0 | 2/8 allocated · A100-SXM4-80GB · util 50% (measured) · mem 30 GB/GPU avg of 80 GB',
      '    train-resnet-0-x7k2p | team · 1 GPU allocated · GPU 0 · rank 0 · Running · 30m',
      '    train-resnet-1-q9m4w | team · 1 GPU allocated · GPU 1 · rank 1 · CrashLoopBackOff · 3 restarts · 30m',
    ]);
    assert.match(
      h.model.children(h.root('A100-SXM4-80GB'))[0]!.row.tooltip ?? '',
      /^- team\/train\\-resnet\\-0\\-x7k2p: 1 GPU allocated \(on GPU 0, from DCGM\)$/m,
    );
    metrics = { get: () => undefined, error: { userMessage: 'Prometheus at http://prometheus:9090 did not answer.' } };
    h.model.metrics = metrics;
    next = h.next();
    h.model.refreshMetrics();
    assert.equal(await next, undefined, 'the note row appears: the root list changes');
    assert.deepEqual(
      h.model
        .roots()
        .map((r) => r.row.label)
        .slice(0, 2),
      ['Cluster', 'GPU metrics unavailable'],
    );
  });

  it('shows nothing in a cluster without GPUs', async () => {
    h = new ModelHarness((d) => new GpusModel(d), { objects: [cpuNode] });
    await h.open();
    assert.deepEqual(h.model.roots(), []);
  });
});
