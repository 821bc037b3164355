import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  CONTROL_DIR,
  generateRun,
  type KubeObject,
  LABEL_KIND,
  LABEL_RUN,
  newRunId,
  parsePvcUri,
  READY_FILE,
  shellQuote,
  validationOnlyParameters,
  toYaml,
  WAIT_SCRIPT,
} from './generate';
import { refPath } from '../cluster/resources';
import { loadSpec, resolveParams } from '../model/runSpec';

const sample = loadSpec(readFileSync(join(__dirname, '..', '..', 'samples', 'kubeml.yaml'), 'utf8'));
const params = resolveParams(sample);

type Pod = {
  containers: Array<
    Record<string, unknown> & {
      command: string[];
      env: Array<{ name: string; value: string }>;
      volumeMounts: Array<{ name: string; mountPath: string; subPath?: string }>;
    }
  >;
  volumes: Array<Record<string, unknown>>;
  tolerations?: unknown;
  affinity?: unknown;
  nodeSelector?: unknown;
  restartPolicy: string;
};
const podOf = (o: KubeObject) => (o.spec.template as { spec: Pod }).spec;
const env = (p: Pod) => Object.fromEntries(p.containers[0].env.map((e) => [e.name, e.value]));

describe('runs: manifest generation', () => {
  const train = generateRun(sample, { runId: 'forest-train-abc', purpose: 'train', namespace: 'team-a', params });

  it('makes a Job whose pod waits for the code, then runs the command in the code folder', () => {
    assert.equal(train.objects.length, 1);
    const job = train.objects[0];
    assert.deepEqual(
      [job.apiVersion, job.kind, job.metadata.name, job.metadata.namespace],
      ['batch/v1', 'Job', 'forest-train-abc', 'team-a'],
    );
    assert.equal(job.spec.backoffLimit, 0);
    const pod = podOf(job);
    assert.equal(pod.restartPolicy, 'Never');
    const c = pod.containers[0];
    assert.deepEqual(c.command.slice(0, 4), ['sh', '-c', WAIT_SCRIPT, 'kubeml']);
    assert.deepEqual(c.command.slice(4), ['sh', '-c', 'python3 train.py --samples 4000 --n-estimators 100 --max-depth 8 --seed 42']);
    assert.match(WAIT_SCRIPT, new RegExp(`until \\[ -f ${READY_FILE} \\]`));
    assert.match(WAIT_SCRIPT, /exec "\$@"$/);
    assert.equal(c.image, sample.image);
    assert.equal(c.imagePullPolicy, 'Never');
    assert.deepEqual(train.command, c.command.slice(4));
  });

  it('labels the object and its pods with the run and its kind', () => {
    const job = train.objects[0];
    assert.equal(job.metadata.labels[LABEL_RUN], 'forest-train-abc');
    assert.equal(job.metadata.labels[LABEL_KIND], 'train');
    const tpl = (job.spec.template as { metadata: { labels: Record<string, string> } }).metadata.labels;
    assert.equal(tpl[LABEL_RUN], 'forest-train-abc');
    assert.equal(train.podSelector, `${LABEL_RUN}=forest-train-abc`);
    assert.equal(JSON.parse(job.metadata.annotations!['kubeml.io/parameters']).n_estimators, 100);
  });

  it('mounts the code and control emptyDirs, the datasets and the artifacts claim', () => {
    const spec = { ...sample, datasets: [{ claim: 'iris', path: '/data', readOnly: true, subPath: 'v2' }] };
    const pod = podOf(generateRun(spec, { runId: 'r1', purpose: 'train', namespace: 'ns', params }).objects[0]);
    const mounts = Object.fromEntries(pod.containers[0].volumeMounts.map((m) => [m.mountPath, m]));
    assert.equal(mounts['/workspace/code'].name, 'kubeml-code');
    assert.equal(mounts[CONTROL_DIR].name, 'kubeml-control');
    assert.deepEqual(mounts['/data'], { name: 'data-0', mountPath: '/data', subPath: 'v2', readOnly: true });
    assert.equal(mounts['/artifacts'].name, 'artifacts');
    const vols = Object.fromEntries(pod.volumes.map((v) => [v.name as string, v]));
    assert.deepEqual(vols['kubeml-code'], { name: 'kubeml-code', emptyDir: {} });
    assert.deepEqual(vols['data-0'], { name: 'data-0', persistentVolumeClaim: { claimName: 'iris', readOnly: true } });
    assert.deepEqual(vols.artifacts, { name: 'artifacts', persistentVolumeClaim: { claimName: 'kubeml-artifacts' } });
    assert.equal(env(pod).KUBEML_ARTIFACTS, '/artifacts/r1');
  });

  it('passes parameters, env and the run identity as environment variables', () => {
    const e = env(podOf(train.objects[0]));
    assert.equal(e.OMP_NUM_THREADS, '1');
    assert.equal(e.KUBEML_PARAM_N_ESTIMATORS, '100');
    assert.equal(e.KUBEML_RUN_ID, 'forest-train-abc');
    assert.equal(e.KUBEML_RUN_KIND, 'train');
    assert.equal(e.KUBEML_CODE, '/workspace/code');
    assert.equal(e.KUBEML_UPLOAD_TIMEOUT, '300');
    assert.deepEqual(JSON.parse(e.KUBEML_PARAMS), params);
  });

  it('requests resources; GPUs as request and limit; stays off tainted GPU nodes unless asked', () => {
    const c = podOf(train.objects[0]).containers[0];
    assert.deepEqual(c.resources, { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '1Gi' } });
    assert.equal(podOf(train.objects[0]).tolerations, undefined);
    const gpu = { ...sample, resources: { gpus: 2, gpuProduct: 'NVIDIA-A100-SXM4-80GB', tolerateGpuTaint: true } };
    const pod = podOf(generateRun(gpu, { runId: 'g', purpose: 'train', namespace: 'ns', params }).objects[0]);
    assert.deepEqual(pod.containers[0].resources, { requests: { 'nvidia.com/gpu': '2' }, limits: { 'nvidia.com/gpu': '2' } });
    assert.deepEqual(pod.nodeSelector, { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' });
    assert.deepEqual(pod.tolerations, [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
  });

  it('a GPU run tolerates the GPU taint by default and keeps off simulated (KWOK) nodes; false opts out', () => {
    const gen = (resources: Record<string, unknown>) =>
      podOf(generateRun({ ...sample, resources }, { runId: 'g', purpose: 'train', namespace: 'ns', params }).objects[0]);
    const gpu = gen({ gpus: 4 });
    assert.deepEqual(gpu.tolerations, [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    assert.deepEqual(gpu.affinity, {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'type', operator: 'NotIn', values: ['kwok'] }] }],
        },
      },
    });
    const optedOut = gen({ gpus: 4, tolerateGpuTaint: false });
    assert.equal(optedOut.tolerations, undefined);
    assert.equal(optedOut.affinity, undefined);
    const cpu = gen({ cpu: '1' });
    assert.equal(cpu.tolerations, undefined);
    assert.equal(cpu.affinity, undefined);
  });

  it("knows which parameters only validation uses: the sample's shift; not one the training side names too", () => {
    assert.deepEqual([...validationOnlyParameters(sample)], ['shift']);
    const both = { ...sample, env: { ...sample.env, SHIFT: '{{shift}}' } };
    assert.deepEqual([...validationOnlyParameters(both)], []);
  });

  it('quotes substituted values in a shell line but not in an argument list', () => {
    const spec = {
      ...sample,
      command: 'python3 t.py --msg {{msg}}',
      parameters: { msg: { type: 'string' as const, default: "it's; rm -rf /" } },
    };
    const shell = generateRun(spec, { runId: 'q', purpose: 'train', namespace: 'ns', params: { msg: "it's; rm -rf /" } });
    assert.deepEqual(shell.command, ['sh', '-c', `python3 t.py --msg 'it'\\''s; rm -rf /'`]);
    const list = generateRun(
      { ...spec, command: ['python3', 't.py', '--msg={{msg}}'] },
      { runId: 'q', purpose: 'train', namespace: 'ns', params: { msg: 'a b' } },
    );
    assert.deepEqual(list.command, ['python3', 't.py', '--msg=a b']);
    assert.equal(shellQuote('/artifacts/r-1/reference.csv'), '/artifacts/r-1/reference.csv');
    assert.throws(
      () => generateRun({ ...sample, command: 'x {{nope}}' }, { runId: 'q', purpose: 'train', namespace: 'ns', params }),
      /uses \{\{nope\}\}/,
    );
  });

  it('makes a validation Job for a finished run that reads the model from the artifacts claim', () => {
    const val = generateRun(sample, {
      runId: 'forest-val-x',
      purpose: 'validate',
      namespace: 'ns',
      params,
      model: { kind: 'run', runId: 'forest-train-abc' },
    });
    const job = val.objects[0];
    assert.equal(job.metadata.labels[LABEL_KIND], 'validate');
    assert.equal(job.metadata.annotations!['kubeml.io/parent-run'], 'forest-train-abc');
    const e = env(podOf(job));
    assert.equal(e.KUBEML_MODEL, '/artifacts/forest-train-abc');
    assert.equal(e.KUBEML_REFERENCE, '/artifacts/forest-train-abc/reference.csv');
    assert.equal(e.KUBEML_CURRENT, 'synthetic');
    assert.deepEqual(val.command, [
      'sh',
      '-c',
      'python3 validate.py --model /artifacts/forest-train-abc --reference /artifacts/forest-train-abc/reference.csv --current synthetic --shift 1 --seed 42',
    ]);
  });

  it('validates a deployed model: a pvc:// URI is mounted read-only, other URIs are passed on', () => {
    assert.deepEqual(parsePvcUri('pvc://models/forest/v3'), { claim: 'models', subPath: 'forest/v3' });
    assert.equal(parsePvcUri('pvc://models/../etc'), undefined);
    const pod = podOf(
      generateRun(sample, {
        runId: 'v',
        purpose: 'validate',
        namespace: 'ns',
        params,
        model: { kind: 'uri', uri: 'pvc://models/forest/v3' },
      }).objects[0],
    );
    const m = pod.containers[0].volumeMounts.find((x) => x.name === 'model')!;
    assert.deepEqual(m, { name: 'model', mountPath: `${CONTROL_DIR}/model`, readOnly: true, subPath: 'forest/v3' });
    assert.equal(env(pod).KUBEML_MODEL, `${CONTROL_DIR}/model`);
    const s3 = podOf(
      generateRun(sample, { runId: 'v', purpose: 'validate', namespace: 'ns', params, model: { kind: 'uri', uri: 's3://b/m' } }).objects[0],
    );
    assert.equal(env(s3).KUBEML_MODEL, 's3://b/m');
  });

  it('refuses a validation without a model, without a validation section, or of a run whose model was not kept', () => {
    assert.throws(() => generateRun(sample, { runId: 'v', purpose: 'validate', namespace: 'ns', params }), /needs a model/);
    assert.throws(
      () =>
        generateRun(
          { ...sample, validation: undefined },
          { runId: 'v', purpose: 'validate', namespace: 'ns', params, model: { kind: 'run', runId: 'r' } },
        ),
      /no validation section/,
    );
    assert.throws(
      () =>
        generateRun(
          { ...sample, artifacts: undefined },
          { runId: 'v', purpose: 'validate', namespace: 'ns', params, model: { kind: 'run', runId: 'r' } },
        ),
      /was not kept/,
    );
  });

  it('makes a PyTorchJob with a Master and workers - 1 Workers, each waiting for the code', () => {
    const spec = { ...sample, kind: 'PyTorchJob' as const, workers: 3, timeoutMinutes: 30 };
    const g = generateRun(spec, { runId: 'pt', purpose: 'train', namespace: 'ns', params });
    const o = g.objects[0];
    assert.deepEqual([o.apiVersion, o.kind], ['kubeflow.org/v1', 'PyTorchJob']);
    const r = o.spec.pytorchReplicaSpecs as Record<
      string,
      { replicas: number; template: { spec: Pod; metadata: { labels: Record<string, string> } } }
    >;
    assert.equal(r.Master.replicas, 1);
    assert.equal(r.Worker.replicas, 2);
    assert.equal(r.Worker.template.spec.containers[0].name, 'pytorch');
    assert.equal(r.Master.template.metadata.labels[LABEL_RUN], 'pt');
    // No backoffLimit (test/integration/pytorchjob.test.ts: with one, the operator deletes a failed job's pods and logs).
    assert.deepEqual(o.spec.runPolicy, { cleanPodPolicy: 'None', activeDeadlineSeconds: 1800 });
    assert.equal(g.pods, 3);
    assert.equal(g.container, 'pytorch');
    assert.equal(refPath(g.primary, 'pt'), '/apis/kubeflow.org/v1/namespaces/ns/pytorchjobs/pt');
  });

  it('makes a TrainJob with numNodes and the volumes through podSpecOverrides', () => {
    const spec = { ...sample, kind: 'TrainJob' as const, workers: 2 };
    const g = generateRun(spec, { runId: 'tj', purpose: 'train', namespace: 'ns', params });
    const o = g.objects[0];
    assert.deepEqual([o.apiVersion, o.kind], ['trainer.kubeflow.org/v1alpha1', 'TrainJob']);
    const trainer = o.spec.trainer as { numNodes: number; command: string[]; image: string };
    assert.equal(trainer.numNodes, 2);
    assert.equal(trainer.command[2], WAIT_SCRIPT);
    assert.deepEqual(o.spec.runtimeRef, { name: 'torch-distributed' });
    const ov = (
      o.spec.podSpecOverrides as Array<{
        targetJobs: unknown;
        containers: Array<{ name: string; volumeMounts: unknown[] }>;
        volumes: unknown[];
      }>
    )[0];
    assert.deepEqual(ov.targetJobs, [{ name: 'node' }]);
    assert.equal(ov.containers[0].name, 'node');
    assert.ok(ov.volumes.length >= 3);
    assert.equal(g.podSelector, 'jobset.sigs.k8s.io/jobset-name=tj');
    // Validation of a distributed training is a single-pod Job.
    const v = generateRun(spec, { runId: 'tv', purpose: 'validate', namespace: 'ns', params, model: { kind: 'run', runId: 'tj' } });
    assert.equal(v.objects[0].kind, 'Job');
  });

  it('is pure: the same input gives the same objects', () => {
    const a = generateRun(sample, { runId: 'same', purpose: 'train', namespace: 'ns', params });
    const b = generateRun(sample, { runId: 'same', purpose: 'train', namespace: 'ns', params });
    assert.deepEqual(a, b);
  });

  it('writes readable multi-document YAML that parses back to the objects', () => {
    const text = toYaml([...train.objects, ...train.objects], 'header line');
    assert.ok(text.startsWith('# header line\n'));
    const docs = parseAllDocuments(text);
    assert.equal(docs.length, 2);
    assert.deepEqual(docs[0].toJS(), train.objects[0]);
  });

  it('makes DNS-label run ids that sort by time', () => {
    const a = newRunId('forest', 'train', new Date(1_700_000_000_000), 0.5);
    const b = newRunId('forest', 'train', new Date(1_700_000_001_000), 0.1);
    assert.match(a, /^forest-train-[a-z0-9]+$/);
    assert.ok(a < b);
    const long = newRunId('a'.repeat(40), 'validate', new Date(), 0.99);
    assert.ok(long.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(long));
    assert.throws(() => generateRun(sample, { runId: 'Not_A_Label', purpose: 'train', namespace: 'ns', params }), /not a DNS label/);
  });

  it("queue: the job carries Kueue's queue label and is created suspended; the pods keep only KubeML's labels; priorityClass names the pods' PriorityClass", () => {
    const spec = { ...sample, queue: 'team-a', priorityClass: 'high' };
    const job = generateRun(spec, { runId: 'forest-train-q1', namespace: 'default', purpose: 'train', params }).objects[0]!;
    assert.equal(job.metadata.labels['kueue.x-k8s.io/queue-name'], 'team-a');
    assert.equal(job.spec.suspend, true);
    const tpl = job.spec.template as { metadata: { labels: Record<string, string> }; spec: { priorityClassName?: string } };
    assert.equal(tpl.metadata.labels['kueue.x-k8s.io/queue-name'], undefined);
    assert.equal(tpl.spec.priorityClassName, 'high');
    const plain = generateRun(sample, { runId: 'forest-train-q2', namespace: 'default', purpose: 'train', params }).objects[0]!;
    assert.equal(plain.spec.suspend, undefined);
    assert.equal(plain.metadata.labels['kueue.x-k8s.io/queue-name'], undefined);
    const pt = generateRun(
      { ...spec, kind: 'PyTorchJob', workers: 2 },
      { runId: 'forest-train-q3', namespace: 'default', purpose: 'train', params },
    ).objects[0]!;
    assert.equal((pt.spec.runPolicy as { suspend?: boolean }).suspend, true);
  });
});
