/**
 * The engine never gives a wrong number: sparse columns, chi-square with bins empty in both
 * samples, statistics that cannot be computed (an explicit 'not-computed', never a NaN verdict),
 * values near the largest double, and reports that do not depend on the order of the rows.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_THRESHOLDS, type DriftReport } from '../model/driftReport';
import { isDriftReport } from '../model/driftContract';
import { assembleReport, compareNumeric, computeDrift, summarizeReference, verdict, withoutNaN } from './engine';
import { compareSorted } from './ks';
import { numericReference, numericSample } from './summary';
import type { Column, NumericColumn, Table } from './table';

interface Fixture {
  name: string;
  reference: unknown;
  current: unknown;
  ks?: { statistic: number; pvalue: number };
  chi2?: { statistic: number | 'inf'; pvalue: number };
}
const fx = JSON.parse(readFileSync(join(__dirname, '../../test/fixtures/drift/scipy-property.json'), 'utf8')) as {
  numeric: Fixture[];
  chi2Binned: Fixture[];
};
type Cell = number | null | 'inf' | '-inf';
const cell = (c: Cell): number => (c === null ? NaN : c === 'inf' ? Infinity : c === '-inf' ? -Infinity : c);
function decode(e: unknown): Float64Array {
  if (Array.isArray(e)) return Float64Array.from(e as Cell[], cell);
  const s = e as { rows: number; at: Array<[number, Cell]> };
  const out = new Float64Array(s.rows).fill(NaN);
  for (const [i, c] of s.at) out[i] = cell(c);
  return out;
}
/** Fails on a NaN anywhere in x (JSON would hide it as null, as it does Infinity). */
function noNaN(x: unknown, where: string): void {
  if (typeof x === 'number') assert.ok(!Number.isNaN(x), `NaN at ${where}`);
  else if (Array.isArray(x)) x.forEach((v, i) => noNaN(v, `${where}[${i}]`));
  else if (typeof x === 'object' && x !== null) for (const [k, v] of Object.entries(x)) noNaN(v, `${where}.${k}`);
}
const byName = (list: Fixture[], name: string) => list.find((c) => c.name === name) ?? assert.fail(`no fixture "${name}"`);

function table(source: string, cols: Record<string, Float64Array>): Table {
  const columns: NumericColumn[] = Object.entries(cols).map(([name, values]) => ({ name, kind: 'numeric', values }));
  return { source, rows: columns[0].values.length, columns, warnings: [] };
}

/** Seeded uniform numbers in (0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 1) / 4294967297;
}

describe('drift engine: no wrong numbers', () => {
  it('a sparse column (one finite value in 3,000 rows) against the same value: no drift, as scipy (KS 0), and the value named', () => {
    const c = byName(fx.numeric, 'sparse 3000 rows against the same value in a short column');
    const r = computeDrift(
      summarizeReference(table('r', { x: decode(c.reference) }), { method: 'ks' }),
      table('c', { x: decode(c.current) }),
    );
    const f = r.features[0];
    assert.equal(f.stats.ks!.statistic, c.ks!.statistic, 'KS statistic (scipy)');
    assert.equal(f.stats.ks!.pValue, c.ks!.pvalue, 'KS p-value (scipy)');
    assert.equal(f.status, 'ok');
    const text = f.warnings.join('\n');
    assert.match(text, /every value is 7\.25/);
    assert.doesNotMatch(text, /every value is 0\b/);
  });

  it('numericReference keeps the finite values of a sparse column of 2,048 rows and more', () => {
    for (const rows of [2048, 4096, 100_000]) {
      const values = new Float64Array(rows).fill(NaN);
      values[rows - 5] = -7.25;
      values[3] = -7.25 - 2 ** -50; // one more in the last bit of the mantissa: the same top 32 bits
      const ref = numericReference({ name: 'x', kind: 'numeric', values }, 10);
      assert.deepEqual([...ref.sorted], [-7.25 - 2 ** -50, -7.25], `${rows} rows`);
      assert.equal(ref.missing, rows - 2);
    }
  });

  describe('--method chi2 on numeric bins that are empty in both samples (scipy.stats.chisquare on the bins that hold values)', () => {
    for (const name of [
      'ties at both ends: the first bin is empty in both',
      'ties at the minimum, current shifted up',
      'identical data, bins empty in both',
    ]) {
      it(name, () => {
        const c = byName(fx.chi2Binned, name);
        const f = computeDrift(
          summarizeReference(table('r', { x: decode(c.reference) }), { method: 'chi2' }),
          table('c', { x: decode(c.current) }),
        ).features[0];
        const p = f.stats.chi2!.pValue;
        assert.ok(Math.abs(p - c.chi2!.pvalue) <= 1e-9 * c.chi2!.pvalue, `p-value ${p} vs scipy ${c.chi2!.pvalue}`);
        assert.equal(f.score, p);
        assert.equal(f.status, c.chi2!.pvalue < 0.05 ? 'drift' : 'ok');
        noNaN(f, name);
      });
    }
  });

  describe("a statistic that cannot be computed: status 'not-computed' with the reason, never a NaN verdict", () => {
    // A reference summary whose standard deviation is not a number (as a corrupt or hand-made
    // summary would have it): the normed Wasserstein distance cannot be computed.
    const values = Float64Array.from({ length: 50 }, (_, i) => i);
    const broken = { ...numericReference({ name: 'x', kind: 'numeric', values }, 10), std: NaN };
    const cur = numericSample({ name: 'x', kind: 'numeric', values: values.map((v) => v + 22) });

    it('compareNumeric: no verdict for the test, the other statistics kept, the reason in the feature and its warnings', () => {
      const f = compareNumeric(broken, cur, { ...DEFAULT_THRESHOLDS, method: 'wasserstein' });
      assert.equal(f.status, 'not-computed');
      assert.equal(f.score, undefined);
      assert.match(f.reason!, /^x: no verdict: the normed Wasserstein distance came out as NaN/);
      assert.ok(f.warnings.includes(f.reason!));
      assert.equal(f.stats.wassersteinNormed, undefined);
      assert.match(f.stats.notComputed!.wassersteinNormed!, /NaN/);
      assert.equal(f.stats.ks!.statistic, 0.44, 'the KS test is still there (0 to 49 against 22 to 71: 22 of 50 values apart)');
      noNaN(f, 'feature');
      // The same feature under a test that can be computed has a verdict.
      assert.equal(compareNumeric(broken, cur, { ...DEFAULT_THRESHOLDS, method: 'ks' }).status, 'drift');
    });

    it('verdict() and withoutNaN(): a NaN p-value or distance is no verdict', () => {
      const t = DEFAULT_THRESHOLDS;
      for (const test of ['ks', 'chi2'] as const) {
        const stats = withoutNaN({ [test]: { statistic: NaN, pValue: NaN, dof: 1, method: 'exact' } });
        assert.equal(verdict('f', test, stats, t).status, 'not-computed', test);
      }
      for (const test of ['js', 'psi'] as const)
        assert.equal(verdict('f', test, withoutNaN({ [test]: NaN }), t).status, 'not-computed', test);
      assert.equal(verdict('f', 'js', {}, t).status, 'not-computed', 'a statistic that is missing altogether');
      assert.deepEqual(verdict('f', 'psi', { psi: 0.3 }, t), { status: 'drift', score: 0.3, threshold: t.psiModerate });
    });

    it('the report leaves it out of the drifted share, ranks it after the verdicts and passes the report contract', () => {
      const good = Float64Array.from({ length: 50 }, (_, i) => i);
      const t = { ...DEFAULT_THRESHOLDS, method: 'wasserstein' as const };
      // Two features with a verdict (a: drift, b: ok) and the broken one, in every window too.
      const cur50 = (values: Float64Array) => numericSample({ name: 'c', kind: 'numeric', values });
      const results = [
        { ref: broken, cur: cur },
        { ref: numericReference({ name: 'a', kind: 'numeric', values: good }, 10), cur: cur50(good.map((v) => v + 40)) },
        { ref: numericReference({ name: 'b', kind: 'numeric', values: good }, 10), cur: cur50(good) },
      ].map(({ ref, cur: c }) => {
        const feature = compareNumeric(ref, c, t);
        const w = compareNumeric(ref, c, t, false);
        return {
          feature,
          windows: [
            w.reason === undefined
              ? { name: w.name, status: w.status, test: w.test, score: w.score, threshold: w.threshold }
              : { name: w.name, status: w.status, test: w.test, threshold: w.threshold, reason: w.reason },
          ],
        };
      });
      const current = table('c', { x: good });
      const report = assembleReport({ source: 'r', rows: 50 }, t, current, [], results, [{ label: 'rows 1–50', start: 0, end: 50 }]);
      assert.deepEqual(
        report.features.map((f) => [f.name, f.status]),
        [
          ['a', 'drift'],
          ['b', 'ok'],
          ['x', 'not-computed'],
        ],
      );
      assert.equal(report.driftedShare, 0.5, '1 of the 2 features with a verdict');
      assert.equal(report.windows[0].driftedShare, 0.5);
      assert.equal(report.windows[0].features[0].reason, report.features[2].reason);
      assert.equal(isDriftReport(JSON.parse(JSON.stringify(report))), true, 'the panel takes the report (contract)');
      noNaN(report, 'report');
    });
  });

  it('values near the largest double: Wasserstein and the quantile bins stay finite and right (no Infinity - Infinity)', () => {
    // F1 - F2 is 1/6 between -1e308 and 1e308, a gap of 2e308 that does not fit in a double.
    const a = Float64Array.of(-1e308, 1e308);
    const b = Float64Array.of(-1e308, -1e308, 1e308);
    const w = compareSorted(a, b).wasserstein;
    assert.ok(Math.abs(w - 1e308 / 3) / (1e308 / 3) < 1e-15, `${w} (exactly: 2e308 / 6)`);
    // Beyond the largest double the distance is Infinity, not NaN.
    assert.equal(compareSorted(Float64Array.of(-1.5e308), Float64Array.of(1.5e308)).wasserstein, Infinity);
    const r = computeDrift(
      summarizeReference(table('r', { x: Float64Array.of(-1.7e308, -1e308, 0, 1e308, 1.7e308, 1.7e308) }), { method: 'wasserstein' }),
      table('c', { x: Float64Array.of(-1.7e308, 1.7e308, 1.7e308) }),
    );
    const f = r.features[0];
    noNaN(f, 'feature');
    assert.ok(
      f.histogram!.edges!.every((e) => Number.isFinite(e)),
      'histogram edges',
    );
  });
});

describe('drift engine: the report does not depend on the order of the rows', () => {
  const u = rng(11);
  const n = (rows: number, make: () => number) => Float64Array.from({ length: rows }, make);
  function columns(rows: number, shift: number): Column[] {
    const cats = ['red', 'green', 'blue', 'n/a'];
    return [
      { name: 'normal', kind: 'numeric', values: n(rows, () => shift + Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u())) },
      { name: 'sparse', kind: 'numeric', values: n(rows, () => (u() < 0.0007 ? 7.25 : u() < 0.01 ? Infinity : NaN)) },
      { name: 'ties', kind: 'numeric', values: n(rows, () => Math.floor(u() * (3 + shift))) },
      { name: 'signed zeros', kind: 'numeric', values: n(rows, () => [0, -0, 1, NaN][Math.floor(u() * 4)]) },
      { name: 'top bits', kind: 'numeric', values: n(rows, () => 1 + Math.floor(u() * 900) * 2 ** -52) },
      { name: 'huge', kind: 'numeric', values: n(rows, () => (u() - 0.5 + shift) * 1e300) },
      { name: 'color', kind: 'categorical', codes: Int32Array.from({ length: rows }, () => Math.floor(u() * 5) - 1), categories: cats },
      // Mixed: numbers in the reference, categories in the current data (compared as categories).
      shift === 0
        ? { name: 'mixed', kind: 'numeric', values: n(rows, () => [1, 2, 2.5, NaN][Math.floor(u() * 4)]) }
        : {
            name: 'mixed',
            kind: 'categorical',
            codes: Int32Array.from({ length: rows }, () => Math.floor(u() * 4) - 1),
            categories: ['1', '2.5', 'unknown'],
          },
    ];
  }
  function shuffled(t: Table): Table {
    const p = Int32Array.from({ length: t.rows }, (_, i) => i);
    for (let i = p.length - 1; i > 0; i--) {
      const j = Math.floor(u() * (i + 1));
      [p[i], p[j]] = [p[j], p[i]];
    }
    const cols = t.columns.map((c): Column =>
      c.kind === 'categorical'
        ? { ...c, codes: c.codes.map((_, i) => c.codes[p[i]]) }
        : { ...c, values: c.values.map((_, i) => c.values[p[i]]) },
    );
    return { ...t, columns: cols };
  }
  it('windows of a time column hold the rows of their time span, whatever the order of the rows (rows without a time in none)', () => {
    const rows = 3000;
    const hour = 3_600_000;
    const t0 = Date.UTC(2025, 0, 1);
    // Time in order, with a few missing; the third and fourth hours shifted.
    const time = n(rows, () => 0).map((_, i) => (i % 97 === 5 ? NaN : t0 + Math.floor((i * 6 * hour) / rows)));
    const cols: Column[] = [
      { name: 'ts', kind: 'time', values: time },
      {
        name: 'x',
        kind: 'numeric',
        values: time.map(
          (v) => (v >= t0 + 2 * hour && v < t0 + 4 * hour ? 1.5 : 0) + Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()),
        ),
      },
      { name: 'sparse', kind: 'numeric', values: n(rows, () => (u() < 0.002 ? 7.25 : NaN)) },
      {
        name: 'color',
        kind: 'categorical',
        codes: Int32Array.from({ length: rows }, () => Math.floor(u() * 4) - 1),
        categories: ['red', 'green', 'blue'],
      },
    ];
    const cur: Table = { source: 'c', rows, columns: cols, warnings: [] };
    const refX: Column = { name: 'x', kind: 'numeric', values: n(rows, () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u())) };
    const ref = summarizeReference({ source: 'r', rows, columns: [refX, ...cols.slice(2)], warnings: [] });
    const a = computeDrift(ref, cur, { windows: { column: 'ts', every: hour } });
    const b = computeDrift(ref, shuffled(cur), { windows: { column: 'ts', every: hour } });
    assert.deepEqual(
      a.windows.map((w) => w.label),
      Array.from({ length: 6 }, (_, h) => new Date(t0 + h * hour).toISOString()),
    );
    assert.equal(
      a.windows.reduce((k, w) => k + w.rows, 0),
      rows - time.filter((v) => Number.isNaN(v)).length,
      'every row with a time, once',
    );
    assert.deepEqual(
      a.windows.map((w) => w.features.find((f) => f.name === 'x')!.status),
      ['ok', 'ok', 'drift', 'drift', 'ok', 'ok'],
    );
    assert.equal(JSON.stringify({ ...b, createdAt: '' }), JSON.stringify({ ...a, createdAt: '' }));
    // A time of ±Infinity is in no window either.
    const inf = computeDrift(
      ref,
      {
        ...cur,
        columns: [
          { name: 'ts', kind: 'time', values: time.map((v, i) => (i === 0 ? -Infinity : i === 1 ? Infinity : v)) },
          ...cols.slice(1),
        ],
      },
      { windows: { column: 'ts', every: hour } },
    );
    assert.deepEqual(
      inf.windows.map((w) => w.label),
      a.windows.map((w) => w.label),
    );
    assert.equal(inf.windows[0].rows, a.windows[0].rows - 2);
  });

  for (const [refRows, curRows] of [
    [3000, 2500],
    [800, 5000],
    [2048, 2048],
  ]) {
    it(`reference ${refRows} rows, current ${curRows}: every method gives the same report after shuffling both`, () => {
      const ref: Table = { source: 'r', rows: refRows, columns: columns(refRows, 0), warnings: [] };
      const cur: Table = { source: 'c', rows: curRows, columns: columns(curRows, 0.3), warnings: [] };
      const same = (x: DriftReport) => JSON.stringify({ ...x, createdAt: '' });
      for (const method of ['auto', 'ks', 'wasserstein', 'js', 'psi', 'chi2'] as const) {
        const a = computeDrift(summarizeReference(ref, { method }), cur);
        const b = computeDrift(summarizeReference(shuffled(ref), { method }), shuffled(cur));
        assert.equal(same(b), same(a), method);
        noNaN(a, method);
      }
    });
  }
});
