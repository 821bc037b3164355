import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRun } from '../runs/generate';
import { type KubeMLSpec, loadSpec, resolveParams } from '../model/runSpec';
import { type RunPodJson, runCodeTarget } from './runTarget';

const SAMPLE = join(__dirname, '../../samples');

/** The pod of the run the launcher generates (the Job's pod template). */
function podOf(spec: KubeMLSpec): RunPodJson {
  const run = generateRun(spec, { runId: 'forest-1', purpose: 'train', namespace: 'default', params: resolveParams(spec) });
  const job = run.objects.find((o) => o.kind === 'Job')!;
  return (job.spec as { template: RunPodJson }).template;
}

describe('runCodeTarget: where Start Sync on a run pod proposes to sync', () => {
  let ws: string;
  beforeEach(() => {
    ws = mkdtempSync(join(tmpdir(), 'kubeml-run-target-'));
  });
  afterEach(() => rmSync(ws, { recursive: true, force: true }));

  it("reads the code path from the pod the run generated (the sample's codePath, not /workspace)", async () => {
    const spec = loadSpec(readFileSync(join(SAMPLE, 'kubeml.yaml'), 'utf8'));
    const pod = podOf(spec);
    const target = await runCodeTarget(pod, undefined);
    assert.deepEqual(target, { runId: 'forest-1', codePath: '/workspace/code', from: 'pod' });
  });

  it("falls back to the workspace's kubeml.yaml when the pod does not say, for a run of this workspace", async () => {
    writeFileSync(join(ws, 'kubeml.yaml'), 'name: forest\nimage: python:3.12\ncommand: python3 train.py\ncodePath: /src/app\n');
    const bare = {
      metadata: { labels: { 'kubeml.io/run': 'forest-2', 'kubeml.io/name': 'forest' } },
      spec: { containers: [{ name: 'c' }] },
    };
    assert.deepEqual(await runCodeTarget(bare, 'c', ws), { runId: 'forest-2', codePath: '/src/app', from: 'kubeml.yaml' });
    // Another workspace's run (other name, no record here): no guess.
    const other = { metadata: { labels: { 'kubeml.io/run': 'x-1', 'kubeml.io/name': 'x' } }, spec: { containers: [{ name: 'c' }] } };
    assert.equal(await runCodeTarget(other, 'c', ws), undefined);
    // Its record in .kubeml/runs says it is this workspace's run.
    mkdirSync(join(ws, '.kubeml/runs/x-1'), { recursive: true });
    writeFileSync(join(ws, '.kubeml/runs/x-1/run.json'), JSON.stringify({ version: 1, id: 'x-1' }));
    assert.deepEqual(await runCodeTarget(other, 'c', ws), { runId: 'x-1', codePath: '/src/app', from: 'kubeml.yaml' });
  });

  it('a pod of no run: undefined (Start Sync keeps kubeml.sync.remoteFolder)', async () => {
    assert.equal(await runCodeTarget({ metadata: { labels: { app: 'web' } } }, undefined, ws), undefined);
  });
});
