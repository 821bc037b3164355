// The four explorer trees inside a real VS Code, against the local cluster (the harness passes its
// kubeconfig through KUBECONFIG). Objects are created in a namespace of their own, deleted at the end.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands, EXTENSION_ID } from '../../src/constants';
import { type KubeMLApi } from '../../src/extensionMain';
import { type ExplorerNode } from '../../src/explorer/model';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** The local cluster's Prometheus: KUBEML_PROMETHEUS_URL, else PROMETHEUS_URL from the cluster status file. */
function prometheusUrl(): string | undefined {
  if (process.env.KUBEML_PROMETHEUS_URL) return process.env.KUBEML_PROMETHEUS_URL;
  try {
    const text = fs.readFileSync(path.join(os.homedir(), '.cache', 'kubeml', 'cluster', 'status.env'), 'utf8');
    return /^PROMETHEUS_URL=(.+)$/m.exec(text)?.[1].trim() || undefined;
  } catch {
    return undefined;
  }
}

const label = (i: vscode.TreeItem) => (typeof i.label === 'string' ? i.label : (i.label?.label ?? ''));

describe('KubeML explorer views in VS Code', function () {
  this.timeout(120_000);
  let api: KubeMLApi;
  const ns = `kubeml-explorer-vs-${Date.now().toString(36)}`;
  let connected = false;

  before(async function () {
    const ext = vscode.extensions.getExtension<KubeMLApi>(EXTENSION_ID);
    assert.ok(ext);
    api = await ext.activate();
    await api.ready;
    connected = api.connection.state.kind === 'connected';
    if (!connected) return;
    const client = api.connection.client!;
    await client.json('/api/v1/namespaces', {
      method: 'POST',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      what: 'create the test namespace',
    });
    // Show exactly the test namespace, as Select Namespaces would.
    await api.connection.connect({ env: process.env, context: api.connection.currentContext, namespaces: { all: false, names: [ns] } });
    await vscode.commands.executeCommand('workbench.view.extension.kubeml');
    for (const id of ['kubeml.datasets', 'kubeml.jobs', 'kubeml.gpus', 'kubeml.models'])
      await vscode.commands.executeCommand(`${id}.focus`);
  });

  after(async function () {
    if (!connected) return;
    await api.connection.client
      ?.raw(`/api/v1/namespaces/${ns}`, { method: 'DELETE', what: 'delete the test namespace' })
      .catch(() => undefined);
    await vscode.commands.executeCommand(Commands.refresh);
  });

  const children = async (key: 'datasets' | 'jobs' | 'gpus' | 'models', parent?: ExplorerNode) => {
    const p = api.explorer.providers[key];
    const nodes = await p.getChildren(parent);
    return nodes.map((n) => ({ node: n, item: p.getTreeItem(n) as vscode.TreeItem }));
  };

  it('returns no rows while not connected, so the welcome view shows (runs only without a cluster)', async function () {
    if (connected) this.skip();
    for (const key of ['datasets', 'jobs', 'gpus', 'models'] as const) assert.deepEqual(await children(key), []);
  });

  it('Datasets and Models, empty in the namespace, say what they list and where they looked; a row clears it (needs the local cluster)', async function () {
    if (!connected) this.skip();
    const views = api.explorer.treeViews;
    assert.deepEqual(await children('models'), []);
    await until('the Models message', () => views.models.message);
    assert.equal(
      views.models.message,
      `No model is served in namespace ${ns}. This view lists KServe InferenceServices and Deployments labelled kubeml.io/model. Select Namespaces widens the view.`,
    );
    assert.deepEqual(await children('datasets'), []);
    await until('the Datasets message', () => views.datasets.message);
    assert.match(String(views.datasets.message), new RegExp(`^No data set in namespace ${ns}\\. This view lists PersistentVolumeClaims`));
    // Jobs and GPUs always have rows (state groups, the cluster summary): no message.
    assert.equal(views.jobs.message, undefined);
    assert.equal(views.gpus.message, undefined);
    // A filter that hides everything says so.
    api.explorer.setFilter('models', 'no-such-model');
    try {
      await until('the filter message', () => (views.models.message?.includes('filter') ? views.models.message : undefined));
      assert.equal(views.models.message, 'Nothing here matches the filter "no-such-model".');
    } finally {
      api.explorer.setFilter('models', '');
    }
    // The first model clears the message.
    const client = api.connection.client!;
    await client.json(`/apis/apps/v1/namespaces/${ns}/deployments`, {
      method: 'POST',
      what: 'create a model deployment',
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'empty-check', labels: { 'kubeml.io/model': 'empty-check' } },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'empty-check' } },
          template: { metadata: { labels: { app: 'empty-check' } }, spec: { containers: [{ name: 'c', image: 'localhost/none:0' }] } },
        },
      },
    });
    await until('the message to go', () => (views.models.message === undefined ? true : undefined));
    assert.deepEqual(
      (await children('models')).map((r) => label(r.item)),
      ['empty-check'],
    );
    await client.raw(`/apis/apps/v1/namespaces/${ns}/deployments/empty-check`, { method: 'DELETE', what: 'delete the deployment' });
    await until('the model row to go', async () => ((await children('models')).length === 0 ? true : undefined));
  });

  it('Jobs: four state groups with counts; a new Job appears under Pending and its deletion removes it (needs the local cluster)', async function () {
    if (!connected) this.skip();
    const client = api.connection.client!;
    const groups = await until('job groups', async () => {
      const c = await children('jobs');
      return c.length >= 4 ? c : undefined;
    });
    assert.deepEqual(
      groups.slice(-4).map((g) => label(g.item)),
      ['Running', 'Pending', 'Succeeded', 'Failed'],
    );
    await client.json(`/apis/batch/v1/namespaces/${ns}/jobs`, {
      method: 'POST',
      what: 'create a job',
      body: {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'vs-job' },
        spec: {
          suspend: true,
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [{ name: 'c', image: 'busybox', resources: { limits: { 'nvidia.com/gpu': '1' } } }],
            },
          },
        },
      },
    });
    const pending = await until('the job under Pending', async () => {
      const g = (await children('jobs')).find((x) => label(x.item) === 'Pending')!;
      const kids = await children('jobs', g.node);
      const job = kids.find((k) => label(k.item) === 'vs-job');
      return job ? { g, job } : undefined;
    });
    assert.equal(pending.g.item.description, '1');
    assert.match(String(pending.job.item.description), /^Job · 1 GPU · 0\/1 · .* · Suspended$/);
    assert.equal(pending.job.item.contextValue, 'kubeml.job.batch.pending');
    assert.equal(pending.job.node.namespace, ns);
    // Background propagation, as kubectl does: the API's default for batch/v1 Jobs is to orphan the pods,
    // which adds a finalizer only the garbage collector removes (slow after an API server restart).
    await client.raw(`/apis/batch/v1/namespaces/${ns}/jobs/vs-job`, {
      method: 'DELETE',
      what: 'delete the job',
      body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' },
    });
    await until('the job gone', async () => {
      const g = (await children('jobs')).find((x) => label(x.item) === 'Pending')!;
      return (await children('jobs', g.node)).length === 0 && g.item.description === '0' ? true : undefined;
    });
  });

  it('GPUs: a cluster summary, product groups and GPU nodes saying how many GPUs pods have allocated, with tooltips explaining it (needs the local cluster)', async function () {
    if (!connected) this.skip();
    const roots = await until('gpu rows', async () => {
      const c = await children('gpus');
      return c.length >= 2 ? c : undefined;
    });
    assert.equal(label(roots[0].item), 'Cluster');
    assert.match(String(roots[0].item.description), /^\d+\/\d+ allocated · \d+ GPU nodes( · util \d+% \(measured\))?$/);
    const product = roots.find((r) => r.item.contextValue === 'kubeml.gpuProduct')!;
    assert.ok(product, 'no product group');
    assert.match(String(product.item.description), /^\d+\/\d+ allocated · \d+ nodes?( · |$)/);
    const nodes = await children('gpus', product.node);
    assert.ok(nodes.length > 0);
    assert.match(String(nodes[0].item.description), /^\d+\/\d+ allocated/);
    assert.ok(nodes[0].item.tooltip instanceof vscode.MarkdownString);
    assert.match((nodes[0].item.tooltip as vscode.MarkdownString).value, /\*\*Allocated \d+ of \d+\*\*: GPUs requested/);
  });

  it('GPUs: with kubeml.prometheus.url set, node and product rows show measured DCGM utilisation and memory per GPU, aggregated alike; a bad URL shows a note row (needs the local cluster and its Prometheus)', async function () {
    if (!connected) this.skip();
    const url = prometheusUrl();
    if (!url) this.skip();
    const config = vscode.workspace.getConfiguration('kubeml');
    const before = config.inspect<string>('prometheus.url')?.globalValue;
    await vscode.commands.executeCommand('kubeml.gpus.focus');
    try {
      await config.update('prometheus.url', url, vscode.ConfigurationTarget.Global);
      const withMetrics = await until(
        'a GPU node row with measured utilisation and memory per GPU',
        async () => {
          for (const p of (await children('gpus')).filter((r) => r.item.contextValue === 'kubeml.gpuProduct')) {
            const row = (await children('gpus', p.node)).find((n) =>
              /util \d+% \(measured\) · mem \d+ GB\/GPU avg of \d+ GB/.test(String(n.item.description)),
            );
            if (row) return row;
          }
          return undefined;
        },
        30_000,
      );
      const tip = (withMetrics.item.tooltip as vscode.MarkdownString).value;
      assert.match(tip, /\*\*Utilisation \d+% \(measured\)\*\*: DCGM_FI_DEV_GPU_UTIL/);
      assert.match(tip, /\*\*Memory \d+ GB\/GPU avg of \d+ GB\*\*: framebuffer memory used/);
      // A product with a single node aggregates the same devices: its measured numbers are the node's
      // (read until both rows come from the same poll).
      await until(
        'a one-node product whose measured numbers equal its node’s',
        async () => {
          for (const p of (await children('gpus')).filter((r) => r.item.contextValue === 'kubeml.gpuProduct')) {
            const nodes = await children('gpus', p.node);
            const measured = (d: unknown) => /util \d+% \(measured\)( · mem \d+ GB\/GPU avg( of \d+ GB)?)?/.exec(String(d))?.[0];
            const m = measured(p.item.description);
            if (/ · 1 node · /.test(String(p.item.description)) && m && nodes.length === 1 && measured(nodes[0].item.description) === m)
              return m;
          }
          return undefined;
        },
        30_000,
      );
      await config.update('prometheus.url', 'http://127.0.0.1:1', vscode.ConfigurationTarget.Global);
      const note = await until(
        'the metrics note row',
        async () => (await children('gpus')).find((r) => r.item.contextValue === 'kubeml.gpuMetricsError'),
        30_000,
      );
      assert.equal(label(note.item), 'GPU metrics unavailable');
      assert.match(String(note.item.description), /Cannot reach Prometheus/);
    } finally {
      await config.update('prometheus.url', before, vscode.ConfigurationTarget.Global);
    }
  });

  it('Datasets: a claim labelled kubeml.io/dataset is listed first (needs the local cluster)', async function () {
    if (!connected) this.skip();
    const client = api.connection.client!;
    const pvc = (name: string, labels?: Record<string, string>) => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name, labels },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    });
    await client.json(`/api/v1/namespaces/${ns}/persistentvolumeclaims`, {
      method: 'POST',
      body: pvc('aaa-plain'),
      what: 'create a claim',
    });
    await client.json(`/api/v1/namespaces/${ns}/persistentvolumeclaims`, {
      method: 'POST',
      body: pvc('zzz-data', { 'kubeml.io/dataset': 'zzz' }),
      what: 'create a claim',
    });
    const rows = await until('both claims', async () => {
      const c = await children('datasets');
      return c.length >= 2 ? c : undefined;
    });
    assert.deepEqual(rows.map((r) => label(r.item)).slice(0, 2), ['zzz-data', 'aaa-plain']);
    assert.equal(rows[0].item.contextValue, 'kubeml.dataset.pvc.labelled');
    assert.match(String(rows[0].item.description), /1Gi · Pending · RWO/);
  });

  it('Models: an InferenceService shows its readiness; the name filter hides what does not match (needs the local cluster)', async function () {
    if (!connected) this.skip();
    const client = api.connection.client!;
    await client.json(`/apis/serving.kserve.io/v1beta1/namespaces/${ns}/inferenceservices`, {
      method: 'POST',
      what: 'create an inference service',
      body: {
        apiVersion: 'serving.kserve.io/v1beta1',
        kind: 'InferenceService',
        metadata: { name: 'iris' },
        spec: { predictor: { model: { modelFormat: { name: 'sklearn' }, storageUri: 'pvc://models/iris' } } },
      },
    });
    const row = await until('the inference service', async () => (await children('models')).find((r) => label(r.item) === 'iris'));
    assert.match(String(row.item.description), /^Unknown · sklearn/);
    const details = await children('models', row.node);
    assert.ok(details.some((d) => label(d.item) === 'storageUri'));
    api.explorer.setFilter('models', 'nomatch');
    assert.equal((await children('models')).filter((r) => label(r.item) === 'iris').length, 0);
    api.explorer.setFilter('models', 'IRI');
    assert.equal((await children('models')).filter((r) => label(r.item) === 'iris').length, 1);
    api.explorer.setFilter('models', '');
  });

  it('Open Live YAML and Describe open read-only documents of the object (needs the local cluster)', async function () {
    if (!connected) this.skip();
    const row = await until('the inference service', async () => (await children('models')).find((r) => label(r.item) === 'iris'));
    await vscode.commands.executeCommand(Commands.openYaml, row.node);
    const yamlDoc = vscode.window.activeTextEditor?.document;
    assert.equal(yamlDoc?.uri.scheme, 'kubeml-live');
    assert.match(yamlDoc!.getText(), /kind: InferenceService\n/);
    assert.doesNotMatch(yamlDoc!.getText(), /managedFields/);
    await vscode.commands.executeCommand(Commands.describe, row.node);
    const d = vscode.window.activeTextEditor?.document;
    assert.equal(d?.uri.scheme, 'kubeml-describe');
    assert.match(d!.getText(), /^Name: {9}iris/);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
