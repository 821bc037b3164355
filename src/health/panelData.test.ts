import { strict as assert } from 'node:assert';
import { hostMessageProblem } from '../model/health/panelContract';
import type { RankInput } from '../model/health/types';
import { appendSeries, gpuErrorOf, GpuReadError, gpusHeld, jobKey, panelJob, panelRankOf, podOfRank, seriesCsv } from './panelData';
import { FixtureJobProvider, fixtureSeries } from './panelFixtures';

const f64 = (...xs: number[]) => Float64Array.from(xs);

describe('Job panel data', () => {
  it('makes a job message the page accepts, from the provider, with the window and step', () => {
    const p = new FixtureJobProvider({ ranks: 3, gpusPerRank: 2 });
    const job = panelJob(p.snapshot(), 6 * 3_600_000);
    assert.equal(hostMessageProblem({ type: 'job', job }), undefined);
    assert.equal(job.windowMs, 6 * 3_600_000);
    assert.equal(job.stepMs, 15_000);
    assert.deepEqual(
      job.ranks.map((r) => r.rank),
      ['master-0', 'worker-0', 'worker-1'],
    );
    assert.equal(gpusHeld(p.snapshot()), 6);
    assert.equal(jobKey(p.snapshot()), 'PyTorchJob/kubeml-fixture/fixture-ddp');
    assert.equal(podOfRank(p.snapshot(), 'worker-1')?.pod, 'fixture-worker-1');
    assert.equal(podOfRank(p.snapshot(), 'worker-9'), undefined);
    p.dispose();
  });

  it("lists a doctor's rank with its GPUs (none when it requests none)", () => {
    const r: RankInput = {
      rank: 'worker-1',
      index: 2,
      pod: 'ddp-worker-1',
      namespace: 'ns',
      phase: 'Running',
      restarts: 3,
      scheduled: true,
      log: [],
    };
    assert.deepEqual(panelRankOf(r), { rank: 'worker-1', pod: 'ddp-worker-1', phase: 'Running', restarts: 3, gpus: 0 });
    assert.deepEqual(panelRankOf({ ...r, node: 'n1', gpus: 4 }), {
      rank: 'worker-1',
      pod: 'ddp-worker-1',
      node: 'n1',
      phase: 'Running',
      restarts: 3,
      gpus: 4,
    });
  });

  it('gives the GPU series of every rank and GPU over the window, on contract', async () => {
    const p = new FixtureJobProvider({ ranks: 2, gpusPerRank: 2, now: 3_600_000 });
    const s = await p.gpu(3_600_000, 15_000);
    assert.equal(s.length, 4);
    assert.equal(s[0].times.length, 241);
    assert.equal(s[0].times[240], 3_600_000);
    assert.equal(hostMessageProblem({ type: 'gpu', series: s, windowMs: 3_600_000, stepMs: 15_000 }), undefined);
    assert.deepEqual(p.asked, [{ windowMs: 3_600_000, stepMs: 15_000 }]);
    p.dispose();
  });

  it('says what happened and what to do when the series cannot be read', async () => {
    const p = new FixtureJobProvider({ prometheusDown: true });
    const e: unknown = await p.gpu(900_000, 15_000).then(
      () => undefined,
      (x: unknown) => x,
    );
    assert.ok(e instanceof GpuReadError);
    const said = gpuErrorOf(e);
    assert.match(said.message, /kubeml\.prometheus\.url is not set/);
    assert.match(said.todo, /Set kubeml\.prometheus\.url/);
    const other = gpuErrorOf(new Error('ECONNREFUSED 127.0.0.1:9090'));
    assert.match(other.message, /could not read the job's GPU series: ECONNREFUSED/);
    assert.match(other.todo, /kubeml\.prometheus\.url/);
    p.dispose();
  });

  it('writes the series as CSV, one line per sample, a gap as an empty cell, names quoted when needed', () => {
    const csv = seriesCsv([
      { rank: 'master-0', pod: 'p,0', gpu: '0', node: 'n1', times: f64(0, 15_000), util: f64(50, NaN), memUsedMiB: f64(1000, 1024) },
    ]);
    assert.equal(
      csv,
      'time,rank,pod,node,gpu,util_percent,mem_used_mib\n' +
        '1970-01-01T00:00:00.000Z,master-0,"p,0",n1,0,50,1000\n' +
        '1970-01-01T00:00:15.000Z,master-0,"p,0",n1,0,,1024\n',
    );
  });

  it('appends new points to the matching series and drops samples older than the window', () => {
    const a = fixtureSeries(0, 0, 60_000, 60_000, 15_000); // 0, 15 s, ..., 60 s
    const b = fixtureSeries(1, 0, 60_000, 60_000, 15_000);
    const [a2, b2] = appendSeries(
      [a, b],
      [{ pod: a.pod, gpu: '0', times: f64(75_000, 90_000), util: f64(11, 12), memUsedMiB: f64(1, 2) }],
      60_000,
    );
    assert.deepEqual([...a2.times], [30_000, 45_000, 60_000, 75_000, 90_000]);
    assert.deepEqual([...a2.util.subarray(3)], [11, 12]);
    assert.equal(a2.util[0], a.util[2]);
    assert.equal(b2, b, 'a series without new points is left as it is');
  });

  it('tells its listeners about changes and new points', () => {
    const p = new FixtureJobProvider();
    let changed = 0;
    const got: number[] = [];
    p.onDidChange(() => changed++);
    p.onDidAppend((pts) => got.push(pts.length));
    p.change({ findings: [] });
    p.append([{ pod: 'x', gpu: '0', times: f64(1), util: f64(1), memUsedMiB: f64(1) }]);
    assert.equal(changed, 1);
    assert.deepEqual(got, [1]);
    p.dispose();
  });
});
