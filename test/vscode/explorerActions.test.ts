// The explorer's actions inside a real VS Code, each driven through its real command against the
// local cluster's real node (kubeml-node, image localhost/kubeml-train): Port-Forward, Browse
// Files, Re-run, Delete, Follow Logs (output channel and terminal, all ranks, 100,000 lines),
// Send Test Prediction and Open Model URL. Only the dialogs are answered by the test (through
// ExplorerCommands.prompts): a modal dialog cannot be clicked from the extension host.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands, EXTENSION_ID } from '../../src/constants';
import { type KubeMLApi } from '../../src/extensionMain';
import { type ExplorerNode } from '../../src/explorer/model';
import { type ExplorerPrompts } from '../../src/explorer/commands';
import { type ChannelSink, type LogFollow, type TerminalSink } from '../../src/explorer/vscodeLogs';
import { type PortForwardHandle } from '../../src/cluster/stream/portForward';
import { type KubeObject } from '../../src/cluster/read/informerState';
import { createHostPathClaim } from '../support/volumes';

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

/** Measured figures (not asserted), written beside the suite results: test-results/explorer-actions.figures.json. */
function recordFigures(key: string, value: unknown): void {
  const out = process.env.KUBEML_TEST_RESULTS;
  if (!out) return;
  const file = path.join(path.dirname(out), 'explorer-actions.figures.json');
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    // First figure of the run.
  }
  all[key] = value;
  fs.writeFileSync(file, JSON.stringify(all, null, 2));
}

const label = (i: vscode.TreeItem) => (typeof i.label === 'string' ? i.label : (i.label?.label ?? ''));

/** What the test answered and what the commands said. */
class ScriptedPrompts implements ExplorerPrompts {
  confirmAnswer = false;
  inputAnswer: (o: vscode.InputBoxOptions) => string | undefined = (o) => o.value;
  pickAnswer: (items: vscode.QuickPickItem[]) => unknown = (items) => items[0];
  readonly asked: Array<{ kind: string; text: string; detail?: string; verb?: string; value?: string }> = [];
  readonly infos: string[] = [];
  readonly warnings: string[] = [];
  readonly errors: string[] = [];
  readonly opened: string[] = [];
  async confirm(message: string, detail: string | undefined, verb: string): Promise<boolean> {
    this.asked.push({ kind: 'confirm', text: message, detail, verb });
    return this.confirmAnswer;
  }
  async pick<T extends vscode.QuickPickItem>(items: T[], options: vscode.QuickPickOptions): Promise<T | undefined> {
    this.asked.push({ kind: 'pick', text: options.title ?? '' });
    return this.pickAnswer(items) as T | undefined;
  }
  async input(options: vscode.InputBoxOptions): Promise<string | undefined> {
    this.asked.push({ kind: 'input', text: options.title ?? '', value: options.value });
    const v = this.inputAnswer(options);
    if (v !== undefined) assert.equal(options.validateInput?.(v) ?? undefined, undefined, `the input box rejects ${v}`);
    return v;
  }
  async info(message: string): Promise<string | undefined> {
    this.infos.push(message);
    return undefined;
  }
  warn(message: string): void {
    this.warnings.push(message);
  }
  error(message: string): void {
    this.errors.push(message);
  }
  async openExternal(uri: vscode.Uri): Promise<boolean> {
    this.opened.push(uri.toString(true));
    return true;
  }
}

async function get(url: string): Promise<{ status: number; text: string }> {
  const ac = new AbortController();
  const t = setTimeout(() => ac.abort(), 20_000);
  try {
    const res = await fetch(url, { signal: ac.signal });
    return { status: res.status, text: await res.text() };
  } finally {
    clearTimeout(t);
  }
}

/** The text of an output channel, as VS Code holds it (its document, once the Output view shows it). */
function outputText(name: string): string | undefined {
  return vscode.workspace.textDocuments
    .find((d) => d.uri.scheme === 'output' && decodeURIComponent(d.uri.toString()).includes(name))
    ?.getText();
}

const PREDICTOR = `
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
class H(BaseHTTPRequestHandler):
    def answer(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        if self.path == '/v1/models/iris':
            self.answer(200, {'name': 'iris', 'ready': True})
        else:
            self.answer(404, {'error': 'no such path ' + self.path})
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers['Content-Length'])))
        if self.path == '/v1/models/iris:predict':
            self.answer(200, {'predictions': [sum(r) for r in body['instances']]})
        else:
            self.answer(404, {'error': 'no such path ' + self.path})
HTTPServer(('0.0.0.0', 8080), H).serve_forever()
`;

describe('KubeML explorer actions in VS Code', function () {
  this.timeout(300_000);
  let api: KubeMLApi;
  const ns = `kubeml-actions-vs-${Date.now().toString(36)}`;
  let image: string | undefined;
  let prompts: ScriptedPrompts;
  let restoreScope: (() => Promise<unknown>) | undefined;
  const pvName = `kubeml-actions-browse-${ns}`;

  const client = () => api.connection.client!;
  const createIn = (path: string, body: unknown) => client().json<KubeObject>(`${path}`, { method: 'POST', body, what: `create ${path}` });
  const job = (name: string, spec: Record<string, unknown>, container: Record<string, unknown>) =>
    createIn(`/apis/batch/v1/namespaces/${ns}/jobs`, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name },
      spec: {
        backoffLimit: 0,
        ...spec,
        template: {
          metadata: { labels: { app: name } },
          spec: {
            nodeName: 'kubeml-node',
            restartPolicy: 'Never',
            terminationGracePeriodSeconds: 0,
            containers: [{ name: 'main', image, imagePullPolicy: 'Never', ...container }],
          },
        },
      },
    });
  const children = async (key: 'datasets' | 'jobs' | 'models', parent?: ExplorerNode) => {
    const p = api.explorer.providers[key];
    return (await p.getChildren(parent)).map((n) => ({ node: n, item: p.getTreeItem(n) as vscode.TreeItem }));
  };
  /** The row of a job in the Jobs view, in whatever state group it is. */
  const jobRow = async (name: string) => {
    for (const g of await children('jobs')) {
      const row = (await children('jobs', g.node)).find((k) => label(k.item) === name && k.node.namespace === ns);
      if (row) return row;
    }
    return undefined;
  };
  /** The job's row once the view shows it with `pods` pods in `phase`. */
  const jobWithPods = (name: string, pods: number, phase = 'Running') =>
    until(
      `job ${name} with ${pods} ${phase} pods in the Jobs view`,
      async () => {
        const row = await jobRow(name);
        if (!row) return undefined;
        const kids = await children('jobs', row.node);
        const cached = api.explorer.models.jobs.podsOf(row.node.data!.ref as string);
        return kids.length === pods && cached.every((p) => (p.status as { phase?: string })?.phase === phase)
          ? { row, pods: kids }
          : undefined;
      },
      120_000,
    );
  const podsWithLabel = async (selector: string) =>
    (
      await client().json<{ items: KubeObject[] }>(`/api/v1/namespaces/${ns}/pods`, {
        what: 'list pods',
        query: { labelSelector: selector },
      })
    ).items;

  before(async function () {
    const ext = vscode.extensions.getExtension<KubeMLApi>(EXTENSION_ID);
    assert.ok(ext);
    api = await ext.activate();
    await api.ready;
    if (api.connection.state.kind !== 'connected') this.skip();
    const node = await client()
      .json<{ status?: { images?: Array<{ names?: string[] }> } }>('/api/v1/nodes/kubeml-node', { what: 'read the real node' })
      .catch(() => undefined);
    image = (node?.status?.images ?? []).flatMap((i) => i.names ?? []).find((n) => n.startsWith('localhost/kubeml-train:'));
    if (!image) this.skip();
    await createIn('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const before = { context: api.connection.currentContext, namespaces: api.connection.scope };
    restoreScope = () => api.connection.connect({ env: process.env, context: before.context, namespaces: before.namespaces });
    await api.connection.connect({ env: process.env, context: api.connection.currentContext, namespaces: { all: false, names: [ns] } });
    await vscode.commands.executeCommand('workbench.view.extension.kubeml');
    for (const id of ['kubeml.datasets', 'kubeml.jobs', 'kubeml.models']) await vscode.commands.executeCommand(`${id}.focus`);
  });

  beforeEach(() => {
    prompts = new ScriptedPrompts();
    if (api) api.explorer.commands.prompts = prompts;
  });

  after(async function () {
    if (!api || !image) return;
    const { vscodePrompts } = await import('../../src/explorer/commands');
    api.explorer.commands.prompts = vscodePrompts;
    for (const h of api.explorer.commands.forwards.values()) h.dispose();
    await client()
      .raw(`/api/v1/namespaces/${ns}`, { method: 'DELETE', what: 'delete the test namespace' })
      .catch(() => undefined);
    await client()
      .raw(`/api/v1/persistentvolumes/${pvName}`, { method: 'DELETE', what: 'delete the test volume' })
      .catch(() => undefined);
    // The volume's folder on the local node (this machine).
    fs.rmSync(`/tmp/kubeml-actions-browse/${ns}`, { recursive: true, force: true });
    await restoreScope?.();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Port-Forward: a job running a server on 6006 (TensorBoard) answers HTTP on a local port; port in use, nothing listening and a pod that is gone say so; Stop Port-Forward stops it', async () => {
    const marker = `tensorboard-${Date.now()}`;
    await job(
      'tb',
      {},
      {
        command: [
          'sh',
          '-c',
          `mkdir -p /tmp/tb && echo ${marker} > /tmp/tb/index.html && exec python3 -m http.server 6006 --directory /tmp/tb`,
        ],
        ports: [{ containerPort: 6006, name: 'tensorboard' }],
      },
    );
    const { row, pods } = await jobWithPods('tb', 1);
    const h = await vscode.commands.executeCommand<PortForwardHandle | undefined>(Commands.portForward, row.node);
    assert.deepEqual(prompts.errors, []);
    assert.ok(h, 'Port-Forward returned no forward');
    const input = prompts.asked.find((a) => a.kind === 'input');
    assert.equal(input?.value, '6006', 'the input box proposes the port the container declares');
    assert.equal(h.target.port, 6006);
    assert.equal(h.target.pod, pods[0].node.name);
    const page = await until('the server in the pod answering through the forward', async () => {
      const r = await get(`${h.url}/index.html`).catch(() => undefined);
      return r?.status === 200 ? r : undefined;
    });
    assert.equal(page.text.trim(), marker);
    assert.match(prompts.infos.join('\n'), new RegExp(`Forwarding ${h.url.replace(/\./g, '\\.')} to ${pods[0].node.name}:6006`));

    // The local port of the running forward, for another port of the pod: in use.
    prompts.inputAnswer = () => `${h.localPort}:6007`;
    assert.equal(await vscode.commands.executeCommand(Commands.portForward, row.node), undefined);
    assert.match(prompts.errors.pop() ?? '', new RegExp(`^Local port ${h.localPort} is already in use .* Choose another local port`));

    // A port nothing listens on: the forward starts, and a warning says why connections fail.
    prompts.inputAnswer = () => '0:7777';
    const idle = await vscode.commands.executeCommand<PortForwardHandle | undefined>(Commands.portForward, row.node);
    assert.ok(idle);
    const warning = await until('the warning about port 7777', () => prompts.warnings.find((w) => /7777/.test(w)), 30_000);
    assert.match(warning, new RegExp(`^Nothing listens on port 7777 in pod ${ns}/${pods[0].node.name} \\(connection refused\\)`));

    // Stop Port-Forward: pick both; the local ports stop answering.
    prompts.pickAnswer = (items) => items;
    assert.equal(await vscode.commands.executeCommand(Commands.stopPortForward), 2);
    await assert.rejects(get(`${h.url}/index.html`));
    assert.equal(api.explorer.commands.forwards.size, 0);

    // The pod is gone (the row is stale): a clear error, no forward.
    await client().raw(`/api/v1/namespaces/${ns}/pods/${pods[0].node.name}`, {
      method: 'DELETE',
      what: 'delete the pod',
      body: { gracePeriodSeconds: 0 },
    });
    await until(
      'the pod gone',
      async () =>
        await client()
          .raw(`/api/v1/namespaces/${ns}/pods/${pods[0].node.name}`, { what: 'read the pod' })
          .then(
            () => false,
            () => true,
          ),
    );
    prompts.inputAnswer = () => '6006';
    assert.equal(await vscode.commands.executeCommand(Commands.portForward, pods[0].node), undefined);
    assert.equal(prompts.errors.pop(), `Pod ${ns}/${pods[0].node.name} no longer exists. Refresh the view and pick a running pod.`);
    // Its logs, likewise.
    const stale = await vscode.commands.executeCommand<LogFollow | undefined>(Commands.followLogs, pods[0].node);
    assert.ok(stale);
    await stale.done;
    (stale.sink as ChannelSink).show();
    await until(
      'the note in the channel',
      () =>
        outputText(`KubeML Logs: ${ns}/${pods[0].node.name}`)?.includes(
          `[kubeml] Pod ${ns}/${pods[0].node.name} no longer exists: its log cannot be read.`,
        ),
      30_000,
    );
  });

  it('Browse Files lists the files written into a dataset claim, through a read-only pod that is deleted afterwards', async () => {
    await createHostPathClaim(client(), {
      namespace: ns,
      claim: 'images',
      pv: pvName,
      path: `/tmp/kubeml-actions-browse/${ns}`,
      pathType: 'DirectoryOrCreate',
      storageClass: 'kubeml-actions-test',
      reclaim: 'Delete',
      reserve: true,
      claimLabels: { 'kubeml.io/dataset': 'images' },
    });
    // A pod writes the files into the claim.
    await createIn(`/api/v1/namespaces/${ns}/pods`, {
      metadata: { name: 'writer' },
      spec: {
        nodeName: 'kubeml-node',
        restartPolicy: 'Never',
        containers: [
          {
            name: 'w',
            image,
            imagePullPolicy: 'Never',
            command: [
              'sh',
              '-c',
              'mkdir -p /data/train/cats && echo meow > /data/train/cats/cat-0001.jpg && echo 1,cat > /data/labels.csv',
            ],
            volumeMounts: [{ name: 'd', mountPath: '/data' }],
          },
        ],
        volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'images' } }],
      },
    });
    await until(
      'the writer pod done',
      async () =>
        (await client().json<{ status?: { phase?: string } }>(`/api/v1/namespaces/${ns}/pods/writer`, { what: 'read the writer' })).status
          ?.phase === 'Succeeded',
      120_000,
    );
    const row = await until('the claim in the Datasets view', async () =>
      (await children('datasets')).find((r) => label(r.item) === 'images'),
    );
    const config = vscode.workspace.getConfiguration('kubeml');
    const before = config.inspect<string>('datasets.browseImage')?.globalValue;
    await config.update('datasets.browseImage', image, vscode.ConfigurationTarget.Global);
    try {
      const editor = await vscode.commands.executeCommand<vscode.TextEditor | undefined>(Commands.browseDataset, row.node);
      assert.deepEqual(prompts.errors, []);
      assert.ok(editor, 'Browse Files opened no editor');
      const text = editor.document.getText();
      assert.match(text, new RegExp(`^# ${ns}/images \\(read-only mount, via pod kubeml-browse-images-`));
      assert.match(text, /\.\/train\/cats:\n[\s\S]*cat-0001\.jpg/);
      assert.match(text, /labels\.csv/);
      await until('the browse pod deleted', async () => ((await podsWithLabel('kubeml.io/browse=images')).length === 0 ? true : undefined));
      // An image the cluster cannot pull: a clear error naming the setting, and no pod left behind.
      await config.update('datasets.browseImage', 'localhost:1/kubeml-no-such-image:0', vscode.ConfigurationTarget.Global);
      assert.equal(await vscode.commands.executeCommand(Commands.browseDataset, row.node), undefined);
      assert.match(
        prompts.errors.pop() ?? '',
        /^The browse pod could not start: (ErrImagePull|ImagePullBackOff) .* Set kubeml\.datasets\.browseImage to an image the cluster can pull/,
      );
      await until('the failed browse pod deleted', async () =>
        (await podsWithLabel('kubeml.io/browse=images')).length === 0 ? true : undefined,
      );
    } finally {
      await config.update('datasets.browseImage', before, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });

  it('Re-run Job creates a new Job with the same spec, which runs to completion', async () => {
    await job(
      'rerun-me',
      { completions: 1, activeDeadlineSeconds: 600 },
      { command: ['sh', '-c', 'echo "run of $JOB_NAME"'], env: [{ name: 'JOB_NAME', value: 'rerun-me' }] },
    );
    const { row } = await until('the job to re-run', async () => {
      const r = await jobRow('rerun-me');
      return r ? { row: r } : undefined;
    });
    const original = await client().json<KubeObject>(`/apis/batch/v1/namespaces/${ns}/jobs/rerun-me`, { what: 'read the job' });
    const created = await vscode.commands.executeCommand<KubeObject | undefined>(Commands.rerunJob, row.node);
    assert.deepEqual(prompts.errors, []);
    assert.ok(created);
    assert.match(created.metadata.name, /^rerun-me-r[a-z0-9]{5}$/);
    assert.equal(created.metadata.annotations?.['kubeml.io/rerun-of'], 'rerun-me');
    const fresh = await client().json<KubeObject>(`/apis/batch/v1/namespaces/${ns}/jobs/${created.metadata.name}`, {
      what: 'read the re-run',
    });
    type JobSpec = {
      completions?: number;
      backoffLimit?: number;
      activeDeadlineSeconds?: number;
      template: { metadata?: { labels?: Record<string, string> }; spec: { containers: unknown[]; nodeName?: string } };
    };
    const a = original.spec as JobSpec;
    const b = fresh.spec as JobSpec;
    assert.deepEqual(b.template.spec.containers, a.template.spec.containers);
    assert.equal(b.template.spec.nodeName, a.template.spec.nodeName);
    assert.deepEqual([b.completions, b.backoffLimit, b.activeDeadlineSeconds], [a.completions, a.backoffLimit, a.activeDeadlineSeconds]);
    assert.equal(b.template.metadata?.labels?.app, 'rerun-me');
    assert.notEqual(b.template.metadata?.labels?.['controller-uid'], a.template.metadata?.labels?.['controller-uid']);
    await until(
      'the re-run succeeded',
      async () =>
        (
          (await client().json<KubeObject>(`/apis/batch/v1/namespaces/${ns}/jobs/${created.metadata.name}`, { what: 'read the re-run' }))
            .status as { succeeded?: number }
        )?.succeeded === 1,
      120_000,
    );
    await until('the re-run in the Jobs view', () => jobRow(created.metadata.name));
  });

  it('Delete asks first: declined, the job stays; accepted, the job and all its pods are removed', async () => {
    await job('cancel-me', { parallelism: 2, completions: 2 }, { command: ['sleep', '3600'] });
    const { row } = await jobWithPods('cancel-me', 2);
    prompts.confirmAnswer = false;
    assert.equal(await vscode.commands.executeCommand(Commands.deleteResource, row.node), false);
    assert.deepEqual(
      prompts.asked.map((a) => [a.kind, a.text, a.verb, a.detail]),
      [['confirm', `Delete Job ${ns}/cancel-me?`, 'Delete (cancel)', 'Its pods are stopped and removed.']],
    );
    assert.ok(await client().json(`/apis/batch/v1/namespaces/${ns}/jobs/cancel-me`, { what: 'read the job' }));
    assert.equal((await podsWithLabel('job-name=cancel-me')).length, 2);
    prompts.confirmAnswer = true;
    assert.equal(await vscode.commands.executeCommand(Commands.deleteResource, row.node), true);
    assert.deepEqual(prompts.errors, []);
    await until(
      'the job gone',
      async () =>
        await client()
          .raw(`/apis/batch/v1/namespaces/${ns}/jobs/cancel-me`, { what: 'read the job' })
          .then(
            () => undefined,
            (e: { kind?: string }) => e.kind === 'not-found',
          ),
    );
    await until('its pods gone', async () => ((await podsWithLabel('job-name=cancel-me')).length === 0 ? true : undefined), 120_000);
    await until('its row gone', async () => !(await jobRow('cancel-me')));
  });

  it('Follow Logs of a job follows all ranks, each line once and marked with its pod, in the output channel and in a terminal', async () => {
    await job(
      'ranks',
      { parallelism: 3, completions: 3, completionMode: 'Indexed' },
      { command: ['sh', '-c', 'sleep 2; for i in $(seq 1 200); do echo "rank-$JOB_COMPLETION_INDEX line-$i"; done; sleep 3'] },
    );
    const { row, pods } = await jobWithPods('ranks', 3);
    const podNames = pods.map((p) => p.node.name!).sort();
    const check = (lines: string[]) => {
      for (const [r, pod] of podNames.entries()) {
        const own = lines.filter((l) => l.startsWith(`[${pod}] rank-`));
        const index = /-(\d+)-[a-z0-9]+$/.exec(pod)?.[1];
        assert.equal(own.length, 200, `rank ${r} (${pod}): ${own.length} lines`);
        assert.deepEqual(
          own,
          Array.from({ length: 200 }, (_, i) => `[${pod}] rank-${index} line-${i + 1}`),
        );
      }
    };
    const channelFollow = await vscode.commands.executeCommand<LogFollow | undefined>(Commands.followLogs, row.node);
    const terminalFollow = await vscode.commands.executeCommand<LogFollow | undefined>(Commands.followLogsInTerminal, row.node);
    assert.ok(channelFollow && terminalFollow);
    let terminalText = '';
    (terminalFollow.sink as TerminalSink).pty.onDidWrite((t) => (terminalText += t));
    await Promise.all([channelFollow.done, terminalFollow.done]);
    assert.deepEqual(prompts.errors, []);
    assert.equal(channelFollow.lines, 600);
    // The terminal: what VS Code was given to show, colours stripped.
    const plain = terminalText.replace(/\x1b\[[0-9;]*m/g, '').split('\r\n');
    check(plain);
    assert.ok(vscode.window.terminals.some((t) => t.name === `KubeML Logs: ${ns}/ranks`));
    // The output channel: its document in VS Code (shown again: the terminal took the panel).
    (channelFollow.sink as ChannelSink).show();
    const text = await until(
      'the channel holding every line',
      () => {
        const t = outputText(`KubeML Logs: ${ns}/ranks`);
        return t && /The log stream ended\./.test(t) ? t : undefined;
      },
      30_000,
    );
    check(text.split('\n'));
    (terminalFollow.sink as TerminalSink).dispose();
  });

  it('Follow Logs of a job picks up pods that start later (completions one after the other) and ends when the job is done; a pod row asks which container', async () => {
    await job(
      'waves',
      { parallelism: 1, completions: 3, completionMode: 'Indexed' },
      { command: ['sh', '-c', 'sleep 2; for i in 1 2 3; do echo "wave-$JOB_COMPLETION_INDEX line-$i"; done'] },
    );
    const { row } = await jobWithPods('waves', 1);
    const follow = await vscode.commands.executeCommand<LogFollow | undefined>(Commands.followLogs, row.node);
    assert.ok(follow);
    await follow.done;
    assert.deepEqual(prompts.errors, []);
    const waves = await client().json<KubeObject>(`/apis/batch/v1/namespaces/${ns}/jobs/waves`, { what: 'read the job' });
    assert.equal((waves.status as { succeeded?: number }).succeeded, 3, 'the follow ended with the job');
    assert.equal(follow.lines, 9);
    (follow.sink as ChannelSink).show();
    const text = await until(
      'the channel with the end note',
      () => {
        const t = outputText(`KubeML Logs: ${ns}/waves`);
        return t && /The log stream ended\./.test(t) ? t : undefined;
      },
      30_000,
    );
    for (const w of [0, 1, 2])
      assert.deepEqual(
        text
          .split('\n')
          .filter((l) => l.includes(`wave-${w} `))
          .map((l) => l.replace(/^\[[^\]]+\] /, '')),
        [1, 2, 3].map((i) => `wave-${w} line-${i}`),
      );

    // Two containers in a pod: Follow Logs on the pod row asks which one.
    await createIn(`/apis/batch/v1/namespaces/${ns}/jobs`, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'pair' },
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            nodeName: 'kubeml-node',
            restartPolicy: 'Never',
            terminationGracePeriodSeconds: 0,
            containers: ['a', 'b'].map((c) => ({ name: c, image, imagePullPolicy: 'Never', command: ['sh', '-c', `echo from-${c}`] })),
          },
        },
      },
    });
    const pair = await jobWithPods('pair', 1, 'Succeeded');
    prompts.pickAnswer = (items) => items.find((i) => i.label === 'b');
    const one = await vscode.commands.executeCommand<LogFollow | undefined>(Commands.followLogs, pair.pods[0].node);
    assert.ok(one);
    await one.done;
    assert.deepEqual(
      prompts.asked.filter((a) => a.kind === 'pick').map((a) => a.text),
      [`Container of ${pair.pods[0].node.name}`],
    );
    (one.sink as ChannelSink).show();
    const b = await until(
      'the log of container b',
      () => {
        const t = outputText(`KubeML Logs: ${ns}/${pair.pods[0].node.name}/b`);
        return t && /The log stream ended\./.test(t) ? t : undefined;
      },
      30_000,
    );
    assert.deepEqual(
      b.split('\n').filter((l) => l && !l.startsWith('[kubeml]')),
      ['from-b'],
    );
  });

  it('Follow Logs copes with 100,000 lines: every line arrives, in order, in the output channel and in a terminal', async () => {
    // The pause after the output: the local node's containerd drops the tail of the stdout of a
    // container that exits right after writing this much (83,771 to 91,963 of 100,000 lines stored,
    // measured with kubectl logs), so without it the node itself would not have every line.
    await job('seq', {}, { command: ['sh', '-c', 'seq 100000; sleep 3'] });
    const { pods } = await jobWithPods('seq', 1, 'Succeeded');
    const pod = pods[0].node;
    const expected = Array.from({ length: 100_000 }, (_, i) => String(i + 1));
    const t0 = Date.now();
    const channelFollow = await vscode.commands.executeCommand<LogFollow | undefined>(Commands.followLogs, pod);
    assert.ok(channelFollow);
    await channelFollow.done;
    const followMs = Date.now() - t0;
    assert.equal(channelFollow.lines, 100_000);
    const text = await until(
      'the channel holding the last line',
      () => {
        const t = outputText(`KubeML Logs: ${ns}/${pod.name}`);
        return t && /\n100000\n\[kubeml\] The log stream ended\./.test(t) ? t : undefined;
      },
      60_000,
    );
    const channelMs = Date.now() - t0;
    const lines = text.split('\n').filter((l) => l && !l.startsWith('[kubeml]'));
    assert.equal(lines.length, 100_000);
    assert.ok(
      lines.every((l, i) => l === expected[i]),
      'the channel holds 1..100000 in order',
    );

    const t1 = Date.now();
    const terminalFollow = await vscode.commands.executeCommand<LogFollow | undefined>(Commands.followLogsInTerminal, pod);
    assert.ok(terminalFollow);
    let received = '';
    let writes = 0;
    (terminalFollow.sink as TerminalSink).pty.onDidWrite((t) => {
      received += t;
      writes++;
    });
    await terminalFollow.done;
    await until('the terminal given the end note', () => /The log stream ended\./.test(received), 30_000);
    const terminalMs = Date.now() - t1;
    const termLines = received
      .replace(/\x1b\[[0-9;]*m/g, '')
      .split('\r\n')
      .filter((l) => l && !l.startsWith('[kubeml]'));
    assert.equal(termLines.length, 100_000);
    assert.ok(
      termLines.every((l, i) => l === expected[i]),
      'the terminal got 1..100000 in order',
    );
    recordFigures('logs100k', {
      followToChannelMs: followMs,
      lastLineInChannelDocumentMs: channelMs,
      terminalMs,
      terminalWrites: writes,
      at: new Date().toISOString(),
    });
    (terminalFollow.sink as TerminalSink).dispose();
  });

  it('Send Test Prediction posts the JSON editor to the model through a port-forward to its predictor and shows the answer; Open Model URL opens the model', async () => {
    await createIn(`/api/v1/namespaces/${ns}/pods`, {
      metadata: { name: 'iris-predictor-0', labels: { 'serving.kserve.io/inferenceservice': 'iris', component: 'predictor' } },
      spec: {
        nodeName: 'kubeml-node',
        terminationGracePeriodSeconds: 0,
        containers: [
          {
            name: 'kserve-container',
            image,
            imagePullPolicy: 'Never',
            command: ['python3', '-u', '-c', PREDICTOR],
            ports: [{ containerPort: 8080, name: 'http1' }],
          },
        ],
      },
    });
    await createIn(`/apis/serving.kserve.io/v1beta1/namespaces/${ns}/inferenceservices`, {
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      metadata: { name: 'iris' },
      spec: { predictor: { model: { modelFormat: { name: 'sklearn' }, storageUri: 'pvc://models/iris' } } },
    });
    // What KServe would write: the cluster has no KServe controller, and its URL (cluster DNS) does not resolve from here.
    await client().json(`/apis/serving.kserve.io/v1beta1/namespaces/${ns}/inferenceservices/iris/status`, {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      what: 'set the status',
      body: {
        status: {
          url: `http://iris.${ns}.svc.cluster.local`,
          conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date().toISOString() }],
        },
      },
    });
    await until(
      'the predictor running',
      async () =>
        (
          await client().json<{ status?: { phase?: string } }>(`/api/v1/namespaces/${ns}/pods/iris-predictor-0`, {
            what: 'read the predictor',
          })
        ).status?.phase === 'Running',
      120_000,
    );
    const row = await until('iris with its URL in the Models view', async () =>
      (await children('models')).find((r) => label(r.item) === 'iris' && r.item.contextValue === 'kubeml.model.isvc.url'),
    );
    const request = await vscode.workspace.openTextDocument({
      language: 'json',
      content: JSON.stringify({
        instances: [
          [1, 2],
          [3, 4.5],
        ],
      }),
    });
    await vscode.window.showTextDocument(request);
    const editor = await until('the answer', async () => {
      const e = await vscode.commands.executeCommand<vscode.TextEditor | undefined>(Commands.testPrediction, row.node);
      // The server in the pod may need a moment after Running to listen.
      return (
        e ?? (prompts.errors.length && /did not answer/.test(prompts.errors.pop()!) ? undefined : assert.fail(prompts.errors.join('\n')))
      );
    });
    const [first, ...rest] = editor.document.getText().split('\n');
    assert.match(first, /^\/\/ 200 OK from POST http:\/\/127\.0\.0\.1:\d+\/v1\/models\/iris:predict$/);
    assert.deepEqual(JSON.parse(rest.join('\n')), { predictions: [3, 7.5] });

    const url = await vscode.commands.executeCommand<string | undefined>(Commands.openModelUrl, row.node);
    assert.deepEqual(prompts.errors, []);
    assert.ok(url);
    assert.deepEqual(prompts.opened, [url]);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/v1\/models\/iris$/);
    assert.deepEqual(JSON.parse((await get(url)).text), { name: 'iris', ready: true });

    // Once its URL answers from here (here: the forward's own address), Open Model URL and Send
    // Test Prediction use it as it is, with no new forward.
    const reachable = new URL(url).origin;
    await client().json(`/apis/serving.kserve.io/v1beta1/namespaces/${ns}/inferenceservices/iris/status`, {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      what: 'set the URL',
      body: { status: { url: reachable } },
    });
    await until('the new URL on the row', async () =>
      (await children('models')).find((r) => label(r.item) === 'iris' && r.node.data?.url === reachable),
    );
    const forwards = api.explorer.commands.forwards.size;
    assert.equal(await vscode.commands.executeCommand<string | undefined>(Commands.openModelUrl, row.node), reachable);
    assert.equal(prompts.opened.at(-1), vscode.Uri.parse(reachable).toString(true));
    await vscode.window.showTextDocument(request);
    const direct = await vscode.commands.executeCommand<vscode.TextEditor | undefined>(Commands.testPrediction, row.node);
    assert.deepEqual(prompts.errors, []);
    assert.equal(direct?.document.getText().split('\n')[0], `// 200 OK from POST ${reachable}/v1/models/iris:predict`);
    assert.equal(api.explorer.commands.forwards.size, forwards, 'no new port-forward');

    // The model's logs: the predictor's, where the requests just made show.
    const follow = await vscode.commands.executeCommand<LogFollow | undefined>(Commands.followLogs, row.node);
    assert.ok(follow);
    await until(
      'the request in the predictor log',
      () => /POST \/v1\/models\/iris:predict HTTP\/1\.1" 200/.test(outputText(`KubeML Logs: ${ns}/iris`) ?? ''),
      30_000,
    );
    follow.dispose();

    // A model without a running predictor: a clear error.
    await createIn(`/apis/serving.kserve.io/v1beta1/namespaces/${ns}/inferenceservices`, {
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      metadata: { name: 'ghost' },
      spec: { predictor: { model: { modelFormat: { name: 'sklearn' } } } },
    });
    const ghost = await until('ghost in the Models view', async () => (await children('models')).find((r) => label(r.item) === 'ghost'));
    await vscode.window.showTextDocument(request);
    assert.equal(await vscode.commands.executeCommand(Commands.testPrediction, ghost.node), undefined);
    assert.match(prompts.errors.pop() ?? '', /^ghost has no running predictor pod .* Wait until it is Ready, then try again\.$/);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
