import { strict as assert } from 'node:assert';
import { avoidSimulatedNodes, schedulingHint, schedulingReasons } from './scheduling';

// Messages as kube-scheduler v1.33 writes them (pkg/scheduler/framework/types.go FitError.Error():
// "0/N nodes are available: <count> <reason>, ... . preemption: ...").
const TAINT =
  '0/7 nodes are available: 1 Insufficient nvidia.com/gpu, 6 node(s) had untolerated taint {nvidia.com/gpu: }. preemption: 0/7 nodes are available: 1 No preemption victims found for incoming pod, 6 Preemption is not helpful for scheduling.';
const SIMULATED =
  "0/7 nodes are available: 1 Insufficient nvidia.com/gpu, 6 node(s) didn't match Pod's node affinity/selector. preemption: 0/7 nodes are available: 1 No preemption victims found for incoming pod, 6 Preemption is not helpful for scheduling.";

describe('runs: why the scheduler refused a run, and what to change', () => {
  it('splits the first sentence into counted reasons and ignores the preemption part', () => {
    assert.deepEqual(schedulingReasons(TAINT), [
      { nodes: 1, text: 'Insufficient nvidia.com/gpu' },
      { nodes: 6, text: 'node(s) had untolerated taint {nvidia.com/gpu: }' },
    ]);
    assert.deepEqual(schedulingReasons('0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory.'), [
      { nodes: 1, text: 'Insufficient cpu' },
      { nodes: 1, text: 'Insufficient memory' },
    ]);
    assert.deepEqual(schedulingReasons('something else'), []);
  });

  it('names the GPU taint as the cause when GPU nodes are tainted and the run does not tolerate it', () => {
    const hint = schedulingHint(TAINT, {});
    assert.match(hint, /^6 GPU node\(s\) carry the nvidia\.com\/gpu taint/);
    assert.match(hint, /tolerateGpuTaint: false/);
  });

  it('does not tell a run that asks for no GPU to tolerate the GPU taint (the e2e case: its cpu was short on the real node)', () => {
    const msg =
      '0/7 nodes are available: 1 Insufficient cpu, 6 node(s) had untolerated taint {nvidia.com/gpu: }. preemption: 0/7 nodes are available: 1 No preemption victims found for incoming pod, 6 Preemption is not helpful for scheduling.';
    const hint = schedulingHint(msg, { containers: [{ resources: { requests: { cpu: '500m', memory: '1Gi' } } }] });
    assert.doesNotMatch(hint, /tolerateGpuTaint/);
    assert.match(hint, /6 GPU node\(s\) are kept for GPU work \(taint nvidia\.com\/gpu\) and this run asks for no GPU/);
    assert.match(hint, /1 node\(s\): Insufficient cpu: lower cpu\/memory/);
    // A GPU run that does not tolerate it is told to.
    assert.match(schedulingHint(msg, { containers: [{ resources: { limits: { 'nvidia.com/gpu': 1 } } }] }), /tolerateGpuTaint: false/);
  });

  it('says simulated nodes never run code when the run keeps off them and only they would fit', () => {
    const hint = schedulingHint(SIMULATED, { affinity: avoidSimulatedNodes(), tolerations: [{ key: 'nvidia.com/gpu' }] });
    assert.match(hint, /6 node\(s\) are ruled out by the run's node selection \(simulated \(KWOK\) nodes/);
    assert.match(hint, /run with gpus: 0/);
    assert.doesNotMatch(hint, /taint/);
  });

  it('names the product when a gpuProduct selector rules nodes out, without the simulated-node story', () => {
    const hint = schedulingHint(SIMULATED, { nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' } });
    assert.match(hint, /nodes without gpuProduct NVIDIA-H100-80GB-HBM3/);
    assert.doesNotMatch(hint, /KWOK/);
  });

  it('asks for less cpu or memory when that is what is short', () => {
    const hint = schedulingHint(
      '0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No preemption victims found.',
    );
    assert.match(hint, /1 node\(s\): Insufficient memory: lower cpu\/memory/);
  });
});

describe('runs: reasons the run advice does not cover', () => {
  it('passes them through in the hint instead of a generic "lower resources"', () => {
    const msg =
      "0/7 nodes are available: 1 node(s) didn't satisfy existing pods anti-affinity rules, 6 node(s) had untolerated taint {nvidia.com/gpu: }. preemption: 0/7 nodes are available: 1 No preemption victims found for incoming pod, 6 Preemption is not helpful for scheduling.";
    const hint = schedulingHint(msg, {});
    assert.match(hint, /1 node: node\(s\) didn't satisfy existing pods anti-affinity rules\./);
    assert.match(hint, /^6 GPU node\(s\) carry the nvidia\.com\/gpu taint/);
    const cordoned = schedulingHint(
      '0/3 nodes are available: 3 node(s) were unschedulable. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    );
    assert.match(cordoned, /3 nodes are cordoned \(unschedulable\)\./);
  });

  it('counts a PreFilter reason (no count of its own) for every node, so an unbound claim gets the claim advice', () => {
    assert.deepEqual(
      schedulingReasons(
        '0/7 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/7 nodes are available: 7 Preemption is not helpful for scheduling.',
      ),
      [{ nodes: 7, text: 'pod has unbound immediate PersistentVolumeClaims' }],
    );
  });
});
