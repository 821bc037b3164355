import { strict as assert } from 'node:assert';
import type { RunRecord } from '../model/runRecords';
import { MetricLineReader, SeriesBuilder, latestOf, runIdsOfArgs, runInfoOf, seriesOf } from './panelData';

const record = (over: Partial<RunRecord> & Record<string, unknown> = {}): RunRecord =>
  ({
    version: 1,
    id: 'train-1',
    purpose: 'train',
    name: 'train-1',
    namespace: 'ml',
    kind: 'Job',
    primary: { kind: 'Job', name: 'train-1', namespace: 'ml' },
    podSelector: 'kubeml.io/run=train-1',
    container: 'train',
    image: 'img',
    command: ['python', 'train.py'],
    params: { lr: 0.1, epochs: 3 },
    createdAt: '2026-12-01T10:00:00.000Z',
    phase: 'running',
    startedAt: '2026-12-01T10:00:05.000Z',
    metrics: { accuracy: 0.5 },
    ...over,
  }) as RunRecord;

describe('experiments panel data', () => {
  it('makes a table row of a record: kind, status, times, params, metrics (live ones override), sweep', () => {
    assert.deepEqual(runInfoOf(record(), undefined, { accuracy: 0.7, 'val/loss': 0.2 }), {
      id: 'train-1',
      name: 'train-1',
      kind: 'training',
      status: 'running',
      created: '2026-12-01T10:00:00.000Z',
      started: '2026-12-01T10:00:05.000Z',
      params: { lr: 0.1, epochs: 3 },
      metrics: { accuracy: 0.7, 'val/loss': 0.2 },
    });
    assert.equal(runInfoOf(record({ purpose: 'validate' })).kind, 'validation');
    const trial = runInfoOf(record({ sweep: { id: 'sweep-7', trial: 3, metric: 'accuracy', direction: 'maximize' } }), 'ws2');
    assert.equal(trial.kind, 'sweep trial');
    assert.deepEqual(trial.sweep, { id: 'sweep-7', trial: 3 });
    assert.equal(trial.folder, 'ws2');
  });

  it('builds curves as Float64Arrays; a result without a step takes the next one; splits prefix the name', () => {
    const s = seriesOf([
      { type: 'metric', name: 'loss', value: 1, step: 0 },
      { type: 'metric', name: 'loss', value: 0.5, step: 10 },
      { type: 'metric', name: 'loss', value: 0.25 },
      { type: 'metric', name: 'loss', value: null, split: 'val' },
      { type: 'metric', name: 'loss', value: 0.4, split: 'val' },
    ]);
    assert.deepEqual(
      s.map((x) => x.metric),
      ['loss', 'val/loss'],
    );
    assert.ok(s[0].steps instanceof Float64Array && s[0].values instanceof Float64Array);
    assert.deepEqual([...s[0].steps], [0, 10, 11]);
    assert.deepEqual([...s[0].values], [1, 0.5, 0.25]);
    assert.deepEqual([...s[1].steps], [0, 1]);
    assert.ok(Number.isNaN(s[1].values[0]));
    assert.deepEqual(
      latestOf([
        { type: 'metric', name: 'a', value: 1 },
        { type: 'metric', name: 'a', value: 2 },
      ]),
      { a: 2 },
    );
  });

  it('returns only the new points of each append, and grows past its first buffer', () => {
    const b = new SeriesBuilder();
    const many = Array.from({ length: 10_000 }, (_, i) => ({ type: 'metric' as const, name: 'acc', value: i / 10_000, step: i }));
    b.add(many);
    const fresh = b.add([{ type: 'metric', name: 'acc', value: 1 }]);
    assert.equal(fresh.length, 1);
    assert.deepEqual([...fresh[0].steps], [10_000]);
    assert.equal(b.series()[0].steps.length, 10_001);
    assert.equal(b.series()[0].values[9_999], 0.9999);
    assert.equal(b.points, 10_001);
  });

  it('reads metrics.jsonl in chunks: a line split across reads (even inside a character) waits for its end; junk is skipped', () => {
    const r = new MetricLineReader();
    const text = Buffer.from(
      '{"type":"metric","name":"ac€","value":1,"step":1}\nnot json\n{"type":"drift"}\n{"type":"metric","name":"b","value":2}\n',
    );
    const cut = text.indexOf('€') + 1; // inside the three bytes of €
    assert.deepEqual(r.push(text.subarray(0, cut)), []);
    const out = r.push(text.subarray(cut));
    assert.deepEqual(out, [
      { type: 'metric', name: 'ac€', value: 1, step: 1 },
      { type: 'metric', name: 'b', value: 2 },
    ]);
    assert.equal(r.skipped, 2);
    assert.deepEqual(r.push(Buffer.from('{"type":"metric","name":"c","value":3}')), []);
    assert.equal(r.push(Buffer.from('\n')).length, 1);
  });

  it('takes run ids from every argument shape the commands get', () => {
    assert.deepEqual(runIdsOfArgs([]), []);
    assert.deepEqual(runIdsOfArgs(['train-1', 'train-2']), ['train-1', 'train-2']);
    assert.deepEqual(runIdsOfArgs([{ runId: 'a-1' }]), ['a-1']);
    assert.deepEqual(runIdsOfArgs([{ record: { id: 'a-2' } }]), ['a-2']);
    // (clicked, selected[]) from a tree view with canSelectMany: the selection wins, without duplicates.
    assert.deepEqual(runIdsOfArgs([{ runId: 'a-1' }, [{ runId: 'a-1' }, { record: { id: 'b-2' } }]]), ['a-1', 'b-2']);
    assert.deepEqual(runIdsOfArgs([{ runId: 'a-1' }, []]), ['a-1'], 'an empty selection: the clicked row');
    assert.deepEqual(runIdsOfArgs([['../etc', 'ok-1'], { runId: 5 }]), ['ok-1'], 'not run ids: dropped');
  });
});
