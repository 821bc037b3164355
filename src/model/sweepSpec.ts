/**
 * The `sweep:` section of kubeml.yaml: which parameters to vary (values lists, or ranges for a
 * random search), how many trials, how many at once, and the metric that ranks them. Parsed and
 * checked here (pure); runSpec.ts calls parseSweep once the parameters are known, and the planner
 * (sweep.ts) turns a SweepSpec into trials.
 *
 * sweep:
 *   method: random              # or grid (every combination of the values lists)
 *   trials: 12                  # random: how many; grid: at most this many (default: all)
 *   parallel: 2                 # trials running at once (default 1)
 *   metric: accuracy            # a KUBEML_RESULT metric
 *   direction: maximize         # or minimize
 *   seed: 7                     # random: the same seed plans the same trials (default 0)
 *   parameters:
 *     n_estimators: [20, 50, 100]                 # values
 *     max_depth: { min: 2, max: 12 }              # integer parameter: whole numbers, both ends included
 *     lr: { min: 0.0001, max: 0.1, scale: log }   # number parameter: uniform or log-uniform
 */
import type { ParameterSpec, ParamValue, SpecProblem } from './runSpec';

export type SweepMethod = 'grid' | 'random';
export type SweepDirection = 'maximize' | 'minimize';
export const SWEEP_KEYS = ['method', 'parameters', 'trials', 'parallel', 'metric', 'direction', 'seed'];
export const SWEEP_RANGE_KEYS = ['min', 'max', 'scale', 'values'];
/** More trials than this is a mistake in kubeml.yaml, not a sweep. */
export const MAX_TRIALS = 10_000;

export type SweepDomain =
  | { readonly kind: 'values'; readonly values: readonly ParamValue[] }
  | {
      readonly kind: 'range';
      readonly min: number;
      readonly max: number;
      readonly scale: 'linear' | 'log';
      /** Whole numbers only (the parameter is an integer). */
      readonly integer: boolean;
    };

export interface SweepSpec {
  readonly method: SweepMethod;
  /** In the order kubeml.yaml lists them (the grid's order: the last one varies fastest). */
  readonly parameters: Readonly<Record<string, SweepDomain>>;
  /** Random: the number of trials. Grid: a cap on the combinations (all when absent). */
  readonly trials?: number;
  readonly parallel: number;
  readonly metric: string;
  readonly direction: SweepDirection;
  readonly seed: number;
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isScalar = (x: unknown): x is ParamValue => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean';

/**
 * Checks `raw` (the sweep: value) against the spec's parameters. `coerce` is runSpec's coerceParam
 * (passed in: this module imports only types from runSpec, which imports this one).
 */
export function parseSweep(
  raw: unknown,
  parameters: Readonly<Record<string, ParameterSpec>>,
  coerce: (spec: ParameterSpec, raw: unknown) => { value: ParamValue } | string,
): { sweep?: SweepSpec; problems: SpecProblem[] } {
  const problems: SpecProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  if (!isObj(raw)) {
    add('sweep', 'sweep must be a mapping with method, parameters, metric and direction (and trials, parallel, seed).');
    return { problems };
  }
  for (const k of Object.keys(raw))
    if (!SWEEP_KEYS.includes(k)) add(`sweep.${k}`, `Unknown field "${k}"; expected one of ${SWEEP_KEYS.join(', ')}.`);
  const method = raw.method ?? 'grid';
  if (method !== 'grid' && method !== 'random') add('sweep.method', 'method must be grid or random.');
  const whole = (key: string, min: number, max: number): number | undefined => {
    const v = raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      add(`sweep.${key}`, `"${key}" must be a whole number from ${min} to ${max}.`);
      return undefined;
    }
    return v;
  };
  const trials = whole('trials', 1, MAX_TRIALS);
  const parallel = whole('parallel', 1, 100) ?? 1;
  const seed = whole('seed', 0, 2 ** 32 - 1) ?? 0;
  if (method === 'random' && raw.trials === undefined)
    add('sweep.trials', 'A random sweep needs "trials": how many parameter sets to draw.');
  const metric = raw.metric;
  if (typeof metric !== 'string' || !metric.trim())
    add('sweep.metric', '"metric" is required: the KUBEML_RESULT metric that ranks the trials (for example accuracy).');
  const direction = raw.direction;
  if (direction !== 'maximize' && direction !== 'minimize')
    add(
      'sweep.direction',
      `"direction" is required: maximize or minimize (is a higher ${typeof metric === 'string' ? metric : 'metric'} better?).`,
    );

  const domains: Record<string, SweepDomain> = {};
  if (!isObj(raw.parameters) || Object.keys(raw.parameters).length === 0) {
    add('sweep.parameters', 'sweep.parameters must name at least one parameter: name: [values] or name: { min, max }.');
  } else {
    for (const [name, v] of Object.entries(raw.parameters)) {
      const path = `sweep.parameters.${name}`;
      const p = parameters[name];
      if (!p) {
        const known = Object.keys(parameters);
        add(path, `Unknown parameter "${name}": declare it under parameters${known.length ? ` (declared: ${known.join(', ')})` : ''}.`);
        continue;
      }
      const d = domain(name, path, v, p, method === 'random', coerce, add);
      if (d) domains[name] = d;
    }
  }
  if (method === 'grid' && Object.keys(domains).length === Object.keys(isObj(raw.parameters) ? raw.parameters : {}).length) {
    const size = Object.values(domains).reduce((n, d) => n * (d.kind === 'values' ? new Set(d.values.map(String)).size : 1), 1);
    if (size > MAX_TRIALS && trials === undefined)
      add('sweep.parameters', `The grid has ${size} combinations (more than ${MAX_TRIALS}): shorten the values lists or set trials.`);
  }
  if (problems.length) return { problems };
  return {
    sweep: {
      method: method as SweepMethod,
      parameters: domains,
      ...(trials !== undefined ? { trials } : {}),
      parallel,
      metric: (metric as string).trim(),
      direction: direction as SweepDirection,
      seed,
    },
    problems,
  };
}

function domain(
  name: string,
  path: string,
  v: unknown,
  p: ParameterSpec,
  random: boolean,
  coerce: (spec: ParameterSpec, raw: unknown) => { value: ParamValue } | string,
  add: (path: string, message: string) => void,
): SweepDomain | undefined {
  const list = Array.isArray(v) ? v : isObj(v) && 'values' in v ? v.values : undefined;
  if (list !== undefined) {
    if (isObj(v))
      for (const k of Object.keys(v))
        if (k !== 'values') add(`${path}.${k}`, `"${k}" does not go with values: give a values list or a range.`);
    if (!Array.isArray(list) || list.length === 0) {
      add(path, `The values of "${name}" must be a non-empty list.`);
      return undefined;
    }
    const values: ParamValue[] = [];
    list.forEach((x, i) => {
      const r = isScalar(x) ? coerce(p, x) : 'Expected a number, text or true/false.';
      if (typeof r === 'string') add(`${path}[${i}]`, `${name}: ${r}`);
      else values.push(r.value);
    });
    return values.length === list.length ? { kind: 'values', values } : undefined;
  }
  if (!isObj(v)) {
    add(path, `"${name}" must be a list of values or a range { min, max, scale }.`);
    return undefined;
  }
  for (const k of Object.keys(v))
    if (!SWEEP_RANGE_KEYS.includes(k)) add(`${path}.${k}`, `Unknown field "${k}"; expected min, max, scale or values.`);
  if (!random) {
    add(path, `A grid sweep needs a values list for "${name}"; a range { min, max } is sampled only by method: random.`);
    return undefined;
  }
  if (p.type !== 'number' && p.type !== 'integer') {
    add(path, `"${name}" is a ${p.type} parameter: a range needs a number or integer parameter; give a values list instead.`);
    return undefined;
  }
  const integer = p.type === 'integer';
  const { min, max } = v;
  const scale = v.scale ?? 'linear';
  let ok = true;
  for (const [k, x] of [
    ['min', min],
    ['max', max],
  ] as const) {
    if (typeof x !== 'number' || !Number.isFinite(x) || (integer && !Number.isInteger(x))) {
      add(
        `${path}.${k}`,
        `${k} must be ${integer ? 'a whole number' : 'a number'} ("${name}" is ${integer ? 'an integer' : 'a number'} parameter).`,
      );
      ok = false;
    }
  }
  if (scale !== 'linear' && scale !== 'log') {
    add(`${path}.scale`, 'scale must be linear (uniform) or log (log-uniform).');
    ok = false;
  }
  if (!ok) return undefined;
  const lo = min as number;
  const hi = max as number;
  if (!(lo < hi)) {
    add(path, `The range of "${name}" is empty or reversed: min (${lo}) must be less than max (${hi}).`);
    return undefined;
  }
  if (scale === 'log' && lo <= 0) {
    add(`${path}.min`, `A log scale needs min > 0 (min of "${name}" is ${lo}).`);
    return undefined;
  }
  return { kind: 'range', min: lo, max: hi, scale: scale as 'linear' | 'log', integer };
}
