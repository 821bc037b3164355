import { convertSchema, gvkKey, type CompactSchema, type CompactType, type OpenApiSchema } from './compact';

/**
 * Custom resource schemas in the compact form: each served version of a CustomResourceDefinition
 * becomes one definition (its openAPIV3Schema), then subtrees that repeat across CRDs (the fully
 * expanded PodTemplateSpec of every training job, RayCluster, ...) are lifted into shared
 * definitions, so the bundle holds each once. Used by scripts/lint-schema.ts at build time.
 */
export interface CrdDocument {
  kind?: string;
  spec?: {
    group?: string;
    names?: { kind?: string };
    versions?: Array<{ name: string; served?: boolean; schema?: { openAPIV3Schema?: OpenApiSchema } }>;
  };
}

export function isCrd(doc: unknown): doc is CrdDocument {
  const d = doc as CrdDocument | null;
  return !!d && d.kind === 'CustomResourceDefinition' && typeof d.spec?.group === 'string' && typeof d.spec.names?.kind === 'string';
}

/** One definition per served version of each CRD; versions without a schema are served but not validated. */
export function compactFromCrds(crds: CrdDocument[], source: string): CompactSchema {
  const kinds: Record<string, string> = {};
  const defs: Record<string, CompactType> = {};
  const served = new Set<string>();
  for (const crd of crds) {
    const group = crd.spec!.group!;
    const kind = crd.spec!.names!.kind!;
    for (const v of crd.spec!.versions ?? []) {
      if (v.served === false) continue;
      const key = gvkKey(group, v.name, kind);
      served.add(key);
      const schema = v.schema?.openAPIV3Schema;
      if (!schema) continue;
      defs[key] = convertSchema(withoutDefaultedRequired(schema));
      kinds[key] = key;
    }
  }
  return { source, kinds, defs, served: [...served].sort() };
}

/**
 * The API server fills in a CRD's defaults before it validates, so a required field with a default
 * may be left out. (Not for the built-in OpenAPI: it gives `default: ""` to required fields that have none.)
 */
function withoutDefaultedRequired(s: OpenApiSchema): OpenApiSchema {
  const out: OpenApiSchema = { ...s };
  if (s.properties) {
    out.properties = {};
    for (const [k, v] of Object.entries(s.properties)) out.properties[k] = withoutDefaultedRequired(v);
    if (s.required) out.required = s.required.filter((r) => s.properties![r]?.default === undefined);
  }
  if (s.items) out.items = withoutDefaultedRequired(s.items);
  if (s.additionalProperties && typeof s.additionalProperties === 'object')
    out.additionalProperties = withoutDefaultedRequired(s.additionalProperties);
  return out;
}

export const LIFT_MIN_CHARS = 120;

/**
 * Lifts every object subtree that occurs more than once (and is not tiny) into a definition of its
 * own, named `${prefix}<n>`, and renames the kinds' definitions the same way. The result validates
 * exactly as the input does: a reference to a definition means its content.
 */
export function liftShared(schema: CompactSchema, prefix: string): CompactSchema {
  const text = new Map<CompactType, string>();
  const counts = new Map<string, number>();
  const key = (t: CompactType): string => {
    if (typeof t === 'string') return t;
    let s = text.get(t);
    if (s === undefined) {
      if ('r' in t) s = JSON.stringify(t);
      else if ('a' in t) s = `{"a":${key(t.a)}}`;
      else if ('m' in t) s = `{"m":${key(t.m)}}`;
      else {
        const props = Object.entries(t.o.p)
          .map(([k, v]) => `${JSON.stringify(k)}:${key(v)}`)
          .join(',');
        s = `{"o":{"p":{${props}}${t.o.q ? `,"q":${JSON.stringify(t.o.q)}` : ''}${t.o.x ? ',"x":1' : ''}}}`;
      }
      text.set(t, s);
    }
    return s;
  };
  const count = (t: CompactType): void => {
    if (typeof t === 'string' || 'r' in t) return;
    const k = key(t);
    const n = (counts.get(k) ?? 0) + 1;
    counts.set(k, n);
    if (n > 1) return; // its insides are counted once per distinct subtree
    if ('a' in t) count(t.a);
    else if ('m' in t) count(t.m);
    else for (const v of Object.values(t.o.p)) count(v);
  };
  for (const t of Object.values(schema.defs)) count(t);

  // Occurrences counted once per distinct parent undercount nested repeats; a subtree seen twice is lifted all the same.
  const ids = new Map<string, string>();
  const defs: Record<string, CompactType> = {};
  const rebuild = (t: CompactType, top: boolean): CompactType => {
    if (typeof t === 'string' || 'r' in t) return t;
    const k = key(t);
    const shared = !top && 'o' in t && (counts.get(k) ?? 0) > 1 && k.length >= LIFT_MIN_CHARS;
    if (shared) {
      const id = ids.get(k);
      if (id) return { r: id };
    }
    let out: CompactType;
    if ('a' in t) out = { a: rebuild(t.a, false) };
    else if ('m' in t) out = { m: rebuild(t.m, false) };
    else {
      const p: Record<string, CompactType> = {};
      for (const [name, v] of Object.entries(t.o.p)) p[name] = rebuild(v, false);
      out = { o: { ...t.o, p } };
    }
    if (!shared) return out;
    const id = `${prefix}${ids.size.toString(36)}`;
    ids.set(k, id);
    defs[id] = out;
    return { r: id };
  };
  const kinds: Record<string, string> = {};
  const named = new Map<string, string>();
  for (const [gvk, name] of Object.entries(schema.kinds)) {
    let id = named.get(name);
    if (!id) {
      id = `${prefix}k${named.size.toString(36)}`;
      named.set(name, id);
      defs[id] = rebuild(schema.defs[name]!, true);
    }
    kinds[gvk] = id;
  }
  return { ...schema, kinds, defs };
}
