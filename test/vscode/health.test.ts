// Job health inside a real VS Code against the local cluster: a Job whose pod fails shows the doctor's finding
// as a row under the job in the Jobs view; Check Job Health (from that row's arguments) opens the Job panel,
// follows the job, and the status bar warns. Objects live in a namespace of their own, deleted at the end.
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { EXTENSION_ID } from '../../src/constants';
import { type KubeMLApi } from '../../src/extensionMain';
import { type ExplorerNode } from '../../src/explorer/model';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/** The open Job panels' tabs (the panel's class lives in the extension's bundle, not this suite's). */
const jobPanelTabs = () =>
  vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('kubeml.jobHealth'));
const closeJobPanels = async () => {
  const tabs = jobPanelTabs();
  if (tabs.length) await vscode.window.tabGroups.close(tabs);
};

const label = (i: vscode.TreeItem) => (typeof i.label === 'string' ? i.label : (i.label?.label ?? ''));

describe('KubeML job health in VS Code', function () {
  this.timeout(240_000);
  let api: KubeMLApi;
  const ns = `kubeml-health-vs-${Date.now().toString(36)}`;
  const job = 'crash';
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
    await api.connection.connect({ env: process.env, context: api.connection.currentContext, namespaces: { all: false, names: [ns] } });
    await vscode.commands.executeCommand('workbench.view.extension.kubeml');
    await vscode.commands.executeCommand('kubeml.jobs.focus');
    // A rank that prints its progress and then fails with exit code 3, on the real node (the training image).
    await client.json(`/apis/batch/v1/namespaces/${ns}/jobs`, {
      method: 'POST',
      what: 'create the failing job',
      body: {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: job },
        spec: {
          backoffLimit: 0,
          template: {
            spec: {
              restartPolicy: 'Never',
              nodeSelector: { 'kubeml.dev/node': 'real' },
              terminationGracePeriodSeconds: 1,
              containers: [
                {
                  name: 'train',
                  image: 'localhost/kubeml-train:local',
                  imagePullPolicy: 'IfNotPresent',
                  command: [
                    'python3',
                    '-c',
                    "print('step 1/10 loss 0.9', flush=True); print('RuntimeError: CUDA error: device-side assert triggered', flush=True); raise SystemExit(3)",
                  ],
                  resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
                },
              ],
            },
          },
        },
      },
    });
  });

  after(async function () {
    if (!connected) return;
    await closeJobPanels();
    await api.connection.client
      ?.raw(`/api/v1/namespaces/${ns}`, { method: 'DELETE', what: 'delete the test namespace' })
      .catch(() => undefined);
  });

  const children = async (parent?: ExplorerNode) => {
    const p = api.explorer.providers.jobs;
    const nodes = await p.getChildren(parent);
    return nodes.map((n) => ({ node: n, item: p.getTreeItem(n) as vscode.TreeItem }));
  };

  it('a failed rank: its finding is a row under the job, with the exit code, above the pod', async function () {
    if (!connected) this.skip();
    const failed = await until('the Failed group', async () => (await children()).find((c) => label(c.item).startsWith('Failed')));
    const jobRow = await until('the job under Failed', async () => (await children(failed.node)).find((c) => label(c.item) === job));
    const rows = await until('a finding row under the job', async () => {
      const rs = await children(jobRow.node);
      return rs.some((r) => r.item.contextValue?.startsWith('kubeml.finding.')) ? rs : undefined;
    });
    const finding = rows.find((r) => r.item.contextValue === 'kubeml.finding.crashed');
    assert.ok(finding, `rows: ${rows.map((r) => `${r.item.contextValue} ${label(r.item)}`).join(' | ')}`);
    assert.match(label(finding.item), /exit code 3/, label(finding.item));
    const tooltip = (finding.item.tooltip as vscode.MarkdownString).value;
    assert.match(tooltip, /Read its last lines/, `the tooltip says what to do: ${tooltip}`);
    assert.ok(
      rows.findIndex((r) => r.item.contextValue?.startsWith('kubeml.finding.')) <
        rows.findIndex((r) => r.item.contextValue?.startsWith('kubeml.pod')),
      'findings come before the pods',
    );
  });

  it('Check Job Health from the job row opens the Job panel, follows the job and warns in the status bar', async function () {
    if (!connected) this.skip();
    await vscode.commands.executeCommand('kubeml.checkJobHealth', { kindId: 'jobs', namespace: ns, name: job });
    const tab = await until('the Job panel', () => jobPanelTabs()[0]);
    assert.match(tab.label, new RegExp(job));
    const followed = await until('the followed job with its finding and the lines read from its log', () =>
      api.health
        .current()
        .find(
          (j) =>
            j.job.name === job &&
            j.findings.some((f) => f.kind === 'crashed' && f.evidence.some((e) => /device-side assert/.test(e.line ?? ''))),
        ),
    );
    assert.equal(followed.job.namespace, ns);
    const text = await until('the status bar warning', () => api.health.statusBar.text);
    assert.match(text, new RegExp(`${job}.*crashed`), text);
    // Its finding under the job in the Jobs view is now the followed one, with the log's lines.
    const failed = (await children()).find((c) => label(c.item).startsWith('Failed'))!;
    const jobRow = (await children(failed.node)).find((c) => label(c.item) === job)!;
    await until('the followed finding under the job, with the last lines in its tooltip', async () =>
      (await children(jobRow.node)).some(
        (r) =>
          r.item.contextValue === 'kubeml.finding.crashed' && /device-side assert/.test((r.item.tooltip as vscode.MarkdownString).value),
      ),
    );
    await closeJobPanels();
    await until('the job no longer followed', () => (api.health.current().some((j) => j.job.name === job) ? undefined : true));
    assert.equal(api.health.statusBar.text, undefined, 'no warning once the panel is closed');
  });
  it('the job of a followed run: its finding reaches the status bar without a panel, and goes when the run is no longer followed', async function () {
    if (!connected) this.skip();
    api.health.followRuns([{ kind: 'Job', namespace: ns, name: job }]);
    await until('the followed job with its finding', () =>
      api.health.current().find((j) => j.job.name === job && j.findings.some((f) => f.kind === 'crashed')),
    );
    assert.equal(jobPanelTabs().length, 0, 'no panel opens for a followed run');
    const text = await until('the status bar warning', () => api.health.statusBar.text);
    assert.match(text, new RegExp(`${job}.*crashed`), text);
    api.health.followRuns([]);
    assert.equal(api.health.current().length, 0);
    assert.equal(api.health.statusBar.text, undefined);
  });
});
