import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lint, type Hit } from './testUtil';

/*
 * Every pod template an ML kind carries gets the pod and container rules. The bases are upstream
 * files (test/fixtures/lint/upstream/SOURCES.md); one container in each is made privileged with
 * nvidia.com/gpu request 1, limit 2, and must get the findings the same container gets in a batch/v1
 * Job, placed on the nested container's own lines.
 */
const UP = join(__dirname, '..', '..', 'test', 'fixtures', 'lint', 'upstream');
/** torch_distributed.yaml names both its replicated job and its container "node": the container is the second. */
const NODE = 1;
const upstream = (p: string) => readFileSync(join(UP, p), 'utf8');

/** Rules about the wrapper (the Job itself, the schema), not about the pod or its containers. */
const WRAPPER_RULES = new Set(['job-ttl', 'job-backoff-limit', 'job-restart-policy', 'schema', 'unknown-kind', 'training-replicas']);

/** Puts privileged + GPU request 1 / limit 2 into the container whose `- name: NAME` line is given, replacing its resources. */
function breakContainer(text: string, name: string, occurrence = 0): string {
  const lines = text.split('\n');
  const starts = lines.flatMap((l, i) => (new RegExp(`^\\s*- name: ${name}(\\s|$)`).test(l) ? [i] : []));
  const at = starts[occurrence]!;
  const indent = lines[at]!.indexOf('-') + 2;
  let end = at + 1;
  while (end < lines.length && (lines[end]!.trim() === '' || lines[end]!.search(/\S/) >= indent)) end++;
  // Drop the container's own resources block, keep the rest of it.
  const body: string[] = [];
  for (let i = at + 1; i < end; i++) {
    if (lines[i]!.search(/\S/) === indent && lines[i]!.trim() === 'resources:') {
      while (i + 1 < end && lines[i + 1]!.search(/\S/) > indent) i++;
      continue;
    }
    body.push(lines[i]!);
  }
  const pad = ' '.repeat(indent);
  const added = [
    `${pad}securityContext:`,
    `${pad}  privileged: true`,
    `${pad}resources:`,
    `${pad}  requests:`,
    `${pad}    nvidia.com/gpu: 1`,
    `${pad}  limits:`,
    `${pad}    nvidia.com/gpu: 2`,
  ];
  return [...lines.slice(0, at + 1), ...added, ...body, ...lines.slice(end)].join('\n');
}

/** The container block starting at its `- name: NAME` line, as it is in `text`, re-indented into a Job's pod template. */
function asJob(text: string, name: string, occurrence = 0): string {
  const lines = text.split('\n');
  const starts = lines.flatMap((l, i) => (new RegExp(`^\\s*- name: ${name}(\\s|$)`).test(l) ? [i] : []));
  const at = starts[occurrence]!;
  const dash = lines[at]!.indexOf('-');
  let end = at + 1;
  while (end < lines.length && (lines[end]!.trim() === '' || lines[end]!.search(/\S/) > dash)) end++;
  const block = lines.slice(at, end).map((l) => (l.trim() === '' ? '' : '        ' + l.slice(dash)));
  const head = ['apiVersion: batch/v1', 'kind: Job', 'metadata:', '  name: same', 'spec:', '  template:', '    spec:'];
  return [...head, '      restartPolicy: Never', '      containers:', ...block, ''].join('\n');
}

/** What matters of a pod or container finding: the rule, its message and the text it underlines. */
const shape = (hits: Hit[]) =>
  hits
    .filter((h) => !WRAPPER_RULES.has(h.rule))
    .map((h) => `${h.rule} | ${h.text} | ${h.message}`)
    .sort();

/** The line span [first, last] (1-based) of the container block named NAME in `text`. */
function containerLines(text: string, name: string, occurrence = 0): [number, number] {
  const lines = text.split('\n');
  const starts = lines.flatMap((l, i) => (new RegExp(`^\\s*- name: ${name}(\\s|$)`).test(l) ? [i] : []));
  const at = starts[occurrence]!;
  const dash = lines[at]!.indexOf('-');
  let end = at + 1;
  while (end < lines.length && (lines[end]!.trim() === '' || lines[end]!.search(/\S/) > dash)) end++;
  return [at + 1, end];
}

function assertSameAsJob(text: string, name: string, occurrence = 0): Hit[] {
  const job = shape(lint(asJob(text, name, occurrence)));
  assert.ok(job.some((s) => s.startsWith('privileged-container')) && job.some((s) => s.startsWith('gpu-limits')), job.join('\n'));
  const hits = lint(text);
  const [first, last] = containerLines(text, name, occurrence);
  // Only the findings placed in this container's lines (the pod-level ones are checked apart).
  const inContainer = hits.filter((h) => h.line >= first && h.line <= last);
  const jobText = asJob(text, name, occurrence);
  const [jf, jl] = containerLines(jobText, name);
  const jobInContainer = lint(jobText).filter((h) => h.line >= jf && h.line <= jl);
  assert.deepEqual(shape(inContainer), shape(jobInContainer));
  return hits;
}

describe('lint: pod templates of the ML kinds', () => {
  it('a ClusterTrainingRuntime (a JobSet inside) gets the same container findings as a Job, on its nested container', () => {
    const text = breakContainer(upstream('pods-trainer/torch_distributed.yaml'), 'node', NODE);
    const hits = assertSameAsJob(text, 'node', NODE);
    const gpu = hits.find((h) => h.rule === 'gpu-limits')!;
    assert.equal(gpu.text, '1');
    assert.equal(text.split('\n')[gpu.line - 1]!.trim(), 'nvidia.com/gpu: 1');
    // Pod-level rules see the runtime's pod too.
    assert.ok(hits.some((h) => h.rule === 'gpu-toleration'));
  });

  it('a namespaced TrainingRuntime too', () => {
    const text = breakContainer(upstream('pods-trainer/torch_distributed.yaml'), 'node', NODE).replace(
      'kind: ClusterTrainingRuntime',
      'kind: TrainingRuntime',
    );
    assertSameAsJob(text, 'node', NODE);
  });

  it('the upstream runtime as it is: no restartPolicy finding (JobSet defaults it to OnFailure)', () => {
    const hits = lint(upstream('pods-trainer/torch_distributed.yaml'));
    assert.deepEqual(
      hits.filter((h) => h.rule === 'job-restart-policy'),
      [],
    );
    assert.ok(
      hits.some((h) => h.rule === 'shm-size'),
      'the PyTorch runtime container is seen',
    );
  });

  it('a JobSet without restartPolicy gets no job-restart-policy finding; Always still gets one', () => {
    const jobset = (rp: string) =>
      [
        'apiVersion: jobset.x-k8s.io/v1alpha2',
        'kind: JobSet',
        'metadata:',
        '  name: js',
        'spec:',
        '  replicatedJobs:',
        '    - name: workers',
        '      template:',
        '        spec:',
        '          template:',
        '            spec:',
        rp,
        '              containers:',
        '                - name: w',
        '                  image: busybox:1.36',
        '',
      ].join('\n');
    assert.deepEqual(
      lint(jobset('              dnsPolicy: ClusterFirst')).filter((h) => h.rule === 'job-restart-policy'),
      [],
    );
    assert.equal(lint(jobset('              restartPolicy: Always')).filter((h) => h.rule === 'job-restart-policy').length, 1);
  });

  it('a RayCluster worker group gets the same container findings as a Job', () => {
    const text = breakContainer(upstream('pods-kuberay/ray-cluster.sample.yaml'), 'ray-worker');
    assertSameAsJob(text, 'ray-worker');
  });

  it('a RayService cluster and a RayJob submitter pod are seen', () => {
    const cluster = breakContainer(upstream('pods-kuberay/ray-cluster.sample.yaml'), 'ray-worker');
    const spec = cluster.slice(cluster.indexOf('spec:\n') + 'spec:\n'.length);
    const service = ['apiVersion: ray.io/v1', 'kind: RayService', 'metadata:', '  name: svc', 'spec:', '  rayClusterConfig:']
      .concat(spec.split('\n').map((l) => (l ? '  ' + l : l)))
      .join('\n');
    assertSameAsJob(service, 'ray-worker');
    const job = [
      'apiVersion: ray.io/v1',
      'kind: RayJob',
      'metadata:',
      '  name: j',
      'spec:',
      '  entrypoint: python x.py',
      '  submitterPodTemplate:',
      '    spec:',
      '      restartPolicy: Never',
      '      containers:',
      '        - name: submitter',
      '          image: rayproject/ray:2.46.0',
      '          securityContext:',
      '            privileged: true',
      '',
    ].join('\n');
    assert.ok(lint(job).some((h) => h.rule === 'privileged-container' && h.line === 14));
  });

  it('an LLMInferenceService decode template (a PodSpec itself) and its prefill template get the pod rules', () => {
    const base = upstream('pods-kserve/llm-inference-service-qwen2-7b-gpu-no-scheduler.yaml');
    const text = breakContainer(base, 'main');
    assertSameAsJob(text, 'main');
    const hits = lint(base);
    const tol = hits.filter((h) => h.rule === 'gpu-toleration');
    assert.equal(tol.length, 1);
    assert.equal(tol[0]!.text, 'containers');
    const prefill = `${text.trimEnd()}\n  prefill:\n${text
      .slice(text.indexOf('  template:\n'))
      .split('\n')
      .map((l) => (l ? '  ' + l : l))
      .join('\n')}`;
    const ph = lint(prefill).filter((h) => h.rule === 'privileged-container');
    assert.equal(ph.length, 2, ph.map((h) => h.line).join(','));
  });

  it('every item of a kind: List is linted as the object it is, its findings inside the item', () => {
    const runtime = breakContainer(upstream('pods-trainer/torch_distributed.yaml'), 'node', NODE);
    const alone = shape(lint(runtime));
    const list = ['apiVersion: v1', 'kind: List', 'metadata: {}', 'items:']
      .concat(runtime.split('\n').map((l, i) => (i === 0 ? '- ' + l : l ? '  ' + l : l)))
      .join('\n');
    const hits = lint(list);
    assert.deepEqual(shape(hits), alone);
    const [first, last] = containerLines(list, 'node', NODE);
    const priv = hits.find((h) => h.rule === 'privileged-container')!;
    assert.ok(priv.line >= first && priv.line <= last, `line ${priv.line} is not in the item's container (${first}-${last})`);
    assert.equal(priv.text, 'true');
  });

  it('a claim defined by another item of the List counts as defined in the file (pvc-not-found)', () => {
    const list = (claim: string) =>
      [
        'apiVersion: v1',
        'kind: List',
        'items:',
        '- apiVersion: v1',
        '  kind: PersistentVolumeClaim',
        `  metadata: {name: ${claim}}`,
        '  spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}',
        '- apiVersion: v1',
        '  kind: Pod',
        '  metadata: {name: p}',
        '  spec:',
        '    containers: [{name: c, image: busybox:1.36}]',
        '    volumes:',
        '    - name: data',
        '      persistentVolumeClaim: {claimName: imagenet}',
        '',
      ].join('\n');
    const facts = { facts: { pvcNames: () => new Set<string>() } };
    assert.deepEqual(
      lint(list('imagenet'), facts).filter((h) => h.rule === 'pvc-not-found'),
      [],
    );
    assert.equal(lint(list('other'), facts).filter((h) => h.rule === 'pvc-not-found').length, 1);
  });

  it('a List item without kind is a schema finding on the item; a suppression annotation on an item holds for it alone', () => {
    const list = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '- apiVersion: v1',
      '  metadata: {name: a}',
      '- apiVersion: v1',
      '  kind: Pod',
      '  metadata:',
      '    name: quiet',
      '    annotations:',
      '      kubeml.io/lint-disable: privileged-container',
      '  spec:',
      '    containers:',
      '    - name: c',
      '      image: busybox:1.36',
      '      securityContext: {privileged: true}',
      '- apiVersion: v1',
      '  kind: Pod',
      '  metadata: {name: loud}',
      '  spec:',
      '    containers:',
      '    - name: c',
      '      image: busybox:1.36',
      '      securityContext: {privileged: true}',
      '',
    ].join('\n');
    const hits = lint(list);
    assert.deepEqual(
      hits.filter((h) => h.rule === 'schema' && /kind/.test(h.message)).map((h) => h.line),
      [4],
    );
    assert.deepEqual(
      hits.filter((h) => h.rule === 'privileged-container').map((h) => h.line),
      [24],
    );
  });
});
