import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { KubeMLError } from '../../common/errors';
import type { CompactSchema } from './compact';
import { SchemaValidator } from './validator';

/** The Kubernetes version whose schema ships with KubeML (the local cluster helper's, scripts/cluster/lib.sh). */
export const PINNED_KUBERNETES = 'v1.33.13';
export const BUNDLED_SCHEMA_FILE = `kubernetes-${PINNED_KUBERNETES}.json.gz`;

/** Finds schemas/<file> above this module: src/lint/schema in tests, dist/ in the bundles. */
export function findSchemaFile(file = BUNDLED_SCHEMA_FILE, from = __dirname): string | undefined {
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

export function loadCompactSchema(path: string): CompactSchema {
  const raw = readFileSync(path);
  const text = path.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  return JSON.parse(text) as CompactSchema;
}

let cached: SchemaValidator | undefined;

/** The offline schema validator for the pinned Kubernetes version; read once. */
export function bundledValidator(): SchemaValidator {
  if (cached) return cached;
  const path = findSchemaFile();
  if (!path) {
    throw new KubeMLError(
      'not-found',
      `The bundled Kubernetes schema (schemas/${BUNDLED_SCHEMA_FILE}) is missing.`,
      'Reinstall KubeML, or regenerate it with `npx tsx scripts/lint-schema.ts`.',
    );
  }
  cached = new SchemaValidator(loadCompactSchema(path));
  return cached;
}
