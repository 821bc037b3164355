import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { Commands, EXTENSION_ID } from '../../src/constants';
import { type KubeMLApi } from '../../src/extensionMain';
import { type RunRecord } from '../../src/model/runRecords';
import { type SweepRecord } from '../../src/model/sweepRecords';
import { loadSpec } from '../../src/model/runSpec';
import { runSyncLabel } from '../../src/sync/commands';
import { PodTransport } from '../../src/cluster/stream/transport';
import { ensureArtifactsClaim } from '../support/sampleClaim';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Writes kubeml.yaml; KubeML reads it from its document when one is open (an earlier test may have
 * opened it), so this waits until such a document has the new text too.
 */
async function setSpec(file: string, text: string): Promise<void> {
  writeFileSync(file, text);
  for (let i = 0; i < 100; i++) {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file);
    if (!doc || doc.getText() === text) return;
    await sleep(50);
  }
  throw new Error(`the open document of ${file} did not take the new text`);
}

describe('KubeML runs in VS Code', function () {
  this.timeout(300_000);
  let api: KubeMLApi;
  let folder: string;
  let trained: RunRecord | undefined;

  before(async () => {
    const ext = vscode.extensions.getExtension<KubeMLApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
    api = await ext.activate();
    await api.ready;
    folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
  });

  const clusterReady = async (ctx: Mocha.Context) => {
    if (api.connection.state.kind !== 'connected' || !vscode.workspace.isTrusted || !existsSync(join(folder, 'kubeml.yaml'))) ctx.skip();
    // The sample's image must be on the real node (the tag in samples/kubeml.yaml).
    const spec = loadSpec(readFileSync(join(folder, 'kubeml.yaml'), 'utf8'));
    const node = await api.connection
      .client!.json<{ status?: { images?: Array<{ names?: string[] }> } }>('/api/v1/nodes/kubeml-node', { what: 'read the node' })
      .catch(() => undefined);
    if (!node?.status?.images?.some((i) => i.names?.includes(spec.image))) ctx.skip();
    await ensureArtifactsClaim(api.connection.client!, spec.namespace ?? api.connection.defaultNamespace);
  };

  it('registers the run commands', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const id of [
      Commands.launchTraining,
      Commands.runValidation,
      Commands.rerun,
      Commands.cancelRun,
      Commands.showRunLogs,
      Commands.showRunManifest,
    ])
      assert.ok(all.includes(id), id);
  });

  it('Show Run Manifest opens the YAML Launch Training would apply', async () => {
    const editor = await vscode.commands.executeCommand<vscode.TextEditor | undefined>(Commands.showRunManifest);
    assert.ok(editor, 'no editor opened');
    const text = editor.document.getText();
    assert.equal(editor.document.languageId, 'yaml');
    assert.match(text, /kind: Job/);
    assert.match(text, /kubeml\.io\/run: forest-train-/);
    assert.match(text, /kubeml\.io\/kind: train/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('Launch Training runs the sample on the cluster and keeps its record and metrics (skipped without a connected cluster with the sample image)', async function () {
    await clusterReady(this);
    const record = await vscode.commands.executeCommand<RunRecord | undefined>(Commands.launchTraining, undefined, {
      useDefaults: true,
      params: { samples: 1500, n_estimators: 20 },
      wait: true,
    });
    assert.ok(record, 'Launch Training returned nothing (see the KubeML log)');
    assert.equal(record.phase, 'succeeded', JSON.stringify(record.failure));
    assert.ok((record.metrics.accuracy ?? 0) > 0.8);
    assert.ok(existsSync(join(folder, '.kubeml', 'runs', record.id, 'run.json')));
    assert.equal(api.runs.active.size, 0, 'the run is no longer active');
    trained = record;
  });

  it('Show Run Logs opens the readable run log (results as lines); Open Raw Run Log opens logs.txt as the pod wrote it', async function () {
    if (!trained) this.skip();
    const editor = await vscode.commands.executeCommand<vscode.TextEditor | undefined>(Commands.showRunLogs, trained!.id);
    assert.ok(editor);
    const text = editor.document.getText();
    assert.equal(editor.document.uri.scheme, 'kubeml-run-log');
    assert.match(text, new RegExp(`^# Run ${trained!.id} \\(training\\): succeeded$`, 'm'));
    assert.match(text, /training a random forest/);
    assert.match(text, /^▸ result: metric accuracy = 0\.\d+/m);
    assert.doesNotMatch(text, /KUBEML_RESULT \{/, 'no raw result JSON in the readable log');
    const raw = await vscode.commands.executeCommand<vscode.TextEditor | undefined>(Commands.openRawRunLog);
    assert.ok(raw, 'Open Raw Run Log opened nothing');
    assert.equal(raw.document.uri.fsPath, join(folder, '.kubeml', 'runs', trained!.id, 'logs.txt'));
    assert.match(raw.document.getText(), /KUBEML_RESULT \{"type": ?"metric"/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('Run Validation of the finished run writes a drift report that Open Drift Report shows: from the run folder, its Jobs row and first in the palette', async function () {
    if (!trained) this.skip();
    const record = await vscode.commands.executeCommand<RunRecord | undefined>(Commands.runValidation, trained!.id, { wait: true });
    assert.ok(record);
    assert.equal(record.phase, 'succeeded', JSON.stringify(record.failure));
    assert.equal(record.parent, trained!.id);
    assert.equal(record.hasDrift, true);
    const before = api.drift.panels.size;
    await vscode.commands.executeCommand(Commands.openDriftReport, { runDir: join(folder, '.kubeml', 'runs', record.id) });
    assert.equal(api.drift.panels.size, before + 1);
    // From its row in the Jobs view (the tree passes its node: data.runId), as from the run's folder.
    await vscode.commands.executeCommand(Commands.openDriftReport, { kindId: 'jobs', name: record.id, data: { runId: record.id } });
    assert.equal(api.drift.panels.size, before + 2);
    const logs = await vscode.commands.executeCommand<vscode.TextEditor | undefined>(Commands.showRunLogs, {
      kindId: 'jobs',
      name: record.id,
      data: { runId: record.id },
    });
    assert.match(logs?.document.getText() ?? '', new RegExp(`^# Run ${record.id} \\(validation\\): succeeded$`, 'm'));
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    // From the palette: the workspace's validation reports come first, newest first.
    const original = api.drift.prompts;
    const titles: string[] = [];
    api.drift.prompts = {
      ...original,
      pick: async <T extends vscode.QuickPickItem>(items: T[]) => {
        titles.push(...items.map((i) => i.label));
        return items.find((i) => i.label.includes(record.id));
      },
    };
    try {
      await vscode.commands.executeCommand(Commands.openDriftReport);
    } finally {
      api.drift.prompts = original;
    }
    assert.match(titles[0] ?? '', new RegExp(`Validation ${record.id}$`), titles.join(' | '));
    assert.equal(api.drift.panels.size, before + 3);
    for (const p of api.drift.panels) p.dispose();
  });

  it('a running run follows saved files: sync into all its pods starts with the run and ends with it', async function () {
    await clusterReady(this);
    assert.equal(vscode.workspace.getConfiguration('kubeml.sync').get('followRuns'), true, 'kubeml.sync.followRuns defaults to true');
    const spec = loadSpec(readFileSync(join(folder, 'kubeml.yaml'), 'utf8'));
    const id = await vscode.commands.executeCommand<string | undefined>(Commands.launchTraining, undefined, {
      useDefaults: true,
      params: { samples: 5000, n_estimators: 20000 },
    });
    assert.equal(typeof id, 'string');
    const run = api.runs.active.get(id!);
    assert.ok(run);
    const probe = join(folder, `sync-probe-${id}.py`);
    try {
      for (let i = 0; i < 600 && !api.sync.active.has(runSyncLabel(id!)) && !['failed', 'succeeded'].includes(run.record.phase); i++)
        await sleep(200);
      assert.ok(
        api.sync.active.has(runSyncLabel(id!)),
        `no sync session for the run (phase ${run.record.phase}, sessions: ${[...api.sync.active.keys()].join(', ')})`,
      );
      const body = `# saved while ${id} runs\nVALUE = ${Date.now()}\n`;
      writeFileSync(probe, body);
      const pod = run.record.pods?.[0];
      assert.ok(pod, 'the run has a pod');
      const transport = new PodTransport(api.connection.kubeConfig!, {
        namespace: run.record.namespace,
        name: pod,
        container: run.record.container,
      });
      let seen = '';
      for (let i = 0; i < 100 && seen !== body; i++) {
        seen = (await transport.exec(['sh', '-c', `cat ${spec.codePath}/sync-probe-${id}.py 2>/dev/null || true`])).stdout.toString();
        if (seen !== body) await sleep(100);
      }
      assert.equal(seen, body, `the saved file did not reach ${spec.codePath} in ${pod}`);
    } finally {
      rmSync(probe, { force: true });
    }
    const record = await vscode.commands.executeCommand<RunRecord | undefined>(Commands.cancelRun, id);
    assert.equal(record?.phase, 'cancelled');
    for (let i = 0; i < 50 && api.sync.active.has(runSyncLabel(id!)); i++) await sleep(100);
    assert.ok(!api.sync.active.has(runSyncLabel(id!)), 'the run ended but its sync session is still open');
  });

  it('Cancel Run deletes a running run and the status bar run list empties', async function () {
    await clusterReady(this);
    const id = await vscode.commands.executeCommand<string | undefined>(Commands.launchTraining, undefined, {
      useDefaults: true,
      params: { samples: 5000, n_estimators: 20000 },
    });
    assert.equal(typeof id, 'string');
    const run = api.runs.active.get(id!);
    assert.ok(run);
    for (let i = 0; i < 600 && !run.results.started && run.record.phase !== 'failed'; i++) await sleep(200);
    assert.ok(run.results.started, `the run did not start: ${JSON.stringify(run.record.failure)}`);
    const record = await vscode.commands.executeCommand<RunRecord | undefined>(Commands.cancelRun, id);
    assert.equal(record?.phase, 'cancelled');
    const client = api.connection.client!;
    let pods = 1;
    for (let i = 0; i < 150 && pods > 0; i++) {
      pods = (
        await client.json<{ items: unknown[] }>(`/api/v1/namespaces/${record!.namespace}/pods`, {
          what: 'list pods',
          query: { labelSelector: `kubeml.io/run=${id}` },
        })
      ).items.length;
      if (pods) await sleep(200);
    }
    assert.equal(pods, 0);
    for (let i = 0; i < 50 && api.runs.active.size; i++) await sleep(100);
    assert.equal(api.runs.active.size, 0);
  });
  it('a run whose claim is missing fails before its pod, and Create Missing Claim shows the manifest, then applies it', async function () {
    await clusterReady(this);
    const specFile = join(folder, 'kubeml.yaml');
    const original = readFileSync(specFile, 'utf8');
    const claim = `kubeml-missing-${Date.now().toString(36)}`;
    const client = api.connection.client!;
    const namespace = loadSpec(original).namespace ?? api.connection.defaultNamespace;
    const pvc = `/api/v1/namespaces/${namespace}/persistentvolumeclaims/${claim}`;
    try {
      // Through the editor: KubeML reads kubeml.yaml from its open document when one is open.
      await setSpec(specFile, original.replace(/claim: kubeml-artifacts/, `claim: ${claim}`));
      const record = await vscode.commands.executeCommand<RunRecord | undefined>(Commands.launchTraining, undefined, {
        useDefaults: true,
        params: { n_estimators: 5 },
        wait: true,
      });
      assert.equal(record?.phase, 'failed');
      assert.equal(record.failure?.reason, 'config');
      assert.deepEqual(record.failure?.missingClaims, [claim]);
      const created = await vscode.commands.executeCommand<string[] | undefined>(Commands.createMissingClaims, record.id, {
        confirm: false,
      });
      assert.deepEqual(created, [claim]);
      // The manifest was shown first: no workspace file defines this claim, so KubeML wrote one for the run's namespace.
      const shown = vscode.window.activeTextEditor?.document;
      assert.equal(shown?.languageId, 'yaml');
      assert.match(shown.getText(), new RegExp(`kind: PersistentVolumeClaim[^]*name: ${claim}[^]*namespace: ${namespace}`));
      const live = await client.json<{ metadata: { managedFields?: Array<{ manager?: string }> } }>(pvc, { what: 'read the claim' });
      assert.ok(
        live.metadata.managedFields?.some((f) => f.manager === 'kubeml'),
        'applied by KubeML',
      );
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    } finally {
      await setSpec(specFile, original);
      await client.json(pvc, { method: 'DELETE', what: 'delete the claim' }).catch(() => undefined);
    }
  });

  /** Runs `body` with a sweep: section added to the workspace's kubeml.yaml, restored after. */
  async function withSweep<T>(sweep: string, body: () => PromiseLike<T>): Promise<T> {
    const file = join(folder, 'kubeml.yaml');
    const text = readFileSync(file, 'utf8');
    // Through setSpec: KubeML reads kubeml.yaml from its document when one is open (a CI run launched the sample's own sweep).
    await setSpec(file, `${withoutSweep(text)}sweep:\n${sweep.replace(/^/gm, '  ')}\n`);
    try {
      return await body();
    } finally {
      await setSpec(file, text);
    }
  }

  it('Launch Sweep runs a grid as trials, each recorded with its sweep, and marks the best (skipped without a connected cluster with the sample image)', async function () {
    await clusterReady(this);
    const all = await vscode.commands.getCommands(true);
    assert.ok(all.includes(Commands.launchSweep) && all.includes(Commands.cancelSweep));
    const r = await withSweep('metric: accuracy\ndirection: maximize\nparallel: 2\nparameters: { max_depth: [1, 6] }', () =>
      vscode.commands.executeCommand<SweepRecord | undefined>(Commands.launchSweep, undefined, {
        params: { samples: 1500, n_estimators: 10 },
        wait: true,
      }),
    );
    assert.ok(r, 'Launch Sweep returned nothing (see the KubeML log)');
    assert.equal(r.state, 'succeeded', JSON.stringify(r.trials));
    assert.deepEqual(
      r.trials.map((t) => [t.params.max_depth, t.phase]),
      [
        [1, 'succeeded'],
        [6, 'succeeded'],
      ],
    );
    const records = r.trials.map(
      (t) => JSON.parse(readFileSync(join(folder, '.kubeml', 'runs', t.runId!, 'run.json'), 'utf8')) as RunRecord,
    );
    for (const [i, rec] of records.entries())
      assert.deepEqual(rec.sweep, { id: r.id, trial: i, metric: 'accuracy', direction: 'maximize' });
    const best = records[0]!.metrics.accuracy! >= records[1]!.metrics.accuracy! ? 0 : 1;
    assert.equal(r.best?.runId, records[best]!.id);
    assert.ok(existsSync(join(folder, '.kubeml', 'sweeps', `${r.id}.json`)));
    assert.equal(api.runs.sweeps.active.size, 0);
  });

  it('Cancel Sweep cancels the running trial and drops the queued ones (skipped without a connected cluster with the sample image)', async function () {
    await clusterReady(this);
    const id = await withSweep('metric: accuracy\ndirection: maximize\nparameters: { max_depth: [1, 2, 3] }', () =>
      vscode.commands.executeCommand<string | undefined>(Commands.launchSweep, undefined, {
        params: { samples: 5000, n_estimators: 20000 },
      }),
    );
    assert.equal(typeof id, 'string');
    const sweep = api.runs.sweeps.active.get(id!);
    assert.ok(sweep);
    for (let i = 0; i < 600 && !sweep.runs.get(0)?.record.startedAt; i++) await sleep(200);
    assert.ok(sweep.runs.get(0)?.record.startedAt, 'the first trial did not start');
    assert.ok(api.runs.active.has(sweep.runs.get(0)!.id), 'the running trial is one of the active runs (status bar, Cancel Run)');
    const r = await vscode.commands.executeCommand<SweepRecord | undefined>(Commands.cancelSweep, id);
    assert.equal(r?.state, 'cancelled');
    assert.deepEqual(
      r.trials.map((t) => t.phase),
      ['cancelled', 'cancelled', 'cancelled'],
    );
    assert.equal(r.trials[1]!.runId, undefined, 'a queued trial never started');
    for (let i = 0; i < 50 && api.runs.active.size; i++) await sleep(100);
    assert.equal(api.runs.active.size, 0);
  });
});

/** kubeml.yaml without its sweep: section (the sample's is the last one in the file). */
function withoutSweep(text: string): string {
  return text.replace(/^sweep:\n(?:[ #].*\n|\n)*/m, '');
}
