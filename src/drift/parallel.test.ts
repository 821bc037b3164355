import { strict as assert } from 'node:assert';
import { computeDrift, summarizeReference } from './engine';
import { balance, closeDriftWorkers, driftReport, workerStats } from './parallel';
import type { Column, Table } from './table';

function normal(n: number, mean: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 1) / 4294967297;
  for (let i = 0; i < n; i++) out[i] = mean + Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

function table(source: string, rows: number, seed: number, shift: number): Table {
  const columns: Column[] = [0, 1, 2, 3].map((f) => ({
    name: `f${f}`,
    kind: 'numeric' as const,
    values: normal(rows, f % 2 ? shift : 0, seed + f),
  }));
  columns.push({
    name: 'city',
    kind: 'categorical',
    codes: Int32Array.from({ length: rows }, (_, i) => (i * (seed + 7)) % 5),
    categories: ['a', 'b', 'c', 'd', 'e'],
  });
  columns.push({ name: 't', kind: 'time', values: Float64Array.from({ length: rows }, (_, i) => 1.7e12 + i * 1000) });
  return { source, rows, columns, warnings: [] };
}

describe('drift report on worker threads', () => {
  after(() => closeDriftWorkers());

  it('gives exactly the single-thread report, windows included', async function () {
    this.timeout(60_000);
    const ref = table('ref', 300_000, 1, 0);
    const cur = table('cur', 300_000, 2, 0.2);
    const options = { windows: { column: 't', every: 3_600_000 }, thresholds: { bins: 12 } };
    const one = computeDrift(summarizeReference(ref, options.thresholds), cur, options);
    const before = workerStats.pairs;
    const many = await driftReport(ref, cur, { ...options, workers: 1 });
    assert.ok(workerStats.pairs - before >= 2, 'a worker thread compared some of the features');
    assert.deepEqual({ ...many, createdAt: '' }, { ...one, createdAt: '' });
    assert.equal(one.windows.length, 84);
    assert.deepEqual(
      one.features
        .filter((f) => f.status === 'drift')
        .map((f) => f.name)
        .sort(),
      ['f1', 'f3'],
    );
  });

  it('shares features by cost, largest first', () => {
    assert.deepEqual(balance([5, 1, 4, 2, 3], 2), [0, 0, 1, 0, 1], '5 | 4, then 3 to the lighter | 2 and 1 to the first of equals');
    assert.deepEqual(balance([1, 1, 1], 1), [0, 0, 0]);
  });
});
