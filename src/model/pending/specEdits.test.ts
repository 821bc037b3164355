import { strict as assert } from 'node:assert';
import { parse } from 'yaml';
import { applySpecEdit, specChange } from './specEdits';
import type { PendingAction } from './types';

const SPEC = `# How KubeML runs this workspace
name: forest
image: localhost/train:1   # kept, with its spaces
command: python3 train.py --samples {{samples}} --n-estimators {{n_estimators}} --max-depth {{max_depth}} --seed {{seed}}
parameters:
  samples: { type: integer, default: 4000, description: Rows }
resources:
  cpu: 500m   # half a core
  memory: 1Gi
env:
  OMP_NUM_THREADS: "1"
`;

const gpus = (n: number): PendingAction => ({ kind: 'setGpus', gpus: n, resource: 'nvidia.com/gpu', why: 'largestNode' });

function ok(text: string, action: PendingAction) {
  const r = applySpecEdit(text, action);
  if (!r.ok) assert.fail(r.reason);
  return r;
}

/** The lines of b that are not in a (in order): what an edit added or changed. */
function changed(a: string, b: string): string[] {
  const old = new Set(a.split('\n'));
  return b.split('\n').filter((l) => !old.has(l));
}

describe('pending actions -> kubeml.yaml edits', () => {
  it('adds resources.gpus under resources, leaving every other line as it was', () => {
    const r = ok(SPEC, gpus(2));
    assert.deepEqual(changed(SPEC, r.text), ['  gpus: 2']);
    assert.equal(r.text.split('\n').length, SPEC.split('\n').length + 1);
    assert.equal(parse(r.text).resources.gpus, 2);
    assert.equal(parse(r.text).resources.cpu, '500m');
    assert.equal(r.text.split('\n')[r.line], '  gpus: 2');
    assert.ok(r.text.includes('image: localhost/train:1   # kept, with its spaces'));
  });

  it('replaces an existing gpus value and keeps its comment', () => {
    const text = SPEC.replace('  memory: 1Gi\n', '  memory: 1Gi\n  gpus: 8 # all of them\n');
    const r = ok(text, gpus(4));
    assert.deepEqual(changed(text, r.text), ['  gpus: 4 # all of them']);
    assert.equal(r.text.split('\n')[r.line], '  gpus: 4 # all of them');
  });

  it('creates resources when the file has none', () => {
    const text = 'name: a\nimage: b\ncommand: c\n';
    const r = ok(text, gpus(1));
    assert.equal(r.text, 'name: a\nimage: b\ncommand: c\nresources:\n  gpus: 1\n');
    assert.equal(r.text.split('\n')[r.line], '  gpus: 1');
  });

  it('sets queue at the top level (switchQueue), and replaces one already there', () => {
    const action: PendingAction = {
      kind: 'switchQueue',
      queue: 'team-b',
      clusterQueue: 'cq-b',
      flavor: 'default',
      resource: 'cpu',
      free: 3,
    };
    const r = ok(SPEC, action);
    assert.deepEqual(changed(SPEC, r.text), ['queue: team-b']);
    assert.equal(parse(r.text).queue, 'team-b');
    const again = ok(SPEC + 'queue: team-a # the old one\n', action);
    assert.ok(again.text.endsWith('queue: team-b # the old one\n'));
  });

  it('tolerates the GPU taint with resources.tolerateGpuTaint; another taint cannot be said in kubeml.yaml', () => {
    const r = ok(SPEC, { kind: 'addToleration', key: 'nvidia.com/gpu', effect: 'NoSchedule', nodes: 2 });
    assert.equal(parse(r.text).resources.tolerateGpuTaint, true);
    const other = applySpecEdit(SPEC, { kind: 'addToleration', key: 'dedicated', value: 'ml', effect: 'NoSchedule', nodes: 1 });
    assert.equal(other.ok, false);
    assert.match((other as { reason: string }).reason, /dedicated/);
  });

  it('sets gpuProduct for the nvidia.com/gpu.product selector only', () => {
    const r = ok(SPEC, { kind: 'setNodeSelector', key: 'nvidia.com/gpu.product', from: 'H100', to: 'NVIDIA-A100-SXM4-80GB', nodes: 1 });
    assert.equal(parse(r.text).resources.gpuProduct, 'NVIDIA-A100-SXM4-80GB');
    assert.equal(applySpecEdit(SPEC, { kind: 'setNodeSelector', key: 'zone', from: 'a', to: 'b', nodes: 1 }).ok, false);
  });

  it('quotes a value YAML would read as something else', () => {
    const r = ok(SPEC, { kind: 'setNodeSelector', key: 'nvidia.com/gpu.product', from: 'x', to: 'true', nodes: 1 });
    assert.equal(parse(r.text).resources.gpuProduct, 'true');
  });

  it('refuses, saying why, a file that does not parse or a resources that is not a mapping', () => {
    const bad = applySpecEdit('name: [a\n', gpus(1));
    assert.equal(bad.ok, false);
    assert.match((bad as { reason: string }).reason, /does not parse/);
    const scalar = applySpecEdit('name: a\nresources: big\n', gpus(1));
    assert.equal(scalar.ok, false);
    assert.match((scalar as { reason: string }).reason, /resources.*not a mapping/);
  });

  it('refuses a flow mapping rather than rewriting its layout', () => {
    const r = applySpecEdit('name: a\nresources: { cpu: 1 }\n', gpus(2));
    assert.equal(r.ok, false);
  });

  it('has no kubeml.yaml change for blocking workloads or claims', () => {
    assert.ok('reason' in specChange({ kind: 'showBlockingWorkloads', workloads: [] }));
    assert.ok('reason' in specChange({ kind: 'createClaim', name: 'data' }));
  });
});
