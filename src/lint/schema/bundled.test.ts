import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hits, lint, y } from '../testUtil';
import { bundledCrds, bundledRelease, bundledValidator } from './bundled';
import type { OpenApiSchema } from './compact';
import { compactFromCrds, liftShared, type CrdDocument } from './crd';
import { SchemaValidator, type SchemaProblem } from './validator';
import { chooseKubernetesVersion, KUBERNETES_VERSIONS, parseKubernetesVersion } from './versions';
import { parseDocument } from 'yaml';

const SCHEMA_RULES = ['schema', 'unknown-field', 'unknown-kind'];
const schemaHits = (text: string, version?: string) =>
  lint(text, { bundledSchema: bundledValidator(version) }).filter((h) => SCHEMA_RULES.includes(h.rule));

const UPSTREAM = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'lint', 'upstream');

const DEVICE_CLASS = y(
  'apiVersion: resource.k8s.io/v1',
  'kind: DeviceClass',
  'metadata: {name: gpu.example.com}',
  'spec:',
  '  selectors:',
  '    - cel: {expression: "device.driver == \'gpu.example.com\'"}',
);

describe('lint bundled schemas (Kubernetes versions and custom resources)', () => {
  it('bundles every version of the kubeml.lint.kubernetesVersion setting, each from its release', () => {
    for (const v of KUBERNETES_VERSIONS) {
      assert.equal(bundledValidator(v).schema.source, `kubernetes ${v}`);
      assert.match(bundledRelease(v) ?? '', new RegExp(`^v${v.replace('.', '\\.')}\\.\\d+$`));
    }
    assert.throws(() => bundledValidator('1.29'), /no schema for Kubernetes 1\.29/);
  });

  it('DeviceClass resource.k8s.io/v1 passes at 1.34 and is reported at 1.33, naming the version', () => {
    assert.deepEqual(schemaHits(DEVICE_CLASS, '1.34'), []);
    const at133 = schemaHits(DEVICE_CLASS, '1.33');
    assert.deepEqual(
      at133.map((h) => [h.rule, h.line, h.text]),
      [['unknown-kind', 1, 'apiVersion']],
    );
    assert.match(
      at133[0]!.message,
      /^Kubernetes 1\.33 has no DeviceClass in resource\.k8s\.io\/v1\. Use apiVersion resource\.k8s\.io\/v1alpha3 or resource\.k8s\.io\/v1beta1/,
    );
    assert.match(schemaHits(DEVICE_CLASS, '1.30')[0]!.message, /^Kubernetes 1\.30 has no DeviceClass in resource\.k8s\.io\/v1\./);
    // The 1.34 schema is used, not only its list of kinds: a misspelt field is found.
    assert.deepEqual(
      hits(DEVICE_CLASS.replace('selectors:', 'selector:'), 'unknown-field', { bundledSchema: bundledValidator('1.34') }).map(
        (h) => h.text,
      ),
      ['selector'],
    );
  });

  it('a group KubeML has no schema for is not an error offline', () => {
    const foo = y('apiVersion: example.com/v1', 'kind: Foo', 'metadata: {name: f}', 'spec: {anything: 1}');
    assert.deepEqual(schemaHits(foo), []);
    // A CRD group ending in .k8s.io that Kubernetes does not serve (external-snapshotter's): not a missing built-in.
    const snap = y(
      'apiVersion: snapshot.storage.k8s.io/v1',
      'kind: VolumeSnapshot',
      'metadata: {name: s}',
      'spec: {source: {persistentVolumeClaimName: data}}',
    );
    assert.deepEqual(schemaHits(snap), []);
    // A version of a bundled group that the bundle does not have (a newer CRD, say): not reported offline either.
    const newer = y('apiVersion: ray.io/v2', 'kind: RayCluster', 'metadata: {name: r}', 'spec: {anything: 1}');
    assert.deepEqual(schemaHits(newer), []);
  });

  it('Gateway API kinds are validated, not taken for missing built-ins', () => {
    const route = y(
      'apiVersion: gateway.networking.k8s.io/v1',
      'kind: HTTPRoute',
      'metadata: {name: r}',
      'spec:',
      '  parentRefs: [{name: gw}]',
      '  rules:',
      '    - backendRefs: [{name: svc, port: 8080}]',
    );
    assert.deepEqual(schemaHits(route), []);
    assert.deepEqual(schemaHits(route, '1.30'), []);
    assert.deepEqual(
      schemaHits(route.replace('backendRefs:', 'backendRef:')).map((h) => [h.rule, h.text]),
      [['unknown-field', 'backendRef']],
    );
  });

  it('TrainJob, InferenceService and RayCluster with a made-up field get a schema finding offline', () => {
    const isvc = readFileSync(join(UPSTREAM, 'schemas-kserve', 'sklearn.yaml'), 'utf8');
    const badIsvc = isvc.replace('    sklearn:', '    minReplica: 1\n    sklearn:');
    assert.notEqual(badIsvc, isvc);
    const found = schemaHits(badIsvc);
    assert.deepEqual(
      found.map((h) => [h.rule, h.line, h.text]),
      [['unknown-field', 7, 'minReplica']],
    );
    assert.match(found[0]!.message, /did you mean "minReplicas"/);
    const tj = y(
      'apiVersion: trainer.kubeflow.org/v1alpha1',
      'kind: TrainJob',
      'metadata: {name: t}',
      'spec:',
      '  runtimeRef: {name: torch-distributed}',
      '  trainer: {numNodes: 2, gpusPerNode: 4}',
    );
    assert.deepEqual(
      schemaHits(tj).map((h) => [h.rule, h.line, h.text]),
      [['unknown-field', 6, 'gpusPerNode']],
    );
    const ray = readFileSync(join(UPSTREAM, 'schemas-kuberay', 'ray-cluster.sample.yaml'), 'utf8');
    const bad = ray.replace('headGroupSpec:', 'headGroupSpec:\n    headReplicas: 1');
    assert.notEqual(bad, ray);
    assert.deepEqual(
      schemaHits(bad).map((h) => [h.rule, h.text]),
      [['unknown-field', 'headReplicas']],
    );
    // A type error inside the expanded pod template of a PyTorchJob.
    const pt = readFileSync(join(UPSTREAM, 'schemas-training-operator', 'pytorchjob-elastic-echo.yaml'), 'utf8');
    const badPt = pt.replace(/image: (\S+)/, 'image: 3');
    assert.notEqual(badPt, pt);
    assert.deepEqual(
      schemaHits(badPt).map((h) => [h.rule, h.text]),
      [['schema', '3']],
    );
  });

  for (const dir of readdirSync(UPSTREAM).filter((d) => d.startsWith('schemas-'))) {
    for (const file of readdirSync(join(UPSTREAM, dir)).filter((f) => f.endsWith('.yaml'))) {
      it(`upstream sample ${dir}/${file} has no schema finding`, () => {
        const text = readFileSync(join(UPSTREAM, dir, file), 'utf8');
        for (const v of ['1.30', '1.34']) {
          assert.deepEqual(
            schemaHits(text, v).map((h) => `${h.line} ${h.rule} ${h.message}`),
            [],
            `Kubernetes ${v}`,
          );
        }
      });
    }
  }

  it('records where each bundled group comes from', () => {
    const sources = bundledCrds().sources;
    assert.equal(sources['trainer.kubeflow.org'], 'kubeflow/trainer v2.0.0');
    assert.equal(sources['ray.io'], 'ray-project/kuberay v1.5.0');
    for (const g of [
      'gateway.networking.k8s.io',
      'monitoring.coreos.com',
      'cert-manager.io',
      'serving.knative.dev',
      'kueue.x-k8s.io',
      'serving.kserve.io',
      'jobset.x-k8s.io',
      'data.fluid.io',
    ]) {
      assert.ok(sources[g], g);
    }
  });
});

describe('lint CRD schema conversion', () => {
  // An object large enough to be lifted (LIFT_MIN_CHARS), used twice.
  const ENDPOINT: OpenApiSchema = {
    type: 'object',
    properties: Object.fromEntries(
      [...'abcdefghij'].map((c) => [`field_${c}`, { type: 'string' }]).concat([['port', { type: 'integer' }]]),
    ),
  };
  const crd: CrdDocument = {
    kind: 'CustomResourceDefinition',
    spec: {
      group: 'x.io',
      names: { kind: 'Thing' },
      versions: [
        {
          name: 'v1',
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  required: ['size', 'replicas'],
                  properties: {
                    size: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
                    replicas: { type: 'integer', default: 1 },
                    config: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                    a: { type: 'object', properties: { p: ENDPOINT } },
                    b: { type: 'object', properties: { p: ENDPOINT } },
                  },
                },
              },
            },
          },
        },
        { name: 'v0', served: false },
      ],
    },
  };
  const problems = (schema: ReturnType<typeof compactFromCrds>, text: string): string[] => {
    const out: SchemaProblem[] = [];
    new SchemaValidator(schema).validate(parseDocument(text).contents!, 'x.io', 'v1', 'Thing', out);
    return out.map((p) => p.message);
  };
  const raw = compactFromCrds([crd], 'test');

  it('honours int-or-string, preserve-unknown-fields and defaults of required fields', () => {
    assert.deepEqual(problems(raw, 'spec: {size: 1Gi, config: {any: {thing: 1}}}'), []);
    assert.deepEqual(problems(raw, 'spec: {size: 3}'), []);
    assert.deepEqual(problems(raw, 'spec: {}'), ['Missing required field "size".']);
    assert.deepEqual(raw.served, ['x.io/v1/Thing']);
  });

  it('lifting shared subtrees keeps what validates', () => {
    const lifted = liftShared(raw, '~');
    const sharedIds = Object.keys(lifted.defs).filter((k) => !k.startsWith('~k'));
    assert.equal(sharedIds.length, 1, 'the {name, port} object of a.p and b.p is stored once');
    for (const text of [
      'spec: {size: 1, a: {p: {field_a: x, port: 1}}}',
      'spec: {size: 1, b: {p: {field_z: x, port: "1"}}}',
      'spec: {a: 1}',
    ]) {
      assert.deepEqual(problems(lifted, text), problems(raw, text), text);
    }
    assert.equal(problems(lifted, 'spec: {size: 1, b: {p: {field_z: x}}}').length, 1);
  });
});

describe('lint Kubernetes version choice', () => {
  it('the setting wins, else the cluster version (nearest bundled), else the newest', () => {
    assert.equal(chooseKubernetesVersion('1.31', 'v1.33.2'), '1.31');
    assert.equal(chooseKubernetesVersion('auto', 'v1.32.13'), '1.32');
    assert.equal(chooseKubernetesVersion('auto', 'v1.33.5-gke.1200'), '1.33');
    assert.equal(chooseKubernetesVersion('auto', 'v1.28.3'), '1.30');
    assert.equal(chooseKubernetesVersion('auto', 'v1.36.0'), '1.34');
    assert.equal(chooseKubernetesVersion('auto', undefined), '1.34');
    assert.equal(chooseKubernetesVersion(undefined, 'garbage'), '1.34');
  });
  it('parses --kubernetes-version values', () => {
    assert.equal(parseKubernetesVersion('1.30'), '1.30');
    assert.equal(parseKubernetesVersion('v1.33.13'), '1.33');
    assert.equal(parseKubernetesVersion('auto'), '1.34');
    assert.equal(parseKubernetesVersion('1.29'), undefined);
    assert.equal(parseKubernetesVersion('latest'), undefined);
  });
});
