import { strict as assert } from 'node:assert';
import { hostMessageProblem, isHostMessage, isPageMessage } from './experimentsContract';

const run = {
  id: 'train-1',
  name: 'train-1',
  kind: 'training',
  status: 'running',
  created: '2026-12-01T10:00:00.000Z',
  params: { lr: 0.1 },
  metrics: { accuracy: 0.9, loss: null },
};

describe('experiments panel contract', () => {
  it('accepts the host messages it defines, with curves as Float64Arrays only', () => {
    assert.ok(isHostMessage({ type: 'runs', runs: [run], select: ['train-1'] }));
    assert.ok(isHostMessage({ type: 'run', run }));
    const f = (a: number[]) => Float64Array.from(a);
    assert.ok(isHostMessage({ type: 'append', runId: 'train-1', metric: 'loss', steps: f([1]), values: f([0.5]) }));
    assert.ok(isHostMessage({ type: 'series', runId: 'train-1', series: [{ metric: 'loss', steps: f([1, 2]), values: f([1, 2]) }] }));
    assert.match(
      hostMessageProblem({ type: 'append', runId: 'train-1', metric: 'loss', steps: [1], values: [0.5] })!,
      /Float64Array/,
      'JSON number lists are refused',
    );
    assert.match(
      hostMessageProblem({ type: 'series', runId: 'r', series: [{ metric: 'loss', steps: f([1, 2]), values: f([1]) }] })!,
      /2 steps but 1 values/,
    );
    assert.match(hostMessageProblem({ type: 'run', run: { ...run, status: 'exploded' } })!, /status "exploded"/);
    assert.match(hostMessageProblem({ type: 'run', run: { ...run, params: { x: {} } } })!, /parameters/);
    assert.match(hostMessageProblem({ type: 'nope' })!, /unknown/);
  });

  it('accepts exactly the page messages it defines', () => {
    assert.ok(isPageMessage({ type: 'ready' }));
    assert.ok(isPageMessage({ type: 'need', runIds: ['a', 'b'] }));
    assert.ok(
      isPageMessage({ type: 'exportCsv', view: { columns: ['name', 'metric:loss'], sort: { column: 'name', descending: false } } }),
    );
    assert.ok(isPageMessage({ type: 'exportPng', metric: 'loss', dataUrl: 'data:image/png;base64,iVBORw0K' }));
    assert.ok(
      isPageMessage({ type: 'painted', rows: 1, runs: 1, selected: [], plotted: [{ runId: 'a', metric: 'm', points: 3, lastStep: 2 }] }),
    );
    assert.ok(!isPageMessage({ type: 'ready', extra: 1 }));
    assert.ok(!isPageMessage({ type: 'need', runIds: 'a' }));
    assert.ok(!isPageMessage({ type: 'exportCsv', view: { columns: ['name'], filter: { text: '', statuses: ['exploded'] } } }));
    assert.ok(!isPageMessage({ type: 'exportPng', metric: 'loss', dataUrl: 'data:text/html;base64,PHNjcmlwdD4=' }));
    assert.ok(!isPageMessage({ type: 'exportPng', metric: 'loss', dataUrl: 'data:image/png;base64,<script>' }));
  });
});
