import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareSorted, ks2sampSorted, type KsMethod } from './ks';
import { kstwoSf, smirnovSf } from './kstwo';
import { chi2Sf } from './special';
import { binCountsSorted, chiSquare, jensenShannon, psi, quantileEdges, sharesWithFloor } from './distances';
import { sortFloat64 } from './sort';

interface NumericCase {
  name: string;
  method: KsMethod;
  reference: number[];
  current: number[];
  ks: { statistic: number; pvalue: number };
  wasserstein: number;
  wassersteinNormed: number;
  edges: number[];
  psi: number;
  js: number;
}
interface Fixtures {
  bins: number;
  numeric: NumericCase[];
  kstwo: Array<{ n: number; x: number; sf: number }>;
  smirnov: Array<{ n: number; x: number; sf: number }>;
  chi2: Array<{ dof: number; x: number; sf: number }>;
  categorical: Array<{
    name: string;
    keys: string[];
    reference: string[];
    current: string[];
    psi: number;
    js: number;
    chi2?: { statistic: number; pvalue: number };
  }>;
}

const fx = JSON.parse(readFileSync(join(__dirname, '../../test/fixtures/drift/scipy.json'), 'utf8')) as Fixtures;

function close(actual: number, expected: number, rel: number, what: string): void {
  if (expected === 0 || actual === expected) {
    assert.ok(Math.abs(actual - expected) <= 1e-300 || actual === expected, `${what}: ${actual} != ${expected}`);
    return;
  }
  const err = Math.abs(actual - expected) / Math.abs(expected);
  assert.ok(err <= rel, `${what}: ${actual} vs scipy ${expected} (relative error ${err.toExponential(2)} > ${rel})`);
}

const sorted = (xs: number[]) => sortFloat64(Float64Array.from(xs));
const std = (xs: Float64Array) => {
  let m = 0;
  for (const x of xs) m += x;
  m /= xs.length;
  let s = 0;
  for (const x of xs) s += (x - m) ** 2;
  return Math.sqrt(s / xs.length);
};

describe('drift statistics against scipy', () => {
  describe('ks_2samp and Wasserstein-1 on numeric samples', () => {
    for (const c of fx.numeric) {
      it(c.name, () => {
        const a = sorted(c.reference);
        const b = sorted(c.current);
        const cmp = compareSorted(a, b);
        const ks = ks2sampSorted(a, b, c.method, cmp);
        assert.equal(ks.statistic, c.ks.statistic, 'KS statistic');
        close(ks.pValue, c.ks.pvalue, 1e-6, 'KS p-value');
        close(cmp.wasserstein, c.wasserstein, 1e-9, 'Wasserstein');
        close(cmp.wasserstein / Math.max(std(a), 0.001), c.wassersteinNormed, 1e-9, 'normed Wasserstein');
        const edges = quantileEdges(a, fx.bins);
        assert.deepEqual([...edges], c.edges, 'quantile edges');
        const rp = sharesWithFloor(binCountsSorted(a, edges), a.length);
        const cp = sharesWithFloor(binCountsSorted(b, edges), b.length);
        close(psi(rp, cp), c.psi, 1e-9, 'PSI');
        close(jensenShannon(rp, cp), c.js, 1e-9, 'JS distance');
      });
    }
  });

  it('kstwo.sf over every branch (n from 1 to 2,000,000)', () => {
    for (const c of fx.kstwo) close(kstwoSf(c.n, c.x), c.sf, 1e-6, `kstwo.sf(${c.x}, ${c.n})`);
  });

  it('scipy.special.smirnov', () => {
    for (const c of fx.smirnov) close(smirnovSf(c.n, c.x), c.sf, 1e-6, `smirnov(${c.n}, ${c.x})`);
  });

  it('chi2.sf', () => {
    for (const c of fx.chi2) close(chi2Sf(c.x, c.dof), c.sf, 1e-6, `chi2.sf(${c.x}, ${c.dof})`);
  });

  describe('categorical: chi-square, PSI and JS', () => {
    for (const c of fx.categorical) {
      it(c.name, () => {
        const count = (xs: string[]) => c.keys.map((k) => xs.filter((x) => x === k).length);
        const rc = count(c.reference);
        const cc = count(c.current);
        const rp = sharesWithFloor(rc, c.reference.length);
        const cp = sharesWithFloor(cc, c.current.length);
        close(psi(rp, cp), c.psi, 1e-9, 'PSI');
        close(jensenShannon(rp, cp), c.js, 1e-9, 'JS');
        const chi = chiSquare(rc, cc);
        if (c.chi2) {
          close(chi.statistic, c.chi2.statistic, 1e-9, 'chi-square statistic');
          close(chi.pValue, c.chi2.pvalue, 1e-6, 'chi-square p-value');
        } else {
          assert.equal(chi.statistic, Infinity, 'a category unseen in the reference gives an infinite statistic');
          assert.equal(chi.pValue, 0);
        }
      });
    }
  });

  it('radix sort agrees with a comparison sort, including -0, infinities and subnormals', () => {
    const xs = new Float64Array(5000);
    let seed = 7;
    for (let i = 0; i < xs.length; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      xs[i] = (seed / 2147483648 - 0.5) * 10 ** ((i % 40) - 20);
    }
    xs[0] = Infinity;
    xs[1] = -Infinity;
    xs[2] = -0;
    xs[3] = 5e-324;
    xs[4] = -5e-324;
    const expected = Array.from(xs).sort((a, b) => a - b);
    assert.deepEqual(Array.from(sortFloat64(xs.slice())), expected);
  });
});
