/**
 * A compact form of the Kubernetes OpenAPI v3 schema: only what validation needs (types,
 * properties, required fields, maps, arrays, int-or-string), no descriptions. The bundled
 * schema file and the per-cluster cache both hold this form.
 *
 *   's' string | 'i' integer | 'n' number | 'b' boolean | 'q' int-or-string / quantity | '*' anything
 *   { r: name }   reference to a definition
 *   { a: T }      array of T
 *   { m: T }      map of string to T
 *   { o: { p: {field: T}, q?: [required], x?: 1 } }   object; x: unknown fields are kept
 */
export type CompactType =
  's' | 'i' | 'n' | 'b' | 'q' | '*' | { r: string } | { a: CompactType } | { m: CompactType } | { o: CompactObject };
export interface CompactObject {
  p: Record<string, CompactType>;
  q?: string[];
  x?: 1;
}

export interface CompactSchema {
  /** What the schema describes: "kubernetes v1.33.13" or "cluster https://...". */
  source: string;
  /** "group/version/Kind" (group empty for the core group) -> definition name. */
  kinds: Record<string, string>;
  defs: Record<string, CompactType>;
  /** Every kind the API serves, validated or not ("group/version/Kind"): tells a kind left out of `kinds` from one that does not exist. */
  served?: string[];
  /**
   * The API groups this schema speaks for in full: a kind of these groups that is not `served` does not
   * exist. Absent: every group that `served` names (a cluster's schema). The bundled schema lists the
   * Kubernetes groups only, so a custom resource it has no schema for is not taken for a missing built-in.
   */
  groups?: string[];
}

export function gvkKey(group: string, version: string, kind: string): string {
  return `${group}/${version}/${kind}`;
}

export interface OpenApiSchema {
  $ref?: string;
  allOf?: OpenApiSchema[];
  oneOf?: OpenApiSchema[];
  anyOf?: OpenApiSchema[];
  type?: string;
  format?: string;
  items?: OpenApiSchema;
  properties?: Record<string, OpenApiSchema>;
  additionalProperties?: OpenApiSchema | boolean;
  required?: string[];
  default?: unknown;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-group-version-kind'?: Array<{ group: string; version: string; kind: string }>;
}

export interface OpenApiDocument {
  components?: { schemas?: Record<string, OpenApiSchema> };
}

const REF_PREFIX = '#/components/schemas/';

export function convertSchema(s: OpenApiSchema | undefined, depth = 0): CompactType {
  if (!s || depth > 64) return '*';
  if (s.$ref) return { r: s.$ref.startsWith(REF_PREFIX) ? s.$ref.slice(REF_PREFIX.length) : s.$ref };
  if (s.allOf && s.allOf.length === 1 && !s.properties) return convertSchema(s.allOf[0], depth + 1);
  if (s['x-kubernetes-int-or-string'] || s.format === 'int-or-string') return 'q';
  const alts = s.oneOf ?? s.anyOf;
  if (alts && !s.type && !s.properties) {
    const types = new Set(alts.map((a) => a.type));
    if (types.has('string') && (types.has('number') || types.has('integer'))) return 'q';
    return '*';
  }
  switch (s.type) {
    case 'string':
      return 's';
    case 'integer':
      return 'i';
    case 'number':
      return 'n';
    case 'boolean':
      return 'b';
    case 'array':
      return { a: convertSchema(s.items, depth + 1) };
    default:
      break;
  }
  if (s.properties && Object.keys(s.properties).length > 0) {
    const p: Record<string, CompactType> = {};
    for (const [k, v] of Object.entries(s.properties)) p[k] = convertSchema(v, depth + 1);
    const o: CompactObject = { p };
    if (s.required?.length) o.q = s.required;
    // Fields beyond `properties` are allowed: preserved, an embedded resource, or additionalProperties beside properties.
    if (s['x-kubernetes-preserve-unknown-fields'] || s['x-kubernetes-embedded-resource'] || s.additionalProperties) o.x = 1;
    return { o };
  }
  if (s.additionalProperties && typeof s.additionalProperties === 'object') return { m: convertSchema(s.additionalProperties, depth + 1) };
  return '*';
}

/**
 * Builds a compact schema from OpenAPI v3 documents (one per group-version, as /openapi/v3 serves
 * them). `keep(group, version, kind)` chooses the kinds; only definitions they reach are kept.
 */
export function compactFromOpenApi(
  docs: OpenApiDocument[],
  source: string,
  keep: (group: string, version: string, kind: string) => boolean = () => true,
): CompactSchema {
  const all: Record<string, OpenApiSchema> = {};
  for (const d of docs) Object.assign(all, d.components?.schemas ?? {});
  const kinds: Record<string, string> = {};
  const served = new Set<string>();
  for (const [name, s] of Object.entries(all)) {
    for (const gvk of s['x-kubernetes-group-version-kind'] ?? []) {
      if (
        gvk.kind.endsWith('List') ||
        gvk.kind === 'WatchEvent' ||
        gvk.kind === 'DeleteOptions' ||
        gvk.kind === 'Status' ||
        gvk.kind === 'APIResourceList'
      )
        continue;
      if (name.endsWith(`.${gvk.kind}`)) served.add(gvkKey(gvk.group, gvk.version, gvk.kind));
      if (!keep(gvk.group, gvk.version, gvk.kind)) continue;
      // Only the definition whose own name ends in the kind (WatchEvent and DeleteOptions list every group).
      if (!name.endsWith(`.${gvk.kind}`)) continue;
      kinds[gvkKey(gvk.group, gvk.version, gvk.kind)] = name;
    }
  }
  const defs: Record<string, CompactType> = {};
  const queue = [...new Set(Object.values(kinds))];
  while (queue.length) {
    const name = queue.pop()!;
    if (name in defs) continue;
    const t = convertSchema(all[name]);
    defs[name] = t;
    visitRefs(t, (r) => {
      if (!(r in defs) && all[r]) queue.push(r);
    });
  }
  return { source, kinds, defs, served: [...served].sort() };
}

export function visitRefs(t: CompactType, fn: (ref: string) => void): void {
  if (typeof t === 'string') return;
  if ('r' in t) fn(t.r);
  else if ('a' in t) visitRefs(t.a, fn);
  else if ('m' in t) visitRefs(t.m, fn);
  else for (const v of Object.values(t.o.p)) visitRefs(v, fn);
}

/** Renames definitions to short ids (the bundled file is read on every activation). */
/** The type with every reference renamed by `ids` (names not in it are kept). */
export function renameRefs(t: CompactType, ids: ReadonlyMap<string, string>): CompactType {
  if (typeof t === 'string') return t;
  if ('r' in t) return { r: ids.get(t.r) ?? t.r };
  if ('a' in t) return { a: renameRefs(t.a, ids) };
  if ('m' in t) return { m: renameRefs(t.m, ids) };
  const p: Record<string, CompactType> = {};
  for (const [k, v] of Object.entries(t.o.p)) p[k] = renameRefs(v, ids);
  return { o: { ...t.o, p } };
}

export function shortenNames(schema: CompactSchema): CompactSchema {
  const ids = new Map<string, string>();
  // The most referenced definitions get the shortest ids.
  const counts = new Map<string, number>();
  for (const t of Object.values(schema.defs)) visitRefs(t, (r) => counts.set(r, (counts.get(r) ?? 0) + 1));
  const names = Object.keys(schema.defs).sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0) || a.localeCompare(b));
  names.forEach((n, i) => ids.set(n, i.toString(36)));
  const rename = (t: CompactType) => renameRefs(t, ids);
  const defs: Record<string, CompactType> = {};
  for (const n of names) defs[ids.get(n)!] = rename(schema.defs[n]!);
  const kinds: Record<string, string> = {};
  for (const [k, n] of Object.entries(schema.kinds)) kinds[k] = ids.get(n)!;
  return { ...schema, kinds, defs };
}
