// Integration test of the manifest linter's cluster schema (issue 6) against the real local cluster:
// when connected, built-in kinds and CRDs are validated against the cluster's own /openapi/v3,
// read lazily (only the group-versions the linted manifests use), cached by the index's hash.
// Needs a running cluster: `npm run cluster:up`, then KUBEML_KUBECONFIG=$(npm run --silent cluster:kubeconfig).
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/cluster/client';
import { Logger, nullSink } from '../../src/common/logging';
import { ClusterLintData, type ClusterSchema } from '../../src/lint/cluster';
import { lintText, type LintConfig } from '../../src/lint/engine';
import { bundledValidator } from '../../src/lint/schema/bundled';
import { sleep, until as untilDefined } from '../support/wait';

const y = (...lines: string[]) => lines.join('\n') + '\n';
const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
// A group of this run's own: CRDs are cluster-wide, so the name must not meet another run's.
const GROUP = `h${suffix}.lint.kubeml.dev`;
const PLURAL = 'lintprobes';
const CRD_NAME = `${PLURAL}.${GROUP}`;

interface Hit {
  rule: string;
  line: number;
  text: string;
  message: string;
}

const schemaRules = new Set(['schema', 'unknown-field', 'unknown-kind']);

function lintWith(text: string, config: LintConfig): Hit[] {
  const r = lintText(text, { bundledSchema: bundledValidator(), ...config });
  return r.findings
    .filter((f) => schemaRules.has(f.ruleId))
    .map((f) => ({ rule: f.ruleId, line: f.startPos.line + 1, text: text.slice(f.start, f.end), message: f.message }));
}

/**
 * Lints as the editor does when connected: lint, and lint again whenever the cluster schema says it
 * learnt something (the editor re-lints on ClusterLintData.onDidChange), until nothing is loading.
 */
async function lintConnected(text: string, schema: ClusterSchema): Promise<Hit[]> {
  let hits = lintWith(text, { clusterSchema: schema });
  for (let i = 0; i < 5; i++) {
    await schema.settled();
    hits = lintWith(text, { clusterSchema: schema });
    await sleep(10);
  }
  return hits;
}

function crd(fields: Record<string, { type: string }>) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: CRD_NAME },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: { plural: PLURAL, singular: 'lintprobe', kind: 'LintProbe', listKind: 'LintProbeList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: fields } } } },
        },
      ],
    },
  };
}

describe("lint: the connected cluster's own schema (/openapi/v3)", function () {
  this.timeout(120_000);
  let client: KubeClient;
  let data: ClusterLintData;
  let changes = 0;

  before(async function () {
    const path = process.env.KUBEML_KUBECONFIG;
    assert.ok(path, 'KUBEML_KUBECONFIG must point at the cluster kubeconfig (npm run --silent cluster:kubeconfig)');
    assert.ok(existsSync(path), `kubeconfig ${path} does not exist: run npm run cluster:up`);
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    client = new KubeClient(kc);
    await client.version(10_000);
    data = new ClusterLintData(() => client, new Logger(nullSink));
    data.onDidChange(() => changes++);
  });

  after(async function () {
    data?.dispose();
    await client
      ?.raw(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD_NAME}`, {
        method: 'DELETE',
        what: 'delete the test CRD',
        timeoutMs: 15_000,
      })
      .catch(() => undefined);
  });

  it('validates a built-in kind that the bundled schema leaves out, reading only its group-version', async () => {
    // coordination.k8s.io/v1 Lease is served by every cluster but not in the bundled schema's kinds:
    // offline it is not validated; connected, the cluster's document for that group-version finds the typo.
    const lease = y(
      'apiVersion: coordination.k8s.io/v1',
      'kind: Lease',
      'metadata:',
      '  name: trainer-leader',
      'spec:',
      '  holderIdentiy: trainer-0',
      '  leaseDurationSeconds: 15',
    );
    assert.deepEqual(lintWith(lease, {}), [], 'offline: the bundled schema has no Lease, so no schema finding');
    const schema = data.clusterSchema(true)!;
    assert.ok(schema, 'connected: a cluster schema');
    const hits = await lintConnected(lease, schema);
    assert.deepEqual(
      hits.map((h) => [h.rule, h.line, h.text]),
      [['unknown-field', 6, 'holderIdentiy']],
    );
    assert.match(hits[0]!.message, /did you mean "holderIdentity"/);
    assert.deepEqual(schema.loadedGroupVersions(), ['apis/coordination.k8s.io/v1'], 'only the group-version the manifest uses was read');
    assert.ok(changes > 0, 'ClusterLintData told the editor to re-lint');
  });

  it("validates built-in kinds the bundled schema has against the cluster's documents too", async () => {
    const schema = data.clusterSchema(true)!;
    const job = y(
      'apiVersion: batch/v1',
      'kind: Job',
      'metadata: {name: train}',
      'spec:',
      '  backofLimit: 2',
      '  template:',
      '    spec:',
      '      restartPolicy: Never',
      '      containers:',
      '        - {name: c, image: "busybox:1.36", resources: {limits: {cpu: one}}}',
    );
    const hits = await lintConnected(job, schema);
    assert.deepEqual(
      hits.map((h) => [h.rule, h.line, h.text]),
      [['unknown-field', 5, 'backofLimit']],
    );
    assert.ok(schema.loadedGroupVersions().includes('apis/batch/v1'), 'batch/v1 was read from the cluster');
    assert.ok(!schema.loadedGroupVersions().includes('apis/apps/v1'), 'apps/v1 was not: no manifest used it');
    assert.ok(schema.has('batch', 'v1', 'Job'), 'the cluster schema, not the bundled one, knows Job now');
  });

  it("validates a CRD's fields, and reads the group-version again when its schema changes", async () => {
    await client.json('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
      method: 'POST',
      body: crd({ maxShards: { type: 'integer' } }),
      what: 'create the test CRD',
      timeoutMs: 15_000,
    });
    // The API server publishes a new CRD in /openapi/v3 a moment after it is established.
    await untilDefined('the CRD in /openapi/v3', 60_000, async () => {
      const idx = await client.json<{ paths: Record<string, unknown> }>('/openapi/v3', { what: 'index', timeoutMs: 10_000 });
      return idx.paths[`apis/${GROUP}/v1`] ? true : undefined;
    });
    const schema = data.clusterSchema(true)!;
    schema.refresh();
    const probe = (spec: string) => y(`apiVersion: ${GROUP}/v1`, 'kind: LintProbe', 'metadata: {name: p}', 'spec:', spec);
    assert.deepEqual(lintWith(probe('  maxShards: many'), {}), [], 'offline: nothing knows this kind');
    assert.deepEqual(
      (await lintConnected(probe('  maxShards: many'), schema)).map((h) => [h.rule, h.line, h.text]),
      [['schema', 5, 'many']],
    );
    assert.deepEqual(
      (await lintConnected(probe('  maxShards: 4'), schema)).map((h) => h.rule),
      [],
    );
    assert.deepEqual(
      (await lintConnected(probe('  minShards: 1'), schema)).map((h) => [h.rule, h.text]),
      [['unknown-field', 'minShards']],
    );
    const other = y(`apiVersion: ${GROUP}/v2`, 'kind: LintProbe', 'metadata: {name: p}');
    const v2 = await lintConnected(other, schema);
    assert.deepEqual(
      v2.map((h) => h.rule),
      ['unknown-kind'],
    );
    assert.match(v2[0]!.message, new RegExp(`serves LintProbe as ${GROUP.replace(/\./g, '\\.')}/v1`));

    // Add a field: the group-version's hash in the index changes, and the new document is read.
    const current = await client.json<{ metadata: { resourceVersion: string } }>(
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD_NAME}`,
      { what: 'read the test CRD', timeoutMs: 10_000 },
    );
    const updated = crd({ maxShards: { type: 'integer' }, minShards: { type: 'integer' } });
    await client.json(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD_NAME}`, {
      method: 'PUT',
      body: { ...updated, metadata: { ...updated.metadata, resourceVersion: current.metadata.resourceVersion } },
      what: 'update the test CRD',
      timeoutMs: 15_000,
    });
    await untilDefined('minShards in the cluster schema', 60_000, async () => {
      schema.refresh();
      const hits = await lintConnected(probe('  minShards: 1'), schema);
      return hits.length === 0 ? true : undefined;
    });
    assert.deepEqual(
      (await lintConnected(probe('  minShards: few'), schema)).map((h) => [h.rule, h.text]),
      [['schema', 'few']],
    );
  });

  it('falls back to the bundled schema when the cluster cannot be read', async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'gone', server: 'https://127.0.0.1:9', skipTLSVerify: true }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'x', cluster: 'gone', user: 'u' }],
      currentContext: 'x',
    });
    const dead = new KubeClient(kc);
    const offline = new ClusterLintData(() => dead, new Logger(nullSink));
    try {
      const schema = offline.clusterSchema(true)!;
      const job = y(
        'apiVersion: batch/v1',
        'kind: Job',
        'metadata: {name: train}',
        'spec:',
        '  backofLimit: 2',
        '  template: {spec: {restartPolicy: Never, containers: [{name: c, image: "busybox:1.36"}]}}',
      );
      const hits = await lintConnected(job, schema);
      assert.deepEqual(
        hits.map((h) => [h.rule, h.line, h.text]),
        [['unknown-field', 5, 'backofLimit']],
        'the bundled schema still validates',
      );
      assert.deepEqual(schema.loadedGroupVersions(), []);
    } finally {
      offline.dispose();
    }
  });
});
