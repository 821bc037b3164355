import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { KubeMLError } from '../../common/errors';
import type { CompactSchema } from './compact';
import { schemaOfVersion, type KubernetesBundle } from './kubernetesBundle';
import type { Node } from 'yaml';
import { SchemaValidator, type SchemaProblem } from './validator';
import { KUBERNETES_VERSIONS, NEWEST_KUBERNETES } from './versions';

/** Kubernetes 1.30 ... 1.34 in one file (scripts/lint-schema.ts writes it). */
export const KUBERNETES_SCHEMA_FILE = 'kubernetes.json.gz';
/** Custom resources' schemas from their projects' CRDs at pinned versions (schemas/SOURCES.md). */
export const CRD_SCHEMA_FILE = 'crds.json.gz';

/** The CRD bundle: a compact schema, plus where each group's schemas come from. */
export interface CrdBundle extends CompactSchema {
  /** API group -> "project version" (e.g. "kubeflow/trainer v2.0.0"). */
  sources: Record<string, string>;
}

/** Finds schemas/<file> above this module: src/lint/schema in tests, dist/ in the bundles. */
export function findSchemaFile(file: string, from = __dirname): string | undefined {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'schemas', file);
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

function readJson<T>(file: string): T {
  const path = findSchemaFile(file);
  if (!path) {
    throw new KubeMLError(
      'not-found',
      `The bundled schema file schemas/${file} is missing.`,
      'Reinstall KubeML, or regenerate it with `npx tsx scripts/lint-schema.ts`.',
    );
  }
  const raw = readFileSync(path);
  return JSON.parse((path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8')) as T;
}

export function loadCompactSchema(path: string): CompactSchema {
  const raw = readFileSync(path);
  const text = path.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  return JSON.parse(text) as CompactSchema;
}

let kubernetes: KubernetesBundle | undefined;
let crds: CrdBundle | undefined;
let crdValidator: SchemaValidator | undefined;
const validators = new Map<string, SchemaValidator>();

/** The bundled CRD schemas (read once). */
export function bundledCrds(): CrdBundle {
  return (crds ??= readJson<CrdBundle>(CRD_SCHEMA_FILE));
}

/**
 * A Kubernetes version's schema, and the bundled custom resources' for the groups Kubernetes does not
 * own; the CRD file (the larger one) is read when the first custom resource is checked.
 */
class BundledSchemas extends SchemaValidator {
  private crds(): SchemaValidator {
    return (crdValidator ??= new SchemaValidator(bundledCrds()));
  }
  override has(group: string, version: string, kind: string): boolean {
    return super.has(group, version, kind) || (!this.owns(group) && this.crds().has(group, version, kind));
  }
  override serves(group: string, version: string, kind: string): boolean {
    return super.serves(group, version, kind) || (!this.owns(group) && this.crds().serves(group, version, kind));
  }
  override versionsOf(group: string, kind: string): string[] {
    return this.owns(group) ? super.versionsOf(group, kind) : this.crds().versionsOf(group, kind);
  }
  override validate(root: Node, group: string, version: string, kind: string, out: SchemaProblem[]): void {
    if (this.owns(group)) super.validate(root, group, version, kind, out);
    else this.crds().validate(root, group, version, kind, out);
  }
}

/**
 * The offline validator for a bundled Kubernetes version ("1.33"; default the newest): its built-in
 * kinds plus the bundled custom resources. The files are read on first use, not at activation.
 */
export function bundledValidator(version: string = NEWEST_KUBERNETES): SchemaValidator {
  const done = validators.get(version);
  if (done) return done;
  kubernetes ??= readJson<KubernetesBundle>(KUBERNETES_SCHEMA_FILE);
  const base = schemaOfVersion(kubernetes, version);
  if (!base) {
    throw new KubeMLError(
      'invalid',
      `KubeML bundles no schema for Kubernetes ${version}.`,
      `Choose one of ${KUBERNETES_VERSIONS.join(', ')} (setting kubeml.lint.kubernetesVersion, or --kubernetes-version).`,
    );
  }
  const v = new BundledSchemas(base);
  validators.set(version, v);
  return v;
}

/** The Kubernetes release a bundled minor version was taken from ("v1.33.13"). */
export function bundledRelease(version: string): string | undefined {
  kubernetes ??= readJson<KubernetesBundle>(KUBERNETES_SCHEMA_FILE);
  return kubernetes.versions[version]?.release;
}
