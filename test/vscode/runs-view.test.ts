// The Runs view (kubeml.runs) in a real VS Code: a run launched on the local cluster appears, goes
// running and succeeds with its metric; the filter; Delete Record (refusing a live run).
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { Commands, EXTENSION_ID, Views } from '../../src/constants';
import type { RunsNode, RunsView } from '../../src/experiments/views';
import type { KubeMLApi } from '../../src/extensionMain';
import { loadSpec } from '../../src/model/runSpec';
import { RunStore } from '../../src/model/runRecords';
import type { MetricResult } from '../../src/model/runResults';
import { ensureArtifactsClaim } from '../support/sampleClaim';
import { until } from '../support/wait';

describe('KubeML Runs view in VS Code', function () {
  this.timeout(300_000);
  let api: KubeMLApi;
  let folder: string;
  let view: RunsView;
  let launched: string | undefined;

  before(async () => {
    const ext = vscode.extensions.getExtension<KubeMLApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
    api = await ext.activate();
    await api.ready;
    folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
  });

  const rows = async (node?: RunsNode) => {
    const nodes = await view.getChildren(node);
    return nodes.map((n) => ({ node: n, item: view.getTreeItem(n) }));
  };
  const rowOf = async (id: string) => (await rows()).find((r) => r.node.runId === id);

  it('is in the KubeML side bar after Jobs, and showing it loads the experiments feature', async () => {
    const ids = (vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.views.kubeml as Array<{ id: string }>).map(
      (v) => v.id,
    );
    assert.equal(ids[ids.indexOf(Views.jobs) + 1], Views.runs);
    await vscode.commands.executeCommand('workbench.view.extension.kubeml');
    await vscode.commands.executeCommand(`${Views.runs}.focus`);
    view = api.experiments.runs;
    assert.equal(view.view.visible, true);
    await view.refresh();
  });

  it('a run launched on the cluster appears, goes running and succeeds with its metric (skipped without a connected cluster with the sample image)', async function () {
    if (api.connection.state.kind !== 'connected' || !vscode.workspace.isTrusted || !existsSync(join(folder, 'kubeml.yaml'))) this.skip();
    const spec = loadSpec(readFileSync(join(folder, 'kubeml.yaml'), 'utf8'));
    const node = await api.connection
      .client!.json<{ status?: { images?: Array<{ names?: string[] }> } }>('/api/v1/nodes/kubeml-node', { what: 'read the node' })
      .catch(() => undefined);
    if (!node?.status?.images?.some((i) => i.names?.includes(spec.image))) this.skip();
    await ensureArtifactsClaim(api.connection.client!, spec.namespace ?? api.connection.defaultNamespace);

    // What the view showed of the run, each time it refreshed.
    const seen: string[] = [];
    const sub = view.onDidRefresh((entries) => {
      const e = entries.find((x) => x.id === launched);
      if (e && seen[seen.length - 1] !== e.status) seen.push(e.status);
    });
    try {
      launched = await vscode.commands.executeCommand<string | undefined>(Commands.launchTraining, undefined, {
        useDefaults: true,
        params: { samples: 1500, n_estimators: 20 },
      });
      assert.ok(typeof launched === 'string', `Launch Training returned ${JSON.stringify(launched)}`);
      const first = await until('the run row', 30_000, () => rowOf(launched!));
      assert.equal(first.node.runDir, join(folder, '.kubeml', 'runs', launched));
      const done = await until('the run to succeed in the view', 240_000, async () => {
        const r = await rowOf(launched!);
        return r && /^Succeeded/.test(String(r.item.description)) ? r : undefined;
      });
      assert.match(String(done.item.description), /^Succeeded · (\d+m )?\d+s · test\/accuracy 0\.\d+/);
      assert.equal(done.item.contextValue, 'kubeml.run.training.succeeded');
      assert.equal((done.item.iconPath as vscode.ThemeIcon).id, 'pass');
      assert.match((done.item.tooltip as vscode.MarkdownString).value, /\| n\\_estimators \| 20 \|/);
      assert.ok(seen.includes('running'), `the view showed it running: ${seen.join(' → ')}`);
      // The sample also writes its curve with tensorboardX: KubeML followed the event files in the pod
      // while it ran, and their scalars are the same curve as its KUBEML_RESULT lines.
      const store = new RunStore(folder);
      const curve = (metrics: MetricResult[], source: 'log' | 'tensorboard') =>
        metrics
          .filter(
            (x) =>
              x.name === 'accuracy' &&
              x.step !== undefined &&
              (source === 'log' ? x.split === 'test' && x.source !== 'tensorboard' : x.source === 'tensorboard'),
          )
          .map((x) => `${x.step}:${Number(x.value).toFixed(5)}`);
      // Once the run has ended, the whole logdir is read once more from the artifacts claim.
      await api.experiments.tensorboard.settled();
      const metrics = await until('the TensorBoard scalars of the run', 60_000, async () => {
        const m = await store.readMetrics(launched!);
        return curve(m, 'tensorboard').length > 0 && curve(m, 'tensorboard').length >= curve(m, 'log').length ? m : undefined;
      });
      assert.ok(curve(metrics, 'log').length >= 4, `the log's curve: ${curve(metrics, 'log').join(' ')}`);
      assert.deepEqual(curve(metrics, 'tensorboard'), curve(metrics, 'log'));
      assert.equal(seen[seen.length - 1], 'succeeded');
      // The headline is the first metric the sample prints (its test accuracy per step), its last value.
      // Newest first.
      assert.equal((await rows())[0]!.node.runId, launched);
    } finally {
      sub.dispose();
    }
  });

  it('filters by name and status, and clears the filter', async function () {
    if (!launched) this.skip();
    await vscode.commands.executeCommand(Commands.filterRuns, { text: launched });
    assert.deepEqual(
      (await rows()).map((r) => r.node.runId),
      [launched],
    );
    assert.match(view.view.description ?? '', new RegExp(launched!));
    await vscode.commands.executeCommand(Commands.filterRuns, { text: launched, statuses: ['failed'] });
    assert.deepEqual(await rows(), []);
    await vscode.commands.executeCommand(Commands.clearRunsFilter);
    assert.ok((await rows()).some((r) => r.node.runId === launched));
    assert.equal(view.view.description, undefined);
  });

  it('Delete Record refuses a run that may still run, and deletes a finished run folder', async function () {
    // A record another process is launching right now (no objects yet): live, not deletable.
    const liveId = `forest-train-live-${Date.now().toString(36)}`;
    const liveDir = join(folder, '.kubeml', 'runs', liveId);
    mkdirSync(liveDir, { recursive: true });
    const base = {
      version: 1,
      id: liveId,
      purpose: 'train',
      name: 'forest',
      namespace: 'kubeml-nowhere',
      kind: 'Job',
      primary: { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', name: liveId, namespace: 'kubeml-nowhere' },
      podSelector: `kubeml.io/run=${liveId}`,
      container: 'train',
      image: 'img',
      command: ['true'],
      params: {},
      createdAt: new Date().toISOString(),
      phase: 'launching',
      metrics: {},
    };
    writeFileSync(join(liveDir, 'run.json'), JSON.stringify(base));
    try {
      const live = await until('the live row', 10_000, () => rowOf(liveId));
      assert.match(String(live.item.contextValue), /\.live$/);
      assert.deepEqual(await view.deleteRecords(live.node, undefined, true), []);
      assert.ok(existsSync(liveDir), 'a live run folder is kept');
    } finally {
      rmSync(liveDir, { recursive: true, force: true });
    }
    if (!launched) this.skip();
    const row = (await rowOf(launched!))!;
    assert.deepEqual(await view.deleteRecords(row.node, [row.node], true), [launched]);
    assert.equal(existsSync(join(folder, '.kubeml', 'runs', launched!)), false);
    assert.equal(await rowOf(launched!), undefined);
  });
});
