import { strict as assert } from 'node:assert';
import { browserPodManifest, rerunManifest } from './actions';
import { batchRunning, pytorchFailed } from './rows/fixtures';

describe('explorer actions', () => {
  it('re-runs a batch Job without its selector, controller labels or status, under a generated name', () => {
    const job = structuredClone(batchRunning);
    (job.spec as Record<string, unknown>).selector = { matchLabels: { 'controller-uid': 'x' } };
    (job.spec as { template: { metadata?: unknown } }).template.metadata = { labels: { 'controller-uid': 'x', 'job-name': 'train-a', app: 'keep' } };
    const m = rerunManifest(job);
    assert.equal(m.metadata.generateName, 'train-a-r');
    assert.equal(m.status, undefined);
    assert.equal((m.spec as Record<string, unknown>).selector, undefined);
    assert.deepEqual((m.spec as { template: { metadata: { labels: unknown } } }).template.metadata.labels, { app: 'keep' });
    assert.equal(m.metadata.annotations?.['kubeml.io/rerun-of'], 'train-a');
    assert.ok((batchRunning.spec as Record<string, unknown>).selector === undefined, 'the cached object is not modified');
  });

  it('re-runs a CRD job with its spec as is', () => {
    const m = rerunManifest(pytorchFailed);
    assert.deepEqual(m.spec, pytorchFailed.spec);
    assert.equal(m.kind, 'PyTorchJob');
  });

  it('browses a claim through a read-only mount in a pod that ends by itself', () => {
    const p = browserPodManifest('team', 'imagenet', 'busybox');
    const spec = p.spec as { activeDeadlineSeconds: number; volumes: Array<{ persistentVolumeClaim: { readOnly: boolean } }>; containers: Array<{ volumeMounts: Array<{ readOnly: boolean }> }> };
    assert.equal(spec.volumes[0].persistentVolumeClaim.readOnly, true);
    assert.equal(spec.containers[0].volumeMounts[0].readOnly, true);
    assert.ok(spec.activeDeadlineSeconds > 0);
  });
});
