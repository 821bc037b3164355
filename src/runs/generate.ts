/**
 * Manifest generation: a pure function from kubeml.yaml, the parameters and the run's identity to
 * the Kubernetes objects of the run. No I/O, no clock, no randomness (the run id is an input).
 *
 * Every pod starts in a waiting entrypoint: it waits for the file READY_FILE, which KubeML creates
 * by exec once it has unpacked the workspace into `codePath` (an emptyDir), then runs the command.
 */
import { stringify } from 'yaml';
import { KubeMLError } from '../common/errors';
import { type ResourceRef } from '../cluster/resources';
import { type ModelSource, type RunPurpose } from '../model/runRecords';
import { avoidSimulatedNodes } from './scheduling';
import { type CommandSpec, type KubeMLSpec, type MountSpec, type ParamValue, type ResourcesSpec, type RunKindName } from '../model/runSpec';

export { LABEL_KIND, LABEL_RUN } from '../model/runRecords';
import { LABEL_KIND, LABEL_RUN } from '../model/runRecords';
export const LABEL_NAME = 'kubeml.io/name';
export const ANNOTATION_PARAMS = 'kubeml.io/parameters';
export const ANNOTATION_PARENT = 'kubeml.io/parent-run';
/** Kueue's label that names the LocalQueue a job is submitted to (it then keeps the job suspended until admitted). */
export const LABEL_QUEUE = 'kueue.x-k8s.io/queue-name';
/** The control folder (an emptyDir) and the file that releases the waiting entrypoint. */
export const CONTROL_DIR = '/kubeml';
export const READY_FILE = `${CONTROL_DIR}/ready`;
/** Exit codes of the waiting entrypoint itself. */
export const EXIT_NO_CODE = 97;
export const EXIT_NO_CODE_DIR = 98;
/** The line the entrypoint prints just before it starts the command (the results marker, see results.ts). */
export const STARTED_LINE = 'KUBEML_RESULT {"type":"started"}';

export interface RunInput {
  readonly runId: string;
  readonly purpose: RunPurpose;
  readonly namespace: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Validation: the model to validate. */
  readonly model?: ModelSource;
  /** Validation: overrides of the spec's reference and current data. */
  readonly reference?: string;
  readonly current?: string;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

export interface GeneratedRun {
  readonly objects: KubeObject[];
  /** The object whose deletion cancels the run (its pods go with it). */
  readonly primary: ResourceRef;
  /** Label selector of the run's pods. */
  readonly podSelector: string;
  /** The container that runs the command and receives the code. */
  readonly container: string;
  readonly codePath: string;
  /** The command as it will run (after placeholders), for the run record. */
  readonly command: string[];
  /** Number of pods that must receive the code. */
  readonly pods: number;
}

const KIND_INFO: Record<RunKindName, { group: string; version: string; plural: string; container: string }> = {
  Job: { group: 'batch', version: 'v1', plural: 'jobs', container: 'main' },
  TrainJob: { group: 'trainer.kubeflow.org', version: 'v1alpha1', plural: 'trainjobs', container: 'node' },
  PyTorchJob: { group: 'kubeflow.org', version: 'v1', plural: 'pytorchjobs', container: 'pytorch' },
};

/** A run id: the spec name, the purpose and a time-ordered suffix; a DNS label of at most 63 characters. */
export function newRunId(name: string, purpose: RunPurpose, now: Date, random: number): string {
  const stamp = now.getTime().toString(36);
  const rand = Math.floor(Math.abs(random) * 36 ** 3)
    .toString(36)
    .padStart(3, '0')
    .slice(-3);
  const base = name.slice(0, 40).replace(/-+$/, '');
  return `${base}-${purpose === 'validate' ? 'val' : 'train'}-${stamp}${rand}`.slice(0, 63).replace(/-+$/, '');
}

/** Replaces {{name}} placeholders; an unknown name is an error that names it. */
export function substitute(
  text: string,
  values: Readonly<Record<string, string>>,
  where: string,
  quote: (s: string) => string = (s) => s,
): string {
  return text.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_m, key: string) => {
    const v = values[key];
    if (v === undefined)
      throw new KubeMLError(
        'invalid',
        `${where} uses {{${key}}}, which is neither a parameter nor one of run, code, artifacts, model, reference, current.`,
        'Declare it under parameters in kubeml.yaml.',
      );
    return quote(v);
  });
}

/**
 * Parameters that only validation uses: named by a {{placeholder}} in the validation section and
 * nowhere else. Launch Training does not ask for them (they keep their defaults; the code may still
 * read them from KUBEML_PARAMS). A parameter named nowhere may be read from KUBEML_PARAMS: it is asked.
 */
export function validationOnlyParameters(spec: KubeMLSpec): Set<string> {
  const names = (v: unknown) =>
    new Set([...JSON.stringify(v ?? null).matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)].map((m) => m[1]!));
  const { validation, parameters: _parameters, ...training } = spec;
  const train = names(training);
  return new Set([...names(validation)].filter((n) => n in spec.parameters && !train.has(n)));
}

/** Quotes a value for a POSIX shell when it holds anything but plain word characters. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=+,@%-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function argv(cmd: CommandSpec, values: Readonly<Record<string, string>>, where: string): string[] {
  // In a shell line, substituted values are quoted: a parameter cannot add shell syntax.
  return typeof cmd === 'string' ? ['sh', '-c', substitute(cmd, values, where, shellQuote)] : cmd.map((a) => substitute(a, values, where));
}

/**
 * The waiting entrypoint: `sh -c SCRIPT kubeml <command...>`. It waits for READY_FILE (for at most
 * KUBEML_UPLOAD_TIMEOUT seconds), enters the code folder and execs the command, so the command is
 * the container's main process (signals, exit code and OOM reach it directly).
 */
export const WAIT_SCRIPT = [
  'i=0; n=$((KUBEML_UPLOAD_TIMEOUT * 5))',
  `until [ -f ${READY_FILE} ]; do i=$((i + 1)); if [ "$i" -gt "$n" ]; then echo "KubeML: the code did not arrive within $KUBEML_UPLOAD_TIMEOUT s; giving up." >&2; exit ${EXIT_NO_CODE}; fi; sleep 0.2; done`,
  `cd "$KUBEML_CODE" || exit ${EXIT_NO_CODE_DIR}`,
  '[ -z "$KUBEML_ARTIFACTS" ] || mkdir -p "$KUBEML_ARTIFACTS" 2>/dev/null || true',
  `echo '${STARTED_LINE}'`,
  'exec "$@"',
].join('\n');

function quantityResources(r: ResourcesSpec): Record<string, unknown> | undefined {
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (r.cpu) requests.cpu = r.cpu;
  if (r.memory) requests.memory = limits.memory = r.memory;
  if (r.gpus) requests['nvidia.com/gpu'] = limits['nvidia.com/gpu'] = String(r.gpus);
  const out: Record<string, unknown> = {};
  if (Object.keys(requests).length) out.requests = requests;
  if (Object.keys(limits).length) out.limits = limits;
  return Object.keys(out).length ? out : undefined;
}

/** pvc://claim/sub/path -> the claim and the path inside it. */
export function parsePvcUri(uri: string): { claim: string; subPath?: string } | undefined {
  const m = /^pvc:\/\/([a-z0-9][-a-z0-9.]*)(?:\/(.*))?$/.exec(uri);
  if (!m) return undefined;
  const sub = (m[2] ?? '').replace(/\/+$/, '');
  if (sub.split('/').includes('..')) return undefined;
  return sub ? { claim: m[1], subPath: sub } : { claim: m[1] };
}

interface PodParts {
  container: Record<string, unknown>;
  volumes: Record<string, unknown>[];
  nodeSelector?: Record<string, string>;
  tolerations?: Record<string, unknown>[];
  affinity?: Record<string, unknown>;
  command: string[];
}

function podParts(spec: KubeMLSpec, input: RunInput, containerName: string): PodParts {
  const train = input.purpose === 'train';
  if (!train && !spec.validation)
    throw new KubeMLError(
      'invalid',
      'kubeml.yaml has no validation section.',
      'Add validation: { command, reference, current } to kubeml.yaml.',
    );
  const volumes: Record<string, unknown>[] = [
    { name: 'kubeml-code', emptyDir: {} },
    { name: 'kubeml-control', emptyDir: {} },
  ];
  const mounts: Record<string, unknown>[] = [
    { name: 'kubeml-code', mountPath: spec.codePath },
    { name: 'kubeml-control', mountPath: CONTROL_DIR },
  ];
  const addClaim = (volName: string, m: MountSpec) => {
    volumes.push({ name: volName, persistentVolumeClaim: { claimName: m.claim, ...(m.readOnly ? { readOnly: true } : {}) } });
    mounts.push({
      name: volName,
      mountPath: m.path,
      ...(m.subPath ? { subPath: m.subPath } : {}),
      ...(m.readOnly ? { readOnly: true } : {}),
    });
  };
  spec.datasets.forEach((d, i) => addClaim(`data-${i}`, d));
  let artifacts = `${CONTROL_DIR}/artifacts/${input.runId}`;
  if (spec.artifacts) {
    addClaim('artifacts', spec.artifacts);
    artifacts = `${spec.artifacts.path}/${input.runId}`;
  }
  let model = '';
  if (!train) {
    const src = input.model;
    if (!src) throw new KubeMLError('invalid', 'A validation run needs a model: a finished training run or a deployed model.');
    if (src.kind === 'run') {
      if (!spec.artifacts)
        throw new KubeMLError(
          'invalid',
          `The model of run ${src.runId} was not kept: kubeml.yaml has no artifacts claim.`,
          'Add artifacts: { claim, path } to kubeml.yaml and train again, or validate a deployed model.',
        );
      model = `${spec.artifacts.path}/${src.runId}`;
    } else {
      const pvc = parsePvcUri(src.uri);
      if (pvc) {
        volumes.push({ name: 'model', persistentVolumeClaim: { claimName: pvc.claim, readOnly: true } });
        mounts.push({ name: 'model', mountPath: `${CONTROL_DIR}/model`, readOnly: true, ...(pvc.subPath ? { subPath: pvc.subPath } : {}) });
        model = `${CONTROL_DIR}/model`;
      } else {
        model = src.uri;
      }
    }
  }
  const params: Record<string, string> = Object.fromEntries(Object.entries(input.params).map(([k, v]) => [k, String(v)]));
  const values: Record<string, string> = { ...params, run: input.runId, code: spec.codePath, artifacts, model };
  let reference = '';
  let current = '';
  if (!train) {
    reference = substitute(input.reference ?? spec.validation!.reference ?? '', values, 'validation.reference');
    current = substitute(input.current ?? spec.validation!.current ?? '', values, 'validation.current');
  }
  values.reference = reference;
  values.current = current;
  const command = train ? argv(spec.command, values, 'command') : argv(spec.validation!.command, values, 'validation.command');
  const env: Array<{ name: string; value: string }> = [];
  for (const [k, v] of Object.entries(spec.env)) env.push({ name: k, value: substitute(v, values, `env.${k}`) });
  for (const [k, v] of Object.entries(params)) env.push({ name: `KUBEML_PARAM_${k.toUpperCase()}`, value: v });
  env.push(
    { name: 'KUBEML_RUN_ID', value: input.runId },
    { name: 'KUBEML_RUN_KIND', value: input.purpose },
    { name: 'KUBEML_CODE', value: spec.codePath },
    { name: 'KUBEML_ARTIFACTS', value: artifacts },
    { name: 'KUBEML_PARAMS', value: JSON.stringify(input.params) },
    { name: 'KUBEML_UPLOAD_TIMEOUT', value: String(spec.uploadTimeoutSeconds) },
    { name: 'PYTHONUNBUFFERED', value: '1' },
  );
  if (!train)
    env.push(
      { name: 'KUBEML_MODEL', value: model },
      { name: 'KUBEML_REFERENCE', value: reference },
      { name: 'KUBEML_CURRENT', value: current },
    );
  const resources = quantityResources(
    train ? spec.resources : (spec.validation!.resources ?? { cpu: spec.resources.cpu, memory: spec.resources.memory }),
  );
  const container: Record<string, unknown> = {
    name: containerName,
    image: spec.image,
    ...(spec.imagePullPolicy ? { imagePullPolicy: spec.imagePullPolicy } : {}),
    command: ['sh', '-c', WAIT_SCRIPT, 'kubeml', ...command],
    workingDir: spec.codePath,
    env,
    ...(resources ? { resources } : {}),
    volumeMounts: mounts,
  };
  const res = train ? spec.resources : (spec.validation!.resources ?? {});
  const nodeSelector = res.gpuProduct ? { 'nvidia.com/gpu.product': res.gpuProduct } : undefined;
  // A run that asks for GPUs tolerates the taint of dedicated GPU nodes unless told not to (as clusters
  // with the ExtendedResourceToleration admission plugin do), and keeps off simulated nodes, which the
  // same toleration would otherwise open and where its code could never start.
  const tolerate = res.tolerateGpuTaint ?? (res.gpus ?? 0) > 0;
  const tolerations = tolerate ? [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }] : undefined;
  const affinity = tolerate ? avoidSimulatedNodes() : undefined;
  return {
    container,
    volumes,
    ...(nodeSelector ? { nodeSelector } : {}),
    ...(tolerations ? { tolerations } : {}),
    ...(affinity ? { affinity } : {}),
    command,
  };
}

function metadata(spec: KubeMLSpec, input: RunInput): KubeObject['metadata'] {
  const annotations: Record<string, string> = { [ANNOTATION_PARAMS]: JSON.stringify(input.params) };
  if (input.model?.kind === 'run') annotations[ANNOTATION_PARENT] = input.model.runId;
  if (input.model?.kind === 'uri') annotations['kubeml.io/model'] = input.model.uri;
  // The queue label goes on the job only: on pods it would ask Kueue's pod integration to manage them too.
  const labels = { ...runLabels(spec, input), ...(spec.queue ? { [LABEL_QUEUE]: spec.queue } : {}) };
  return { name: input.runId, namespace: input.namespace, labels, annotations };
}

export function runLabels(spec: KubeMLSpec, input: Pick<RunInput, 'runId' | 'purpose'>): Record<string, string> {
  return { [LABEL_RUN]: input.runId, [LABEL_KIND]: input.purpose, [LABEL_NAME]: spec.name, 'app.kubernetes.io/managed-by': 'kubeml' };
}

function podSpec(spec: KubeMLSpec, parts: PodParts, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    restartPolicy: 'Never',
    terminationGracePeriodSeconds: 10,
    ...(spec.serviceAccount ? { serviceAccountName: spec.serviceAccount } : {}),
    ...(spec.priorityClass ? { priorityClassName: spec.priorityClass } : {}),
    ...(parts.nodeSelector ? { nodeSelector: parts.nodeSelector } : {}),
    ...(parts.tolerations ? { tolerations: parts.tolerations } : {}),
    ...(parts.affinity ? { affinity: parts.affinity } : {}),
    containers: [parts.container],
    volumes: parts.volumes,
    ...extra,
  };
}

/** The objects of a run. Validation always runs as a single-pod Job, whatever the training kind. */
export function generateRun(spec: KubeMLSpec, input: RunInput): GeneratedRun {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(input.runId) || input.runId.length > 63)
    throw new KubeMLError('invalid', `Run id "${input.runId}" is not a DNS label.`);
  const kind: RunKindName = input.purpose === 'validate' ? 'Job' : spec.kind;
  const info = KIND_INFO[kind];
  const parts = podParts(spec, input, info.container);
  const meta = metadata(spec, input);
  const labels = runLabels(spec, input);
  // Queued through Kueue: created suspended, so that nothing starts before Kueue admits it (its webhook would suspend it too).
  const suspend = spec.queue ? { suspend: true } : {};
  const deadline = spec.timeoutMinutes ? spec.timeoutMinutes * 60 : undefined;
  let obj: KubeObject;
  let pods = 1;
  let podSelector = `${LABEL_RUN}=${input.runId}`;
  if (kind === 'Job') {
    obj = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: meta,
      spec: {
        backoffLimit: 0,
        ...suspend,
        ...(deadline ? { activeDeadlineSeconds: deadline } : {}),
        template: { metadata: { labels }, spec: podSpec(spec, parts) },
      },
    };
  } else if (kind === 'PyTorchJob') {
    pods = spec.workers;
    const template = { metadata: { labels }, spec: podSpec(spec, parts) };
    const replicaSpecs: Record<string, unknown> = { Master: { replicas: 1, restartPolicy: 'Never', template } };
    if (spec.workers > 1) replicaSpecs.Worker = { replicas: spec.workers - 1, restartPolicy: 'Never', template };
    obj = {
      apiVersion: 'kubeflow.org/v1',
      kind: 'PyTorchJob',
      metadata: meta,
      spec: {
        // No backoffLimit: with one, training-operator v1.8.1 deletes all the job's pods (and their logs) at the
        // first failure, cleanPodPolicy notwithstanding; restartPolicy Never already means no retry.
        runPolicy: { cleanPodPolicy: 'None', ...suspend, ...(deadline ? { activeDeadlineSeconds: deadline } : {}) },
        pytorchReplicaSpecs: replicaSpecs,
      },
    };
  } else {
    pods = spec.workers;
    const c = parts.container as { command: string[]; env: unknown; resources?: unknown; volumeMounts: unknown };
    const override: Record<string, unknown> = {
      targetJobs: [{ name: 'node' }],
      containers: [{ name: 'node', volumeMounts: c.volumeMounts }],
      volumes: parts.volumes,
      ...(parts.nodeSelector ? { nodeSelector: parts.nodeSelector } : {}),
      ...(parts.tolerations ? { tolerations: parts.tolerations } : {}),
      // Trainer v2.0's PodSpecOverride has no affinity field (pkg/apis/trainer/v1alpha1/trainjob_types.go).
      ...(spec.serviceAccount ? { serviceAccountName: spec.serviceAccount } : {}),
    };
    obj = {
      apiVersion: 'trainer.kubeflow.org/v1alpha1',
      kind: 'TrainJob',
      metadata: meta,
      spec: {
        runtimeRef: { name: spec.runtime ?? 'torch-distributed' },
        ...suspend,
        labels,
        trainer: {
          image: spec.image,
          command: c.command,
          numNodes: spec.workers,
          env: c.env,
          ...(c.resources ? { resourcesPerNode: c.resources } : {}),
        },
        podSpecOverrides: [override],
      },
    };
    // TrainJob pods belong to a JobSet named after the TrainJob.
    podSelector = `jobset.sigs.k8s.io/jobset-name=${input.runId}`;
  }
  return {
    objects: [obj],
    primary: { group: info.group, version: info.version, plural: info.plural, kind, name: input.runId, namespace: input.namespace },
    podSelector,
    container: info.container,
    codePath: spec.codePath,
    command: parts.command,
    pods,
  };
}

/** The objects as one multi-document YAML file, for the user to read before applying. */
export function toYaml(objects: readonly KubeObject[], header?: string): string {
  const docs = objects.map((o) => stringify(o, { lineWidth: 0 }));
  return (
    (header
      ? header
          .split('\n')
          .map((l) => `# ${l}`)
          .join('\n') + '\n'
      : '') + docs.join('---\n')
  );
}
