import { strict as assert } from 'node:assert';
import type { KubeClient } from '../cluster/client';
import { Logger, nullSink } from '../common/logging';
import type { KubeMLSpec } from '../model/runSpec';
import { bestTrial, finalState, type SweepTrialRecord } from '../model/sweepRecords';
import { type CapacityPod, eligibleNode, fits, gpuCapacity, type NodeJson, placedRunPods, podGpus } from './capacity';
import { GpuAdmission, newSweepId } from './sweep';

const node = (
  name: string,
  gpus: number,
  over: { labels?: Record<string, string>; taint?: boolean; unschedulable?: boolean; notReady?: boolean } = {},
): NodeJson => ({
  metadata: { name, labels: over.labels ?? {} },
  spec: {
    ...(over.unschedulable ? { unschedulable: true } : {}),
    ...(over.taint ? { taints: [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }] } : {}),
  },
  status: {
    allocatable: { cpu: '8', 'nvidia.com/gpu': String(gpus) },
    conditions: [{ type: 'Ready', status: over.notReady ? 'False' : 'True' }],
  },
});
const pod = (nodeName: string | undefined, gpus: number, phase = 'Running', run?: string): CapacityPod => ({
  metadata: { name: `p-${Math.random()}`, labels: run ? { 'kubeml.io/run': run } : {} },
  spec: {
    ...(nodeName ? { nodeName } : {}),
    containers: [{ resources: { limits: { 'nvidia.com/gpu': String(gpus) } } }, { resources: {} }],
  },
  status: { phase },
});

describe('runs: free GPUs for sweep trials', () => {
  it('counts a pod’s GPUs from its containers (a limit alone sets the request), init containers when larger', () => {
    assert.equal(podGpus(pod('n', 2)), 2);
    assert.equal(
      podGpus({
        spec: {
          containers: [{ resources: { requests: { 'nvidia.com/gpu': '1' } } }],
          initContainers: [{ resources: { limits: { 'nvidia.com/gpu': '3' } } }],
        },
      }),
      3,
    );
    assert.equal(podGpus({ spec: { containers: [{}] } }), 0);
  });

  it('keeps GPU runs off simulated (KWOK) nodes, off other products, tainted nodes they do not tolerate, cordoned and not-ready nodes', () => {
    const gpuRun = { gpus: 1 };
    assert.equal(eligibleNode(node('real', 4, { taint: true }), gpuRun), true);
    assert.equal(eligibleNode(node('kwok', 8, { labels: { type: 'kwok' }, taint: true }), gpuRun), false);
    assert.equal(eligibleNode(node('a100', 8, { labels: { 'nvidia.com/gpu.product': 'A100' } }), { gpus: 1, gpuProduct: 'H100' }), false);
    assert.equal(eligibleNode(node('t', 8, { taint: true }), { gpus: 1, tolerateGpuTaint: false }), false);
    assert.equal(eligibleNode(node('c', 8, { unschedulable: true }), gpuRun), false);
    assert.equal(eligibleNode(node('r', 8, { notReady: true }), gpuRun), false);
  });

  it('free = allocatable less live pods’ requests, per eligible node', () => {
    const nodes = [node('a', 4), node('b', 2), node('kwok', 8, { labels: { type: 'kwok' } })];
    const pods = [pod('a', 1), pod('a', 2, 'Succeeded'), pod('b', 2), pod('kwok', 8), pod(undefined, 1)];
    const cap = gpuCapacity(nodes, pods, { gpus: 1 });
    assert.equal(cap.total, 6);
    assert.deepEqual(
      [...cap.freePerNode],
      [
        ['a', 3],
        ['b', 0],
      ],
    );
  });

  it('a trial fits only where a node has its GPUs free, after the sweep’s unplaced trials took theirs', () => {
    const free = new Map([
      ['a', 3],
      ['b', 1],
    ]);
    assert.equal(fits(free, 1, 2), true);
    assert.equal(fits(free, 1, 4), false, 'four free in all, but not on one node');
    assert.equal(fits(free, 2, 2, []), false);
    assert.equal(fits(free, 1, 2, [2]), false, 'a trial launched but not placed holds node a');
    assert.equal(fits(free, 1, 1, [2]), true);
    assert.equal(fits(new Map(), 3, 0), true, 'a CPU trial needs no GPU');
    assert.deepEqual(
      [...placedRunPods([pod('a', 1, 'Running', 'r1'), pod(undefined, 1, 'Pending', 'r2'), pod('b', 1, 'Running', 'r1')])],
      [['r1', 2]],
    );
  });
});

describe('model: the best trial of a sweep', () => {
  const t = (index: number, phase: SweepTrialRecord['phase'], metric?: number | null): SweepTrialRecord => ({
    index,
    params: {},
    phase,
    runId: `r${index}`,
    ...(metric !== undefined ? { metric } : {}),
  });
  it('is the succeeded trial with the highest (maximize) or lowest (minimize) metric, the earlier on a tie', () => {
    const trials = [
      t(0, 'succeeded', 0.8),
      t(1, 'failed', 0.99),
      t(2, 'succeeded', 0.9),
      t(3, 'succeeded', 0.9),
      t(4, 'running', 0.95),
      t(5, 'succeeded', null),
    ];
    assert.deepEqual(bestTrial(trials, 'maximize'), { trial: 2, runId: 'r2', value: 0.9 });
    assert.deepEqual(bestTrial(trials, 'minimize'), { trial: 0, runId: 'r0', value: 0.8 });
    assert.equal(bestTrial([t(0, 'failed', 1)], 'maximize'), undefined);
  });
  it('a sweep succeeded when a trial did, failed when none did, or was cancelled', () => {
    assert.equal(finalState([t(0, 'failed'), t(1, 'succeeded', 1)], false), 'succeeded');
    assert.equal(finalState([t(0, 'failed')], false), 'failed');
    assert.equal(finalState([t(0, 'succeeded', 1)], true), 'cancelled');
  });
});

describe('runs: GpuAdmission (when a sweep trial may start)', () => {
  const state: { nodes: NodeJson[]; pods: CapacityPod[]; fail?: Error } = { nodes: [], pods: [] };
  let reads = 0;
  const client = {
    json: async (path: string) => {
      reads++;
      if (state.fail) throw state.fail;
      return { items: path === '/api/v1/nodes' ? state.nodes : state.pods };
    },
  } as unknown as KubeClient;
  const warnings: string[] = [];
  const log = new Logger({ ...nullSink, warn: (m) => warnings.push(m) });
  const spec = { resources: { gpus: 2 } } as unknown as KubeMLSpec;
  // recheck far away: only wake() (a trial ending) makes it look again
  const admission = new GpuAdmission({ client, log }, spec, 3_600_000);
  const demand = (running: string[] = []) => ({ pods: 1, gpusPerPod: 2, running });
  beforeEach(() => {
    state.nodes = [node('real', 2, { taint: true }), node('kwok-0', 8, { labels: { type: 'kwok' }, taint: true })];
    state.pods = [];
    delete state.fail;
    reads = 0;
    warnings.length = 0;
  });

  it('a CPU trial starts without reading the cluster', async () => {
    await admission.admit(
      { pods: 1, gpusPerPod: 0, running: [] },
      new AbortController().signal,
      () => assert.fail('waited'),
      () => new Promise(() => undefined),
    );
    assert.equal(reads, 0);
  });

  it('a trial waits while its GPUs are held and starts when a trial ends and frees them', async () => {
    state.pods = [pod('real', 2, 'Running', 'other-run')];
    const waits: string[] = [];
    let wake: () => void = () => undefined;
    let admitted = false;
    const p = admission
      .admit(
        demand(),
        new AbortController().signal,
        (w) => waits.push(w),
        () => new Promise<void>((r) => (wake = r)),
      )
      .then(() => (admitted = true));
    await until(() => waits.length === 1);
    assert.deepEqual(waits, ['waiting for 2 free GPU(s): 0 of 2 free on the nodes it may use']);
    assert.equal(admitted, false);
    state.pods = [pod('real', 2, 'Succeeded', 'other-run')];
    wake();
    await p;
    assert.equal(admitted, true);
  });

  it('counts the sweep’s own started trials whose pods are not placed yet', async () => {
    const waits: string[] = [];
    const ctl = new AbortController();
    const p = admission.admit(
      demand(['r1']),
      ctl.signal,
      (w) => waits.push(w),
      () => new Promise<void>(() => undefined),
    );
    await until(() => waits.length === 1);
    ctl.abort();
    await assert.rejects(p);
    // Once r1's pod is on the node, the cluster's own count holds it: still no room.
    state.pods = [pod('real', 2, 'Running', 'r1')];
    const waits2: string[] = [];
    const ctl2 = new AbortController();
    const p2 = admission.admit(
      demand(['r1']),
      ctl2.signal,
      (w) => waits2.push(w),
      () => new Promise<void>(() => undefined),
    );
    await until(() => waits2.length === 1);
    ctl2.abort();
    await assert.rejects(p2);
  });

  it('a trial that could never fit, or a cluster it cannot count, is left to the scheduler', async () => {
    await admission.admit(
      { pods: 1, gpusPerPod: 4, running: [] },
      new AbortController().signal,
      () => assert.fail('waited'),
      () => new Promise(() => undefined),
    );
    state.fail = new Error('pods is forbidden');
    await admission.admit(
      demand(),
      new AbortController().signal,
      () => assert.fail('waited'),
      () => new Promise(() => undefined),
    );
    assert.match(warnings.join('\n'), /Cannot count the free GPUs \(pods is forbidden\): starting the trial; the scheduler decides/);
  });
});

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(cond(), 'condition not reached');
}

describe('runs: sweep ids', () => {
  it('are <name>-sweep-<time><random>, whatever the name holds', () => {
    const now = new Date('2026-12-03T10:00:00Z');
    assert.equal(newSweepId('my-train-model', now, 0.5), `my-train-model-sweep-${now.getTime().toString(36)}i00`);
    assert.match(newSweepId('forest', now, 0.1), /^forest-sweep-[a-z0-9]+$/);
  });
});
