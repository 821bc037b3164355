import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { Commands, EXTENSION_ID } from '../../src/constants';
import { type KubeMLApi } from '../../src/extensionMain';
import { PodTransport } from '../../src/cluster/stream/transport';
import { type SyncSession } from '../../src/sync/session';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('KubeML sync in VS Code', () => {
  let api: KubeMLApi;

  before(async () => {
    const ext = vscode.extensions.getExtension<KubeMLApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
    api = await ext.activate();
    await api.ready;
  });

  afterEach(async () => {
    for (const label of [...api.sync.active.keys()]) await api.sync.stopSync(label);
  });

  it('contributes Start Sync, Stop Sync and the sync settings with their defaults', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes(Commands.startSync));
    assert.ok(commands.includes(Commands.stopSync));
    const c = vscode.workspace.getConfiguration('kubeml.sync');
    assert.equal(c.get('remoteFolder'), '/workspace');
    assert.equal(c.get('maxFileSizeMB'), 50);
    assert.equal(c.get('mirror'), false);
    assert.equal(c.get('localFolder'), '');
  });

  it('Stop Sync with nothing running says so and changes nothing', async () => {
    await vscode.commands.executeCommand(Commands.stopSync);
    assert.equal(api.sync.active.size, 0);
  });

  it('Start Sync on a pod that does not exist fails cleanly, without a session left behind', async function () {
    if (!vscode.workspace.isTrusted) this.skip();
    const session = await vscode.commands.executeCommand(Commands.startSync, {
      namespace: 'default',
      name: `kubeml-no-such-pod-${Date.now()}`,
    });
    assert.equal(session, undefined);
    assert.equal(api.sync.active.size, 0);
  });

  it('syncs the workspace into a pod of its own and stops (skipped when no cluster with the kubeml-train image is connected)', async function () {
    this.timeout(180_000);
    const client = api.connection.client;
    const kc = api.connection.kubeConfig;
    if (api.connection.state.kind !== 'connected' || !client || !kc || !vscode.workspace.isTrusted) this.skip();
    const node = await client!
      .json<{ status?: { images?: Array<{ names?: string[] }> } }>('/api/v1/nodes/kubeml-node', { what: 'read the node' })
      .catch(() => undefined);
    const image = (node?.status?.images ?? []).flatMap((i) => i.names ?? []).find((n) => n.startsWith('localhost/kubeml-train:'));
    if (!image) this.skip();
    const ns = `kubeml-sync-vscode-${Date.now().toString(36)}`;
    await client!.json('/api/v1/namespaces', { method: 'POST', what: 'create a namespace', body: { metadata: { name: ns } } });
    const config = vscode.workspace.getConfiguration('kubeml.sync');
    const target = '/workspace/synced';
    try {
      await client!.json(`/api/v1/namespaces/${ns}/pods`, {
        method: 'POST',
        what: 'create a pod',
        body: {
          metadata: { name: 'p' },
          spec: {
            nodeName: 'kubeml-node',
            terminationGracePeriodSeconds: 0,
            containers: [{ name: 'main', image, imagePullPolicy: 'Never', command: ['sleep', 'infinity'] }],
          },
        },
      });
      for (let i = 0; i < 120; i++) {
        const pod = await client!.json<{ status?: { phase?: string } }>(`/api/v1/namespaces/${ns}/pods/p`, { what: 'read the pod' });
        if (pod.status?.phase === 'Running') break;
        await sleep(500);
      }
      const ref = { namespace: ns, name: 'p', container: 'main' };
      await config.update('remoteFolder', target, vscode.ConfigurationTarget.Workspace);
      // The Jobs view passes { namespace, name } (or { pod: { ... } }) as the argument.
      const session = await vscode.commands.executeCommand<unknown>(Commands.startSync, ref);
      assert.ok(session, 'Start Sync did not start');
      assert.equal(api.sync.active.size, 1);
      const folder = vscode.workspace.workspaceFolders![0].uri;
      const file = vscode.Uri.joinPath(folder, `kubeml-sync-probe-${Date.now()}.txt`);
      await vscode.workspace.fs.writeFile(file, Buffer.from('probe'));
      const transport = new PodTransport(kc!, ref);
      const rel = file.path.slice(folder.path.length + 1);
      let seen = '';
      for (let i = 0; i < 100 && seen !== 'probe'; i++) {
        await sleep(200);
        seen = (await transport.exec(['cat', `${target}/${rel}`])).stdout.toString();
      }
      assert.equal(seen, 'probe');
      await vscode.workspace.fs.delete(file);
      await vscode.commands.executeCommand(Commands.stopSync, ref);
      assert.equal(api.sync.active.size, 0);
    } finally {
      await config.update('remoteFolder', undefined, vscode.ConfigurationTarget.Workspace);
      await client!.json(`/api/v1/namespaces/${ns}`, { method: 'DELETE', what: 'delete the namespace' }).catch(() => undefined);
    }
  });
  /** A namespace with one pod of the kubeml-train image on the real node, running; undefined (skip) without such a cluster. */
  async function podOfOwn(
    what: string,
    pod: { labels?: Record<string, string>; env?: Array<{ name: string; value: string }>; command: string[] },
  ): Promise<{ ns: string; ref: { namespace: string; name: string; container: string } } | undefined> {
    const client = api.connection.client;
    if (api.connection.state.kind !== 'connected' || !client || !api.connection.kubeConfig || !vscode.workspace.isTrusted) return undefined;
    const node = await client
      .json<{ status?: { images?: Array<{ names?: string[] }> } }>('/api/v1/nodes/kubeml-node', { what: 'read the node' })
      .catch(() => undefined);
    const image = (node?.status?.images ?? []).flatMap((i) => i.names ?? []).find((n) => n.startsWith('localhost/kubeml-train:'));
    if (!image) return undefined;
    const ns = `kubeml-sync-${what}-${Date.now().toString(36)}`;
    await client.json('/api/v1/namespaces', { method: 'POST', what: 'create a namespace', body: { metadata: { name: ns } } });
    await client.json(`/api/v1/namespaces/${ns}/pods`, {
      method: 'POST',
      what: 'create a pod',
      body: {
        metadata: { name: 'p', labels: pod.labels ?? {} },
        spec: {
          nodeName: 'kubeml-node',
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 0,
          containers: [{ name: 'main', image, imagePullPolicy: 'Never', command: pod.command, env: pod.env ?? [] }],
        },
      },
    });
    for (let i = 0; i < 120; i++) {
      const p = await client.json<{ status?: { phase?: string } }>(`/api/v1/namespaces/${ns}/pods/p`, { what: 'read the pod' });
      if (p.status?.phase === 'Running') break;
      await sleep(500);
    }
    return { ns, ref: { namespace: ns, name: 'p', container: 'main' } };
  }

  const deleteNamespace = (ns: string) =>
    api.connection.client!.json(`/api/v1/namespaces/${ns}`, { method: 'DELETE', what: 'delete the namespace' }).catch(() => undefined);

  it('a pod that completes is no longer "in sync": the session stops and says the pod completed (skipped without the local cluster)', async function () {
    this.timeout(180_000);
    const own = await podOfOwn('done', { command: ['sleep', '25'] });
    if (!own) this.skip();
    const { ns, ref } = own!;
    try {
      const session = await vscode.commands.executeCommand<SyncSession | undefined>(Commands.startSync, ref);
      assert.ok(session, 'Start Sync did not start');
      assert.equal(api.sync.overview.status?.kind, 'idle');
      for (let i = 0; i < 120 && session.status.kind !== 'stopped'; i++) await sleep(500);
      const status = session.status;
      assert.equal(status.kind, 'stopped', `after the pod completed, the status is still ${JSON.stringify(status)}`);
      assert.match(status.kind === 'stopped' ? status.reason : '', new RegExp(`the pod ${ns}/p completed`));
      assert.equal(api.sync.active.size, 0, 'the session is left in the status bar');
    } finally {
      await deleteNamespace(ns);
    }
  });

  it("Start Sync on a run's pod proposes the run's codePath in an input box, not kubeml.sync.remoteFolder (skipped without the local cluster)", async function () {
    this.timeout(180_000);
    // What a run generates: its labels, and KUBEML_CODE for the codePath (samples/kubeml.yaml: /workspace/code).
    const own = await podOfOwn('run', {
      labels: { 'kubeml.io/run': 'forest-vscode', 'kubeml.io/name': 'forest' },
      env: [{ name: 'KUBEML_CODE', value: '/workspace/code' }],
      command: ['sleep', 'infinity'],
    });
    if (!own) this.skip();
    const { ns, ref } = own!;
    try {
      const starting = vscode.commands.executeCommand<SyncSession | undefined>(Commands.startSync, ref);
      let done = false;
      void Promise.resolve(starting).finally(() => (done = true));
      // Accept the input box as it is offered (prefilled): Enter, until Start Sync returns.
      for (let i = 0; i < 100 && !done; i++) {
        await sleep(300);
        await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      }
      const session = await starting;
      assert.ok(session, 'Start Sync did not start');
      assert.equal(session.remoteFolder, '/workspace/code');
      const transport = new PodTransport(api.connection.kubeConfig!, ref);
      assert.equal((await transport.exec(['test', '-f', '/workspace/code/train.py'])).exitCode, 0, 'train.py is not in the codePath');
      assert.notEqual((await transport.exec(['test', '-e', '/workspace/train.py'])).exitCode, 0, 'train.py went to /workspace');
    } finally {
      await deleteNamespace(ns);
    }
  });
});
