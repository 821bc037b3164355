import { strict as assert } from 'node:assert';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { Commands, EXTENSION_ID } from '../../src/constants';
import { type KubeMLApi } from '../../src/extensionMain';
import type { ExperimentsPanel } from '../../src/experiments/panel';
import type { PaintedState } from '../../src/model/experimentsContract';
import { RunStore, type RunRecord } from '../../src/model/runRecords';
import { loadSpec } from '../../src/model/runSpec';
import type { MetricResult } from '../../src/model/runResults';
import { until } from '../support/wait';

/** A record as the launcher writes it (src/runs/launcher.ts), with these fields changed. */
function record(id: string, over: Partial<RunRecord>): RunRecord {
  return {
    version: 1,
    id,
    purpose: 'train',
    name: id,
    namespace: 'kubeml-exp-test',
    kind: 'Job',
    primary: { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', name: id, namespace: 'kubeml-exp-test' },
    podSelector: `kubeml.io/run=${id}`,
    container: 'train',
    image: 'localhost/kubeml-train:test',
    command: ['python', 'train.py'],
    params: {},
    createdAt: new Date().toISOString(),
    phase: 'succeeded',
    metrics: {},
    ...over,
  };
}

const curve = (name: string, values: number[]): MetricResult[] => values.map((value, step) => ({ type: 'metric', name, value, step }));

/** The parsed CSV (no quoted commas in these fixtures), as rows keyed by header. */
function parseCsv(text: string): Array<Record<string, string>> {
  const [head, ...lines] = text.trim().split('\n');
  const keys = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [keys[i], v])));
}

describe('Experiments panel in a real VS Code', () => {
  let api: KubeMLApi;
  let store: RunStore;
  const stamp = Date.now().toString(36);
  const A = `exp-a-${stamp}`;
  const B = `exp-b-${stamp}`;
  const LIVE = `exp-live-${stamp}`;
  let panel: ExperimentsPanel | undefined;
  const painted: PaintedState[] = [];

  /** The page's next report (or the last one) that satisfies `ok`. */
  const pageShows = (what: string, ok: (p: PaintedState) => boolean, timeout = 15_000) =>
    until(what, timeout, () => painted.find(ok) ?? (panel?.painted && ok(panel.painted) ? panel.painted : undefined), 20);
  const plottedOf = (p: PaintedState, runId: string, metric: string) => p.plotted.find((x) => x.runId === runId && x.metric === metric);

  before(async () => {
    api = await vscode.extensions.getExtension<KubeMLApi>(EXTENSION_ID)!.activate();
    store = new RunStore(vscode.workspace.workspaceFolders![0].uri.fsPath);
    const t = (s: number) => new Date(Date.now() - s * 1000).toISOString();
    await store.create(
      record(A, {
        createdAt: t(300),
        startedAt: t(300),
        finishedAt: t(240),
        params: { n_estimators: 20, max_depth: 4 },
        metrics: { accuracy: 0.81, loss: 0.52 },
      }),
      '',
    );
    await store.appendMetrics(A, [...curve('accuracy', [0.6, 0.7, 0.78, 0.81]), ...curve('loss', [0.9, 0.7, 0.6, 0.52])]);
    await store.create(
      record(B, {
        createdAt: t(200),
        startedAt: t(200),
        finishedAt: t(100),
        params: { n_estimators: 80, max_depth: 8 },
        metrics: { accuracy: 0.88, loss: 0.41 },
      }),
      '',
    );
    await store.appendMetrics(B, [...curve('accuracy', [0.65, 0.8, 0.85, 0.87, 0.88]), ...curve('loss', [0.8, 0.6, 0.5, 0.45, 0.41])]);
    await store.create(
      record(LIVE, { createdAt: t(10), startedAt: t(10), phase: 'running', params: { n_estimators: 40, max_depth: 6 } }),
      '',
    );
    await store.appendMetrics(LIVE, curve('loss', [1.0, 0.8, 0.7]));
  });

  after(() => {
    api?.experiments.panel?.dispose();
    for (const id of [A, B, LIVE]) rmSync(store.dir(id), { recursive: true, force: true });
  });

  it('opens on the workspace runs with the given ones selected, and the page plots their curves', async () => {
    panel = (await vscode.commands.executeCommand(Commands.openExperiments, A, B)) as ExperimentsPanel | undefined;
    assert.ok(panel, 'no panel opened');
    panel.onDidReceive((m) => {
      if (m.type === 'painted') painted.push(m);
    });
    await panel.ready;
    const ids = panel.infos().map((r) => r.id);
    for (const id of [A, B, LIVE]) assert.ok(ids.includes(id), `${id} is not among the panel's runs (${ids.join(', ')})`);
    const p = await pageShows(
      'the page to plot the curves of both selected runs',
      (x) => !!plottedOf(x, B, 'loss') && !!plottedOf(x, A, 'accuracy'),
    );
    assert.equal(p.runs, ids.length, 'the page has every run the host read');
    assert.deepEqual([...p.selected].sort(), [A, B].sort());
    assert.deepEqual(plottedOf(p, A, 'accuracy'), { runId: A, metric: 'accuracy', points: 4, lastStep: 3 });
    assert.deepEqual(plottedOf(p, B, 'loss'), { runId: B, metric: 'loss', points: 5, lastStep: 4 });
    assert.equal(plottedOf(p, LIVE, 'loss'), undefined, 'an unselected run is not plotted');
    const info = panel.infos().find((r) => r.id === A)!;
    assert.deepEqual(info.params, { n_estimators: 20, max_depth: 4 });
    assert.deepEqual(info.metrics, { accuracy: 0.81, loss: 0.52 });
  });

  it('Compare Selected with (clicked, selected[]) from the Runs view selects those runs in the same panel', async () => {
    const again = (await vscode.commands.executeCommand(Commands.compareRuns, { runId: LIVE }, [
      { runId: LIVE },
      { record: { id: A } },
    ])) as ExperimentsPanel | undefined;
    assert.equal(again, panel, 'one panel: the open one is revealed');
    const p = await pageShows('the live run to be plotted with its 3 points', (x) => plottedOf(x, LIVE, 'loss')?.points === 3);
    assert.deepEqual([...p.selected].sort(), [A, LIVE].sort());
    assert.equal(panel!.infos().find((r) => r.id === LIVE)?.metrics.loss, 0.7, 'the live run shows its latest metric from metrics.jsonl');
  });

  it('a metric line appended to a live run reaches the chart, and a new metric gets its own chart', async () => {
    const t0 = Date.now();
    appendFileSync(join(store.dir(LIVE), 'metrics.jsonl'), JSON.stringify({ type: 'metric', name: 'loss', value: 0.65, step: 3 }) + '\n');
    await pageShows(
      'the appended point on the chart',
      (x) => plottedOf(x, LIVE, 'loss')?.lastStep === 3 && plottedOf(x, LIVE, 'loss')?.points === 4,
    );
    console.log(`      [experiments] a metric line appended to metrics.jsonl was drawn ${Date.now() - t0} ms later`);
    assert.equal(panel!.infos().find((r) => r.id === LIVE)?.metrics.loss, 0.65);
    appendFileSync(
      join(store.dir(LIVE), 'metrics.jsonl'),
      JSON.stringify({ type: 'metric', name: 'accuracy', value: 0.5, step: 3 }) + '\n',
    );
    await pageShows('the live run on the accuracy chart', (x) => plottedOf(x, LIVE, 'accuracy')?.points === 1);
  });

  it('a run that starts while the panel is open appears in the table, selected when Compare Selected named it first', async () => {
    const id = `exp-new-${stamp}`;
    try {
      const before = panel!.painted?.runs ?? 0;
      // Compare Selected right after a launch can name a run whose folder the panel has not seen yet.
      await vscode.commands.executeCommand(Commands.compareRuns, { runId: id }, [{ runId: id }, { runId: A }]);
      await store.create(record(id, { phase: 'pending', params: { n_estimators: 10, max_depth: 2 } }), '');
      await until('the new run in the panel', 10_000, () => panel!.infos().some((r) => r.id === id));
      const p = await pageShows('the page to count the new run', (x) => x.runs === before + 1);
      await pageShows('the new run selected, as Compare Selected asked before it existed', (x) => x.selected.includes(id), 5_000).catch(
        () => {
          throw new Error(`the page selected ${p.selected.join(', ')} but not ${id}`);
        },
      );
    } finally {
      rmSync(store.dir(id), { recursive: true, force: true });
    }
  });

  it('exports the table as the page shows it to CSV through the save dialog', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'kubeml-exp-csv-')), 'runs.csv');
    const original = api.experiments.savePrompt;
    api.experiments.savePrompt = async (kind) => (kind === 'csv' ? vscode.Uri.file(out) : undefined);
    try {
      const written = new Promise<vscode.Uri>((r) => panel!.onDidExport(r));
      panel!.exportCsv();
      assert.equal((await written).fsPath, out);
      const rows = parseCsv(readFileSync(out, 'utf8'));
      const head = readFileSync(out, 'utf8').split('\n')[0].split(',');
      for (const col of ['run', 'status', 'duration_s', 'n_estimators', 'max_depth', 'accuracy', 'loss'])
        assert.ok(head.includes(col), `no ${col} column in ${head.join(',')}`);
      const a = rows.find((r) => r.run === A)!;
      assert.deepEqual(
        [a.status, a.n_estimators, a.max_depth, a.accuracy, a.loss, a.duration_s],
        ['succeeded', '20', '4', '0.81', '0.52', '60'],
      );
      const live = rows.find((r) => r.run === LIVE)!;
      assert.deepEqual([live.status, live.loss, live.accuracy], ['running', '0.65', '0.5']);
      // Newest first, as the page shows it without a sort.
      assert.ok(rows.findIndex((r) => r.run === LIVE) < rows.findIndex((r) => r.run === B));
      assert.ok(rows.findIndex((r) => r.run === B) < rows.findIndex((r) => r.run === A));
    } finally {
      api.experiments.savePrompt = original;
    }
  });

  it('closing the tab ends the panel; the command opens a new one', async () => {
    panel!.dispose();
    assert.equal(api.experiments.panel, undefined);
    const next = (await vscode.commands.executeCommand(Commands.openExperiments)) as ExperimentsPanel | undefined;
    assert.ok(next && next !== panel);
    await next.ready;
    next.dispose();
  });
});

describe('Experiments panel on a real run of the sample (local cluster)', function () {
  this.timeout(300_000);
  let api: KubeMLApi;

  before(async () => {
    api = await vscode.extensions.getExtension<KubeMLApi>(EXTENSION_ID)!.activate();
    await api.ready;
  });

  let cleanup: (() => Promise<void>) | undefined;
  after(async () => {
    api?.experiments.panel?.dispose();
    await cleanup?.();
  });

  it('a training run launched while the panel is open appears, is followed to its end, and its curve is drawn (skipped without a connected cluster, the sample image on the node and its artifacts claim, which the runs suite creates)', async function () {
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    if (api.connection.state.kind !== 'connected' || !vscode.workspace.isTrusted || !existsSync(join(folder, 'kubeml.yaml'))) this.skip();
    const spec = loadSpec(readFileSync(join(folder, 'kubeml.yaml'), 'utf8'));
    const client = api.connection.client!;
    const ns = spec.namespace ?? api.connection.defaultNamespace;
    const node = await client
      .json<{ status?: { images?: Array<{ names?: string[] }> } }>('/api/v1/nodes/kubeml-node', { what: 'read the node' })
      .catch(() => undefined);
    const claim = await client.json(`/api/v1/namespaces/${ns}/persistentvolumeclaims/kubeml-artifacts`, { what: 'read the claim' }).then(
      () => true,
      () => false,
    );
    if (!node?.status?.images?.some((i) => i.names?.includes(spec.image)) || !claim) this.skip();

    const panel = (await vscode.commands.executeCommand(Commands.openExperiments)) as ExperimentsPanel;
    await panel.ready;
    const id = await vscode.commands.executeCommand<string | undefined>(Commands.launchTraining, undefined, {
      useDefaults: true,
      params: { samples: 1500, n_estimators: 20 },
    });
    assert.equal(typeof id, 'string', 'Launch Training returned no run id');
    // The run's Job (and its pod) go when the test ends: runs of other suites share the namespace.
    cleanup = async () => {
      const rec = await new RunStore(folder).get(id!);
      if (rec)
        await client
          .raw(`/apis/batch/v1/namespaces/${rec.primary.namespace}/jobs/${rec.primary.name}?propagationPolicy=Background`, {
            method: 'DELETE',
            what: 'delete the test run',
          })
          .catch(() => undefined);
    };
    await until('the new run in the panel', 30_000, () => panel.infos().some((r) => r.id === id));
    await vscode.commands.executeCommand(Commands.compareRuns, { runId: id }, [{ runId: id }]);
    const done = await until(
      'the run to end, as the panel shows it',
      240_000,
      () => panel.infos().find((r) => r.id === id && ['succeeded', 'failed', 'cancelled'].includes(r.status)),
      500,
    );
    assert.equal(done.status, 'succeeded');
    // What the sample printed, as the launcher wrote it: the page draws every point of its curve.
    const lines = readFileSync(join(folder, '.kubeml', 'runs', id!, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as MetricResult);
    const curvePoints = lines.filter((m) => m.name === 'accuracy' && m.split === 'test');
    assert.ok(curvePoints.length >= 2, `the sample printed ${curvePoints.length} test/accuracy points`);
    await until('the page to draw the whole test/accuracy curve', 15_000, () => {
      const p = panel.painted?.plotted.find((x) => x.runId === id && x.metric === 'test/accuracy');
      return p && p.points === curvePoints.length && p.lastStep === curvePoints.at(-1)!.step;
    });
    assert.equal(done.metrics.accuracy, lines.filter((m) => m.name === 'accuracy' && !m.split).at(-1)!.value);
  });
});
