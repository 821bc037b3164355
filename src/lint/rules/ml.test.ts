import { strict as assert } from 'node:assert';
import { parse } from 'yaml';
import { CLEAN_GPU_JOB, fix, hits, y } from '../testUtil';

function job(from: string, to: string): string {
  assert.ok(CLEAN_GPU_JOB.includes(from), `fixture has no "${from}"`);
  return CLEAN_GPU_JOB.replace(from, to);
}

function once(text: string, rule: string, line: number, underlined: string, withFix = true, config = {}): string | undefined {
  const h = hits(text, rule, config);
  assert.equal(h.length, 1, `${rule}: ${JSON.stringify(h.map((x) => `${x.line} ${x.message}`))}`);
  assert.equal(h[0]!.line, line, h[0]!.message);
  assert.equal(h[0]!.text, underlined);
  if (!withFix) {
    assert.equal(h[0]!.finding.fixes, undefined);
    return undefined;
  }
  const fixed = fix(text, h[0]!);
  assert.doesNotThrow(() => parse(fixed), fixed);
  assert.deepEqual(hits(fixed, rule, config), [], `still fires after the fix:\n${fixed}`);
  return fixed;
}

const container = (text: string) => parse(text).spec.template.spec.containers[0];

describe('lint ML rules', () => {
  describe('gpu-limits', () => {
    it('a GPU request without a limit is an error; the fix copies the request', () => {
      const text = job(
        '              memory: 16Gi\n              nvidia.com/gpu: 1\n          volumeMounts:',
        '              memory: 16Gi\n          volumeMounts:',
      );
      const fixed = once(text, 'gpu-limits', 30, 'nvidia.com/gpu');
      assert.equal(hits(text, 'gpu-limits')[0]!.severity, 'error');
      assert.equal(container(fixed!).resources.limits['nvidia.com/gpu'], 1);
    });
    it('requests different from limits; the fix sets the request to the limit', () => {
      const text = job('              nvidia.com/gpu: 1\n            limits:', '              nvidia.com/gpu: 2\n            limits:');
      const fixed = once(text, 'gpu-limits', 30, '2');
      assert.equal(container(fixed!).resources.requests['nvidia.com/gpu'], 1);
    });
    it('a limit alone is fine (the request defaults to it), and so is amd.com/gpu set in both', () => {
      assert.deepEqual(hits(job('              nvidia.com/gpu: 1\n            limits:', '            limits:'), 'gpu-limits'), []);
      assert.deepEqual(hits(CLEAN_GPU_JOB.replaceAll('nvidia.com/gpu: 1', 'amd.com/gpu: 1'), 'gpu-limits'), []);
    });
  });

  describe('gpu-fractional', () => {
    it('0.5 and "500m" are errors; the fix rounds up to a whole GPU', () => {
      const text = CLEAN_GPU_JOB.replace('nvidia.com/gpu: 1', 'nvidia.com/gpu: 0.5').replace(
        '              nvidia.com/gpu: 1',
        '              nvidia.com/gpu: "500m"',
      );
      const h = hits(text, 'gpu-fractional');
      assert.deepEqual(
        h.map((x) => [x.line, x.text]),
        [
          [30, '0.5'],
          [34, '"500m"'],
        ],
      );
      const fixed = fix(fix(text, h[1]!), h[0]!);
      assert.deepEqual(hits(fixed, 'gpu-fractional'), []);
      assert.equal(container(fixed).resources.limits['nvidia.com/gpu'], 1);
    });
    it('whole numbers, as numbers or strings, are fine', () => {
      assert.deepEqual(hits(CLEAN_GPU_JOB.replaceAll('nvidia.com/gpu: 1', 'nvidia.com/gpu: "2"'), 'gpu-fractional'), []);
    });
  });

  describe('gpu-toleration', () => {
    it('a GPU pod without the nvidia.com/gpu toleration; the fix adds it', () => {
      const text = job('      tolerations:\n        - key: nvidia.com/gpu\n          operator: Exists\n          effect: NoSchedule\n', '');
      const fixed = once(text, 'gpu-toleration', 15, 'containers');
      assert.deepEqual(parse(fixed!).spec.template.spec.tolerations, [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    });
    it('with other tolerations, the fix adds an item to the list', () => {
      const text = job('        - key: nvidia.com/gpu', '        - key: dedicated');
      const fixed = once(text, 'gpu-toleration', 13, 'tolerations');
      assert.equal(parse(fixed!).spec.template.spec.tolerations.length, 2);
    });
    it('a blanket "operator: Exists" tolerates everything; CPU pods need nothing', () => {
      assert.deepEqual(hits(job('        - key: nvidia.com/gpu\n', '        - '), 'gpu-toleration'), []);
      assert.deepEqual(
        hits(
          CLEAN_GPU_JOB.replaceAll('              nvidia.com/gpu: 1\n', '').replace(/ {6}tolerations:\n(.*\n){3}/, ''),
          'gpu-toleration',
        ),
        [],
      );
    });
  });

  describe('gpu-node-selector', () => {
    it('no GPU product selected; the fix selects nvidia.com/gpu.present', () => {
      const text = job('      nodeSelector:\n        nvidia.com/gpu.product: NVIDIA-A100-SXM4-80GB\n', '');
      const fixed = once(text, 'gpu-node-selector', 17, 'containers');
      assert.deepEqual(parse(fixed!).spec.template.spec.nodeSelector, { 'nvidia.com/gpu.present': 'true' });
    });
    it('node affinity on a GPU label counts', () => {
      const text = job(
        '      nodeSelector:\n        nvidia.com/gpu.product: NVIDIA-A100-SXM4-80GB\n',
        '      affinity:\n        nodeAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            nodeSelectorTerms:\n              - matchExpressions:\n                  - {key: cloud.google.com/gke-accelerator, operator: In, values: [nvidia-l4]}\n',
      );
      assert.deepEqual(hits(text, 'gpu-node-selector'), []);
    });
  });

  describe('shm-size', () => {
    it('a PyTorch container without a memory /dev/shm; the fix adds the volume and the mount', () => {
      const text = job(
        '          volumeMounts:\n            - name: dshm\n              mountPath: /dev/shm\n      volumes:\n        - name: dshm\n          emptyDir:\n            medium: Memory\n',
        '',
      );
      const fixed = once(text, 'shm-size', 20, 'train');
      const spec = parse(fixed!).spec.template.spec;
      assert.deepEqual(spec.volumes, [{ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '8Gi' } }]);
      assert.deepEqual(spec.containers[0].volumeMounts, [{ name: 'dshm', mountPath: '/dev/shm' }]);
    });
    it('/dev/shm on a disk-backed emptyDir is flagged on the mount', () => {
      once(job('            medium: Memory', '            sizeLimit: 1Gi'), 'shm-size', 36, 'dshm', false);
    });
    it('a container that is not PyTorch-like is left alone', () => {
      const text = job('          command: ["torchrun", "train.py"]', '          command: ["python3", "etl.py"]').replace(
        / {10}volumeMounts:\n(.*\n){2}/,
        '',
      );
      assert.deepEqual(hits(text, 'shm-size'), []);
    });
  });

  describe('Jobs', () => {
    it('job-restart-policy: Always is an error, fixed to Never', () => {
      once(job('restartPolicy: Never', 'restartPolicy: Always'), 'job-restart-policy', 10, 'restartPolicy');
    });
    it('job-restart-policy: missing, underlines the pod spec key', () => {
      const fixed = once(job('      restartPolicy: Never\n', ''), 'job-restart-policy', 9, 'spec');
      assert.equal(parse(fixed!).spec.template.spec.restartPolicy, 'Never');
    });
    it('job-backoff-limit and job-ttl', () => {
      const fixed = once(job('  backoffLimit: 2\n', ''), 'job-backoff-limit', 5, 'spec');
      assert.equal(parse(fixed!).spec.backoffLimit, 2);
      once(job('  ttlSecondsAfterFinished: 3600\n', ''), 'job-ttl', 5, 'spec');
    });
    it('a CronJob is checked through its jobTemplate, and needs no TTL', () => {
      const text = y(
        'apiVersion: batch/v1',
        'kind: CronJob',
        'metadata: {name: drift}',
        'spec:',
        '  schedule: "0 * * * *"',
        '  jobTemplate:',
        '    spec:',
        '      template:',
        '        spec:',
        '          restartPolicy: Always',
        '          containers: [{name: c, image: "busybox:1.36"}]',
      );
      assert.deepEqual(
        hits(text, 'job-restart-policy').map((h) => h.line),
        [10],
      );
      assert.deepEqual(
        hits(text, 'job-backoff-limit').map((h) => h.line),
        [7],
      );
      assert.deepEqual(hits(text, 'job-ttl'), []);
    });
  });

  describe('pvc-not-found', () => {
    const withClaim = job(
      '        - name: dshm\n          emptyDir:',
      '        - name: data\n          persistentVolumeClaim:\n            claimName: imagenet\n        - name: dshm\n          emptyDir:',
    );
    const facts = (names: string[]) => ({ facts: { pvcNames: (ns: string) => (ns === 'default' ? new Set(names) : undefined) } });
    it('flags a claim the connected cluster does not have', () => {
      once(withClaim, 'pvc-not-found', 41, 'imagenet', false, facts(['other']));
    });
    it('says nothing when the claim exists, is defined in the same file, or the cluster is unknown', () => {
      assert.deepEqual(hits(withClaim, 'pvc-not-found', facts(['imagenet'])), []);
      const pvc = y(
        'apiVersion: v1',
        'kind: PersistentVolumeClaim',
        'metadata: {name: imagenet}',
        'spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}',
      );
      assert.deepEqual(hits(pvc + '---\n' + withClaim, 'pvc-not-found', facts([])), []);
      assert.deepEqual(hits(withClaim, 'pvc-not-found'), []);
    });
  });

  describe('training-replicas', () => {
    const pytorch = (master: number, name = 'pytorch') =>
      y(
        'apiVersion: kubeflow.org/v1',
        'kind: PyTorchJob',
        'metadata: {name: ddp}',
        'spec:',
        '  pytorchReplicaSpecs:',
        '    Master:',
        `      replicas: ${master}`,
        '      template:',
        '        spec:',
        `          containers: [{name: ${name}, image: "ghcr.io/acme/train:1"}]`,
        '    Worker:',
        '      replicas: 3',
        '      template:',
        '        spec:',
        '          containers: [{name: pytorch, image: "ghcr.io/acme/train:1"}]',
      );
    it('two masters is an error, fixed to one', () => {
      once(pytorch(2), 'training-replicas', 7, '2');
      assert.deepEqual(hits(pytorch(1), 'training-replicas'), []);
    });
    it('the operator needs a container named "pytorch"', () => {
      once(pytorch(1, 'trainer'), 'training-replicas', 10, 'trainer');
    });
    it('a TrainJob needs numNodes >= 1 and a runtimeRef', () => {
      const text = y(
        'apiVersion: trainer.kubeflow.org/v1alpha1',
        'kind: TrainJob',
        'metadata: {name: t}',
        'spec:',
        '  trainer:',
        '    numNodes: 0',
      );
      assert.deepEqual(
        hits(text, 'training-replicas').map((h) => [h.line, h.text]),
        [
          [4, 'spec'],
          [6, '0'],
        ],
      );
    });
  });

  describe('isvc-storage-uri', () => {
    const isvc = (uri: string) =>
      y(
        'apiVersion: serving.kserve.io/v1beta1',
        'kind: InferenceService',
        'metadata: {name: m}',
        'spec:',
        '  predictor:',
        '    model:',
        '      modelFormat: {name: sklearn}',
        `      storageUri: ${uri}`,
      );
    it('flags an unknown scheme and a missing scheme', () => {
      once(isvc('ftp://models/iris'), 'isvc-storage-uri', 8, 'ftp://models/iris', false);
      once(isvc('/mnt/models/iris'), 'isvc-storage-uri', 8, '/mnt/models/iris', false);
    });
    it('accepts the schemes KServe lists (s3, gs, pvc, file, hf, oci, https, ...) and oci with a transport', () => {
      for (const uri of [
        'file:///mnt/models/iris',
        'oci+fetch://ghcr.io/m:1',
        'oci+native://ghcr.io/m:1',
        's3://b/iris',
        'gs://b/iris',
        'pvc://models/iris',
        'hf://org/model',
        'oci://ghcr.io/m:1',
        'https://example.com/m.joblib',
      ])
        assert.deepEqual(hits(isvc(uri), 'isvc-storage-uri'), [], uri);
    });
  });

  describe('gpu-sidecar', () => {
    it('flags GPUs on an init container and on a proxy sidecar, not on the main container', () => {
      const text = job(
        '      containers:',
        '      initContainers:\n        - name: fetch\n          image: busybox:1.36\n          resources:\n            limits: {nvidia.com/gpu: 1}\n      containers:\n        - name: istio-proxy\n          image: istio/proxyv2:1.22.0\n          resources:\n            limits: {nvidia.com/gpu: 1}',
      );
      const h = hits(text, 'gpu-sidecar');
      assert.deepEqual(
        h.map((x) => [x.line, x.text]),
        [
          [23, '1'],
          [28, '1'],
        ],
      );
    });
  });
});
