import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { Commands, EXTENSION_ID, Views } from '../../src/constants';
import { type KubeMLApi } from '../../src/extensionMain';

describe('KubeML in a real VS Code', () => {
  let api: KubeMLApi;

  before(async () => {
    const ext = vscode.extensions.getExtension<KubeMLApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
    api = await ext.activate();
    await api.ready;
  });

  it(`runs in VS Code ${vscode.version} (${vscode.env.appName})`, () => {
    assert.match(vscode.version, /^1\.\d+\.\d+/);
  });

  it('registers exactly the commands package.json contributes', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const contributed = new Set<string>((ext.packageJSON.contributes.commands as Array<{ command: string }>).map((c) => c.command));
    // The workbench registers <viewId>.focus, .open, ... for every view: those are not ours.
    const viewIds = Object.values(Views) as string[];
    const isViewCommand = (c: string) => viewIds.some((v) => c.startsWith(`${v}.`));
    const registered = new Set((await vscode.commands.getCommands(true)).filter((c) => c.startsWith('kubeml.') && !isViewCommand(c)));
    const notRegistered = [...contributed].filter((c) => !registered.has(c));
    const notContributed = [...registered].filter((c) => !contributed.has(c));
    assert.deepEqual(notRegistered, [], 'contributed but never registered');
    assert.deepEqual(notContributed, [], 'registered but not contributed');
    assert.deepEqual([...contributed].sort(), Object.values(Commands).sort(), 'src/constants.ts Commands and package.json differ');
  });

  it('contributes the KubeML container with its six views', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const views = (ext.packageJSON.contributes.views.kubeml as Array<{ id: string }>).map((v) => v.id);
    assert.deepEqual(views, Object.values(Views));
    await vscode.commands.executeCommand('workbench.view.extension.kubeml');
    for (const id of views) {
      // Focusing a view resolves it through its provider; an unknown view id would throw.
      await vscode.commands.executeCommand(`${id}.focus`);
    }
  });

  it('Show Log opens the KubeML output channel', async () => {
    await vscode.commands.executeCommand(Commands.showLog);
  });

  it('reports the connection state it found', () => {
    const kind = api.connection.state.kind;
    assert.ok(['none', 'connected', 'unreachable', 'unauthorized', 'error'].includes(kind), `unexpected state ${kind}`);
    if (process.env.KUBEML_EXPECT_CONNECTION) {
      assert.equal(
        kind,
        process.env.KUBEML_EXPECT_CONNECTION,
        api.connection.state.kind !== 'connected' && 'message' in api.connection.state ? api.connection.state.message : '',
      );
    }
  });
});
