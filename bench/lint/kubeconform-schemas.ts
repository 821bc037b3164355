/**
 * kubeconform's schemas for the lint benchmark, generated offline from the same Kubernetes source
 * module KubeML's bundled schema comes from (k8s.io/kubernetes@<BENCH_KUBERNETES, the newest bundled release>, read with
 * `go mod download`; scripts/lint-schema.ts reads its api/openapi-spec/v3, this reads the
 * api/openapi-spec/swagger.json beside it, which is what kubeconform's own schemas are made from).
 *
 * Layout and style as kubeconform's default registry (yannh/kubernetes-json-schema, made by
 * openapi2jsonschema --kubernetes --stand-alone --strict): one file per kind and version named
 * `{{ .ResourceKind }}{{ .KindSuffix }}.json` (deployment-apps-v1.json, pod-v1.json), each
 * standalone (the definitions it uses are inside it), strict (additionalProperties: false on every
 * object with properties), IntOrString as string|integer, Quantity as string|number, optional
 * fields may be null, apiVersion and kind pinned by enum.
 *
 * Written to ${KUBEML_CACHE:-~/.cache/kubeml}/kubeconform-schemas/<version>-standalone-strict/,
 * never the repository; generated once per version.
 *
 *   npx tsx bench/lint/kubeconform-schemas.ts      prints the directory
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { bundledRelease } from '../../src/lint/schema/bundled';
import { NEWEST_KUBERNETES } from '../../src/lint/schema/versions';

/** The Kubernetes release whose schema KubeML lints with by default (the newest bundled): kubeconform gets the same. */
export const BENCH_KUBERNETES = bundledRelease(NEWEST_KUBERNETES) ?? `v${NEWEST_KUBERNETES}.0`;

type Schema = Record<string, unknown>;
type Gvk = { group: string; version: string; kind: string };

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const REF = '#/definitions/';

/** kubeconform's `{{ .ResourceKind }}{{ .KindSuffix }}` for a group/version/kind (pkg/registry/registry.go). */
export function schemaFileName({ group, version, kind }: Gvk): string {
  const suffix = group === '' ? `-${version}` : `-${group.split('.')[0]!.toLowerCase()}-${version.toLowerCase()}`;
  return `${kind.toLowerCase()}${suffix}.json`;
}

/** One definition made strict and null-tolerant; the $refs stay local (#/definitions/...). */
function convert(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(convert);
  if (!s || typeof s !== 'object') return s;
  const out: Schema = {};
  for (const [k, v] of Object.entries(s as Schema)) {
    if (k === 'description' || k.startsWith('x-kubernetes-')) continue;
    out[k] = k === 'properties' ? v : convert(v);
  }
  const props = out.properties as Record<string, Schema> | undefined;
  if (props) {
    const required = new Set((out.required as string[] | undefined) ?? []);
    const converted: Record<string, unknown> = {};
    for (const [name, p] of Object.entries(props)) {
      const c = convert(p) as Schema;
      converted[name] = required.has(name) ? c : nullable(c);
    }
    out.properties = converted;
    if (out.additionalProperties === undefined) out.additionalProperties = false;
  }
  return out;
}

/** Optional fields may be null (the API server reads null as unset). A $ref is left as it is: its definition takes null instead. */
function nullable(s: Schema): Schema {
  return typeof s.type === 'string' ? { ...s, type: [s.type, 'null'] } : s;
}

function reachable(defs: Record<string, Schema>, start: string): Set<string> {
  const seen = new Set<string>();
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) return x.forEach(walk);
    if (!x || typeof x !== 'object') return;
    for (const [k, v] of Object.entries(x as Schema)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(REF)) {
        const name = v.slice(REF.length);
        if (!seen.has(name) && defs[name]) {
          seen.add(name);
          walk(defs[name]);
        }
      } else walk(v);
    }
  };
  walk(defs[start]);
  seen.delete(start);
  return seen;
}

/** Writes the schemas into dir (through a temporary sibling, so a half-written set is never used); returns how many. */
export function writeKubeconformSchemas(swaggerPath: string, dir: string): number {
  const swagger = JSON.parse(readFileSync(swaggerPath, 'utf8')) as { definitions: Record<string, Schema> };
  const raw = swagger.definitions;
  const defs: Record<string, Schema> = {};
  // Definitions (but not a file's root) take null, so an optional field that refers to one may be null,
  // as openapi2jsonschema's inlined schemas allow; a required one may then be null too (looser, never stricter).
  for (const [name, d] of Object.entries(raw)) defs[name] = convert(d) as Schema;
  const withNull = Object.fromEntries(Object.entries(defs).map(([name, d]) => [name, nullable(d)]));
  withNull[INT_OR_STRING] = { oneOf: [{ type: 'string' }, { type: 'integer' }, { type: 'null' }] };
  withNull[QUANTITY] = { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'null' }] };
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  let n = 0;
  for (const [name, d] of Object.entries(raw)) {
    const gvks = (d['x-kubernetes-group-version-kind'] as Gvk[] | undefined) ?? [];
    // DeleteOptions and WatchEvent name every group: not resources anyone writes.
    if (gvks.length !== 1) continue;
    const gvk = gvks[0]!;
    const apiVersion = gvk.group === '' ? gvk.version : `${gvk.group}/${gvk.version}`;
    const top = structuredClone(defs[name]!);
    const props = (top.properties ?? {}) as Record<string, Schema>;
    props.apiVersion = { type: 'string', enum: [apiVersion] };
    props.kind = { type: 'string', enum: [gvk.kind] };
    top.properties = props;
    const used = [...reachable(defs, name)].sort();
    if (used.length) top.definitions = Object.fromEntries(used.map((u) => [u, withNull[u]]));
    // A self-reference (none among the stable kinds, but JSONSchemaProps refers to itself) resolves to the file's root.
    const text = JSON.stringify(top).replaceAll(`"$ref":"${REF}${name}"`, '"$ref":"#"');
    writeFileSync(join(tmp, schemaFileName(gvk)), text);
    n++;
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return n;
}

/** The schema directory for a Kubernetes version, generated from its source module the first time. */
export function kubeconformSchemaDir(version: string): string {
  const cache = process.env.KUBEML_CACHE ?? join(homedir(), '.cache', 'kubeml');
  const dir = join(cache, 'kubeconform-schemas', `${version}-standalone-strict`);
  if (existsSync(join(dir, 'deployment-apps-v1.json'))) return dir;
  let moduleDir: string;
  try {
    const out = execFileSync('go', ['mod', 'download', '-json', `k8s.io/kubernetes@${version}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    moduleDir = (JSON.parse(out) as { Dir: string }).Dir;
  } catch (e) {
    throw new Error(
      `could not read k8s.io/kubernetes@${version} from the Go module proxy to make kubeconform's schemas (${(e as Error).message.split('\n')[0]}); install Go or set GOPROXY to a proxy that serves it`,
    );
  }
  writeKubeconformSchemas(join(moduleDir, 'api', 'openapi-spec', 'swagger.json'), dir);
  return dir;
}

if (require.main === module) console.log(kubeconformSchemaDir(BENCH_KUBERNETES));
