import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRecord } from '../model/runRecords';
import { compareMain, type CliIo, runMain, runsMain } from './runs';
import {
  compareRuns,
  formatComparison,
  formatDuration,
  formatNumber,
  formatRunsTable,
  headlineMetric,
  keyParams,
  parseCompareArgs,
  parseListArgs,
  parseRunArgs,
  resolveRunId,
} from './runsFormat';
import { parseSweepArgs } from './sweep';
import { findWorkspace } from './workspace';

const rec = (id: string, over: Partial<RunRecord> = {}): RunRecord => ({
  version: 1,
  id,
  purpose: 'train',
  name: 'forest',
  namespace: 'ml',
  kind: 'Job',
  primary: { kind: 'jobs', namespace: 'ml', name: id } as unknown as RunRecord['primary'],
  podSelector: `kubeml.io/run=${id}`,
  container: 'main',
  image: 'img',
  command: ['python3'],
  params: { n_estimators: 100, max_depth: 8, seed: 42 },
  createdAt: '2026-12-03T10:00:00.000Z',
  phase: 'succeeded',
  startedAt: '2026-12-03T10:00:05.000Z',
  finishedAt: '2026-12-03T10:01:35.000Z',
  metrics: { train_seconds: 3.2, accuracy: 0.91234, f1: 0.9 },
  ...over,
});

describe('kubeml run/runs/compare: arguments', () => {
  it('parses run: kind, repeated params (both spellings), follow, json and cluster options', () => {
    assert.deepEqual(
      parseRunArgs([
        'train',
        '--param',
        'n_estimators=20',
        '-p',
        'note=a=b',
        '--param=seed=7',
        '--follow',
        '--json',
        '-n',
        'team',
        '--context=kind',
      ]),
      {
        purpose: 'train',
        params: { n_estimators: '20', note: 'a=b', seed: '7' },
        follow: true,
        json: true,
        namespace: 'team',
        context: 'kind',
      },
    );
    assert.deepEqual(parseRunArgs([]), { purpose: 'train', params: {}, follow: false, json: false });
    assert.equal(
      parseRunArgs(['validate', '--model', 'forest-train-x']) !== 'help' &&
        (parseRunArgs(['validate', '--model', 'r1']) as { model?: string }).model,
      'r1',
    );
    assert.equal(parseRunArgs(['--help']), 'help');
  });

  it('refuses what it does not understand, saying what to do', () => {
    assert.throws(() => parseRunArgs(['deploy']), /Unknown run kind "deploy": use train or validate/);
    assert.throws(() => parseRunArgs(['--param', 'x']), /--param needs NAME=VALUE, not "x"/);
    assert.throws(() => parseRunArgs(['--param']), /--param needs a value/);
    assert.throws(() => parseRunArgs(['--namespace', '--json']), /--namespace needs a value/);
    assert.throws(() => parseRunArgs(['--bogus']), /Unknown option --bogus/);
    assert.throws(() => parseRunArgs(['train', '--model', 'r']), /--model goes with `kubeml run validate`/);
    assert.throws(() => parseRunArgs(['train', 'extra']), /Unexpected argument "extra"/);
    assert.throws(() => parseCompareArgs(['one']), /at least two runs/);
    assert.throws(() => parseListArgs(['--limit', '0']), /--limit needs a whole number/);
    assert.deepEqual(parseCompareArgs(['a', '--json', 'b']), { json: true, runs: ['a', 'b'] });
  });

  it('finds a run by id, unique beginning or unique end', () => {
    const ids = ['forest-train-abc123', 'forest-train-abd999', 'forest-val-zzz'];
    assert.equal(resolveRunId('forest-val-zzz', ids), 'forest-val-zzz');
    assert.equal(resolveRunId('999', ids), 'forest-train-abd999');
    assert.equal(resolveRunId('forest-train-abc', ids), 'forest-train-abc123');
    assert.throws(() => resolveRunId('forest-train', ids), /names 2 runs/);
    assert.throws(() => resolveRunId('nope', ids), /No run "nope"/);
  });
});

describe('kubeml runs/compare: output', () => {
  it('numbers and durations read well', () => {
    assert.deepEqual(
      [formatNumber(0.912345), formatNumber(20), formatNumber(null), formatNumber(0.00001234), formatNumber(-1.5)],
      ['0.9123', '20', '-', '1.234e-5', '-1.5'],
    );
    assert.deepEqual([formatDuration(4_400), formatDuration(90_000), formatDuration(3_725_000)], ['4s', '1m30s', '1h02m']);
  });

  it('the headline metric is the sweep metric, else a usual one, else the first', () => {
    assert.deepEqual(headlineMetric(rec('a')), ['accuracy', 0.91234]);
    assert.deepEqual(headlineMetric(rec('a', { sweep: { id: 's', trial: 0, metric: 'f1', direction: 'maximize' } })), ['f1', 0.9]);
    assert.deepEqual(headlineMetric(rec('a', { metrics: { rows: 5 } })), ['rows', 5]);
    assert.equal(headlineMetric(rec('a', { metrics: {} })), undefined);
  });

  it('lists runs as a table with the parameters that differ', () => {
    const runs = [
      rec('forest-train-b', {
        params: { n_estimators: 20, max_depth: 8, seed: 42 },
        sweep: { id: 's', trial: 1, metric: 'accuracy', direction: 'maximize' },
      }),
      rec('forest-train-a', { phase: 'running', finishedAt: undefined, metrics: {} }),
    ];
    assert.deepEqual(keyParams(runs), ['n_estimators']);
    assert.equal(
      formatRunsTable(runs, new Date('2026-12-03T10:02:00.000Z')),
      [
        'ID              KIND     STATUS     STARTED           DURATION  METRIC           PARAMS',
        'forest-train-b  trial 2  succeeded  2026-12-03 10:00  1m35s     accuracy 0.9123  n_estimators=20',
        'forest-train-a  train    running    2026-12-03 10:00  2m00s     -                n_estimators=100',
        '',
      ].join('\n'),
    );
    assert.match(formatRunsTable([], new Date()), /No runs in this workspace yet/);
  });

  it('compares parameters and metrics with deltas against the first run', () => {
    const a = rec('ra');
    const b = rec('rb', { params: { n_estimators: 20, max_depth: 8, seed: 42 }, metrics: { accuracy: 0.85, f1: 0.95 } });
    const c = compareRuns([a, b]);
    assert.deepEqual(c.params, { max_depth: [8, 8], n_estimators: [100, 20], seed: [42, 42] });
    assert.equal(c.metrics.accuracy![1]!.delta, 0.85 - 0.91234);
    assert.deepEqual(c.metrics.train_seconds, [
      { value: 3.2, delta: 0 },
      { value: null, delta: null },
    ]);
    assert.equal(
      formatComparison(c, [a, b]),
      [
        '                ra         rb',
        'status          succeeded  succeeded',
        ' max_depth      8          8',
        '*n_estimators   100        20',
        ' seed           42         42',
        'metrics',
        ' accuracy       0.9123     0.85 (-0.06234)',
        ' f1             0.9        0.95 (+0.05)',
        ' train_seconds  3.2        -',
        '(* parameters that differ; metric deltas are against the first run)',
        '',
      ].join('\n'),
    );
  });
});

describe('kubeml runs/compare/run: without a cluster', () => {
  let dir: string;
  const io = (cwd: string) => {
    const o = { out: '', err: '' };
    const x: CliIo = { out: { write: (s: string) => (o.out += s) }, err: { write: (s: string) => (o.err += s) }, cwd, env: {} };
    return { io: x, o };
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubeml-runs-cli-'));
    writeFileSync(join(dir, 'kubeml.yaml'), 'name: demo\nimage: python:3.12\ncommand: [python3, train.py]\nparameters: { lr: 0.1 }\n');
    for (const r of [rec('demo-train-a', { createdAt: '2026-12-03T09:00:00.000Z' }), rec('demo-train-b', { params: { lr: 0.2 } })]) {
      mkdirSync(join(dir, '.kubeml', 'runs', r.id), { recursive: true });
      writeFileSync(join(dir, '.kubeml', 'runs', r.id, 'run.json'), JSON.stringify(r));
    }
    mkdirSync(join(dir, 'src', 'deep'), { recursive: true });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('finds kubeml.yaml upward and says so when there is none', () => {
    assert.equal(findWorkspace(join(dir, 'src', 'deep')), dir);
    assert.throws(() => findWorkspace(tmpdir()), /No kubeml\.yaml in .* or any folder above it/);
  });

  it('runs --json lists the records newest first; compare resolves ids from a subfolder', async () => {
    const { io: x, o } = io(join(dir, 'src'));
    assert.equal(await runsMain(['--json'], x), 0);
    assert.deepEqual(
      (JSON.parse(o.out) as RunRecord[]).map((r) => r.id),
      ['demo-train-b', 'demo-train-a'],
    );
    const c = io(dir);
    assert.equal(await compareMain(['a', 'b'], c.io), 0);
    assert.match(c.o.out, /^\*lr\s+-\s+0\.2$/m);
  });

  it('run exits 2 with the reason on usage and kubeml.yaml errors, before touching a cluster', async () => {
    const bad = io(dir);
    assert.equal(await runMain(['--param', 'nope=1'], bad.io), 2);
    assert.match(bad.o.err, /Unknown parameter "nope"/);
    const noVal = io(dir);
    assert.equal(await runMain(['validate', '--model', 'a'], noVal.io), 2);
    assert.match(noVal.o.err, /kubeml\.yaml has no validation section/);
    const noCfg = io(dir);
    assert.equal(await runMain([], { ...noCfg.io, env: { KUBECONFIG: join(dir, 'missing-kubeconfig') } }), 2);
    assert.match(noCfg.o.err, /No kubeconfig found/);
  });
});

describe('kubeml sweep: arguments', () => {
  it('parses params, json and cluster options, and refuses the rest', () => {
    assert.deepEqual(parseSweepArgs(['--json', '-p', 'samples=10', '--namespace=ml']), {
      json: true,
      params: { samples: '10' },
      namespace: 'ml',
    });
    assert.equal(parseSweepArgs(['-h']), 'help');
    assert.throws(() => parseSweepArgs(['--trials', '3']), /Unknown option --trials/);
    assert.throws(() => parseSweepArgs(['grid']), /Unexpected argument "grid"/);
    assert.throws(() => parseSweepArgs(['--param', 'x']), /--param needs NAME=VALUE/);
  });
});
