import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { KubeMLError } from '../common/errors';
import { computeDrift, summarizeReference } from './engine';
import { readTable, readTableFile, splitQuoted } from './readers';
import type { NumericColumn, Table } from './table';

const FIX = join(__dirname, '../../test/fixtures/drift');

/** Deterministic normal samples (Box-Muller over a fixed LCG). */
function normal(n: number, mean: number, sd: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 1) / 4294967297;
  for (let i = 0; i < n; i++) out[i] = mean + sd * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

function table(source: string, cols: Record<string, Float64Array>): Table {
  const columns: NumericColumn[] = Object.entries(cols).map(([name, values]) => ({ name, kind: 'numeric', values }));
  return { source, rows: columns[0].values.length, columns, warnings: [] };
}

describe('drift engine properties', () => {
  for (const n of [50, 800, 5000]) {
    it(`finds no drift between identical samples (n=${n}, every method)`, () => {
      const x = normal(n, 3, 2, n);
      for (const method of ['auto', 'ks', 'wasserstein', 'js', 'psi'] as const) {
        const r = computeDrift(summarizeReference(table('ref', { x: x.slice() }), { method }), table('cur', { x: x.slice() }));
        const f = r.features[0];
        assert.equal(f.status, 'ok', `${method}: ${JSON.stringify(f.stats)}`);
        assert.equal(f.stats.ks!.statistic, 0);
        assert.equal(f.stats.ks!.pValue, 1);
        assert.equal(f.stats.wasserstein, 0);
        assert.equal(f.stats.psi, 0);
        assert.equal(f.stats.js, 0);
      }
    });
    it(`detects a shift of one standard deviation (n=${n}, every method)`, () => {
      const ref = normal(n, 0, 1, 1);
      const cur = normal(n, 1, 1, 2);
      for (const method of ['auto', 'ks', 'wasserstein', 'js', 'psi'] as const) {
        const r = computeDrift(summarizeReference(table('ref', { x: ref }), { method }), table('cur', { x: cur }));
        if (n >= 800 || method === 'ks' || method === 'auto' || method === 'wasserstein')
          assert.equal(r.features[0].status, 'drift', `${method}: score ${r.features[0].score}`);
      }
    });
  }

  it('uses KS for small references and normed Wasserstein for large ones, as Evidently does', () => {
    const small = computeDrift(summarizeReference(table('r', { x: normal(1000, 0, 1, 3) })), table('c', { x: normal(500, 0, 1, 4) }));
    assert.equal(small.features[0].test, 'ks');
    const large = computeDrift(summarizeReference(table('r', { x: normal(1001, 0, 1, 3) })), table('c', { x: normal(500, 0, 1, 4) }));
    assert.equal(large.features[0].test, 'wasserstein');
    const few = computeDrift(
      summarizeReference(table('r', { x: Float64Array.from({ length: 300 }, (_, i) => i % 3) })),
      table('c', { x: Float64Array.from({ length: 300 }, (_, i) => i % 3) }),
    );
    assert.equal(few.features[0].test, 'chi2', 'numeric with at most 5 distinct values is tested as categories');
  });

  it('reports the share of drifted features and dataset drift', () => {
    const r = computeDrift(
      summarizeReference(table('r', { a: normal(600, 0, 1, 1), b: normal(600, 0, 1, 2), c: normal(600, 0, 1, 3) })),
      table('c', { a: normal(600, 1, 1, 4), b: normal(600, 0, 1, 5), c: normal(600, 2, 1, 6) }),
    );
    assert.deepEqual(
      r.features.map((f) => [f.name, f.status]),
      [
        ['c', 'drift'],
        ['a', 'drift'],
        ['b', 'ok'],
      ],
    );
    assert.ok(Math.abs(r.driftedShare - 2 / 3) < 1e-12);
    assert.equal(r.datasetDrift, true);
  });

  it('compares windows of rows against the same reference summary', () => {
    const cur = new Float64Array(3000);
    cur.set(normal(1000, 0, 1, 8), 0);
    cur.set(normal(1000, 0, 1, 9), 1000);
    cur.set(normal(1000, 3, 1, 10), 2000);
    const r = computeDrift(summarizeReference(table('r', { x: normal(2000, 0, 1, 7) })), table('c', { x: cur }), {
      windows: { rows: 1000 },
    });
    assert.deepEqual(
      r.windows.map((w) => w.features[0].status),
      ['ok', 'ok', 'drift'],
    );
    assert.deepEqual(
      r.windows.map((w) => w.driftedShare),
      [0, 0, 1],
    );
  });

  it('defines empty, constant, non-finite and single-row columns', () => {
    const r = computeDrift(
      summarizeReference(
        table('r', { empty: Float64Array.of(NaN, NaN), constant: Float64Array.of(5, 5), inf: Float64Array.of(1, Infinity) }),
      ),
      table('c', { empty: Float64Array.of(1), constant: Float64Array.of(6), inf: Float64Array.of(-Infinity) }),
    );
    const by = new Map(r.features.map((f) => [f.name, f]));
    assert.equal(by.get('empty')!.status, 'skipped');
    assert.match(by.get('empty')!.warnings.join(' '), /reference has no numeric value/);
    assert.equal(by.get('constant')!.status, 'drift');
    assert.match(by.get('constant')!.warnings.join(' '), /constant in the reference/);
    assert.equal(by.get('inf')!.status, 'skipped');
    assert.match(by.get('inf')!.warnings.join(' '), /infinite value/);
    assert.match(by.get('constant')!.warnings.join(' '), /only 1 value in the current data/);
  });

  it('names mismatched schemas and refuses data with no column in common', async () => {
    const ref = summarizeReference(await readTableFile(join(FIX, 'reference.csv')));
    const other = await readTableFile(join(FIX, 'other-schema.csv'));
    assert.throws(
      () => computeDrift(ref, other),
      (e: unknown) => KubeMLError.is(e) && /no feature column in common/.test(e.message),
    );
    const jsonl = await readTableFile(join(FIX, 'current.jsonl'));
    assert.deepEqual(
      computeDrift(ref, jsonl)
        .features.map((f) => f.name)
        .sort(),
      ['age', 'city', 'income', 'score'],
      'timestamps are not features',
    );
    const r = computeDrift(
      summarizeReference(table('r', { a: normal(10, 0, 1, 1), b: normal(10, 0, 1, 1) })),
      table('c', { a: normal(10, 0, 1, 1), c: normal(10, 0, 1, 1) }),
    );
    assert.deepEqual(r.warnings, [
      'Column "b" is in the reference but not in the current data; it is not compared.',
      'Column "c" is in the current data but not in the reference; it is not compared.',
    ]);
  });
});

describe('drift readers', () => {
  it('infers numbers, timestamps and categories from CSV', async () => {
    const t = await readTableFile(join(FIX, 'reference.csv'));
    assert.equal(t.rows, 600);
    assert.deepEqual(
      t.columns.map((c) => [c.name, c.kind]),
      [
        ['timestamp', 'time'],
        ['age', 'numeric'],
        ['income', 'numeric'],
        ['score', 'numeric'],
        ['city', 'categorical'],
      ],
    );
  });

  it('reads JSON Lines, and CSV split across chunks at any point', async () => {
    const text = 'a,b\n1,x\n2,"y\nz"\r\n3,w\n';
    for (let cut = 1; cut < text.length; cut++) {
      const t = await readTable([text.slice(0, cut), text.slice(cut)], 'mem.csv');
      assert.equal(t.rows, 3, `cut at ${cut}`);
      const b = t.columns[1];
      assert.ok(b.kind === 'categorical');
      assert.deepEqual(
        Array.from(b.codes, (c) => b.categories[c]),
        ['x', 'y\nz', 'w'],
      );
    }
  });

  it('pads short rows, cuts long ones and says so', async () => {
    const t = await readTableFile(join(FIX, 'ragged.csv'));
    assert.equal(t.rows, 5);
    assert.equal(t.warnings.length, 2, t.warnings.join('\n'));
    assert.deepEqual(splitQuoted('"a ""q""",b,"c,d"', ','), ['a "q"', 'b', 'c,d']);
  });

  it('reads NaN, empty and infinite values as such', async () => {
    const t = await readTableFile(join(FIX, 'nonfinite.csv'));
    const y = t.columns[1];
    assert.ok(y.kind === 'numeric');
    assert.deepEqual(Array.from(y.values), [NaN, Infinity, NaN, -Infinity, 7]);
  });

  it('turns a column into categories when text follows numbers', async () => {
    const t = await readTable(['v\n1\n2.5\nabc\n\n'], 'mem.csv');
    const v = t.columns[0];
    assert.ok(v.kind === 'categorical');
    assert.deepEqual(
      Array.from(v.codes, (c) => (c < 0 ? null : v.categories[c])),
      ['1', '2.5', 'abc'],
    );
  });

  it('gives clear errors for empty, header-only and missing files, and cuts at maxRows', async () => {
    await assert.rejects(readTableFile(join(FIX, 'empty.csv')), /is empty/);
    await assert.rejects(readTableFile(join(FIX, 'header-only.csv')), /header but no data rows/);
    await assert.rejects(readTableFile(join(FIX, 'nope.csv')), /does not exist/);
    const t = await readTableFile(join(FIX, 'reference.csv'), { maxRows: 10 });
    assert.equal(t.rows, 10);
    assert.match(t.warnings[0], /first 10 rows/);
  });
});
