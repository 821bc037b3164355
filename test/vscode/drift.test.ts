import { strict as assert } from 'node:assert';
import { mkdtempSync, promises as fs, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { Commands, EXTENSION_ID } from '../../src/constants';
import { type KubeMLApi } from '../../src/extensionMain';
import { type DriftPrompts } from '../../src/drift/commands';
import { compareFiles } from '../../src/drift/compare';
import { thresholdsFromSettings } from '../../src/drift/settings';
import { objectSource } from '../../src/common/settings';
import { DEFAULT_THRESHOLDS } from '../../src/model/driftReport';
import type { DriftPanel } from '../../src/drift/panel';
import type { ExplorerNode } from '../../src/explorer/model';
import { RunStore, type RunRecord } from '../../src/model/runRecords';
import { until } from '../support/wait';

/** The local cluster's Prometheus (scripts/cluster writes it to status.env), or KUBEML_PROMETHEUS_URL. */
function prometheusUrl(): string | undefined {
  if (process.env.KUBEML_PROMETHEUS_URL) return process.env.KUBEML_PROMETHEUS_URL;
  try {
    return (
      /^PROMETHEUS_URL=(.+)$/m.exec(readFileSync(join(homedir(), '.cache', 'kubeml', 'cluster', 'status.env'), 'utf8'))?.[1].trim() ||
      undefined
    );
  } catch {
    return undefined;
  }
}

/** Answers the drift commands' dialogs and keeps what they showed. */
class ScriptedDriftPrompts implements DriftPrompts {
  readonly errors: Array<{ message: string; actions: string[] }> = [];
  readonly picks: Array<{ title?: string; items: vscode.QuickPickItem[] }> = [];
  pickAnswer: (items: vscode.QuickPickItem[]) => vscode.QuickPickItem | undefined = () => undefined;
  async error(message: string, ...actions: string[]): Promise<string | undefined> {
    this.errors.push({ message, actions });
    return undefined;
  }
  async pick<T extends vscode.QuickPickItem>(items: T[], options: vscode.QuickPickOptions): Promise<T | undefined> {
    this.picks.push({ title: options.title, items });
    return this.pickAnswer(items) as T | undefined;
  }
  readonly inputs: string[] = [];
  inputAnswers: string[] = [];
  async input(options: vscode.InputBoxOptions): Promise<string | undefined> {
    this.inputs.push(options.title ?? '');
    const v = this.inputAnswers.shift();
    if (v !== undefined) assert.equal(options.validateInput?.(v) ?? undefined, undefined, `the input box rejects ${v}`);
    return v;
  }
  async files(): Promise<vscode.Uri[] | undefined> {
    return undefined;
  }
}

describe('Drift report panel in a real VS Code', () => {
  let api: KubeMLApi;
  let fixtures: string;

  before(async () => {
    api = await vscode.extensions.getExtension<KubeMLApi>(EXTENSION_ID)!.activate();
    fixtures = join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'test', 'fixtures', 'drift');
  });

  afterEach(() => {
    for (const p of api.drift.panels) p.dispose();
  });

  it('opens from two local files and the page says it is ready', async () => {
    const panel = (await vscode.commands.executeCommand(
      Commands.openDriftReport,
      vscode.Uri.file(join(fixtures, 'reference.csv')),
      vscode.Uri.file(join(fixtures, 'current.csv')),
    )) as DriftPanel | undefined;
    assert.ok(panel, 'no panel opened');
    await panel.ready;
    assert.equal(api.drift.panels.size, 1);
  });

  it('opens from two local Parquet files', async () => {
    const panel = (await vscode.commands.executeCommand(
      Commands.openDriftReport,
      vscode.Uri.file(join(fixtures, 'reference.parquet')),
      vscode.Uri.file(join(fixtures, 'current.parquet')),
    )) as DriftPanel | undefined;
    assert.ok(panel, 'no panel opened');
    await panel.ready;
    assert.equal(panel.visible, true);
  });

  it('opens the drift gauges of a model from Prometheus (needs the local cluster and its Prometheus)', async function () {
    const url = prometheusUrl();
    if (!url) this.skip();
    const config = vscode.workspace.getConfiguration('kubeml');
    const before = config.inspect<string>('prometheus.url')?.globalValue;
    try {
      await config.update('prometheus.url', url, vscode.ConfigurationTarget.Global);
      const panel = (await vscode.commands.executeCommand(Commands.openDriftReport, {
        prometheus: { model: 'fraud-detector', rangeSeconds: 1800 },
      })) as DriftPanel | undefined;
      assert.ok(panel, 'no panel opened');
      await panel.ready;
      assert.deepEqual(panel.shown.features.map((f) => f.name).sort(), ['amount', 'country', 'hour_of_day', 'merchant_category']);
      assert.ok(panel.shown.windows.length >= 100, `${panel.shown.windows.length} windows: 30 minutes in 15 s steps`);
      assert.match(panel.shown.current.source, /^Prometheus http.*kubeml_model_drift_score\{model="fraud-detector"\}$/);
    } finally {
      await config.update('prometheus.url', before, vscode.ConfigurationTarget.Global);
    }
  });

  it('follows the kubeml.drift.* settings (a stricter p-value, PSI for every feature); values out of range keep the default', async () => {
    const config = vscode.workspace.getConfiguration('kubeml');
    const open = async () => {
      const panel = (await vscode.commands.executeCommand(
        Commands.openDriftReport,
        vscode.Uri.file(join(fixtures, 'reference.csv')),
        vscode.Uri.file(join(fixtures, 'current.csv')),
      )) as DriftPanel | undefined;
      assert.ok(panel, 'no panel opened');
      await panel.ready;
      return Object.fromEntries(panel.shown.features.map((f) => [f.name, `${f.test} ${f.status}`]));
    };
    assert.deepEqual(await open(), { city: 'chi2 drift', income: 'ks drift', age: 'ks ok', score: 'ks ok' });
    try {
      await config.update('drift.pValueThreshold', 1e-100, vscode.ConfigurationTarget.Global);
      assert.deepEqual(
        await open(),
        { city: 'chi2 drift', income: 'ks ok', age: 'ks ok', score: 'ks ok' },
        'income (p 3.5e-52) no longer drifts',
      );
      await config.update('drift.method', 'psi', vscode.ConfigurationTarget.Global);
      await config.update('drift.psiThresholds', [0.02, 0.5], vscode.ConfigurationTarget.Global);
      const psi = await open();
      assert.deepEqual(
        Object.values(psi).map((v) => v.split(' ')[0]),
        ['psi', 'psi', 'psi', 'psi'],
      );
      const shown = [...api.drift.panels].at(-1)!.shown;
      assert.equal(shown.thresholds.psiModerate, 0.02);
      for (const f of shown.features) assert.equal(f.status, f.stats.psi! >= 0.02 ? 'drift' : 'ok', f.name);
    } finally {
      for (const k of ['drift.pValueThreshold', 'drift.method', 'drift.psiThresholds'])
        await config.update(k, undefined, vscode.ConfigurationTarget.Global);
    }
    const bad: Record<string, unknown> = {
      'drift.pValueThreshold': 2,
      'drift.method': 'magic',
      'drift.psiThresholds': [0.3, 0.1],
      'drift.bins': 2.5,
      'drift.datasetDriftShare': NaN,
    };
    assert.deepEqual(thresholdsFromSettings(objectSource(bad)), DEFAULT_THRESHOLDS);
  });

  it('opens a run folder with drift.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeml-run-'));
    const report = await compareFiles(join(fixtures, 'reference.csv'), join(fixtures, 'current.csv'));
    writeFileSync(join(dir, 'drift.json'), JSON.stringify(report));
    const panel = (await vscode.commands.executeCommand(Commands.openDriftReport, vscode.Uri.file(dir))) as DriftPanel | undefined;
    assert.ok(panel);
    await panel.ready;
    assert.equal(panel.visible, true);
  });

  it('refuses a file that is not a drift report, with a message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeml-run-'));
    writeFileSync(join(dir, 'drift.json'), '{"version": 7}');
    const panel = await vscode.commands.executeCommand(Commands.openDriftReport, vscode.Uri.file(dir));
    assert.equal(panel, undefined);
  });
});

// Open Drift Report on a row of the Models view, against the local cluster (its API server and its
// Prometheus, whose exporter publishes drift gauges for fraud-detector and churn-classifier), and
// the interactive path to files in a pod (source, pod and paths answered through the prompts).
describe('Open Drift Report on the local cluster: Models view rows and the pod picker (needs the local cluster and its Prometheus)', function () {
  this.timeout(180_000);
  let api: KubeMLApi;
  let prompts: ScriptedDriftPrompts;
  let original: DriftPrompts | undefined;
  let restore: Array<() => Thenable<unknown> | Promise<unknown>> = [];
  const ns = `kubeml-drift-models-${Date.now().toString(36)}`;
  const runId = `validate-models-${Date.now().toString(36)}`;
  const createdAt = new Date().toISOString();
  const label = (i: vscode.TreeItem) => (typeof i.label === 'string' ? i.label : (i.label?.label ?? ''));
  const client = () => api.connection.client!;
  const create = (path: string, body: unknown) => client().json(path, { method: 'POST', body, what: `create ${path}` });
  const modelRow = (name: string) =>
    until(`${name} in the Models view`, 60_000, async () => {
      const p = api.explorer.providers.models;
      const rows = (await p.getChildren(undefined)).map((n: ExplorerNode) => ({ node: n, item: p.getTreeItem(n) as vscode.TreeItem }));
      return rows.find((r) => label(r.item) === name && r.node.namespace === ns);
    });

  before(async function () {
    const url = prometheusUrl();
    api = await vscode.extensions.getExtension<KubeMLApi>(EXTENSION_ID)!.activate();
    await api.ready;
    if (!url || api.connection.state.kind !== 'connected') this.skip();
    original = api.drift.prompts;
    await create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    restore.push(() =>
      client()
        .raw(`/api/v1/namespaces/${ns}`, { method: 'DELETE', what: 'delete the test namespace' })
        .catch(() => undefined),
    );
    const scope = { context: api.connection.currentContext, namespaces: api.connection.scope };
    await api.connection.connect({ env: process.env, context: scope.context, namespaces: { all: false, names: [ns] } });
    restore.push(() => api.connection.connect({ env: process.env, context: scope.context, namespaces: scope.namespaces }));
    const config = vscode.workspace.getConfiguration('kubeml');
    const before = config.inspect<string>('prometheus.url')?.globalValue;
    await config.update('prometheus.url', url, vscode.ConfigurationTarget.Global);
    restore.push(() => config.update('prometheus.url', before, vscode.ConfigurationTarget.Global));
    await vscode.commands.executeCommand('kubeml.models.focus');

    const isvc = (name: string, storageUri: string) =>
      create(`/apis/serving.kserve.io/v1beta1/namespaces/${ns}/inferenceservices`, {
        apiVersion: 'serving.kserve.io/v1beta1',
        kind: 'InferenceService',
        metadata: { name },
        spec: { predictor: { model: { modelFormat: { name: 'sklearn' }, storageUri } } },
      });
    await isvc('fraud-detector', `pvc://kubeml-artifacts/train-${runId}/model`);
    await isvc('unmonitored', 'pvc://kubeml-artifacts/elsewhere/model');
    await create(`/apis/apps/v1/namespaces/${ns}/deployments`, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'churn-api', labels: { 'kubeml.io/model': 'churn-classifier' } },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'churn-api' } },
        template: { metadata: { labels: { app: 'churn-api' } }, spec: { containers: [{ name: 'server', image: 'localhost/none:0' }] } },
      },
    });

    // A validation of the training run behind fraud-detector, in this workspace, as a run leaves it.
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const store = new RunStore(folder);
    const fixtures = join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'test', 'fixtures', 'drift');
    const report = await compareFiles(join(fixtures, 'reference.csv'), join(fixtures, 'current.csv'));
    const record: RunRecord = {
      version: 1,
      id: runId,
      purpose: 'validate',
      name: runId,
      namespace: ns,
      kind: 'Job',
      primary: { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', name: runId, namespace: ns },
      podSelector: `kubeml.io/run=${runId}`,
      container: 'main',
      image: 'localhost/kubeml-train:test',
      command: ['python', 'validate.py'],
      params: {},
      parent: `train-${runId}`,
      model: { kind: 'run', runId: `train-${runId}` },
      createdAt,
      phase: 'succeeded',
      metrics: {},
      hasDrift: true,
      datasetDrift: report.datasetDrift,
    };
    await store.create(record, '');
    await store.writeDrift(runId, report);
    restore.push(() => fs.rm(store.dir(runId), { recursive: true, force: true }));
  });

  beforeEach(() => {
    prompts = new ScriptedDriftPrompts();
    if (api) api.drift.prompts = prompts;
  });

  afterEach(() => {
    for (const p of api?.drift.panels ?? []) p.dispose();
  });

  after(async () => {
    if (api && original) api.drift.prompts = original;
    for (const r of restore.reverse()) await r();
    restore = [];
  });

  it('the menu of model rows (InferenceService and Deployment) has it', () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as {
      contributes: { menus: Record<string, Array<{ command: string; when?: string }>> };
    };
    const entry = pkg.contributes.menus['view/item/context'].find((m) => m.command === Commands.openDriftReport);
    assert.ok(entry?.when, 'no context-menu entry');
    const re = /viewItem =~ \/(.+)\/\)?$/.exec(entry.when)!;
    for (const v of ['kubeml.model.isvc', 'kubeml.model.isvc.url', 'kubeml.model.deployment']) assert.match(v, new RegExp(re[1]), v);
    assert.match(entry.when, /view == kubeml\.models/);
  });

  it('an InferenceService with a validation run and Prometheus gauges offers both, and opens the one chosen', async () => {
    const row = await modelRow('fraud-detector');
    prompts.pickAnswer = (items) => items.find((i) => i.label.includes(runId));
    const fromRun = (await vscode.commands.executeCommand(Commands.openDriftReport, row.node)) as DriftPanel | undefined;
    assert.deepEqual(prompts.errors, []);
    assert.equal(prompts.picks.length, 1);
    assert.deepEqual(
      prompts.picks[0].items.map((i) => i.description),
      ['kubeml_model_drift_score{model="fraud-detector"}', new Date(createdAt).toLocaleString()],
    );
    assert.ok(fromRun, 'no panel from the validation run');
    await fromRun.ready;
    assert.match(fromRun.shown.current.source, /current\.csv$/);

    prompts.pickAnswer = (items) => items.find((i) => i.label.includes('Prometheus'));
    const fromProm = (await vscode.commands.executeCommand(Commands.openDriftReport, row.node)) as DriftPanel | undefined;
    assert.ok(fromProm, 'no panel from Prometheus');
    await fromProm.ready;
    assert.deepEqual(fromProm.shown.features.map((f) => f.name).sort(), ['amount', 'country', 'hour_of_day', 'merchant_category']);
  });

  it('a Deployment is looked up by its kubeml.io/model label; one source opens without asking', async () => {
    const row = await modelRow('churn-api');
    const panel = (await vscode.commands.executeCommand(Commands.openDriftReport, row.node)) as DriftPanel | undefined;
    assert.deepEqual(prompts.errors, []);
    assert.deepEqual(prompts.picks, []);
    assert.ok(panel);
    await panel.ready;
    assert.match(panel.shown.current.source, /kubeml_model_drift_score\{model="churn-classifier"\}$/);
    assert.deepEqual(panel.shown.features.map((f) => f.name).sort(), ['monthly_charges', 'support_tickets', 'tenure_months']);
  });

  it('a model with no drift data says where it would come from, and offers Run Validation and Choose Data', async () => {
    const row = await modelRow('unmonitored');
    assert.equal(await vscode.commands.executeCommand(Commands.openDriftReport, row.node), undefined);
    assert.equal(prompts.errors.length, 1);
    assert.equal(
      prompts.errors[0].message,
      'No drift data for model unmonitored: no validation run in this workspace wrote a drift report for it, and Prometheus has no kubeml_model_drift_score series with model="unmonitored".',
    );
    assert.deepEqual(prompts.errors[0].actions, ['Run Validation', 'Choose Data…']);
    assert.equal(api.drift.panels.size, 0);
  });

  it('Open Drift Report → Files in a pod → the pod → two paths: the report of the files as the container sees them', async () => {
    const node = await client().json<{ status?: { images?: Array<{ names?: string[] }> } }>('/api/v1/nodes/kubeml-node', {
      what: 'read the real node',
    });
    const image = (node.status?.images ?? []).flatMap((i) => i.names ?? []).find((n) => n.startsWith('localhost/kubeml-train:'));
    assert.ok(image, 'the local node has no kubeml-train image');
    const fixtures = join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'test', 'fixtures', 'drift');
    await create(`/api/v1/namespaces/${ns}/configmaps`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'data' },
      data: { 'reference.csv': readFileSync(join(fixtures, 'reference.csv'), 'utf8') },
      binaryData: { 'current.parquet': readFileSync(join(fixtures, 'current.parquet')).toString('base64') },
    });
    await create(`/api/v1/namespaces/${ns}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'data' },
      spec: {
        nodeName: 'kubeml-node',
        terminationGracePeriodSeconds: 0,
        containers: [
          {
            name: 'main',
            image,
            imagePullPolicy: 'Never',
            command: ['sleep', 'infinity'],
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
          },
        ],
        volumes: [{ name: 'data', configMap: { name: 'data' } }],
      },
    });
    await until(
      'the data pod running',
      120_000,
      async () =>
        (await client().json<{ status?: { phase?: string } }>(`/api/v1/namespaces/${ns}/pods/data`, { what: 'read the pod' })).status
          ?.phase === 'Running',
    );

    prompts.pickAnswer = (items) =>
      items.find((i) => i.label === 'Files in a pod') ?? items.find((i) => i.label === 'data' && i.description === ns);
    prompts.inputAnswers = ['/data/reference.csv', ' /data/current.parquet '];
    const panel = (await vscode.commands.executeCommand(Commands.openDriftReport)) as DriftPanel | undefined;
    assert.equal(prompts.errors.length, 0, prompts.errors.map((e) => e.message).join('\n'));
    assert.deepEqual(
      prompts.picks.map((p) => p.title),
      ['Open Drift Report: where is the data?', 'Pod with the data'],
    );
    assert.deepEqual(prompts.inputs, ['Reference data (the baseline)', 'Current data (to compare with the reference)']);
    assert.ok(panel, 'no panel');
    await panel.ready;
    assert.equal(panel.shown.current.source, `${ns}/data:/data/current.parquet`);
    const local = await compareFiles(join(fixtures, 'reference.csv'), join(fixtures, 'current.parquet'));
    assert.deepEqual(panel.shown.features, local.features);

    // A path that is not there: the message names the file and the pod.
    prompts.inputAnswers = ['/data/reference.csv', '/data/nope.csv'];
    assert.equal(await vscode.commands.executeCommand(Commands.openDriftReport), undefined);
    assert.equal(
      prompts.errors[0]?.message,
      `Cannot open the drift report: Cannot read /data/nope.csv in ${ns}/data: no such file. Check the path (it is inside the container, not on this machine).`,
    );
  });
});
