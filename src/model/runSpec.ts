/**
 * kubeml.yaml: the workspace file that says how to run the code in it on the cluster. Parsed and
 * checked here (pure: text in, spec or problems out); the published JSON schema is
 * schemas/kubeml.schema.json and a unit test keeps both in step.
 */
import { parseDocument } from 'yaml';
import { KubeMLError } from '../common/errors';
import { parseSweep, type SweepSpec } from './sweepSpec';

export const SPEC_FILE = 'kubeml.yaml';
export type RunKindName = 'Job' | 'TrainJob' | 'PyTorchJob';
export const RUN_KINDS: readonly RunKindName[] = ['Job', 'TrainJob', 'PyTorchJob'];
export type ParamType = 'string' | 'number' | 'integer' | 'boolean';
export type ParamValue = string | number | boolean;

export interface ParameterSpec {
  readonly type: ParamType;
  readonly default?: ParamValue;
  readonly description?: string;
  readonly enum?: readonly ParamValue[];
}

/** A command: an argv array, or one string run by `sh -c`. */
export type CommandSpec = readonly string[] | string;

export interface ResourcesSpec {
  readonly cpu?: string;
  readonly memory?: string;
  readonly gpus?: number;
  /** Value of the node label nvidia.com/gpu.product (for example NVIDIA-A100-SXM4-80GB). */
  readonly gpuProduct?: string;
  /** Tolerate the nvidia.com/gpu:NoSchedule taint of dedicated GPU nodes; default true when gpus > 0. */
  readonly tolerateGpuTaint?: boolean;
}

export interface MountSpec {
  readonly claim: string;
  readonly path: string;
  readonly subPath?: string;
  readonly readOnly?: boolean;
}

export interface TensorBoardSpec {
  /** A folder in the container, searched recursively for events.out.tfevents.*; may use {{run}} and {{artifacts}}. */
  readonly logdir: string;
}

export interface ValidationSpec {
  readonly command: CommandSpec;
  /** The reference (baseline) data, as a path in the container; may use {{model}} and parameters. */
  readonly reference?: string;
  /** The current data to compare with the reference. */
  readonly current?: string;
  readonly resources?: ResourcesSpec;
}

export interface KubeMLSpec {
  readonly name: string;
  readonly namespace?: string;
  readonly image: string;
  readonly imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  readonly kind: RunKindName;
  /** Pods of a distributed run (TrainJob numNodes, PyTorchJob Master + Workers). */
  readonly workers: number;
  /** Where the workspace is unpacked in the container. */
  readonly codePath: string;
  readonly command: CommandSpec;
  readonly resources: ResourcesSpec;
  readonly datasets: readonly MountSpec[];
  readonly env: Readonly<Record<string, string>>;
  readonly parameters: Readonly<Record<string, ParameterSpec>>;
  readonly validation?: ValidationSpec;
  readonly artifacts?: MountSpec;
  /** Where the run writes TensorBoard event files (default: its artifacts folder, searched recursively). */
  readonly tensorboard?: TensorBoardSpec;
  /** TrainJob runtime (ClusterTrainingRuntime name). */
  readonly runtime?: string;
  readonly serviceAccount?: string;
  /** Give up on a run after this many minutes (activeDeadlineSeconds). */
  readonly timeoutMinutes?: number;
  /** Seconds the pod waits for the code before it gives up (default 600). */
  readonly uploadTimeoutSeconds: number;
  /** Keep a run that cannot be scheduled waiting (an autoscaler may add nodes) instead of failing it. */
  readonly waitForResources: boolean;
  /** Extra patterns (gitignore syntax) not to ship, on top of .gitignore and .kubemlignore. */
  readonly exclude: readonly string[];
  /** Trials over parameters (sweepSpec.ts). */
  readonly sweep?: SweepSpec;
  /** Kueue LocalQueue of the run's namespace: the run is submitted suspended and waits there until admitted. */
  readonly queue?: string;
  /** PriorityClass of the pods (and, with a queue, Kueue's priority class label). */
  readonly priorityClass?: string;
}

export interface SpecProblem {
  readonly path: string;
  readonly message: string;
  /** 0-based offset in the text, when known. */
  readonly offset?: number;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|[KMGTPE]i?|[mkunM])?$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Names reserved for the placeholders KubeML fills itself. */
export const BUILTIN_PLACEHOLDERS = ['run', 'artifacts', 'model', 'reference', 'current', 'code'] as const;

export const TOP_KEYS = [
  '$schema',
  'name',
  'namespace',
  'image',
  'imagePullPolicy',
  'kind',
  'workers',
  'codePath',
  'command',
  'resources',
  'datasets',
  'env',
  'parameters',
  'validation',
  'artifacts',
  'tensorboard',
  'runtime',
  'serviceAccount',
  'timeoutMinutes',
  'uploadTimeoutSeconds',
  'waitForResources',
  'exclude',
  'sweep',
  'queue',
  'priorityClass',
];
export const RESOURCE_KEYS = ['cpu', 'memory', 'gpus', 'gpuProduct', 'tolerateGpuTaint'];
export const MOUNT_KEYS = ['claim', 'path', 'subPath', 'readOnly'];
export const VALIDATION_KEYS = ['command', 'reference', 'current', 'resources'];
export const PARAM_KEYS = ['type', 'default', 'description', 'enum'];
export const TENSORBOARD_KEYS = ['logdir'];

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

class Checker {
  readonly problems: SpecProblem[] = [];
  add(path: string, message: string): void {
    this.problems.push({ path, message });
  }
  keys(o: Obj, allowed: readonly string[], path: string): void {
    for (const k of Object.keys(o))
      if (!allowed.includes(k))
        this.add(path ? `${path}.${k}` : k, `Unknown field "${k}"; expected one of ${allowed.filter((a) => a !== '$schema').join(', ')}.`);
  }
  str(o: Obj, key: string, path: string, required: boolean, test?: (s: string) => string | undefined): string | undefined {
    const v = o[key];
    const p = path ? `${path}.${key}` : key;
    if (v === undefined || v === null) {
      if (required) this.add(p, `"${key}" is required.`);
      return undefined;
    }
    const s = typeof v === 'number' ? String(v) : v;
    if (typeof s !== 'string' || s === '') {
      this.add(p, `"${key}" must be a non-empty string.`);
      return undefined;
    }
    const bad = test?.(s);
    if (bad) {
      this.add(p, bad);
      return undefined;
    }
    return s;
  }
  bool(o: Obj, key: string, path: string): boolean | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') this.add(`${path ? path + '.' : ''}${key}`, `"${key}" must be true or false.`);
    return typeof v === 'boolean' ? v : undefined;
  }
  int(o: Obj, key: string, path: string, min: number, max: number): number | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.add(`${path ? path + '.' : ''}${key}`, `"${key}" must be a whole number from ${min} to ${max}.`);
      return undefined;
    }
    return v;
  }
  command(v: unknown, path: string): CommandSpec | undefined {
    if (typeof v === 'string' && v.trim()) return v;
    if (Array.isArray(v) && v.length > 0 && v.every((a) => typeof a === 'string' || typeof a === 'number')) return v.map(String);
    this.add(
      path,
      v === undefined
        ? `"${path}" is required: the command to run, as a list of arguments or one shell line.`
        : `"${path}" must be a list of arguments or one shell line.`,
    );
    return undefined;
  }
  resources(v: unknown, path: string): ResourcesSpec {
    if (v === undefined || v === null) return {};
    if (!isObj(v)) {
      this.add(path, `"${path}" must be a mapping (cpu, memory, gpus, gpuProduct).`);
      return {};
    }
    this.keys(v, RESOURCE_KEYS, path);
    const quantity = (what: string) => (s: string) =>
      QUANTITY.test(s)
        ? undefined
        : `${what} "${s}" is not a Kubernetes quantity (for example ${what === 'cpu' ? '500m or 2' : '512Mi or 4Gi'}).`;
    return {
      cpu: this.str(v, 'cpu', path, false, quantity('cpu')),
      memory: this.str(v, 'memory', path, false, quantity('memory')),
      gpus: this.int(v, 'gpus', path, 0, 1024),
      gpuProduct: this.str(v, 'gpuProduct', path, false),
      tolerateGpuTaint: this.bool(v, 'tolerateGpuTaint', path),
    };
  }
  mount(v: unknown, path: string): MountSpec | undefined {
    if (!isObj(v)) {
      this.add(path, `"${path}" must be a mapping with claim and path.`);
      return undefined;
    }
    this.keys(v, MOUNT_KEYS, path);
    const claim = this.str(v, 'claim', path, true, (s) =>
      DNS_LABEL.test(s) || /^[a-z0-9][-a-z0-9.]*$/.test(s) ? undefined : `claim "${s}" is not a valid PersistentVolumeClaim name.`,
    );
    const mountPath = this.str(v, 'path', path, true, absPath);
    const subPath = this.str(v, 'subPath', path, false, (s) =>
      s.startsWith('/') || s.split('/').includes('..') ? `subPath "${s}" must be relative and must not contain "..".` : undefined,
    );
    const readOnly = this.bool(v, 'readOnly', path);
    return claim && mountPath
      ? { claim, path: mountPath, ...(subPath ? { subPath } : {}), ...(readOnly !== undefined ? { readOnly } : {}) }
      : undefined;
  }
}

function absPath(s: string): string | undefined {
  if (!s.startsWith('/')) return `"${s}" must be an absolute path in the container.`;
  if (s === '/' || s.split('/').includes('..')) return `"${s}" is not a usable folder (not / and no "..").`;
  return undefined;
}

function paramSpec(c: Checker, name: string, v: unknown): ParameterSpec | undefined {
  const path = `parameters.${name}`;
  if (!PARAM_NAME.test(name) || (BUILTIN_PLACEHOLDERS as readonly string[]).includes(name)) {
    c.add(path, `Parameter name "${name}" must be letters, digits and _ and not one of ${BUILTIN_PLACEHOLDERS.join(', ')}.`);
    return undefined;
  }
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
    return {
      type: typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v === 'boolean' ? 'boolean' : 'string',
      default: v,
    };
  }
  if (!isObj(v)) {
    c.add(path, `Parameter "${name}" must be a default value or a mapping with type, default, description, enum.`);
    return undefined;
  }
  c.keys(v, PARAM_KEYS, path);
  const def = v.default;
  let type = v.type as ParamType | undefined;
  if (type !== undefined && !['string', 'number', 'integer', 'boolean'].includes(type)) {
    c.add(`${path}.type`, `type must be string, number, integer or boolean.`);
    return undefined;
  }
  type ??= typeof def === 'number' ? (Number.isInteger(def) ? 'integer' : 'number') : typeof def === 'boolean' ? 'boolean' : 'string';
  const spec: ParameterSpec = { type, ...(typeof v.description === 'string' ? { description: v.description } : {}) };
  if (Array.isArray(v.enum))
    (spec as { enum?: ParamValue[] }).enum = v.enum.filter((e): e is ParamValue => ['string', 'number', 'boolean'].includes(typeof e));
  if (def !== undefined && def !== null) {
    const r = coerceParam(spec, def);
    if (typeof r === 'string') c.add(`${path}.default`, `default: ${r}`);
    else (spec as { default?: ParamValue }).default = r.value;
  }
  return spec;
}

/** Checks a value given for a parameter (typed or from an input box); returns it typed, or a problem. */
export function coerceParam(spec: ParameterSpec, raw: unknown): { value: ParamValue } | string {
  let value: ParamValue | undefined;
  const s = typeof raw === 'string' ? raw.trim() : raw;
  switch (spec.type) {
    case 'boolean':
      value = s === true || s === 'true' ? true : s === false || s === 'false' ? false : undefined;
      if (value === undefined) return `Expected true or false, not "${String(raw)}".`;
      break;
    case 'integer':
    case 'number': {
      const n = typeof s === 'number' ? s : typeof s === 'string' && s !== '' ? Number(s) : NaN;
      if (!Number.isFinite(n)) return `Expected a number, not "${String(raw)}".`;
      if (spec.type === 'integer' && !Number.isInteger(n)) return `Expected a whole number, not "${String(raw)}".`;
      value = n;
      break;
    }
    default:
      if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') return `Expected text.`;
      value = String(raw);
  }
  if (spec.enum && spec.enum.length && !spec.enum.some((e) => String(e) === String(value)))
    return `Expected one of ${spec.enum.join(', ')}.`;
  return { value };
}

/** Parses and checks kubeml.yaml. Never throws: problems are returned with their YAML path. */
export function parseSpec(text: string): { spec?: KubeMLSpec; problems: SpecProblem[] } {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length) {
    return { problems: doc.errors.map((e) => ({ path: '', message: `YAML: ${e.message.split('\n')[0]}`, offset: e.pos[0] })) };
  }
  const raw: unknown = doc.toJS();
  const c = new Checker();
  if (!isObj(raw)) return { problems: [{ path: '', message: 'kubeml.yaml must be a mapping (name, image, command, ...).' }] };
  c.keys(raw, TOP_KEYS, '');
  const name = c.str(raw, 'name', '', true, (s) =>
    DNS_LABEL.test(s) && s.length <= 40
      ? undefined
      : `name "${s}" must be lower-case letters, digits and "-", at most 40 characters (it names the Kubernetes objects).`,
  );
  const namespace = c.str(raw, 'namespace', '', false, (s) =>
    DNS_LABEL.test(s) ? undefined : `namespace "${s}" is not a valid namespace name.`,
  );
  const image = c.str(raw, 'image', '', true, (s) => (/\s/.test(s) ? `image "${s}" must not contain spaces.` : undefined));
  const ipp = raw.imagePullPolicy;
  if (ipp !== undefined && !['Always', 'IfNotPresent', 'Never'].includes(ipp as string))
    c.add('imagePullPolicy', 'imagePullPolicy must be Always, IfNotPresent or Never.');
  const kind = (raw.kind ?? 'Job') as RunKindName;
  if (!RUN_KINDS.includes(kind)) c.add('kind', `kind must be one of ${RUN_KINDS.join(', ')}.`);
  const workers = c.int(raw, 'workers', '', 1, 1024) ?? 1;
  if (kind === 'Job' && workers > 1) c.add('workers', 'A Job runs one pod: set kind to TrainJob or PyTorchJob for several workers.');
  const codePath = c.str(raw, 'codePath', '', false, absPath) ?? '/workspace/code';
  if (codePath === '/kubeml' || codePath.startsWith('/kubeml/'))
    c.add('codePath', '/kubeml is used by KubeML itself; choose another codePath.');
  const command = c.command(raw.command, 'command');
  const resources = c.resources(raw.resources, 'resources');
  const datasets: MountSpec[] = [];
  if (raw.datasets !== undefined && raw.datasets !== null) {
    if (!Array.isArray(raw.datasets)) c.add('datasets', 'datasets must be a list of { claim, path }.');
    else
      raw.datasets.forEach((d, i) => {
        const m = c.mount(d, `datasets[${i}]`);
        if (m) datasets.push(m);
      });
  }
  const env: Record<string, string> = {};
  if (raw.env !== undefined && raw.env !== null) {
    if (!isObj(raw.env)) c.add('env', 'env must be a mapping of NAME: value.');
    else
      for (const [k, v] of Object.entries(raw.env)) {
        if (!ENV_NAME.test(k) || k.startsWith('KUBEML_'))
          c.add(`env.${k}`, `"${k}" is not a usable variable name (KUBEML_ names are reserved).`);
        else if (v === null || typeof v === 'object') c.add(`env.${k}`, `The value of ${k} must be text, a number or a boolean.`);
        else env[k] = String(v);
      }
  }
  const parameters: Record<string, ParameterSpec> = {};
  if (raw.parameters !== undefined && raw.parameters !== null) {
    if (!isObj(raw.parameters))
      c.add('parameters', 'parameters must be a mapping of name: default or name: { type, default, description }.');
    else
      for (const [k, v] of Object.entries(raw.parameters)) {
        const p = paramSpec(c, k, v);
        if (p) parameters[k] = p;
      }
  }
  let validation: ValidationSpec | undefined;
  if (raw.validation !== undefined && raw.validation !== null) {
    if (!isObj(raw.validation)) c.add('validation', 'validation must be a mapping with command, reference, current.');
    else {
      c.keys(raw.validation, VALIDATION_KEYS, 'validation');
      const vcmd = c.command(raw.validation.command, 'validation.command');
      const vres = raw.validation.resources !== undefined ? c.resources(raw.validation.resources, 'validation.resources') : undefined;
      if (vcmd)
        validation = {
          command: vcmd,
          reference: c.str(raw.validation, 'reference', 'validation', false),
          current: c.str(raw.validation, 'current', 'validation', false),
          ...(vres ? { resources: vres } : {}),
        };
    }
  }
  const artifacts = raw.artifacts !== undefined && raw.artifacts !== null ? c.mount(raw.artifacts, 'artifacts') : undefined;
  const mountPaths = [codePath, '/kubeml', ...datasets.map((d) => d.path), ...(artifacts ? [artifacts.path] : [])];
  const dup = mountPaths.find((p, i) => mountPaths.indexOf(p) !== i);
  if (dup) c.add('datasets', `Two mounts use the same path ${dup}.`);
  let tensorboard: TensorBoardSpec | undefined;
  if (raw.tensorboard !== undefined && raw.tensorboard !== null) {
    if (!isObj(raw.tensorboard)) c.add('tensorboard', '"tensorboard" must be a mapping with logdir.');
    else {
      c.keys(raw.tensorboard, TENSORBOARD_KEYS, 'tensorboard');
      const logdir = c.str(raw.tensorboard, 'logdir', 'tensorboard', true, (s) =>
        s.startsWith('/') || s.startsWith('{{')
          ? undefined
          : `"${s}" must be an absolute path in the container (or start with {{artifacts}}).`,
      );
      if (logdir) tensorboard = { logdir };
    }
  }
  const timeoutMinutes = c.int(raw, 'timeoutMinutes', '', 1, 525600);
  const uploadTimeoutSeconds = c.int(raw, 'uploadTimeoutSeconds', '', 5, 86400) ?? 600;
  const waitForResources = c.bool(raw, 'waitForResources', '') ?? false;
  const exclude: string[] = [];
  if (raw.exclude !== undefined && raw.exclude !== null) {
    if (!Array.isArray(raw.exclude) || !raw.exclude.every((e) => typeof e === 'string'))
      c.add('exclude', 'exclude must be a list of patterns (gitignore syntax).');
    else exclude.push(...(raw.exclude as string[]));
  }
  const runtime = c.str(raw, 'runtime', '', false);
  const serviceAccount = c.str(raw, 'serviceAccount', '', false);
  let sweep: SweepSpec | undefined;
  if (raw.sweep !== undefined && raw.sweep !== null) {
    const r = parseSweep(raw.sweep, parameters, coerceParam);
    c.problems.push(...r.problems);
    sweep = r.sweep;
  }
  const queue = c.str(raw, 'queue', '', false, (s) =>
    DNS_LABEL.test(s) && s.length <= 63 ? undefined : `queue "${s}" is not a valid LocalQueue name (lower-case letters, digits and "-").`,
  );
  const priorityClass = c.str(raw, 'priorityClass', '', false, (s) =>
    /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(s) && s.length <= 253 ? undefined : `priorityClass "${s}" is not a valid PriorityClass name.`,
  );
  if (c.problems.length || !name || !image || !command) return { problems: c.problems };
  const spec: KubeMLSpec = {
    name,
    ...(namespace ? { namespace } : {}),
    image,
    ...(ipp ? { imagePullPolicy: ipp as KubeMLSpec['imagePullPolicy'] } : {}),
    kind,
    workers,
    codePath,
    command,
    resources,
    datasets,
    env,
    parameters,
    ...(validation ? { validation } : {}),
    ...(artifacts ? { artifacts } : {}),
    ...(tensorboard ? { tensorboard } : {}),
    ...(runtime ? { runtime } : {}),
    ...(serviceAccount ? { serviceAccount } : {}),
    ...(timeoutMinutes ? { timeoutMinutes } : {}),
    uploadTimeoutSeconds,
    waitForResources,
    exclude,
    ...(sweep ? { sweep } : {}),
    ...(queue ? { queue } : {}),
    ...(priorityClass ? { priorityClass } : {}),
  };
  return { spec, problems: [] };
}

/** parseSpec for callers that want an error: the first problems, each with its path. */
export function loadSpec(text: string, file = SPEC_FILE): KubeMLSpec {
  const { spec, problems } = parseSpec(text);
  if (spec) return spec;
  const listed = problems.slice(0, 5).map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
  throw new KubeMLError(
    'invalid',
    `${file} is not valid: ${listed.join(' ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}`,
    `Fix ${file} (its schema is schemas/kubeml.schema.json), then launch again.`,
  );
}

/** Parameter values for a run: defaults, overridden by `given` (checked and typed). */
export function resolveParams(spec: KubeMLSpec, given: Readonly<Record<string, unknown>> = {}): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const k of Object.keys(given)) {
    if (!spec.parameters[k]) throw new KubeMLError('invalid', `Unknown parameter "${k}".`, `Declare it under parameters in ${SPEC_FILE}.`);
  }
  for (const [k, p] of Object.entries(spec.parameters)) {
    const raw = given[k] ?? p.default;
    if (raw === undefined)
      throw new KubeMLError('invalid', `Parameter "${k}" has no value and no default.`, `Give it a value, or a default in ${SPEC_FILE}.`);
    const r = coerceParam(p, raw);
    if (typeof r === 'string') throw new KubeMLError('invalid', `Parameter "${k}": ${r}`);
    out[k] = r.value;
  }
  return out;
}
