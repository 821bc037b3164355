// Generates the offline schemas the manifest linter validates against:
//   schemas/kubernetes.json.gz  Kubernetes 1.30 ... 1.34 (latest patch of each), definitions shared across versions;
//                               source: api/openapi-spec/v3 of the module k8s.io/kubernetes@<release>.
//   schemas/crds.json.gz        custom resources (Kubeflow, KubeRay, Kueue, Gateway API, ...) from the
//                               openAPIV3Schema of their projects' CRDs, at the module versions of CRD_SOURCES.
// Every source is a Go module zip read with `go mod download` (the Go module proxy); nothing is fetched at
// run time. schemas/SOURCES.md lists the same versions: change both together.
//   npx tsx scripts/lint-schema.ts [--only kubernetes|crds]
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseAllDocuments } from 'yaml';
import { compactFromOpenApi, type CompactSchema, type OpenApiDocument } from '../src/lint/schema/compact';
import { compactFromCrds, isCrd, liftShared, type CrdDocument } from '../src/lint/schema/crd';
import { buildKubernetesBundle } from '../src/lint/schema/kubernetesBundle';
import { KUBERNETES_VERSIONS } from '../src/lint/schema/versions';
import type { CrdBundle } from '../src/lint/schema/bundled';

/** The release taken for each bundled minor version: the latest patch the module proxy serves. */
const RELEASES: Record<string, string> = {
  '1.30': 'v1.30.14',
  '1.31': 'v1.31.14',
  '1.32': 'v1.32.13',
  '1.33': 'v1.33.13',
  '1.34': 'v1.34.4',
};

/** Projects whose CRDs are bundled: module, version, and the folders of the module that hold the CRDs. */
const CRD_SOURCES: Array<{ project: string; module: string; version: string; dirs: string[] }> = [
  { project: 'kubeflow/trainer', module: 'github.com/kubeflow/trainer/v2', version: 'v2.0.0', dirs: ['manifests/base/crds'] },
  {
    project: 'kubeflow/training-operator',
    module: 'github.com/kubeflow/training-operator',
    version: 'v1.8.1',
    dirs: ['manifests/base/crds'],
  },
  { project: 'ray-project/kuberay', module: 'github.com/ray-project/kuberay/ray-operator', version: 'v1.5.0', dirs: ['config/crd/bases'] },
  { project: 'kubernetes-sigs/kueue', module: 'sigs.k8s.io/kueue', version: 'v0.17.0', dirs: ['config/components/crd/bases'] },
  // The experimental channel: a superset of the standard one (no false unknown field for experimental fields).
  { project: 'kubernetes-sigs/gateway-api', module: 'sigs.k8s.io/gateway-api', version: 'v1.6.3', dirs: ['config/crd/experimental'] },
  {
    project: 'prometheus-operator/prometheus-operator',
    module: 'github.com/prometheus-operator/prometheus-operator',
    version: 'v0.85.0',
    dirs: ['example/prometheus-operator-crd'],
  },
  { project: 'cert-manager/cert-manager', module: 'github.com/cert-manager/cert-manager', version: 'v1.21.2', dirs: ['deploy/crds'] },
  {
    project: 'kserve/kserve',
    module: 'github.com/kserve/kserve',
    version: 'v0.16.0',
    dirs: ['config/crd/full', 'config/crd/full/llmisvc'],
  },
  { project: 'kubernetes-sigs/jobset', module: 'sigs.k8s.io/jobset', version: 'v0.10.1', dirs: ['config/components/crd/bases'] },
  { project: 'fluid-cloudnative/fluid', module: 'github.com/fluid-cloudnative/fluid', version: 'v1.0.0', dirs: ['config/crd/bases'] },
  { project: 'knative/serving', module: 'knative.dev/serving', version: 'v0.51.0', dirs: ['config/core/300-resources'] },
];

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
  // Dynamic resource allocation (GPUs by DeviceClass), stable from 1.34.
  'resource.k8s.io': ['DeviceClass', 'ResourceClaim', 'ResourceClaimTemplate'],
};

/** Kubernetes API groups that no bundled version serves any more. */
const REMOVED_GROUPS = ['extensions', 'settings.k8s.io', 'auditregistration.k8s.io', 'imagepolicy.k8s.io'];

const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
if (!existsSync('schemas')) throw new Error('run from the repository root');

function moduleDir(module: string, version: string): string {
  const out = execFileSync('go', ['mod', 'download', '-json', `${module}@${version}`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const info = JSON.parse(out) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${module}@${version}: ${info.Error ?? 'no Dir'}`);
  return info.Dir;
}

function write(file: string, value: unknown): void {
  const json = JSON.stringify(value);
  const gz = gzipSync(json, { level: 9 });
  writeFileSync(join('schemas', file), gz);
  console.log(`schemas/${file}: ${json.length} bytes JSON, ${gz.length} bytes gzipped`);
}

function kubernetes(): void {
  if (KUBERNETES_VERSIONS.join() !== Object.keys(RELEASES).join())
    throw new Error(`RELEASES (${Object.keys(RELEASES).join()}) must match LINT_KUBERNETES_VERSIONS (${KUBERNETES_VERSIONS.join()})`);
  const inputs = Object.entries(RELEASES).map(([minor, release]) => {
    const dir = join(moduleDir('k8s.io/kubernetes', release), 'api', 'openapi-spec', 'v3');
    const docs = readdirSync(dir)
      .filter((f) => f.endsWith('_openapi.json'))
      .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as OpenApiDocument);
    // Stable versions only (autoscaling/v2 included: HPA v2 is the stable one).
    const schema = compactFromOpenApi(docs, `kubernetes ${minor}`, (g, v, k) => (KEEP[g]?.includes(k) ?? false) && /^v\d+$/.test(v));
    console.log(`${release}: ${Object.keys(schema.kinds).length} kinds, ${Object.keys(schema.defs).length} definitions`);
    return { minor, release, schema };
  });
  const bundle = buildKubernetesBundle(inputs);
  // Groups Kubernetes served before 1.30: their kinds are gone, not custom (extensions/v1beta1 Deployment).
  bundle.groups = [...new Set([...bundle.groups, ...REMOVED_GROUPS])].sort();
  const variants = Object.values(bundle.defs).reduce((n, l) => n + l.length, 0);
  console.log(`${Object.keys(bundle.defs).length} definitions, ${variants} variants across ${inputs.length} versions`);
  write('kubernetes.json.gz', bundle);
}

function crds(): void {
  const all: CrdDocument[] = [];
  const sources: Record<string, string> = {};
  for (const src of CRD_SOURCES) {
    const root = moduleDir(src.module, src.version);
    let n = 0;
    for (const dir of src.dirs) {
      for (const f of readdirSync(join(root, dir))
        .filter((x) => /\.ya?ml$/.test(x))
        .sort()) {
        for (const doc of parseAllDocuments(readFileSync(join(root, dir, f), 'utf8'))) {
          const crd: unknown = doc.toJS({ maxAliasCount: -1 });
          if (!isCrd(crd)) continue;
          all.push(crd);
          sources[crd.spec!.group!] = `${src.project} ${src.version}`;
          n++;
        }
      }
    }
    if (n === 0) throw new Error(`${src.module}@${src.version}: no CRD in ${src.dirs.join(', ')}`);
    console.log(`${src.project} ${src.version}: ${n} CRDs`);
  }
  const raw: CompactSchema = compactFromCrds(all, 'bundled CRDs');
  // "~": ids that cannot clash with the Kubernetes bundle's (base-36 digits and letters).
  const lifted = liftShared(raw, '~');
  const bundle: CrdBundle = { ...lifted, sources };
  console.log(`${Object.keys(bundle.kinds).length} kinds, ${Object.keys(bundle.defs).length} definitions`);
  write('crds.json.gz', bundle);
}

if (only !== 'crds') kubernetes();
if (only !== 'kubernetes') crds();
