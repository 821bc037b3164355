/**
 * The whole engine (reading columns with NaN and infinities, sorting, summarising, comparing)
 * against scipy on generated edge cases: test/fixtures/drift/scipy-property.json, written by
 * scripts/drift-fixtures.py (scipy.stats.ks_2samp, wasserstein_distance, chisquare and
 * scipy.spatial.distance.jensenshannon with a fixed seed).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chiSquare } from './distances';
import { computeDrift, summarizeReference } from './engine';
import { ks2sampSorted, type KsMethod } from './ks';
import { sortedFinite } from './sort';
import type { CategoricalColumn, Column, NumericColumn, Table } from './table';
import type { FeatureDrift } from '../model/driftReport';

type Cell = number | null | 'inf' | '-inf';
type Encoded = Cell[] | { rows: number; at: Array<[number, Cell]> };

interface NumericCase {
  name: string;
  method: KsMethod;
  reference: Encoded;
  current: Encoded;
  finite: [number, number];
  ks: { statistic: number; pvalue: number };
  wasserstein: number;
  wassersteinNormed: number;
}
interface BinnedChi2Case {
  name: string;
  reference: Encoded;
  current: Encoded;
  edges: number[];
  emptyInBoth: number;
  chi2: { statistic: number | 'inf'; pvalue: number; dof: number };
}
interface MixedCase {
  name: string;
  reference: Encoded;
  current: Array<string | null>;
  keys: string[];
  psi: number;
  js: number;
  chi2?: { statistic: number; pvalue: number };
}
interface PropertyFixtures {
  bins: number;
  numeric: NumericCase[];
  chi2Binned: BinnedChi2Case[];
  mixed: MixedCase[];
}

const fx = JSON.parse(readFileSync(join(__dirname, '../../test/fixtures/drift/scipy-property.json'), 'utf8')) as PropertyFixtures;

const cell = (c: Cell): number => (c === null ? NaN : c === 'inf' ? Infinity : c === '-inf' ? -Infinity : c);

function decodeColumn(e: Encoded): Float64Array {
  if (Array.isArray(e)) return Float64Array.from(e, cell);
  const out = new Float64Array(e.rows).fill(NaN);
  for (const [i, c] of e.at) out[i] = cell(c);
  return out;
}

function numericTable(source: string, values: Float64Array): Table {
  const col: NumericColumn = { name: 'x', kind: 'numeric', values };
  return { source, rows: values.length, columns: [col], warnings: [] };
}

function categoricalTable(source: string, values: ReadonlyArray<string | null>): Table {
  const categories = [...new Set(values.filter((v): v is string => v !== null))];
  const codes = Int32Array.from(values, (v) => (v === null ? -1 : categories.indexOf(v)));
  const col: CategoricalColumn = { name: 'x', kind: 'categorical', codes, categories };
  return { source, rows: values.length, columns: [col as Column], warnings: [] };
}

/** Relative agreement; an expected 0 (or a tie in sign and infinity) must be met exactly. */
function close(actual: number | undefined, expected: number, rel: number, what: string): void {
  assert.ok(actual !== undefined && !Number.isNaN(actual), `${what}: ${actual} (scipy: ${expected})`);
  if (expected === 0 || !Number.isFinite(expected)) {
    assert.equal(actual, expected, `${what}: ${actual} vs scipy ${expected}`);
    return;
  }
  const err = Math.abs(actual - expected) / Math.abs(expected);
  assert.ok(err <= rel, `${what}: ${actual} vs scipy ${expected} (relative error ${err.toExponential(2)} > ${rel})`);
}

function only(r: { features: FeatureDrift[] }): FeatureDrift {
  assert.equal(r.features.length, 1);
  return r.features[0];
}

describe('drift engine against scipy on generated edge cases (scipy-property.json)', () => {
  it('covers what it claims to: sparse, ties, tiny, huge, tiny, subnormal, -0.0, runs, top bits, mixed, asymptotic', () => {
    const names = fx.numeric.map((c) => c.name).join('\n');
    for (const k of [
      'sparse',
      'heavy ties',
      'tiny n1=1',
      'tiny n1=3',
      'huge',
      'tiny:',
      'subnormals',
      '-0.0',
      'long runs',
      'top 32 bits',
      'mixed',
      'asymptotic',
    ])
      assert.match(names, new RegExp(k), k);
    assert.ok(
      fx.numeric.some((c) => decodeColumn(c.reference).length >= 2048 && c.finite[0] <= 2),
      'a sparse column long enough for the radix sort',
    );
  });

  describe('ks_2samp (statistic exact, p-value 1e-9 relative) and wasserstein_distance (1e-12 relative)', () => {
    for (const c of fx.numeric) {
      it(c.name, () => {
        const ref = decodeColumn(c.reference);
        const cur = decodeColumn(c.current);
        if (c.method === 'auto') {
          // The whole engine, as the CLI and the panel run it.
          const f = only(computeDrift(summarizeReference(numericTable('ref', ref), { method: 'ks' }), numericTable('cur', cur)));
          assert.deepEqual([f.counts.reference, f.counts.current], c.finite, 'finite values counted');
          assert.equal(f.stats.ks!.statistic, c.ks.statistic, 'KS statistic');
          close(f.stats.ks!.pValue, c.ks.pvalue, 1e-9, 'KS p-value');
          close(f.stats.wasserstein, c.wasserstein, 1e-12, 'Wasserstein');
          close(f.stats.wassersteinNormed, c.wassersteinNormed, 1e-12, 'normed Wasserstein');
          assert.equal(f.score, f.stats.ks!.pValue);
          assert.equal(f.status, f.stats.ks!.pValue < 0.05 ? 'drift' : 'ok');
        } else {
          const a = sortedFinite(ref).sorted;
          const b = sortedFinite(cur).sorted;
          const ks = ks2sampSorted(a, b, c.method);
          assert.equal(ks.statistic, c.ks.statistic, 'KS statistic');
          close(ks.pValue, c.ks.pvalue, 1e-9, `KS p-value (${c.method})`);
        }
      });
    }
  });

  describe('chi-square on the reference quantile bins, with bins empty in both samples', () => {
    for (const c of fx.chi2Binned) {
      it(`${c.name} (${c.emptyInBoth} bins empty in both)`, () => {
        const f = only(
          computeDrift(
            summarizeReference(numericTable('ref', decodeColumn(c.reference)), { method: 'chi2' }),
            numericTable('cur', decodeColumn(c.current)),
          ),
        );
        assert.equal(f.test, 'chi2');
        const chi = f.stats.chi2!;
        close(chi.statistic, c.chi2.statistic === 'inf' ? Infinity : c.chi2.statistic, 1e-12, 'chi-square statistic');
        close(chi.pValue, c.chi2.pvalue, 1e-9, 'chi-square p-value');
        assert.equal(chi.dof, c.chi2.dof, 'degrees of freedom: the bins that hold a value, less one');
        assert.equal(f.score, chi.pValue);
        assert.equal(f.status, chi.pValue < 0.05 ? 'drift' : 'ok');
      });
    }
    it('chiSquare leaves out a bin empty in both samples instead of giving NaN', () => {
      // The four bins of 'at most 5 values': below 0, [0, 5), [5, 10), from 10.
      const chi = chiSquare([0, 60, 0, 60], [0, 50, 0, 70]);
      const scipy = fx.chi2Binned.find((c) => c.name.startsWith('at most 5 values'))!.chi2;
      close(chi.statistic, scipy.statistic as number, 1e-12, 'statistic');
      close(chi.pValue, scipy.pvalue, 1e-9, 'p-value');
      assert.equal(chi.dof, 1);
    });
  });

  describe('a numeric reference against text among numbers (compared as categories)', () => {
    for (const c of fx.mixed) {
      it(c.name, () => {
        const f = only(
          computeDrift(
            summarizeReference(numericTable('ref', decodeColumn(c.reference)), { method: 'chi2' }),
            categoricalTable('cur', c.current),
          ),
        );
        assert.equal(f.kind, 'categorical');
        assert.deepEqual(f.histogram!.labels, c.keys, 'the categories, numbers written as text');
        close(f.stats.psi, c.psi, 1e-12, 'PSI');
        close(f.stats.js, c.js, 1e-12, 'JS distance');
        if (c.chi2) {
          close(f.stats.chi2!.statistic, c.chi2.statistic, 1e-12, 'chi-square statistic');
          close(f.stats.chi2!.pValue, c.chi2.pvalue, 1e-9, 'chi-square p-value');
        } else {
          assert.equal(f.stats.chi2!.statistic, Infinity, 'a category the reference never saw');
          assert.equal(f.stats.chi2!.pValue, 0);
        }
      });
    }
  });
});
