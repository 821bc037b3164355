import { strict as assert } from 'node:assert';
import { browserPodManifest } from '../cluster/stream/claimPod';
import { parsePortSpec, rerunManifest, servingPort } from './actions';
import { batchRunning, pytorchFailed } from './rows/fixtures';

describe('explorer actions', () => {
  it('re-runs a batch Job without its selector, controller labels or status, under a generated name', () => {
    const job = structuredClone(batchRunning);
    (job.spec as Record<string, unknown>).selector = { matchLabels: { 'controller-uid': 'x' } };
    (job.spec as { template: { metadata?: unknown } }).template.metadata = {
      labels: { 'controller-uid': 'x', 'job-name': 'train-a', app: 'keep' },
    };
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
    const spec = p.spec as {
      activeDeadlineSeconds: number;
      volumes: Array<{ persistentVolumeClaim: { readOnly: boolean } }>;
      containers: Array<{ volumeMounts: Array<{ readOnly: boolean }> }>;
    };
    assert.equal(spec.volumes[0].persistentVolumeClaim.readOnly, true);
    assert.equal(spec.containers[0].volumeMounts[0].readOnly, true);
    assert.ok(spec.activeDeadlineSeconds > 0);
  });

  it('pins the browse pod to the node that already mounts the claim, when there is one', () => {
    const spec = browserPodManifest('team', 'imagenet', 'busybox', 'gpu-7').spec as {
      affinity?: {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: Array<{ matchFields: unknown }> } };
      };
    };
    assert.deepEqual(spec.affinity?.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields, [
      { key: 'metadata.name', operator: 'In', values: ['gpu-7'] },
    ]);
    assert.equal((browserPodManifest('team', 'imagenet', 'busybox').spec as { affinity?: unknown }).affinity, undefined);
  });

  it('reads a port spec: a port, or local:remote', () => {
    assert.deepEqual(parsePortSpec('6006'), { local: undefined, remote: 6006 });
    assert.deepEqual(parsePortSpec(' 16006:6006 '), { local: 16006, remote: 6006 });
    assert.deepEqual(parsePortSpec('0:8080'), { local: 0, remote: 8080 });
    for (const bad of ['', '0', '65536', '1:70000', 'abc', '80:', ':80', '6006/tcp']) assert.equal(parsePortSpec(bad), undefined, bad);
  });

  it('finds the serving port of a predictor: kserve-container first, then any declared port, else 8080', () => {
    const pod = (containers: unknown[]) => ({ metadata: { name: 'p' }, spec: { containers } }) as Parameters<typeof servingPort>[0];
    assert.equal(
      servingPort(
        pod([
          { name: 'queue-proxy', ports: [{ containerPort: 8012 }] },
          { name: 'kserve-container', ports: [{ containerPort: 8085 }] },
        ]),
      ),
      8085,
    );
    assert.equal(servingPort(pod([{ name: 'server', ports: [{ containerPort: 9000 }] }])), 9000);
    assert.equal(servingPort(pod([{ name: 'server' }])), 8080);
  });
});
