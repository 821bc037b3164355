import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { KubeMLError } from '../../common/errors';
import type { CompactSchema } from './compact';
import { schemaOfVersion, type KubernetesBundle } from './kubernetesBundle';
import { SchemaValidator } from './validator';
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
const validators = new Map<string, SchemaValidator>();

/** The bundled CRD schemas (read once). */
export function bundledCrds(): CrdBundle {
  return (crds ??= readJson<CrdBundle>(CRD_SCHEMA_FILE));
}

/**
 * The offline validator for a bundled Kubernetes version ("1.33"; default the newest): its built-in
 * kinds plus the bundled custom resources. The files are read on the first call, not at activation.
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
  const custom = bundledCrds();
  const merged: CompactSchema = {
    source: base.source,
    kinds: { ...custom.kinds, ...base.kinds },
    defs: { ...custom.defs, ...base.defs },
    served: [...(base.served ?? []), ...(custom.served ?? [])],
    groups: base.groups,
  };
  const v = new SchemaValidator(merged);
  validators.set(version, v);
  return v;
}

/** The Kubernetes release a bundled minor version was taken from ("v1.33.13"). */
export function bundledRelease(version: string): string | undefined {
  kubernetes ??= readJson<KubernetesBundle>(KUBERNETES_SCHEMA_FILE);
  return kubernetes.versions[version]?.release;
}
