import { strict as assert } from 'node:assert';
import { compactFromOpenApi, convertSchema, type OpenApiDocument } from './compact';
import { bundledValidator } from './bundled';
import { NEWEST_KUBERNETES } from './versions';
import { closest, SchemaValidator } from './validator';
import { hits, lint, y } from '../testUtil';

const DEPLOY = y(
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata: {name: web}',
  'spec:',
  '  replicas: 2',
  '  selector: {matchLabels: {app: web}}',
  '  template:',
  '    metadata: {labels: {app: web}}',
  '    spec:',
  '      containers:',
  '        - name: web',
  '          image: nginx:1.27',
  '          ports:',
  '            - containerPort: 80',
);

describe('lint schema validation', () => {
  it(`bundles the Kubernetes ${NEWEST_KUBERNETES} schema for the kinds ML users write`, () => {
    const v = bundledValidator();
    assert.equal(v.schema.source, `kubernetes ${NEWEST_KUBERNETES}`);
    for (const [g, ver, k] of [
      ['', 'v1', 'Pod'],
      ['batch', 'v1', 'Job'],
      ['batch', 'v1', 'CronJob'],
      ['apps', 'v1', 'StatefulSet'],
      ['', 'v1', 'PersistentVolumeClaim'],
      ['autoscaling', 'v2', 'HorizontalPodAutoscaler'],
      ['networking.k8s.io', 'v1', 'Ingress'],
      ['rbac.authorization.k8s.io', 'v1', 'RoleBinding'],
    ] as const) {
      assert.ok(v.has(g, ver, k), `${g}/${ver} ${k}`);
    }
  });
  it('a valid Deployment has no schema findings', () => {
    assert.deepEqual(
      lint(DEPLOY).filter((h) => ['schema', 'unknown-field', 'unknown-kind'].includes(h.rule)),
      [],
    );
  });
  it('unknown fields are underlined on the key, with a suggestion', () => {
    const h = hits(DEPLOY.replace('  replicas: 2', '  replica: 2'), 'unknown-field');
    assert.deepEqual(
      h.map((x) => [x.line, x.text]),
      [[5, 'replica']],
    );
    assert.match(h[0]!.message, /did you mean "replicas"/);
    const deep = hits(DEPLOY.replace('containerPort: 80', 'containerPort: 80\n              hostPorts: 1'), 'unknown-field');
    assert.deepEqual(
      deep.map((x) => [x.line, x.text]),
      [[15, 'hostPorts']],
    );
    assert.match(deep[0]!.message, /"hostPort"/);
  });
  it('wrong types are underlined on the value', () => {
    const h = hits(DEPLOY.replace('replicas: 2', 'replicas: two').replace('containerPort: 80', 'containerPort: "80"'), 'schema');
    assert.deepEqual(
      h.map((x) => [x.line, x.text]),
      [
        [5, 'two'],
        [14, '"80"'],
      ],
    );
    assert.deepEqual(
      hits(DEPLOY.replace('containers:\n', 'containers: web\n').replace(/ {8}- name: web\n(.*\n)*/, ''), 'schema').map((x) => x.text),
      ['web'],
    );
  });
  it('int-or-string and quantities take both', () => {
    const text =
      DEPLOY.replace(
        '          ports:',
        '          resources: {limits: {cpu: 2, memory: 1Gi}, requests: {cpu: "500m"}}\n          ports:',
      ) +
      '---\n' +
      y(
        'apiVersion: v1',
        'kind: Service',
        'metadata: {name: s}',
        'spec:',
        '  ports: [{port: 80, targetPort: http}, {port: 81, targetPort: 8081}]',
      );
    assert.deepEqual(hits(text, 'schema'), []);
  });
  it('missing required fields are reported on the parent key', () => {
    const h = hits(
      DEPLOY.replace('          image: nginx:1.27\n', '').replace('        - name: web', '        - image: nginx:1.27'),
      'schema',
    );
    assert.deepEqual(
      h.map((x) => [x.line, x.message]),
      [[11, 'Missing required field "name".']],
    );
    const noName = hits(DEPLOY.replace('metadata: {name: web}', 'metadata: {labels: {a: b}}'), 'schema');
    assert.deepEqual(
      noName.map((x) => [x.line, x.text]),
      [[3, 'metadata']],
    );
  });
  it('removed API versions are unknown kinds, with the version to use', () => {
    const h = hits(DEPLOY.replace('apps/v1', 'extensions/v1beta1'), 'unknown-kind');
    assert.equal(h.length, 1);
    assert.equal(h[0]!.text, 'apiVersion');
    assert.match(h[0]!.message, /no Deployment in extensions\/v1beta1/);
    assert.match(hits(DEPLOY.replace('apps/v1', 'apps/v1beta2'), 'unknown-kind')[0]!.message, /Use apiVersion apps\/v1/);
  });
  it('bundled CRDs are validated offline, and the cluster schema wins when it knows the kind', () => {
    const tj = y(
      'apiVersion: trainer.kubeflow.org/v1alpha1',
      'kind: TrainJob',
      'metadata: {name: t}',
      'spec:',
      '  runtimeRef: {name: torch-distributed}',
      '  trainer: {numNodes: 2, numProcs: 4}',
    );
    const offline = lint(tj).filter((h) => ['schema', 'unknown-field', 'unknown-kind'].includes(h.rule));
    assert.deepEqual(
      offline.map((x) => [x.rule, x.line, x.text]),
      [['unknown-field', 6, 'numProcs']],
    );
    const doc: OpenApiDocument = {
      components: {
        schemas: {
          'org.kubeflow.trainer.v1alpha1.TrainJob': {
            type: 'object',
            required: ['spec'],
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { type: 'object' },
              spec: {
                type: 'object',
                required: ['runtimeRef'],
                properties: {
                  runtimeRef: { type: 'object', properties: { name: { type: 'string' } } },
                  // A cluster whose TrainJob has the field (a newer CRD): its schema is the one used.
                  trainer: { type: 'object', properties: { numNodes: { type: 'integer' }, numProcs: { type: 'integer' } } },
                },
              },
            },
            'x-kubernetes-group-version-kind': [{ group: 'trainer.kubeflow.org', version: 'v1alpha1', kind: 'TrainJob' }],
          },
        },
      },
    };
    const cluster = new SchemaValidator(compactFromOpenApi([doc], 'cluster test'));
    const h = lint(tj, { clusterSchema: cluster }).filter((x) => ['schema', 'unknown-field', 'unknown-kind'].includes(x.rule));
    assert.deepEqual(
      h.map((x) => [x.rule, x.line, x.text]),
      [],
    );
    assert.deepEqual(
      lint(tj.replace('numProcs', 'numProc'), { clusterSchema: cluster })
        .filter((x) => x.rule === 'unknown-field')
        .map((x) => x.text),
      ['numProc'],
    );
    const ray = y('apiVersion: ray.io/v1', 'kind: RayJob', 'metadata: {name: r}', 'spec: {entrypoint: python x.py}');
    assert.deepEqual(
      hits(ray, 'unknown-kind', { clusterSchema: cluster }).map((x) => [x.line, x.severity]),
      [[1, 'warning']],
    );
  });
  it('converts OpenAPI shapes: refs, int-or-string, maps, preserve-unknown-fields', () => {
    assert.deepEqual(convertSchema({ allOf: [{ $ref: '#/components/schemas/x.Y' }] }), { r: 'x.Y' });
    assert.equal(convertSchema({ 'x-kubernetes-int-or-string': true }), 'q');
    assert.equal(convertSchema({ oneOf: [{ type: 'string' }, { type: 'number' }] }), 'q');
    assert.deepEqual(convertSchema({ type: 'object', additionalProperties: { type: 'string' } }), { m: 's' });
    assert.equal(convertSchema({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true }), '*');
  });
  it('suggests the nearest field name', () => {
    assert.equal(closest('imagePullPolicyy', ['image', 'imagePullPolicy']), 'imagePullPolicy');
    assert.equal(closest('NodeSelector', ['nodeSelector']), 'nodeSelector');
    assert.equal(closest('zzzzzz', ['nodeSelector']), undefined);
  });
});
