import { strict as assert } from 'node:assert';
import type { RunInfo } from './experimentsContract';
import {
  allColumns,
  cellValue,
  csvCell,
  defaultColumns,
  deltaOf,
  formatCell,
  higherIsBetter,
  matches,
  scatterPoints,
  tableToCsv,
  viewRows,
} from './experimentsTable';

const run = (id: string, over: Partial<RunInfo> = {}): RunInfo => ({
  id,
  name: id,
  kind: 'training',
  status: 'succeeded',
  created: '2026-12-01T10:00:00.000Z',
  params: {},
  metrics: {},
  ...over,
});

const runs: RunInfo[] = [
  run('train-c', {
    created: '2026-12-01T12:00:00.000Z',
    status: 'running',
    started: '2026-12-01T12:00:10.000Z',
    params: { lr: 0.01, depth: 8, model: 'forest' },
    metrics: { accuracy: 0.91, loss: 0.3 },
  }),
  run('train-b', {
    created: '2026-12-01T11:00:00.000Z',
    started: '2026-12-01T11:00:00.000Z',
    finished: '2026-12-01T11:01:30.000Z',
    params: { lr: 0.1, depth: 8, model: 'forest' },
    metrics: { accuracy: 0.95, loss: 0.2 },
  }),
  run('train-a', {
    created: '2026-12-01T10:00:00.000Z',
    status: 'failed',
    params: { lr: 1, depth: 8, model: '=HYPERLINK("x")' },
    metrics: { accuracy: null },
  }),
];
const NOW = Date.parse('2026-12-01T12:01:10.000Z');

describe('experiments table', () => {
  it('lists every parameter and metric column, and shows the differing parameters first by default', () => {
    assert.deepEqual(allColumns(runs), [
      'name',
      'status',
      'kind',
      'created',
      'duration',
      'sweep',
      'param:lr',
      'param:depth',
      'param:model',
      'metric:accuracy',
      'metric:loss',
    ]);
    assert.deepEqual(defaultColumns(runs), [
      'name',
      'status',
      'created',
      'duration',
      'param:lr',
      'param:model',
      'param:depth',
      'metric:accuracy',
      'metric:loss',
    ]);
  });

  it('measures a running run up to now and a finished one to its end', () => {
    assert.equal(cellValue(runs[0], 'duration', NOW), 60_000);
    assert.equal(cellValue(runs[1], 'duration', NOW), 90_000);
    assert.equal(cellValue(runs[2], 'duration', NOW), undefined);
    assert.equal(formatCell('duration', 90_000), '1m 30s');
  });

  it('sorts numbers by value in both directions with empty cells last, and texts naturally', () => {
    const ids = (column: string, descending: boolean) => viewRows(runs, { sort: { column, descending } }, NOW).map((r) => r.id);
    assert.deepEqual(ids('metric:accuracy', false), ['train-c', 'train-b', 'train-a']);
    assert.deepEqual(ids('metric:accuracy', true), ['train-b', 'train-c', 'train-a']);
    assert.deepEqual(ids('param:lr', false), ['train-c', 'train-b', 'train-a']);
    assert.deepEqual(ids('param:lr', true), ['train-a', 'train-b', 'train-c']);
    assert.deepEqual(ids('metric:loss', true), ['train-c', 'train-b', 'train-a']);
    const named = [run('run-10'), run('run-9'), run('run-100')];
    assert.deepEqual(
      viewRows(named, { sort: { column: 'name', descending: false } }, NOW).map((r) => r.id),
      ['run-9', 'run-10', 'run-100'],
    );
  });

  it('filters by words in the name or parameters (key=value) and by status', () => {
    assert.ok(matches(runs[1], { text: 'lr=0.1', statuses: [] }));
    assert.ok(!matches(runs[0], { text: 'lr=0.1', statuses: [] }));
    assert.ok(matches(runs[0], { text: 'TRAIN forest', statuses: [] }));
    assert.deepEqual(
      viewRows(runs, { filter: { text: '', statuses: ['running', 'failed'] } }, NOW).map((r) => r.id),
      ['train-c', 'train-a'],
    );
  });

  it('gives signed deltas against the baseline, better or worse by the metric direction', () => {
    assert.equal(higherIsBetter('accuracy'), true);
    assert.equal(higherIsBetter('val/loss'), false);
    const acc = deltaOf(runs[0], runs[1], 'metric:accuracy')!;
    assert.equal(acc.text, '−0.04');
    assert.equal(acc.better, false);
    const loss = deltaOf(runs[0], runs[1], 'metric:loss')!;
    assert.equal(loss.text, '+0.1');
    assert.equal(loss.better, false, 'a higher loss is worse');
    assert.equal(deltaOf(runs[1], runs[0], 'metric:loss')!.better, true);
    assert.equal(deltaOf(runs[1], runs[1], 'metric:loss')!.text, '±0');
    assert.equal(deltaOf(runs[1], runs[1], 'metric:loss')!.better, undefined);
    assert.equal(deltaOf(runs[2], runs[1], 'metric:accuracy'), undefined, 'no value, no delta');
    assert.equal(deltaOf(runs[0], runs[1], 'param:lr')!.better, undefined, 'parameters are neither better nor worse');
    assert.equal(deltaOf(runs[0], runs[1], 'name'), undefined);
  });

  it('exports the table as shown: its columns, order, filter and sort, with delta columns for the baseline', () => {
    const csv = tableToCsv(
      runs,
      {
        columns: ['name', 'metric:accuracy', 'param:model', 'duration'],
        sort: { column: 'metric:accuracy', descending: true },
        filter: { text: '', statuses: ['succeeded', 'running', 'failed'] },
        baseline: 'train-b',
      },
      NOW,
    );
    assert.equal(
      csv,
      [
        'run,accuracy,Δ accuracy vs train-b,model,duration_s',
        'train-b,0.95,0,forest,90',
        `train-c,0.91,${0.91 - 0.95},forest,60`,
        `train-a,,,"'=HYPERLINK(""x"")",`,
        '',
      ].join('\n'),
    );
    const filtered = tableToCsv(runs, { columns: ['name', 'status'], filter: { text: 'lr=1', statuses: [] } }, NOW);
    assert.equal(filtered, 'run,status\ntrain-a,failed\n');
  });

  it('quotes CSV cells as RFC 4180 says', () => {
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('line\nbreak'), '"line\nbreak"');
    assert.equal(csvCell(-1), '-1', 'a negative number is a number, not a formula');
    assert.equal(csvCell('-1'), "'-1");
    assert.equal(csvCell(undefined), '');
  });

  it('puts one parameter against one metric: numbers as values, texts as sorted categories, runs without either left out', () => {
    assert.deepEqual(scatterPoints(runs, 'lr', 'accuracy'), {
      points: [
        { x: 0.01, y: 0.91, label: 'train-c' },
        { x: 0.1, y: 0.95, label: 'train-b' },
      ],
    });
    assert.deepEqual(scatterPoints(runs, 'model', 'loss'), {
      points: [
        { x: 0, y: 0.3, label: 'train-c' },
        { x: 0, y: 0.2, label: 'train-b' },
      ],
      categories: ['forest'],
    });
    assert.deepEqual(scatterPoints(runs, 'nothing', 'loss'), { points: [] });
  });
});
