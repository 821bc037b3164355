import { strict as assert } from 'node:assert';
import { decimate, gridOf } from './gpuChart';

const f64 = (...xs: number[]) => Float64Array.from(xs);

describe('Job panel charts: series on one grid', () => {
  it('puts series with different sample times on one step grid, a missing sample as NaN', () => {
    const g = gridOf(
      [
        { times: f64(1000, 16_000, 31_000), values: f64(1, 2, 3) },
        // Starts later, skips one sample, and its times are a little off the step (Prometheus aligns them; rounding covers jitter).
        { times: f64(16_100, 45_900), values: f64(20, 40) },
      ],
      15_000,
    );
    assert.deepEqual([...g.x], [1000, 16_000, 31_000, 46_000]);
    assert.deepEqual([...g.ys[0]], [1, 2, 3, NaN]);
    assert.deepEqual([...g.ys[1]], [NaN, 20, NaN, 40]);
  });

  it('gives an empty grid for no samples', () => {
    const g = gridOf([{ times: f64(), values: f64() }], 15_000);
    assert.equal(g.x.length, 0);
    assert.equal(g.ys[0].length, 0);
  });
});

describe('Job panel charts: decimation to pixel columns', () => {
  it('keeps the grid as it is when it has at most two points per column (gaps as null)', () => {
    const d = decimate({ x: f64(0, 1, 2), ys: [f64(5, NaN, 7)] }, 2);
    assert.deepEqual(d, { x: [0, 1, 2], ys: [[5, null, 7]] });
  });

  it('keeps each column min and max in the order they occur, at the column first and last time', () => {
    // 8 points, 2 columns of 4: [3, 9, 1, 4] -> max 9 before min 1; [2, 2, 8, NaN] -> min 2 before max 8.
    const d = decimate({ x: f64(0, 1, 2, 3, 4, 5, 6, 7), ys: [f64(3, 9, 1, 4, 2, 2, 8, NaN)] }, 2);
    assert.deepEqual(d.x, [0, 3, 4, 7]);
    assert.deepEqual(d.ys[0], [9, 1, 2, 8]);
  });

  it('leaves a gap where a column has no sample', () => {
    const d = decimate({ x: f64(0, 1, 2, 3, 4, 5), ys: [f64(NaN, NaN, NaN, 1, 2, 3)] }, 2);
    assert.deepEqual(d.ys[0], [null, null, 1, 3]);
  });

  it('on 6 h at 15 s (1,441 points) into 300 columns, every column holds the min and max of its samples', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31) * 100;
    const n = 1441;
    const x = Float64Array.from({ length: n }, (_, i) => i * 15_000);
    const y = Float64Array.from({ length: n }, (_, i) => (i % 97 === 0 ? NaN : rnd()));
    const cols = 300;
    const d = decimate({ x, ys: [y] }, cols);
    assert.equal(d.x.length, 2 * cols);
    let covered = 0;
    for (let c = 0; c < cols; c++) {
      // The column's samples, found from its two times (brute force, independent of the bounds the code computes).
      const lo = x.indexOf(d.x[2 * c]);
      const hi = x.indexOf(d.x[2 * c + 1]);
      assert.ok(lo >= 0 && hi >= lo, `column ${c} spans ${lo}..${hi}`);
      assert.equal(lo, covered, `column ${c} starts where the previous one ended`);
      covered = hi + 1;
      const vals = [...y.subarray(lo, hi + 1)].filter((v) => !Number.isNaN(v));
      const pair = [d.ys[0][2 * c], d.ys[0][2 * c + 1]];
      assert.deepEqual(
        [...pair].sort((a, b) => a! - b!),
        [Math.min(...vals), Math.max(...vals)],
        `column ${c}`,
      );
    }
    assert.equal(covered, n, 'the columns cover every sample');
  });
});
