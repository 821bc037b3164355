import assert from 'node:assert/strict';
import { record } from './fixtures';
import { keyParams, type RunEntry, toEntry } from './runEntry';
import { bestTrial, buildTree, describeFilter, formatDuration, formatMetric, runRow, sweepRow, trialItems } from './runsModel';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const entry = (id: string, over: Parameters<typeof record>[1] = {}, followed = true): RunEntry =>
  toEntry('/ws', record(id, over), NOW, followed);

describe('runsModel', () => {
  it('a finished run: status, duration, headline metric and the parameters that differ, in one line; all of them in the tooltip', () => {
    const a = record('forest-train-a', { params: { samples: 1000, n_estimators: 20, seed: 42 } });
    const b = record('forest-train-b', { params: { samples: 1000, n_estimators: 50, seed: 7 } });
    const params = keyParams([a, b]);
    const row = runRow(toEntry('/ws', a, NOW, false), params.get(a.id));
    assert.equal(row.label, 'forest-train-a');
    assert.equal(row.description, 'Succeeded · 1m 0s · accuracy 0.9 · n_estimators=20 seed=42');
    assert.deepEqual(row.icon, { id: 'pass', color: 'testing.iconPassed' });
    assert.equal(row.contextValue, 'kubeml.run.training.succeeded');
    assert.match(row.tooltip!, /\| samples \| 1000 \|/);
    assert.match(row.tooltip!, /\| loss \| 0\.2 \|/);
    assert.match(row.tooltip!, /^\*\*forest\\-train\\-a\*\*/);
  });

  it('a running run ticks, a failed one says why, a validation with drift says so in its contextValue', () => {
    const running = entry('r1', { phase: 'running', finishedAt: undefined, metrics: {} });
    const row = runRow(running, undefined);
    assert.equal(row.description, 'Running · 1h 59m · samples=1000');
    assert.equal(row.contextValue, 'kubeml.run.training.running.live');
    assert.equal(row.icon.id, 'sync~spin');
    const failed = runRow(
      entry('f1', { phase: 'failed', failure: { reason: 'oom', message: 'OOMKilled (exit 137)', hint: 'Raise memory.' } }),
      undefined,
    );
    assert.equal(failed.contextValue, 'kubeml.run.training.failed');
    assert.match(failed.tooltip!, /OOMKilled \\\(exit 137\\\)/);
    assert.match(failed.tooltip!, /Raise memory\\\./);
    const v = runRow(entry('v1', { purpose: 'validate', hasDrift: true }), undefined);
    assert.equal(v.contextValue, 'kubeml.run.validation.succeeded.drift');
    // A run whose objects went away.
    const gone = runRow(
      toEntry('/ws', record('g1', { phase: 'running', finishedAt: undefined }), NOW, false, { state: 'gone' }),
      undefined,
    );
    assert.match(gone.description!, /^Ended outside KubeML · accuracy 0\.9/);
    assert.equal(gone.contextValue, 'kubeml.run.training.gone');
  });

  it('groups trials under their sweep (placed by its newest trial) and marks the best by the sweep metric and direction', () => {
    const sweep = (trial: number, loss: number, created: string) =>
      entry(`sw-t${trial}`, { createdAt: created, sweep: { id: 'sw', trial, metric: 'loss', direction: 'minimize' }, metrics: { loss } });
    const entries = [
      entry('newest', { createdAt: '2026-01-01T11:00:00.000Z' }),
      sweep(2, 0.3, '2026-01-01T10:30:00.000Z'),
      sweep(1, 0.1, '2026-01-01T10:20:00.000Z'),
      entry('middle', { createdAt: '2026-01-01T10:10:00.000Z' }),
      sweep(3, 0.2, '2026-01-01T10:00:00.000Z'),
    ];
    const tree = buildTree(entries);
    assert.deepEqual(
      tree.map((i) => (i.type === 'run' ? i.entry.id : `sweep ${i.sweepId}`)),
      ['newest', 'sweep sw', 'middle'],
    );
    const s = tree[1]!;
    assert.ok(s.type === 'sweep');
    assert.equal(s.best?.id, 'sw-t1');
    const trials = trialItems(s);
    assert.deepEqual(
      trials.map((t) => t.type === 'run' && [t.entry.id, t.best]),
      [
        ['sw-t1', true],
        ['sw-t2', false],
        ['sw-t3', false],
      ],
    );
    const best = trials[0]!;
    assert.ok(best.type === 'run');
    const row = runRow(best.entry, undefined, { best: true, inSweep: true });
    assert.equal(row.label, '#1 sw-t1');
    assert.equal(row.contextValue, 'kubeml.run.trial.succeeded.best');
    assert.equal(row.icon.id, 'star-full');
    const srow = sweepRow('sw', s.trials, s.best);
    assert.equal(srow.description, '3 trials · 3 succeeded · best loss 0.1 (#1)');
    assert.equal(srow.contextValue, 'kubeml.sweep.succeeded');
    // maximize, and a record that names its best trial.
    const max = [0.3, 0.1, 0.2].map((v, i) =>
      entry(`m${i}`, { sweep: { id: 'm', trial: i, metric: 'acc', direction: 'maximize' }, metrics: { acc: v } }),
    );
    assert.equal(bestTrial(max)?.id, 'm0');
    // A record may say which trial is best (no metric to compare by here: the runs printed none).
    const ref = (id: string, trial: number) => ({ id, trial, metric: 'acc', direction: 'maximize' as const });
    const marked = [entry('k0', { sweep: ref('k', 0) }), entry('k1', { sweep: { ...ref('k', 1), best: true } as ReturnType<typeof ref> })];
    assert.equal(bestTrial(marked)?.id, 'k1');
  });

  it('filters by name and status; a sweep shows only its matching trials', () => {
    const entries = [
      entry('forest-train-1'),
      entry('forest-train-2', { phase: 'failed' }),
      entry('other-train-3', { name: 'other' }),
      entry('sw-1', { sweep: { id: 'sw', trial: 1, metric: 'acc', direction: 'maximize' } }),
      entry('sw-2', { sweep: { id: 'sw', trial: 2, metric: 'acc', direction: 'maximize' }, phase: 'failed' }),
    ];
    const ids = (t: ReturnType<typeof buildTree>) =>
      t.flatMap((i) => (i.type === 'run' ? [i.entry.id] : i.trials.map((e) => `${i.sweepId}/${e.id}`)));
    assert.deepEqual(ids(buildTree(entries, { text: 'other', statuses: [] })), ['other-train-3']);
    assert.deepEqual(ids(buildTree(entries, { text: '', statuses: ['failed'] })), ['forest-train-2', 'sw/sw-2']);
    assert.deepEqual(ids(buildTree(entries, { text: 'SW', statuses: [] })), ['sw/sw-1', 'sw/sw-2']);
    assert.deepEqual(ids(buildTree(entries, { text: 'nothing', statuses: [] })), []);
    assert.equal(describeFilter({ text: ' forest ', statuses: ['failed', 'running'] }), '"forest" · failed, running');
    assert.equal(describeFilter({ text: '', statuses: [] }), undefined);
  });

  it('formats durations and metric values', () => {
    assert.deepEqual([45_000, 185_000, 3 * 3600_000 + 20 * 60_000, 52 * 3600_000].map(formatDuration), ['45s', '3m 5s', '3h 20m', '2d 4h']);
    assert.deepEqual([0.123456, 12, null, NaN, 1234.5678].map(formatMetric), ['0.1235', '12', 'n/a', 'n/a', '1235']);
  });
});
