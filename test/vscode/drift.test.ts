import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { Commands, EXTENSION_ID } from '../../src/constants';
import { type KubeMLApi } from '../../src/extensionMain';
import { compareFiles } from '../../src/drift/commands';
import type { DriftPanel } from '../../src/drift/panel';

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
    const panel = (await vscode.commands.executeCommand(Commands.openDriftReport, vscode.Uri.file(join(fixtures, 'reference.csv')), vscode.Uri.file(join(fixtures, 'current.csv')))) as DriftPanel | undefined;
    assert.ok(panel, 'no panel opened');
    await panel.ready;
    assert.equal(api.drift.panels.size, 1);
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
