import { strict as assert } from 'node:assert';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../cluster/client';
import { Logger, nullSink } from '../common/logging';
import { ClusterLintData, fetchClusterSchema, isBuiltinGroupPath } from './cluster';
import { DryRunner, parseFieldPath, statusProblems } from './dryRun';
import { lint, y } from './testUtil';

/**
 * The dry run and the cluster schema against a local HTTP server that answers like an API server
 * would (discovery, a 422 Invalid Status with causes, /openapi/v3). The real API server is
 * exercised by the in-editor suite when the local cluster is up.
 */
type Handler = (req: IncomingMessage, body: string) => { status: number; json: unknown };

async function serve(handler: Handler): Promise<{ server: Server; client: KubeClient; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url}`);
      const r = handler(req, body);
      res.writeHead(r.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(r.json));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return { server, client: new KubeClient(kc), requests };
}

const JOB = y(
  'apiVersion: batch/v1',
  'kind: Job',
  'metadata:',
  '  name: train',
  'spec:',
  '  template:',
  '    spec:',
  '      restartPolicy: Always',
  '      containers:',
  '        - name: t',
  '          image: busybox:1.36',
  '          resources:',
  '            limits:',
  '              nvidia.com/gpu: 1',
);

describe('lint dry run and cluster schema', () => {
  it('parses API field paths, brackets and dotted keys included', () => {
    assert.deepEqual(parseFieldPath('spec.template.spec.containers[0].resources.limits[nvidia.com/gpu]'), [
      'spec',
      'template',
      'spec',
      'containers',
      0,
      'resources',
      'limits',
      'nvidia.com/gpu',
    ]);
    assert.deepEqual(parseFieldPath('metadata.labels[app.kubernetes.io/name]'), ['metadata', 'labels', 'app.kubernetes.io/name']);
  });

  it('reads the problems of a Status: causes, and strict decoding errors', () => {
    assert.deepEqual(statusProblems({ message: 'x', details: { causes: [{ field: 'spec.replicas', message: 'Invalid value: -1' }] } }), [
      { field: 'spec.replicas', message: 'Invalid value: -1' },
    ]);
    assert.deepEqual(
      statusProblems({ message: 'strict decoding error: unknown field "spec.template.spec.containers[0].envv"' }).map((p) => p.field),
      ['spec.template.spec.containers[0].envv'],
    );
    assert.deepEqual(statusProblems({ message: 'boom' }), [{ message: 'boom' }]);
  });

  it('POSTs with dryRun=All and maps each cause to its field in the YAML', async () => {
    const { server, client, requests } = await serve((req) => {
      if (req.url === '/apis/batch/v1')
        return {
          status: 200,
          json: {
            resources: [
              { name: 'jobs', namespaced: true, kind: 'Job' },
              { name: 'jobs/status', namespaced: true, kind: 'Job' },
            ],
          },
        };
      return {
        status: 422,
        json: {
          kind: 'Status',
          reason: 'Invalid',
          message: 'Job.batch "train" is invalid',
          details: {
            causes: [
              { reason: 'FieldValueNotSupported', message: 'Unsupported value: "Always"', field: 'spec.template.spec.restartPolicy' },
              {
                reason: 'FieldValueInvalid',
                message: 'Invalid value: "1": must be equal',
                field: 'spec.template.spec.containers[0].resources.limits[nvidia.com/gpu]',
              },
            ],
          },
        },
      };
    });
    try {
      const r = await new DryRunner(client, 'team-a').run('# header\n' + JOB);
      assert.deepEqual(requests, [
        'GET /apis/batch/v1',
        'POST /apis/batch/v1/namespaces/team-a/jobs?dryRun=All&fieldValidation=Strict&fieldManager=kubeml',
      ]);
      const text = '# header\n' + JOB;
      assert.deepEqual(
        r.findings.map((f) => [f.startPos.line + 1, text.slice(f.start, f.end)]),
        [
          [9, 'Always'],
          [15, '1'],
        ],
      );
      assert.match(r.findings[0]!.message, /Unsupported value: "Always" \(spec.template.spec.restartPolicy\) \[Invalid\]/);
      assert.equal(r.outcomes[0]!.ok, false);
    } finally {
      server.close();
    }
  });

  it('falls back to PUT with the live resourceVersion when the object exists', async () => {
    const { server, client, requests } = await serve((req, body) => {
      if (req.url === '/api/v1') return { status: 200, json: { resources: [{ name: 'configmaps', namespaced: true, kind: 'ConfigMap' }] } };
      if (req.method === 'POST') return { status: 409, json: { kind: 'Status', reason: 'AlreadyExists', message: 'exists' } };
      if (req.method === 'GET') return { status: 200, json: { metadata: { name: 'c', resourceVersion: '42' } } };
      assert.equal((JSON.parse(body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion, '42');
      return { status: 200, json: {} };
    });
    try {
      const r = await new DryRunner(client, 'default').run(
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ns}\ndata: {a: "1"}\n',
      );
      assert.deepEqual(r.findings, []);
      assert.equal(r.outcomes[0]!.ok, true);
      assert.match(r.outcomes[0]!.summary, /would update/);
      assert.equal(requests[3], 'PUT /api/v1/namespaces/ns/configmaps/c?dryRun=All&fieldValidation=Strict&fieldManager=kubeml');
    } finally {
      server.close();
    }
  });

  it('reads CRD schemas from /openapi/v3 (all at once, or lazily per group-version) and validates TrainJobs with them', async () => {
    const trainjob = {
      components: {
        schemas: {
          'org.kubeflow.trainer.v1alpha1.TrainJob': {
            type: 'object',
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { type: 'object' },
              spec: {
                type: 'object',
                properties: {
                  runtimeRef: { type: 'object', properties: { name: { type: 'string' } } },
                  trainer: { type: 'object', properties: { numNodes: { type: 'integer' } } },
                },
              },
            },
            'x-kubernetes-group-version-kind': [{ group: 'trainer.kubeflow.org', version: 'v1alpha1', kind: 'TrainJob' }],
          },
        },
      },
    };
    const { server, client, requests } = await serve((req) => {
      if (req.url === '/openapi/v3')
        return {
          status: 200,
          json: {
            paths: {
              'api/v1': { serverRelativeURL: '/openapi/v3/api/v1?hash=A' },
              'apis/apps/v1': { serverRelativeURL: '/openapi/v3/apis/apps/v1?hash=B' },
              'apis/trainer.kubeflow.org/v1alpha1': { serverRelativeURL: '/openapi/v3/apis/trainer.kubeflow.org/v1alpha1?hash=C' },
            },
          },
        };
      if (req.url?.startsWith('/openapi/v3/apis/trainer.kubeflow.org/v1alpha1')) return { status: 200, json: trainjob };
      return { status: 404, json: {} };
    });
    try {
      const validator = await fetchClusterSchema(client);
      assert.deepEqual(requests, ['GET /openapi/v3', 'GET /openapi/v3/apis/trainer.kubeflow.org/v1alpha1?hash=C']);
      const tj = y(
        'apiVersion: trainer.kubeflow.org/v1alpha1',
        'kind: TrainJob',
        'metadata: {name: t}',
        'spec:',
        '  runtimeRef: {name: torch-distributed}',
        '  trainer: {numNodes: two}',
      );
      assert.deepEqual(
        lint(tj, { clusterSchema: validator })
          .filter((h) => h.rule === 'schema')
          .map((h) => h.text),
        ['two'],
      );
      // The editor's cache: the index, then only the group-versions asked about; each lookup before
      // its document arrives answers "not known" and onDidChange fires when it does.
      requests.length = 0;
      const data = new ClusterLintData(() => client, new Logger(nullSink));
      const schema = data.clusterSchema(true)!;
      assert.equal(data.clusterSchema(false), undefined);
      assert.equal(schema.has('trainer.kubeflow.org', 'v1alpha1', 'TrainJob'), false);
      assert.equal(schema.serves('trainer.kubeflow.org', 'v1alpha1', 'TrainJob'), undefined);
      await new Promise<void>((r) => data.onDidChange(() => r()));
      assert.equal(schema.has('trainer.kubeflow.org', 'v1alpha1', 'TrainJob'), false);
      await new Promise<void>((r) => data.onDidChange(() => r()));
      assert.ok(schema.has('trainer.kubeflow.org', 'v1alpha1', 'TrainJob'));
      assert.equal(schema.serves('ray.io', 'v1', 'RayJob'), false, 'a group-version missing from the index is not served');
      assert.deepEqual(
        lint(tj, { clusterSchema: schema })
          .filter((h) => h.rule === 'schema')
          .map((h) => h.text),
        ['two'],
      );
      assert.deepEqual(schema.loadedGroupVersions(), ['apis/trainer.kubeflow.org/v1alpha1']);
      assert.deepEqual(requests, ['GET /openapi/v3', 'GET /openapi/v3/apis/trainer.kubeflow.org/v1alpha1?hash=C']);
      assert.equal(data.clusterSchema(true), schema, 'one per server');
      data.dispose();
    } finally {
      server.close();
    }
  });

  it("validates built-in kinds against the cluster's document when it has one, the bundled schema until then and when it fails", async () => {
    // A cluster whose ConfigMap has a field the bundled v1.33 schema does not (a newer or patched API server).
    const core = {
      components: {
        schemas: {
          'io.k8s.api.core.v1.ConfigMap': {
            type: 'object',
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { type: 'object' },
              data: { type: 'object', additionalProperties: { type: 'string' } },
              compressed: { type: 'boolean' },
            },
            'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'ConfigMap' }],
          },
        },
      },
    };
    let fail = false;
    const { server, client, requests } = await serve((req) => {
      if (fail) return { status: 503, json: { kind: 'Status', message: 'unavailable' } };
      if (req.url === '/openapi/v3')
        return {
          status: 200,
          json: {
            paths: {
              'api/v1': { serverRelativeURL: '/openapi/v3/api/v1?hash=A' },
              'apis/apps/v1': { serverRelativeURL: '/openapi/v3/apis/apps/v1?hash=B' },
            },
          },
        };
      if (req.url === '/openapi/v3/api/v1?hash=A') return { status: 200, json: core };
      return { status: 404, json: {} };
    });
    try {
      const cm = y('apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: c}', 'compressed: yes', 'data: {a: b}');
      const data = new ClusterLintData(() => client, new Logger(nullSink));
      const schema = data.clusterSchema(true)!;
      // Before the cluster's document arrives: the bundled schema, which has no such field.
      assert.deepEqual(
        lint(cm, { clusterSchema: schema })
          .filter((h) => h.rule === 'unknown-field')
          .map((h) => h.text),
        ['compressed'],
      );
      await new Promise<void>((r) => data.onDidChange(() => r()));
      lint(cm, { clusterSchema: schema });
      await new Promise<void>((r) => data.onDidChange(() => r()));
      assert.deepEqual(
        lint(cm, { clusterSchema: schema }).filter((h) => ['unknown-field', 'schema'].includes(h.rule)),
        [],
      );
      assert.deepEqual(requests, ['GET /openapi/v3', 'GET /openapi/v3/api/v1?hash=A'], 'apps/v1 was never read');
      data.dispose();

      // A cluster that answers nothing: the bundled schema validates.
      fail = true;
      const down = new ClusterLintData(() => client, new Logger(nullSink));
      const s2 = down.clusterSchema(true)!;
      lint(cm, { clusterSchema: s2 });
      await s2.settled();
      assert.deepEqual(
        lint(cm, { clusterSchema: s2 })
          .filter((h) => h.rule === 'unknown-field')
          .map((h) => h.text),
        ['compressed'],
      );
      down.dispose();
    } finally {
      server.close();
    }
  });

  it('learns the PVCs of a namespace once, then flags claims that do not exist', async () => {
    const { server, client, requests } = await serve((req) =>
      req.url === '/api/v1/namespaces/team-a/persistentvolumeclaims'
        ? { status: 200, json: { items: [{ metadata: { name: 'imagenet' } }] } }
        : { status: 403, json: { kind: 'Status', message: 'forbidden' } },
    );
    try {
      const data = new ClusterLintData(() => client, new Logger(nullSink));
      assert.equal(data.pvcNames('team-a'), undefined);
      await new Promise<void>((r) => data.onDidChange(() => r()));
      assert.deepEqual([...data.pvcNames('team-a')!], ['imagenet']);
      assert.equal(data.pvcNames('other'), undefined);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(data.pvcNames('other'), undefined, 'a forbidden list says nothing');
      assert.deepEqual(requests, [
        'GET /api/v1/namespaces/team-a/persistentvolumeclaims',
        'GET /api/v1/namespaces/other/persistentvolumeclaims',
      ]);
      const pod = y(
        'apiVersion: v1',
        'kind: Pod',
        'metadata: {name: p, namespace: team-a}',
        'spec:',
        '  containers: [{name: c, image: "busybox:1.36"}]',
        '  volumes:',
        '    - {name: a, persistentVolumeClaim: {claimName: imagenet}}',
        '    - {name: b, persistentVolumeClaim: {claimName: coco}}',
      );
      assert.deepEqual(
        lint(pod, { facts: data })
          .filter((h) => h.rule === 'pvc-not-found')
          .map((h) => [h.line, h.text]),
        [[8, 'coco']],
      );
      data.dispose();
    } finally {
      server.close();
    }
  });

  it('knows which group paths are built in', () => {
    assert.ok(isBuiltinGroupPath('api/v1'));
    assert.ok(isBuiltinGroupPath('apis/batch/v1'));
    assert.ok(isBuiltinGroupPath('apis/networking.k8s.io/v1'));
    assert.ok(!isBuiltinGroupPath('apis/kubeflow.org/v1'));
  });
});
