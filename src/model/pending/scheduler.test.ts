/**
 * The scheduler's and the quota admission's messages, as kube-scheduler v1.33.13 and k8s.io/apiserver v0.33.13
 * write them: test/fixtures/pending/messages.json is printed by test/fixtures/pending/upstream/main.go, which fills
 * the upstream format strings with the upstream types (its header names each source file: framework/types.go
 * FitError.Error, noderesources/fit.go, tainttoleration/taint_toleration.go, nodeaffinity/node_affinity.go,
 * volumebinding/volume_binding.go, defaultpreemption/default_preemption.go, resourcequota/controller.go), for the
 * 7-node fleet of test/fixtures/pending/fleet.json.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { explainPending, nodeRequestsFrom, parseFitMessage, parseQuotaRefusal } from './index';
import type { NodeLike, PendingInput, PodLike, ResourceMap } from './types';

const DIR = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'pending');
const MSG = JSON.parse(readFileSync(join(DIR, 'messages.json'), 'utf8')) as Record<string, string>;
const FLEET = JSON.parse(readFileSync(join(DIR, 'fleet.json'), 'utf8')) as { nodes: NodeLike[]; nodeRequests: Record<string, ResourceMap> };

const GPU_TOLERATION = { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' };

function pod(spec: NonNullable<PodLike['spec']>, message: string): PodLike {
  return {
    metadata: { name: 'train-7f9c2-x8k2p', namespace: 'ml' },
    spec,
    status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }] },
  };
}

const gpus = (n: number): NonNullable<PodLike['spec']>['containers'] => [
  { name: 'train', resources: { limits: { 'nvidia.com/gpu': String(n) } } },
];

function input(p: PodLike, extra: Partial<PendingInput> = {}): PendingInput {
  return { pods: [p], nodes: FLEET.nodes, nodeRequests: FLEET.nodeRequests, ...extra };
}

describe('pending: the scheduler', () => {
  it('parses the FitError: the reasons with their node counts, the preemption part kept apart', () => {
    const fit = parseFitMessage(MSG.taint!)!;
    assert.equal(fit.total, 7);
    assert.deepEqual(
      fit.reasons.map((r) => [r.kind, r.nodes]),
      [
        ['insufficient', 1],
        ['taint', 6],
      ],
    );
    assert.deepEqual(fit.reasons[1], {
      kind: 'taint',
      nodes: 6,
      text: 'node(s) had untolerated taint {nvidia.com/gpu: }',
      key: 'nvidia.com/gpu',
      value: '',
    });
    assert.match(fit.preemption!, /^preemption: 0\/7 nodes are available: 1 No preemption victims/);
    // A PreFilter message has no count: it stands for every node.
    assert.deepEqual(parseFitMessage(MSG.unbound!)!.reasons, [
      { kind: 'unboundClaims', nodes: 7, text: 'pod has unbound immediate PersistentVolumeClaims' },
    ]);
    assert.equal(parseFitMessage('pod was not scheduled'), undefined);
  });

  it('an untolerated GPU taint: the sentence counts the GPU nodes, the action adds the toleration, the detail says the GPUs are short even then', () => {
    const e = explainPending(input(pod({ containers: gpus(8) }, MSG.taint!)));
    assert.equal(e.sentence, '6 GPU nodes need a toleration for nvidia.com/gpu.');
    assert.equal(e.source, 'scheduler');
    assert.deepEqual(e.actions[0], { kind: 'addToleration', key: 'nvidia.com/gpu', effect: 'NoSchedule', nodes: 6 });
    assert.ok(
      e.details.some((d) => d.includes('even then, the most free nvidia.com/gpu on one of them is 4 of the 8 it needs')),
      e.details.join('\n'),
    );
    assert.ok(e.details.includes(`Scheduler: ${MSG.taint}`), 'the scheduler message is kept whole');
  });

  it('a taint with a value on other nodes names key=value', () => {
    const nodes: NodeLike[] = ['a', 'b', 'c'].map((n) => ({
      metadata: { name: n },
      spec: { taints: [{ key: 'dedicated', value: 'research', effect: 'NoSchedule' }] },
      status: { allocatable: { cpu: '8' } },
    }));
    const e = explainPending({ pods: [pod({ containers: gpus(1) }, MSG.taintOther!)], nodes });
    assert.equal(e.sentence, '3 nodes need a toleration for dedicated=research.');
    assert.deepEqual(e.actions[0], { kind: 'addToleration', key: 'dedicated', value: 'research', effect: 'NoSchedule', nodes: 3 });
  });

  it('a node selector that matches no node: says which values exist and proposes the near one', () => {
    const p = pod(
      { containers: gpus(1), tolerations: [GPU_TOLERATION], nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB' } },
      MSG.selector!,
    );
    const e = explainPending(input(p));
    assert.equal(
      e.sentence,
      'Its nodeSelector nvidia.com/gpu.product=NVIDIA-H100-80GB matches no node; the nodes have NVIDIA-A100-SXM4-80GB (3 nodes), NVIDIA-H100-80GB-HBM3 (3 nodes).',
    );
    assert.deepEqual(e.actions, [
      { kind: 'setNodeSelector', key: 'nvidia.com/gpu.product', from: 'NVIDIA-H100-80GB', to: 'NVIDIA-H100-80GB-HBM3', nodes: 3 },
    ]);
  });

  it('a selector with the nodes unknown (the Jobs view reads only pods): the count agrees with its verb; the GPU taint of the others is offered', () => {
    // The local cluster's kube-scheduler, for a pod with a nodeSelector no node has (1 real node, 6 simulated GPU nodes).
    const msg =
      "0/7 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 6 node(s) had untolerated taint {nvidia.com/gpu: }. preemption: 0/7 nodes are available: 7 Preemption is not helpful for scheduling.";
    const e = explainPending({ pods: [pod({ containers: gpus(0), nodeSelector: { zone: 'nowhere' } }, msg)] });
    assert.equal(e.sentence, '1 node does not match its node selector or affinity.');
    assert.deepEqual(e.actions, [{ kind: 'addToleration', key: 'nvidia.com/gpu', nodes: 6 }]);
    const seven = msg.replace('1 node(s)', '7 node(s)').replace(', 6 node(s) had untolerated taint {nvidia.com/gpu: }', '');
    assert.equal(
      explainPending({ pods: [pod({ containers: gpus(0) }, seven)] }).sentence,
      '7 nodes do not match its node selector or affinity.',
    );
  });

  it('a required node affinity on a label no node has', () => {
    const p = pod(
      {
        containers: gpus(1),
        tolerations: [GPU_TOLERATION],
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['eu-1'] }] }],
            },
          },
        },
      },
      MSG.selector!,
    );
    assert.equal(explainPending(input(p)).sentence, 'Its node affinity zone In eu-1 matches no node; no node has the label zone.');
  });

  it('too few free GPUs on any one node: the largest free block, computed from allocatable minus what is requested', () => {
    const e = explainPending(input(pod({ containers: gpus(8), tolerations: [GPU_TOLERATION] }, MSG.gpuShort!)));
    assert.equal(e.sentence, 'It needs 8 nvidia.com/gpu on one node; the largest free block is 4 on gpu-h100-3.');
    assert.deepEqual(e.actions, [{ kind: 'setGpus', gpus: 4, resource: 'nvidia.com/gpu', why: 'largestFreeBlock' }]);
  });

  it('more GPUs than any node has: says the largest node and proposes that many', () => {
    const e = explainPending(input(pod({ containers: gpus(16), tolerations: [GPU_TOLERATION] }, MSG.gpuShort!)));
    assert.equal(e.sentence, 'It needs 16 nvidia.com/gpu on one node; no node it can use has that many (the largest has 8).');
    assert.deepEqual(e.actions, [{ kind: 'setGpus', gpus: 8, resource: 'nvidia.com/gpu', why: 'largestNode' }]);
  });

  it('a CPU job short of cpu and memory: the resources first, the GPU taint only a detail', () => {
    const p = pod({ containers: [{ name: 'prep', resources: { requests: { cpu: '16', memory: '64Gi' } } }] }, MSG.cpuMemory!);
    const e = explainPending(input(p));
    assert.equal(e.sentence, 'It needs 16 cpu on one node; no node it can use has that many (the largest has 8).');
    assert.ok(
      e.details.some((d) => d.startsWith('1 node: not enough free memory: it needs 64Gi memory on one node')),
      e.details.join('\n'),
    );
    assert.ok(e.details.some((d) => d.startsWith('6 GPU nodes carry the taint nvidia.com/gpu:NoSchedule')));
  });

  it('an unbound claim: name, phase and storage class', () => {
    const p = pod({ containers: gpus(0), volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'datasets' } }] }, MSG.unbound!);
    const e = explainPending(
      input(p, {
        claims: [
          { metadata: { name: 'datasets', namespace: 'ml' }, spec: { storageClassName: 'nfs-client' }, status: { phase: 'Pending' } },
        ],
      }),
    );
    assert.equal(e.sentence, 'Its claim datasets is Pending, not bound (storage class nfs-client).');
    assert.deepEqual(e.actions, []);
  });

  it('a missing claim: the action creates it', () => {
    const p = pod(
      { containers: gpus(0), volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'datasets' } }] },
      MSG.claimMissing!,
    );
    const e = explainPending(input(p));
    assert.equal(e.sentence, 'Its claim datasets does not exist.');
    assert.deepEqual(e.actions, [{ kind: 'createClaim', name: 'datasets', namespace: 'ml' }]);
  });

  it('unknown reasons are passed through, never dropped', () => {
    const e = explainPending(input(pod({ containers: gpus(0) }, MSG.antiAffinity!)));
    assert.equal(e.sentence, "1 node: node(s) didn't satisfy existing pods anti-affinity rules.");
    assert.ok(e.details.includes(`Scheduler: ${MSG.antiAffinity}`));
    const odd = 'running PreBind plugin "VolumeBinding": binding volumes: timed out waiting for the condition';
    const f = explainPending(input(pod({ containers: gpus(0) }, odd)));
    assert.equal(f.sentence, `The scheduler cannot place it: ${odd}.`);
    assert.ok(f.details.includes(`Scheduler: ${odd}`));
  });

  it('reads the newest FailedScheduling event when the pod has no condition message', () => {
    const p: PodLike = {
      metadata: { name: 'train-7f9c2-x8k2p', namespace: 'ml' },
      spec: { containers: gpus(8), tolerations: [GPU_TOLERATION] },
    };
    const events = [
      {
        reason: 'FailedScheduling',
        message: MSG.taint!,
        lastTimestamp: '2026-01-01T00:00:00Z',
        involvedObject: { name: 'train-7f9c2-x8k2p' },
      },
      {
        reason: 'FailedScheduling',
        message: MSG.gpuShort!,
        lastTimestamp: '2026-01-01T00:05:00Z',
        involvedObject: { name: 'train-7f9c2-x8k2p' },
      },
    ];
    assert.equal(
      explainPending(input(p, { events })).sentence,
      'It needs 8 nvidia.com/gpu on one node; the largest free block is 4 on gpu-h100-3.',
    );
  });

  it('a cordoned node is no place to go: the free block is looked for on the others', () => {
    const nodes = FLEET.nodes.map((n) => (n.metadata.name === 'gpu-h100-3' ? { ...n, spec: { ...n.spec, unschedulable: true } } : n));
    const e = explainPending({ ...input(pod({ containers: gpus(8), tolerations: [GPU_TOLERATION] }, MSG.gpuShort!)), nodes });
    assert.equal(e.sentence, 'It needs 8 nvidia.com/gpu on one node; the largest free block is 2 on gpu-a100-1.');
  });

  it('nodeRequestsFrom sums what the bound, unfinished pods request per node', () => {
    const bound = (name: string, node: string, n: number, phase = 'Running'): PodLike => ({
      metadata: { name },
      spec: { nodeName: node, containers: gpus(n) },
      status: { phase },
    });
    assert.deepEqual(
      nodeRequestsFrom([
        bound('a', 'gpu-h100-2', 4),
        bound('b', 'gpu-h100-2', 2),
        bound('c', 'gpu-h100-2', 8, 'Succeeded'),
        pod({ containers: gpus(8) }, ''),
      ]),
      {
        'gpu-h100-2': { 'nvidia.com/gpu': 6 },
      },
    );
  });

  it('nothing reported: says so', () => {
    const e = explainPending({});
    assert.equal(e.source, 'none');
    assert.match(e.sentence, /^Nothing explains the wait yet/);
  });
});

describe('pending: ResourceQuota refusals', () => {
  const job = { kind: 'Job', metadata: { name: 'train-7f9c2', namespace: 'ml' } };
  const failedCreate = (message: string): PendingInput['events'] => [
    { reason: 'FailedCreate', type: 'Warning', message, involvedObject: { kind: 'Job', name: 'train-7f9c2' } },
  ];

  it('parses the admission message inside the FailedCreate event', () => {
    assert.deepEqual(parseQuotaRefusal(MSG.quotaMemory!), {
      quota: 'compute',
      requested: { 'limits.memory': 64 * 1024 ** 3, 'requests.memory': 64 * 1024 ** 3 },
      used: { 'limits.memory': 96 * 1024 ** 3, 'requests.memory': 96 * 1024 ** 3 },
      limited: { 'limits.memory': 128 * 1024 ** 3, 'requests.memory': 128 * 1024 ** 3 },
    });
  });

  it('a GPU quota: the numbers in the sentence, lower the GPUs to what is left', () => {
    const e = explainPending({ primary: job, events: failedCreate(MSG.quota!) });
    assert.equal(e.sentence, 'The namespace quota gpu-quota refuses its pods: each asks 8 requests.nvidia.com/gpu and 4 of 8 are in use.');
    assert.equal(e.source, 'quota');
    assert.deepEqual(e.actions, [{ kind: 'setGpus', gpus: 4, resource: 'nvidia.com/gpu', why: 'quotaFree' }]);
    assert.ok(e.details.includes(`Job controller: ${MSG.quota}`));
  });

  it("the quota's current status wins over the event's older numbers", () => {
    const quotas = [
      {
        metadata: { name: 'gpu-quota', namespace: 'ml' },
        status: { hard: { 'requests.nvidia.com/gpu': '8' }, used: { 'requests.nvidia.com/gpu': '6' } },
      },
    ];
    const e = explainPending({ primary: job, events: failedCreate(MSG.quota!), resourceQuotas: quotas });
    assert.equal(e.sentence, 'The namespace quota gpu-quota refuses its pods: each asks 8 requests.nvidia.com/gpu and 6 of 8 are in use.');
    assert.deepEqual(e.actions, [{ kind: 'setGpus', gpus: 2, resource: 'nvidia.com/gpu', why: 'quotaFree' }]);
  });

  it('a memory quota: Gi in the sentence, no GPU action', () => {
    const e = explainPending({ primary: job, events: failedCreate(MSG.quotaMemory!) });
    assert.equal(e.sentence, 'The namespace quota compute refuses its pods: each asks 64Gi limits.memory and 96Gi of 128Gi are in use.');
    assert.deepEqual(e.actions, []);
  });
});

describe('pending: any message, whole or cut short', () => {
  it('never throws and always keeps the message in the details (every prefix of every upstream message)', () => {
    for (const [key, full] of Object.entries(MSG)) {
      for (let i = 0; i <= full.length; i++) {
        const m = full.slice(0, i);
        if (!m) continue;
        const viaPod = explainPending(input(pod({ containers: gpus(8) }, m)));
        assert.ok(viaPod.details.includes(`Scheduler: ${m}`), `${key}[0..${i}] kept`);
        assert.ok(viaPod.sentence.length > 0);
        const viaKueue = explainPending({
          kueue: {
            workload: {
              metadata: { name: 'w' },
              status: { conditions: [{ type: 'QuotaReserved', status: 'False', reason: 'Pending', message: m }] },
            },
          },
        });
        assert.ok(viaKueue.details.includes(`Kueue: Pending: ${m}`), `${key}[0..${i}] kept by the Kueue reader`);
      }
    }
  });
});
