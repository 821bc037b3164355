import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID } from '../../src/constants';
import { JobPanel } from '../../src/health/panel';
import { FixtureJobProvider } from '../../src/health/panelFixtures';
import type { RenderedState } from '../../src/model/health/panelContract';
import type { Finding } from '../../src/model/health/types';
import { until } from '../support/wait';

const hung: Finding = {
  kind: 'hung',
  severity: 'error',
  title: 'worker-0 stopped at step 120 while the others reached 180 (3 min ago)',
  advice: 'Show the logs of worker-0; a rank stopped in a collective waits for the others.',
  rank: 'worker-0',
  pod: 'fixture-worker-0',
  evidence: [
    { rank: 'worker-0', pod: 'fixture-worker-0', line: 'step 120 loss 0.41 <script>alert(1)</script>', time: Date.now() - 180_000 },
  ],
};

describe('Job panel in a real VS Code', () => {
  let extensionUri: vscode.Uri;
  const opened: JobPanel[] = [];
  const providers: FixtureJobProvider[] = [];
  const tmp = mkdtempSync(join(tmpdir(), 'kubeml-jobpanel-'));

  /** Opens a panel on a fixture job and collects what its page reports. */
  const open = (p: FixtureJobProvider, actions: Parameters<typeof JobPanel.open>[2] = {}) => {
    providers.push(p);
    const panel = JobPanel.open(extensionUri, p, actions);
    const seen: RenderedState[] = [];
    panel.onDidReceive((m) => {
      if (m.type === 'rendered') seen.push(m);
    });
    opened.push(panel);
    const shows = (what: string, ok: (r: RenderedState) => boolean, timeout = 20_000) =>
      until(what, timeout, () => seen.find(ok) ?? (panel.rendered && ok(panel.rendered) ? panel.rendered : undefined), 20);
    return { panel, shows, seen };
  };

  before(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    await ext.activate();
    extensionUri = ext.extensionUri;
  });

  after(() => {
    for (const p of opened) p.dispose();
    for (const p of providers) p.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('opens on a job: its ranks, findings and every rank and GPU drawn on both charts', async () => {
    const { panel, shows } = open(new FixtureJobProvider({ name: 'ddp-a', ranks: 2, gpusPerRank: 2, findings: [hung] }));
    await panel.ready;
    const r = await shows('the page to draw 4 GPU series', (x) => x.series === 4);
    assert.equal(r.ranks, 2);
    assert.equal(r.findings, 1);
    assert.equal(r.points, 4 * 241, '1 h at 15 s is 241 samples per GPU');
    assert.ok(r.drawnPoints > 0 && r.drawnPoints <= 241, `drawn points per series: ${r.drawnPoints}`);
    assert.equal(r.note, undefined);
    assert.equal(typeof r.drawMs, 'number');
    assert.equal(panel.window, 3_600_000);
  });

  it('one panel per job: opening the same job again reveals it; another job gets its own', async () => {
    const again = JobPanel.open(extensionUri, new FixtureJobProvider({ name: 'ddp-a', ranks: 2, gpusPerRank: 2 }));
    assert.equal(again, opened[0]);
    assert.equal(JobPanel.of({ kind: 'PyTorchJob', namespace: 'kubeml-fixture', name: 'ddp-a' }), opened[0]);
    const other = open(new FixtureJobProvider({ name: 'ddp-b', ranks: 1, gpusPerRank: 1 }));
    assert.notEqual(other.panel, opened[0]);
    await other.shows('the other job drawn', (x) => x.series === 1);
  });

  it('draws live points as they come, and a changed job (a finding gone) as it changes', async () => {
    const p = providers[0];
    const { panel } = { panel: opened[0] };
    const seen: RenderedState[] = [];
    panel.onDidReceive((m) => {
      if (m.type === 'rendered') seen.push(m);
    });
    const last = panel.shownSeries[0];
    const t = last.times[last.times.length - 1];
    p.append([
      {
        pod: last.pod,
        gpu: last.gpu,
        times: Float64Array.of(t + 15_000, t + 30_000),
        util: Float64Array.of(3, 4),
        memUsedMiB: Float64Array.of(10, 20),
      },
    ]);
    await until('the page to hold the 2 new points', 20_000, () => seen.find((x) => x.points === 4 * 241 + 2), 20);
    assert.equal(panel.shownSeries[0].times.length, 241, 'the host keeps the window: 2 old samples out, 2 new in');
    assert.equal(panel.shownSeries[0].times[240], t + 30_000);
    p.change({ findings: [] });
    await until('the page to drop the finding', 20_000, () => seen.find((x) => x.findings === 0), 20);
  });

  it('changes the window: the provider is asked for 6 h and the page draws 1,441 samples per GPU', async () => {
    const p = providers[0];
    const panel = opened[0];
    const seen: RenderedState[] = [];
    panel.onDidReceive((m) => {
      if (m.type === 'rendered') seen.push(m);
    });
    await panel.setWindow(6 * 3_600_000);
    assert.deepEqual(p.asked.at(-1), { windowMs: 6 * 3_600_000, stepMs: 15_000 });
    await until('6 h drawn', 20_000, () => seen.find((x) => x.points === 4 * 1441 && x.series === 4), 20);
  });

  it('exports the series shown to CSV', async () => {
    const out = join(tmp, 'gpu.csv');
    const { panel, shows } = open(new FixtureJobProvider({ name: 'ddp-csv', ranks: 1, gpusPerRank: 1 }), {
      actions: { saveAs: async () => vscode.Uri.file(out) },
    });
    await shows('drawn', (x) => x.series === 1);
    const uri = await panel.exportCsv();
    assert.equal(uri?.fsPath, out);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(lines[0], 'time,rank,pod,node,gpu,util_percent,mem_used_mib');
    assert.equal(lines.length, 1 + 241);
    assert.match(lines[1], /^\d{4}-\d\d-\d\dT[\d:.]+Z,master-0,fixture-master-0,gpu-node-0,0,[\d.]+,\d+$/);
  });

  it('says so when the job holds no GPUs', async () => {
    const { shows } = open(new FixtureJobProvider({ name: 'cpu-only', ranks: 2, gpusPerRank: 0 }));
    const r = await shows('the no-GPU note', (x) => x.note !== undefined && x.ranks === 2);
    assert.match(r.note!, /This job holds no GPUs/);
    assert.equal(r.series, 0);
  });

  it('says what happened and what to do when Prometheus cannot be read, and still lists the findings', async () => {
    const { shows } = open(new FixtureJobProvider({ name: 'no-prom', ranks: 2, gpusPerRank: 1, findings: [hung], prometheusDown: true }));
    const r = await shows('the Prometheus error', (x) => /prometheus/i.test(x.note ?? ''));
    assert.match(r.note!, /kubeml\.prometheus\.url is not set.*Set kubeml\.prometheus\.url/);
    assert.equal(r.findings, 1);
    assert.equal(r.series, 0);
  });
});
