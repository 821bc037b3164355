/** Kubernetes quantities ("8", "500m", "64Gi", "1.5e3") as numbers: a small parser for the pending explanation. */
import type { ContainerLike, Quantity, ResourceMap } from './types';

const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  Pi: 1024 ** 5,
  Ei: 1024 ** 6,
};

/** The quantity's value; NaN when it is not a quantity. */
export function quantity(q: Quantity | undefined): number {
  if (q === undefined) return Number.NaN;
  if (typeof q === 'number') return q;
  const m = /^\s*([+-]?\d*\.?\d+(?:[eE][+-]?\d+)?)\s*(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]?)\s*$/.exec(q);
  return m ? Number(m[1]) * SUFFIX[m[2]!]! : Number.NaN;
}

/** Like quantity(), 0 for a missing or malformed value. */
export function amount(q: Quantity | undefined): number {
  const n = quantity(q);
  return Number.isFinite(n) ? n : 0;
}

/** A number as people read it for a resource: GPUs and cpu as counts, memory in Gi. */
export function show(resource: string, n: number): string {
  if (/memory|storage/.test(resource)) {
    const gi = n / 1024 ** 3;
    return gi >= 1 ? `${round(gi)}Gi` : `${round(n / 1024 ** 2)}Mi`;
  }
  return String(round(n));
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/**
 * A pod's effective request per resource, as the scheduler computes it: the containers' sum, at least the
 * largest init container; a limit without a request counts as the request (the API server defaults it so).
 */
export function podRequests(spec: { containers?: ContainerLike[]; initContainers?: ContainerLike[] } | undefined): Record<string, number> {
  const one = (c: ContainerLike): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(c.resources?.limits ?? {})) out[k] = amount(v);
    for (const [k, v] of Object.entries(c.resources?.requests ?? {})) out[k] = amount(v);
    return out;
  };
  const sum: Record<string, number> = {};
  for (const c of spec?.containers ?? []) for (const [k, v] of Object.entries(one(c))) sum[k] = (sum[k] ?? 0) + v;
  for (const c of spec?.initContainers ?? []) for (const [k, v] of Object.entries(one(c))) sum[k] = Math.max(sum[k] ?? 0, v);
  return sum;
}

export function sumMaps(maps: ReadonlyArray<ResourceMap | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of maps) for (const [k, v] of Object.entries(m ?? {})) out[k] = (out[k] ?? 0) + amount(v);
  return out;
}

export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** "12 min", "3 h", "2 d": how long something has waited. */
export function age(from: string | undefined, now: number): string | undefined {
  const t = from ? Date.parse(from) : Number.NaN;
  if (!Number.isFinite(t) || !Number.isFinite(now)) return undefined;
  const min = Math.max(0, Math.floor((now - t) / 60_000));
  if (min < 60) return `${min} min`;
  if (min < 48 * 60) return `${Math.floor(min / 60)} h`;
  return `${Math.floor(min / 1440)} d`;
}

export const GPU_RESOURCES = /^(nvidia\.com\/gpu|amd\.com\/gpu|gpu\.intel\.com\/.+|nvidia\.com\/mig-.+)$/;
