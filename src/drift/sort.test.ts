import { strict as assert } from 'node:assert';
import { sortedFinite, sortFloat64, sortPaths } from './sort';

/** A seeded generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 1) / 4294967297;
}

/** The reference answer: filter, count, then Float64Array.prototype.sort (no radix involved). */
function expected(src: Float64Array, start: number, end: number) {
  const kept: number[] = [];
  let missing = 0;
  let nonFinite = 0;
  for (let i = start; i < end; i++) {
    const v = src[i];
    if (Number.isNaN(v)) missing++;
    else if (!Number.isFinite(v)) nonFinite++;
    else kept.push(v);
  }
  // -0 before +0, as the radix order on the bits has it.
  const sorted = Float64Array.from(kept).sort((a, b) => a - b || (Object.is(a, -0) ? -1 : Object.is(b, -0) ? 1 : 0));
  return { sorted, missing, nonFinite };
}

function same(actual: Float64Array, wanted: Float64Array, what: string): void {
  assert.equal(actual.length, wanted.length, `${what}: length`);
  for (let i = 0; i < wanted.length; i++)
    if (!Object.is(actual[i], wanted[i])) assert.fail(`${what}: at ${i} ${actual[i]} vs ${wanted[i]}`);
}

/** The double with these high and low 32-bit words. */
function fromBits(hi: number, lo: number): number {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setUint32(0, hi);
  dv.setUint32(4, lo);
  return dv.getFloat64(0);
}

describe('drift sorting', () => {
  const cases: Array<[string, (u: () => number, i: number) => number]> = [
    ['normal around zero, both signs', (u) => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u())],
    ['with NaN, ±Infinity, ±0', (u, i) => [NaN, Infinity, -Infinity, 0, -0][i % 11] ?? (u() - 0.5) * 1e6],
    ['few distinct values (integers)', (u) => Math.floor(u() * 5) - 2],
    ['one value repeated', () => 3.25],
    ['tiny and huge magnitudes', (u) => (u() < 0.5 ? -1 : 1) * Math.pow(10, Math.floor(u() * 600) - 300)],
    // The top 32 bits of the key barely differ: the four-pass radix path.
    ['small spread around a large offset', (u) => 1e6 + u() * 1e-3],
    // Top 32 bits from 300 values whose two 16-bit halves each vary: the top-key path, with runs
    // of hundreds that share their top bits, so the insertion pass runs out of budget.
    ['many values sharing their top 32 bits', (u) => fromBits(0x3ff00000 + Math.floor(u() * 300) * 0x10001, Math.floor(u() * 2 ** 32))],
  ];
  for (const n of [10, 5000, 70_000]) {
    for (const [name, make] of cases) {
      it(`sortedFinite equals filter + sort: ${name}, ${n} values, whole and a sub-range`, () => {
        const u = rng(n + name.length);
        const src = Float64Array.from({ length: n }, (_, i) => make(u, i));
        for (const [start, end] of [
          [0, n],
          [Math.floor(n / 3), Math.floor((2 * n) / 3)],
        ]) {
          const got = sortedFinite(src, start, end);
          const want = expected(src, start, end);
          same(got.sorted, want.sorted, `${name} [${start}, ${end})`);
          assert.equal(got.missing, want.missing, 'NaN count');
          assert.equal(got.nonFinite, want.nonFinite, '±Infinity count');
        }
        const copy = src.slice();
        sortedFinite(src);
        same(src, copy, 'the source column is left as it was');
      });
    }
  }

  it('takes each of its paths on the data meant for it (so the cases above cover them all)', () => {
    const u = rng(3);
    const run = (make: () => number) => {
      const before = { ...sortPaths };
      const src = Float64Array.from({ length: 70_000 }, make);
      same(sortedFinite(src).sorted, expected(src, 0, src.length).sorted, 'sorted');
      return Object.fromEntries(Object.entries(sortPaths).map(([k, v]) => [k, v - before[k as keyof typeof sortPaths]]));
    };
    assert.deepEqual(
      run(() => u() * 10 - 5),
      { small: 0, radix: 0, topKey: 1, topKeyFallback: 0 },
    );
    assert.deepEqual(
      run(() => 1e6 + u() * 1e-3),
      { small: 0, radix: 1, topKey: 0, topKeyFallback: 0 },
    );
    assert.deepEqual(
      run(() => fromBits(0x3ff00000 + Math.floor(u() * 300) * 0x10001, Math.floor(u() * 2 ** 32))),
      { small: 0, radix: 0, topKey: 1, topKeyFallback: 1 },
    );
    assert.deepEqual(
      run(() => 2.5),
      { small: 0, radix: 1, topKey: 0, topKeyFallback: 0 },
    );
  });

  it('sortFloat64 sorts in place like Float64Array.prototype.sort', () => {
    const u = rng(7);
    const a = Float64Array.from({ length: 50_000 }, () => (u() - 0.5) * 1e3);
    const want = a.slice().sort();
    same(sortFloat64(a), want, 'radix');
  });
});

describe('drift sorting: sparse columns (the radix path with one or two finite values)', () => {
  // A column of 2,048 rows or more with one or two finite values that share their top 32 bits:
  // there is no digit to sort on, and the sort once returned zeros instead of the values.
  const sparse: Array<[string, number[]]> = [
    ['one value', [7.25]],
    ['one negative value', [-7.25]],
    ['two equal values', [7.25, 7.25]],
    ['two values sharing their top 32 bits', [fromBits(0x401d0000, 5), fromBits(0x401d0000, 1)]],
    ['one subnormal', [5e-324]],
    ['-0 alone', [-0]],
    ['two values, different top bits', [3, -1e300]],
  ];
  for (const rows of [2048, 5000, 70_000]) {
    for (const [name, finite] of sparse) {
      it(`${name} among ${rows} rows of NaN and ±Infinity`, () => {
        const src = new Float64Array(rows).fill(NaN);
        src[7] = Infinity;
        finite.forEach((v, k) => (src[rows - 1 - 977 * k] = v));
        const got = sortedFinite(src);
        same(got.sorted, expected(src, 0, rows).sorted, name);
        assert.equal(got.missing, rows - finite.length - 1);
        assert.equal(got.nonFinite, 1);
      });
    }
  }
});
