// Why Is It Pending? inside a real VS Code, on Jobs of the local cluster that cannot schedule (a
// nodeSelector no node matches; a claim that does not exist), in a namespace of the test's own.
// The command runs on the job's row of the Jobs view; the quick pick is answered by the test
// (ExplorerCommands.prompts), everything else is real. Expected node counts come from the API server.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { Commands, EXTENSION_ID } from '../../src/constants';
import { type KubeMLApi } from '../../src/extensionMain';
import { type ExplorerNode } from '../../src/explorer/model';
import { type ExplorerPrompts } from '../../src/explorer/commands';
import { type KubeObject } from '../../src/cluster/read/informerState';
import { type WhyPendingResult } from '../../src/explorer/vscodeWhyPending';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

const label = (i: vscode.TreeItem) => (typeof i.label === 'string' ? i.label : (i.label?.label ?? ''));

/** Answers the quick pick (records what it offered); the other dialogs only record. */
class ScriptedPrompts implements ExplorerPrompts {
  pickAnswer: (items: vscode.QuickPickItem[]) => unknown = () => undefined;
  readonly picks: Array<{ title?: string; items: vscode.QuickPickItem[] }> = [];
  readonly said: string[] = [];
  async confirm(): Promise<boolean> {
    return false;
  }
  async pick<T extends vscode.QuickPickItem>(items: T[], options: vscode.QuickPickOptions): Promise<T | undefined> {
    this.picks.push({ ...(options.title ? { title: options.title } : {}), items });
    return this.pickAnswer(items) as T | undefined;
  }
  async input(): Promise<string | undefined> {
    return undefined;
  }
  async info(message: string): Promise<string | undefined> {
    this.said.push(message);
    return undefined;
  }
  warn(message: string): void {
    this.said.push(message);
  }
  error(message: string): void {
    this.said.push(message);
  }
  async openExternal(): Promise<boolean> {
    return false;
  }
}

describe('Why Is It Pending? in VS Code', function () {
  this.timeout(300_000);
  let api: KubeMLApi;
  const ns = `kubeml-why-vs-${Date.now().toString(36)}`;
  let prompts: ScriptedPrompts;
  let restoreScope: (() => Promise<unknown>) | undefined;
  let nodes = 0;

  const client = () => api.connection.client!;
  const createIn = (path: string, body: unknown) => client().json<KubeObject>(path, { method: 'POST', body, what: `create ${path}` });
  const job = (name: string, pod: Record<string, unknown>) =>
    createIn(`/apis/batch/v1/namespaces/${ns}/jobs`, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name },
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            restartPolicy: 'Never',
            terminationGracePeriodSeconds: 0,
            containers: [{ name: 'main', image: 'localhost/never-pulled:1', imagePullPolicy: 'Never', command: ['true'] }],
            ...pod,
          },
        },
      },
    });
  const children = async (parent?: ExplorerNode) => {
    const p = api.explorer.providers.jobs;
    return (await p.getChildren(parent)).map((n) => ({ node: n, item: p.getTreeItem(n) as vscode.TreeItem }));
  };
  /** The job's row once it is pending and the cluster has said why (its tooltip carries the sentence). */
  const pendingRow = (name: string) =>
    until(
      `job ${name} pending with a reason in the Jobs view`,
      async () => {
        for (const g of await children()) {
          const row = (await children(g.node)).find((k) => label(k.item) === name && k.node.namespace === ns);
          if (!row) continue;
          const s = api.explorer.models.jobs.summary(row.node.data!.ref as string);
          return s?.state === 'Pending' && api.explorer.models.jobs.whyPending(s) ? row : undefined;
        }
        return undefined;
      },
      120_000,
    );

  before(async function () {
    const ext = vscode.extensions.getExtension<KubeMLApi>(EXTENSION_ID);
    assert.ok(ext);
    api = await ext.activate();
    await api.ready;
    if (api.connection.state.kind !== 'connected') this.skip();
    // The scheduler counts every node ("0/N nodes are available").
    nodes = (await client().json<{ items: KubeObject[] }>('/api/v1/nodes', { what: 'list nodes' })).items.length;
    await createIn('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const before = { context: api.connection.currentContext, namespaces: api.connection.scope };
    restoreScope = () => api.connection.connect({ env: process.env, context: before.context, namespaces: before.namespaces });
    await api.connection.connect({ env: process.env, context: api.connection.currentContext, namespaces: { all: false, names: [ns] } });
    await vscode.commands.executeCommand('workbench.view.extension.kubeml');
    await vscode.commands.executeCommand('kubeml.jobs.focus');
  });

  beforeEach(() => {
    prompts = new ScriptedPrompts();
    if (api) api.explorer.commands.prompts = prompts;
  });

  after(async function () {
    if (!api) return;
    const { vscodePrompts } = await import('../../src/explorer/commands');
    api.explorer.commands.prompts = vscodePrompts;
    await client()
      .raw(`/api/v1/namespaces/${ns}`, { method: 'DELETE', what: 'delete the test namespace' })
      .catch(() => undefined);
    await restoreScope?.();
  });

  it('a nodeSelector no node matches: the sentence has the scheduler count, its words are in the details; the GPU taint of the other nodes becomes tolerateGpuTaint in kubeml.yaml, unsaved', async () => {
    const row = await pendingRow((await job('nowhere', { nodeSelector: { 'kubeml.io/why-pending-test': 'nowhere' } })).metadata.name);
    assert.match(row.node.row?.contextValue ?? '', /^kubeml\.job\.[^.]+\.pending/, 'the row has the context value the menu entry needs');
    // What kube-scheduler said (the pod's PodScheduled condition): the expected counts.
    const pods = (await client().json<{ items: KubeObject[] }>(`/api/v1/namespaces/${ns}/pods`, { what: 'list pods' })).items;
    const conds = (pods[0]?.status as { conditions?: Array<{ type: string; message?: string }> } | undefined)?.conditions ?? [];
    const said = conds.find((c) => c.type === 'PodScheduled')?.message ?? '';
    const selector = Number(/(\d+) node\(s\) didn't match Pod's node affinity\/selector/.exec(said)?.[1]);
    assert.ok(selector > 0 && selector <= nodes, `the scheduler's message counts the unmatched nodes: ${said}`);
    const tainted = Number(/(\d+) node\(s\) had untolerated taint \{nvidia\.com\/gpu:/.exec(said)?.[1] ?? 0);

    const spec = (await vscode.workspace.findFiles('kubeml.yaml'))[0];
    assert.ok(spec, 'the test workspace (a copy of samples/) has a kubeml.yaml');
    const before = (await vscode.workspace.openTextDocument(spec)).getText();
    prompts.pickAnswer = (items) => items.find((i) => (i as { action?: { kind: string } }).action?.kind === 'addToleration');
    const r = await vscode.commands.executeCommand<WhyPendingResult | undefined>(Commands.whyPending, row.node);
    assert.deepEqual(prompts.said, []);
    assert.ok(r);
    assert.equal(r.job, `${ns}/nowhere`);
    assert.equal(r.sentence, `${selector} ${selector === 1 ? 'node does' : 'nodes do'} not match its node selector or affinity.`);
    assert.equal(prompts.picks.length, 1);
    assert.equal(prompts.picks[0]!.title, r.sentence, 'the quick pick shows the sentence');
    const shown = prompts.picks[0]!.items.map((i) => i.label);
    assert.ok(
      shown.some((l) => l.includes(said)),
      `the details keep the scheduler's words: ${shown.join(' | ')}`,
    );
    if (!tainted) {
      assert.equal(r.chosen, undefined, `no node carries the GPU taint here (${said}): nothing to tolerate`);
      return;
    }
    assert.deepEqual(r.chosen, { kind: 'addToleration', key: 'nvidia.com/gpu', nodes: tainted });
    assert.ok(r.outcome?.edited, `kubeml.yaml was edited: ${JSON.stringify(r.outcome)}`);
    const doc = await vscode.workspace.openTextDocument(spec);
    try {
      assert.ok(doc.isDirty, 'the edit is left unsaved for the user to read');
      assert.equal(fs.readFileSync(spec.fsPath, 'utf8'), before, 'nothing written to disk');
      const edited = doc.getText();
      assert.deepEqual(
        edited.split('\n').filter((l) => !before.split('\n').includes(l)),
        ['  tolerateGpuTaint: true'],
        'one line added, the rest of kubeml.yaml as it was',
      );
      const editor = vscode.window.activeTextEditor;
      assert.equal(editor?.document.uri.toString(), spec.toString(), 'kubeml.yaml is the active editor');
      assert.equal(editor.document.lineAt(editor.selection.active.line).text, '  tolerateGpuTaint: true', 'the changed line is selected');
    } finally {
      await vscode.window.showTextDocument(doc);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
  });

  it('a claim that does not exist: Create the claim is offered', async () => {
    const row = await pendingRow(
      (
        await job('noclaim', {
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'why-pending-missing' } }],
          containers: [
            {
              name: 'main',
              image: 'localhost/never-pulled:1',
              imagePullPolicy: 'Never',
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
          ],
        })
      ).metadata.name,
    );
    const r = await vscode.commands.executeCommand<WhyPendingResult | undefined>(Commands.whyPending, row.node);
    assert.ok(r);
    assert.match(r.sentence, /why-pending-missing/);
    assert.deepEqual(
      r.actions.filter((a) => a.kind === 'createClaim'),
      [{ kind: 'createClaim', namespace: ns, name: 'why-pending-missing' }],
    );
    assert.ok(prompts.picks[0]!.items.some((i) => i.label.includes('why-pending-missing') && (i as { action?: unknown }).action));
  });
});
