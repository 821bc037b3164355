/**
 * The sweep planner: a SweepSpec becomes its trials (the swept parameters' values, one set per
 * trial). Pure and deterministic: a grid is every combination in kubeml.yaml's order (the last
 * parameter varies fastest, as itertools.product), capped by `trials`; a random sweep draws from a
 * PRNG seeded by `seed`, so the same spec plans the same trials. No two trials are the same set.
 */
import type { ParamValue } from './runSpec';
import type { SweepDomain, SweepSpec } from './sweepSpec';

export interface SweepTrial {
  /** 0-based, in plan order. */
  readonly index: number;
  /** The swept parameters only; the others keep their kubeml.yaml defaults (or the launch's values). */
  readonly params: Readonly<Record<string, ParamValue>>;
}

export interface SweepPlan {
  readonly trials: readonly SweepTrial[];
  /** Why there are fewer trials than asked (duplicates dropped, a finite space used up). */
  readonly note?: string;
}

/** mulberry32: a small, well-mixed 32-bit PRNG; floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const keyOf = (params: Readonly<Record<string, ParamValue>>) =>
  JSON.stringify(Object.keys(params).map((k) => [k, typeof params[k], String(params[k])]));

function uniqueValues(values: readonly ParamValue[]): ParamValue[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const k = `${typeof v}:${String(v)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Distinct values a domain can take; Infinity for a continuous range. */
export function domainSize(d: SweepDomain): number {
  if (d.kind === 'values') return uniqueValues(d.values).length;
  return d.integer ? d.max - d.min + 1 : Infinity;
}

/** One draw from a domain. Floats keep 6 significant digits (readable in a command line), within the range. */
export function sample(d: SweepDomain, random: () => number): ParamValue {
  if (d.kind === 'values') return d.values[Math.min(d.values.length - 1, Math.floor(random() * d.values.length))]!;
  const u = random();
  if (d.integer) {
    // Whole numbers min..max, each end included: uniform, or log-uniform over [min, max + 1).
    const x = d.scale === 'log' ? Math.exp(Math.log(d.min) + u * (Math.log(d.max + 1) - Math.log(d.min))) : d.min + u * (d.max - d.min + 1);
    return Math.min(d.max, Math.max(d.min, Math.floor(x)));
  }
  const x = d.scale === 'log' ? Math.exp(Math.log(d.min) + u * (Math.log(d.max) - Math.log(d.min))) : d.min + u * (d.max - d.min);
  return Math.min(d.max, Math.max(d.min, Number(x.toPrecision(6))));
}

export function planSweep(spec: SweepSpec): SweepPlan {
  const names = Object.keys(spec.parameters);
  if (spec.method === 'grid') {
    const lists = names.map((n) => {
      const d = spec.parameters[n]!;
      return d.kind === 'values' ? uniqueValues(d.values) : [];
    });
    const total = lists.reduce((n, l) => n * l.length, 1);
    const count = Math.min(total, spec.trials ?? total);
    const trials: SweepTrial[] = [];
    for (let i = 0; i < count; i++) {
      const params: Record<string, ParamValue> = {};
      // Mixed radix, the last parameter the fastest digit.
      let rest = i;
      for (let j = names.length - 1; j >= 0; j--) {
        const l = lists[j]!;
        params[names[j]!] = l[rest % l.length]!;
        rest = Math.floor(rest / l.length);
      }
      trials.push({ index: i, params: Object.fromEntries(names.map((n) => [n, params[n]!])) });
    }
    return { trials, ...(spec.trials !== undefined && spec.trials < total ? { note: `the first ${count} of ${total} combinations` } : {}) };
  }
  const wanted = spec.trials ?? 1;
  const space = names.reduce((n, k) => n * domainSize(spec.parameters[k]!), 1);
  const random = seededRandom(spec.seed);
  const seen = new Set<string>();
  const trials: SweepTrial[] = [];
  // A finite space smaller than asked is used up; draws that repeat a trial are dropped (bounded tries).
  for (let tries = 0; trials.length < Math.min(wanted, space) && tries < wanted * 50 + 1000; tries++) {
    const params: Record<string, ParamValue> = {};
    for (const n of names) params[n] = sample(spec.parameters[n]!, random);
    const k = keyOf(params);
    if (seen.has(k)) continue;
    seen.add(k);
    trials.push({ index: trials.length, params });
  }
  return {
    trials,
    ...(trials.length < wanted
      ? {
          note: `${trials.length} distinct parameter sets (of ${wanted} asked): ${space < wanted ? `the space has only ${space}` : 'the draws repeated'}`,
        }
      : {}),
  };
}
