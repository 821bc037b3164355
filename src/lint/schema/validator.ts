import type { Node, Pair } from 'yaml';
import { isAlias, isMap, isScalar, isSeq } from '../yamlNodes';
import { gvkKey, type CompactSchema, type CompactType } from './compact';

/**
 * Validates a YAML AST against a compact schema, straight on the nodes so every problem has the
 * exact range of the key or value at fault. Definitions are compiled once into linked objects
 * (no name lookups while validating), lazily, so loading the bundled schema stays cheap.
 */
type Compiled =
  | { k: 's' | 'i' | 'n' | 'b' | 'q' | '*' }
  | { k: 'a'; item: Compiled }
  | { k: 'm'; value: Compiled }
  | { k: 'o'; props: Map<string, Compiled>; required: string[]; preserve: boolean };

export interface SchemaProblem {
  ruleId: 'schema' | 'unknown-field';
  message: string;
  start: number;
  end: number;
}

/** What the linter asks of a schema (SchemaValidator, the cluster's ClusterSchema). `serves` may not know yet. */
export interface KindSchemas {
  has(group: string, version: string, kind: string): boolean;
  serves(group: string, version: string, kind: string): boolean | undefined;
  versionsOf(group: string, kind: string): string[];
  validate(root: Node, group: string, version: string, kind: string, out: SchemaProblem[]): void;
}

const PRIMS: Record<string, Compiled> = { s: { k: 's' }, i: { k: 'i' }, n: { k: 'n' }, b: { k: 'b' }, q: { k: 'q' }, '*': { k: '*' } };

export class SchemaValidator {
  private readonly compiled = new Map<string, Compiled>();

  constructor(readonly schema: CompactSchema) {}

  /** kind -> group -> version -> definition name: looked up for every document, without building a "group/version/Kind" string. */
  private byKind?: Map<string, Map<string, Map<string, string>>>;

  private nameOf(group: string, version: string, kind: string): string | undefined {
    if (!this.byKind) {
      const byKind = new Map<string, Map<string, Map<string, string>>>();
      for (const [gvk, name] of Object.entries(this.schema.kinds)) {
        const [g, v, k] = gvk.split('/') as [string, string, string];
        let groups = byKind.get(k);
        if (!groups) byKind.set(k, (groups = new Map()));
        let versions = groups.get(g);
        if (!versions) groups.set(g, (versions = new Map()));
        versions.set(v, name);
      }
      this.byKind = byKind;
    }
    return this.byKind.get(kind)?.get(group)?.get(version);
  }

  has(group: string, version: string, kind: string): boolean {
    return this.nameOf(group, version, kind) !== undefined;
  }

  private servedSet?: Set<string>;
  private get served(): Set<string> {
    return (this.servedSet ??= new Set([...Object.keys(this.schema.kinds), ...(this.schema.served ?? [])]));
  }

  /** The API serves this kind (whether or not its schema was kept). */
  serves(group: string, version: string, kind: string): boolean {
    return this.served.has(gvkKey(group, version, kind));
  }

  private groupSet?: Set<string>;
  /** The schema speaks for this API group in full (a Kubernetes group of the bundle): a kind it does not serve there does not exist. */
  owns(group: string): boolean {
    this.groupSet ??= new Set(this.schema.groups ?? [...this.served].map((k) => k.slice(0, k.indexOf('/'))));
    return this.groupSet.has(group);
  }

  /** Versions a kind is served in: used to say "batch/v1beta1 CronJob is gone, use batch/v1". */
  versionsOf(group: string, kind: string): string[] {
    const out: string[] = [];
    const prefix = `${group}/`;
    for (const key of this.served) {
      if (key.startsWith(prefix) && key.endsWith(`/${kind}`) && key.split('/').length === 3) out.push(key.split('/')[1]!);
    }
    return out;
  }

  private def(name: string): Compiled {
    let c = this.compiled.get(name);
    if (c) return c;
    const t = this.schema.defs[name];
    if (t === undefined) return PRIMS['*']!;
    if (typeof t === 'string') {
      c = PRIMS[t]!;
      this.compiled.set(name, c);
      return c;
    }
    if ('o' in t) {
      // Register before filling so recursive definitions (JSONSchemaProps) terminate.
      const obj: Compiled = { k: 'o', props: new Map(), required: t.o.q ?? [], preserve: !!t.o.x };
      this.compiled.set(name, obj);
      for (const [k, v] of Object.entries(t.o.p)) obj.props.set(k, this.compile(v));
      return obj;
    }
    c = this.compile(t);
    this.compiled.set(name, c);
    return c;
  }

  private compile(t: CompactType): Compiled {
    if (typeof t === 'string') return PRIMS[t] ?? PRIMS['*']!;
    if ('r' in t) return this.lazyRef(t.r);
    if ('a' in t) return { k: 'a', item: this.compile(t.a) };
    if ('m' in t) return { k: 'm', value: this.compile(t.m) };
    const obj: Compiled = { k: 'o', props: new Map(), required: t.o.q ?? [], preserve: !!t.o.x };
    for (const [k, v] of Object.entries(t.o.p)) obj.props.set(k, this.compile(v));
    return obj;
  }

  /** References compile on first use: a stand-in object is replaced by the real definition. */
  private lazyRef(name: string): Compiled {
    const done = this.compiled.get(name);
    if (done) return done;
    const t = this.schema.defs[name];
    if (t !== undefined && typeof t === 'object' && 'o' in t) {
      const obj: Compiled = { k: 'o', props: new Map(), required: t.o.q ?? [], preserve: !!t.o.x };
      this.compiled.set(name, obj);
      for (const [k, v] of Object.entries(t.o.p)) obj.props.set(k, this.compile(v));
      return obj;
    }
    return this.def(name);
  }

  /** Validates a whole resource (the document's root node). */
  validate(root: Node, group: string, version: string, kind: string, out: SchemaProblem[]): void {
    const name = this.nameOf(group, version, kind);
    if (!name) return;
    this.check(root, this.def(name), undefined, out, 0);
  }

  private check(node: Node | null | undefined, t: Compiled, keyNode: Node | undefined, out: SchemaProblem[], depth: number): void {
    if (!node || t.k === '*' || isAlias(node) || depth > 100) return;
    if (isScalar(node)) {
      const v = node.value;
      if (v === null || v === undefined) return;
      const problem = scalarProblem(v, t);
      if (problem) push(out, 'schema', node, problem);
      return;
    }
    if (isSeq(node)) {
      if (t.k !== 'a') {
        push(out, 'schema', node, `Expected ${describe(t)}, found a list.`, true);
        return;
      }
      for (const item of node.items) this.check(item as Node, t.item, undefined, out, depth + 1);
      return;
    }
    if (isMap(node)) {
      if (t.k === 'm') {
        for (const pair of node.items) this.check(pair.value as Node, t.value, pair.key as Node, out, depth + 1);
        return;
      }
      if (t.k !== 'o') {
        push(out, 'schema', node, `Expected ${describe(t)}, found a mapping.`, true);
        return;
      }
      let merged = false;
      // The keys present, kept only when some are required.
      const seen: string[] | undefined = t.required.length ? [] : undefined;
      for (const pair of node.items as Pair[]) {
        const key = pair.key;
        if (!isScalar(key)) continue;
        const k = typeof key.value === 'string' ? key.value : String(key.value);
        if (k === '<<') {
          merged = true;
          continue;
        }
        seen?.push(k);
        const pt = t.props.get(k);
        if (pt) this.check(pair.value as Node, pt, pair.key as Node, out, depth + 1);
        else if (!t.preserve) push(out, 'unknown-field', pair.key as Node, unknownMessage(k, t.props));
      }
      if (!merged && seen) {
        for (const r of t.required) {
          if (!seen.includes(r)) push(out, 'schema', keyNode ?? node, `Missing required field "${r}".`, !keyNode);
        }
      }
    }
  }
}

function push(out: SchemaProblem[], ruleId: SchemaProblem['ruleId'], node: Node, message: string, firstLineOnly = false): void {
  const r = node.range;
  if (!r) return;
  // Collections are underlined on their first character only; the message says the rest.
  out.push({ ruleId, message, start: r[0], end: firstLineOnly ? Math.min(r[1], r[0] + 1) : r[1] });
}

function scalarProblem(v: unknown, t: Compiled): string | undefined {
  const type = v instanceof Date ? 'string' : typeof v;
  switch (t.k) {
    case 's':
      return type === 'string'
        ? undefined
        : `Expected a string, found ${found(v)}${type === 'boolean' ? ' (YAML reads yes/no/on/off/true/false as booleans: quote it)' : ' (quote it)'}.`;
    case 'i':
      return type === 'number' && Number.isInteger(v) ? undefined : `Expected an integer, found ${found(v)}.`;
    case 'n':
      return type === 'number' ? undefined : `Expected a number, found ${found(v)}.`;
    case 'b':
      return type === 'boolean' ? undefined : `Expected true or false, found ${found(v)}.`;
    case 'q':
      return type === 'string' || type === 'number' ? undefined : `Expected a number or a string, found ${found(v)}.`;
    case 'a':
      return `Expected a list, found ${found(v)}.`;
    case 'm':
    case 'o':
      return `Expected a mapping, found ${found(v)}.`;
    default:
      return undefined;
  }
}

function found(v: unknown): string {
  if (typeof v === 'string') return `the string "${v.length > 40 ? v.slice(0, 40) + '…' : v}"`;
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'boolean') return `the boolean ${v}`;
  return String(v);
}

function describe(t: Compiled): string {
  return {
    s: 'a string',
    i: 'an integer',
    n: 'a number',
    b: 'true or false',
    q: 'a number or a string',
    '*': 'anything',
    a: 'a list',
    m: 'a mapping',
    o: 'a mapping',
  }[t.k];
}

function unknownMessage(key: string, props: Map<string, Compiled>): string {
  const near = closest(key, [...props.keys()]);
  return `Unknown field "${key}"${near ? `: did you mean "${near}"?` : '.'}`;
}

/** The known field closest to a misspelt one (edit distance ≤ 2, or a case-insensitive match). */
export function closest(key: string, candidates: string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    if (c.toLowerCase() === lower) return c;
    if (Math.abs(c.length - key.length) > 2) continue;
    const d = distance(lower, c.toLowerCase(), bestD);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

function distance(a: string, b: string, max: number): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      rowMin = Math.min(rowMin, cur[j]!);
    }
    if (rowMin >= max) return max;
    prev = cur;
  }
  return prev[b.length]!;
}
