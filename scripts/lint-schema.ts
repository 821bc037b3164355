// Generates schemas/kubernetes-<version>.json.gz: the compact, offline Kubernetes schema the
// manifest linter validates against. Source: the OpenAPI v3 documents that ship in the Kubernetes
// source module (k8s.io/kubernetes@<version>/api/openapi-spec/v3), fetched with `go mod download`
// from the Go module proxy; nothing is fetched at run time.
//   npx tsx scripts/lint-schema.ts [--version v1.33.13] [--from DIR]
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { compactFromOpenApi, shortenNames, type OpenApiDocument } from '../src/lint/schema/compact';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
// Keep in step with K8S_VERSION in scripts/cluster/lib.sh.
const version = arg('--version') ?? /K8S_VERSION="(v[\d.]+)"/.exec(readFileSync('scripts/cluster/lib.sh', 'utf8'))![1]!;

function specDir(): string {
  const from = arg('--from');
  if (from) return from;
  const out = execFileSync('go', ['mod', 'download', '-json', `k8s.io/kubernetes@${version}`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const dir = (JSON.parse(out) as { Dir: string }).Dir;
  return join(dir, 'api', 'openapi-spec', 'v3');
}

/** The kinds people write by hand; the API's own plumbing (TokenReview, Lease, ...) is left out to stay small. */
const KEEP: Record<string, string[]> = {
  '': [
    'Pod',
    'PodTemplate',
    'Service',
    'ConfigMap',
    'Secret',
    'Namespace',
    'ServiceAccount',
    'PersistentVolumeClaim',
    'PersistentVolume',
    'LimitRange',
    'ResourceQuota',
    'ReplicationController',
    'Endpoints',
  ],
  apps: ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'],
  batch: ['Job', 'CronJob'],
  autoscaling: ['HorizontalPodAutoscaler'],
  'networking.k8s.io': ['Ingress', 'IngressClass', 'NetworkPolicy'],
  'rbac.authorization.k8s.io': ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'],
  policy: ['PodDisruptionBudget'],
  'scheduling.k8s.io': ['PriorityClass'],
  'storage.k8s.io': ['StorageClass'],
  'node.k8s.io': ['RuntimeClass'],
  'apiextensions.k8s.io': ['CustomResourceDefinition'],
};

const dir = specDir();
const docs = readdirSync(dir)
  .filter((f) => f.endsWith('_openapi.json'))
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as OpenApiDocument);
// Stable versions only, plus autoscaling/v2 (HPA v2 is the stable one).
const compact = compactFromOpenApi(
  docs,
  `kubernetes ${version}`,
  (group, v, kind) => (KEEP[group]?.includes(kind) ?? false) && /^v\d+$/.test(v),
);
const short = shortenNames(compact);
const json = JSON.stringify(short);
const out = join('schemas', `kubernetes-${version}.json.gz`);
if (!existsSync('schemas')) throw new Error('run from the repository root');
writeFileSync(out, gzipSync(json, { level: 9 }));
console.log(
  `${out}: ${Object.keys(short.kinds).length} kinds, ${Object.keys(short.defs).length} definitions, ${json.length} bytes JSON, ${gzipSync(json, { level: 9 }).length} bytes gzipped`,
);
