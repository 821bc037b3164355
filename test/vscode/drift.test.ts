import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { Commands, EXTENSION_ID } from '../../src/constants';
import { type KubeMLApi } from '../../src/extensionMain';
import { compareFiles } from '../../src/drift/commands';
import type { DriftPanel } from '../../src/drift/panel';

/** The local cluster's Prometheus (scripts/cluster writes it to status.env), or KUBEML_PROMETHEUS_URL. */
function prometheusUrl(): string | undefined {
  if (process.env.KUBEML_PROMETHEUS_URL) return process.env.KUBEML_PROMETHEUS_URL;
  try {
    return /^PROMETHEUS_URL=(.+)$/m.exec(readFileSync(join(homedir(), '.cache', 'kubeml', 'cluster', 'status.env'), 'utf8'))?.[1].trim() || undefined;
  } catch {
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
    const panel = (await vscode.commands.executeCommand(Commands.openDriftReport, vscode.Uri.file(join(fixtures, 'reference.csv')), vscode.Uri.file(join(fixtures, 'current.csv')))) as DriftPanel | undefined;
    assert.ok(panel, 'no panel opened');
    await panel.ready;
    assert.equal(api.drift.panels.size, 1);
  });

  it('opens from two local Parquet files', async () => {
    const panel = (await vscode.commands.executeCommand(Commands.openDriftReport, vscode.Uri.file(join(fixtures, 'reference.parquet')), vscode.Uri.file(join(fixtures, 'current.parquet')))) as DriftPanel | undefined;
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
      const panel = (await vscode.commands.executeCommand(Commands.openDriftReport, { prometheus: { model: 'fraud-detector', rangeSeconds: 1800 } })) as DriftPanel | undefined;
      assert.ok(panel, 'no panel opened');
      await panel.ready;
      assert.deepEqual(panel.shown.features.map((f) => f.name).sort(), ['amount', 'country', 'hour_of_day', 'merchant_category']);
      assert.ok(panel.shown.windows.length >= 100, `${panel.shown.windows.length} windows: 30 minutes in 15 s steps`);
      assert.match(panel.shown.current.source, /^Prometheus http.*kubeml_model_drift_score\{model="fraud-detector"\}$/);
    } finally {
      await config.update('prometheus.url', before, vscode.ConfigurationTarget.Global);
    }
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
