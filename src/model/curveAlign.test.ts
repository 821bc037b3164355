import { strict as assert } from 'node:assert';
import { AlignedCurves } from './curveAlign';

const f = (a: number[]) => Float64Array.from(a);

describe('aligned curves', () => {
  it('shares the steps of runs that have the same ones; non-finite values are gaps', () => {
    const a = new AlignedCurves([
      { steps: f([0, 1, 2]), values: f([1, NaN, 3]) },
      { steps: f([0, 1, 2]), values: f([4, 5, 6]) },
    ]);
    assert.deepEqual(a.x, [0, 1, 2]);
    assert.deepEqual(a.ys, [
      [1, null, 3],
      [4, 5, 6],
    ]);
  });

  it('merges different steps into one axis with gaps, unsorted and repeated steps included (last value wins)', () => {
    const a = new AlignedCurves([
      { steps: f([0, 10, 20]), values: f([1, 2, 3]) },
      { steps: f([5, 0, 5]), values: f([7, 8, 9]) },
    ]);
    assert.deepEqual(a.x, [0, 5, 10, 20]);
    assert.deepEqual(a.ys, [
      [1, null, 2, 3],
      [8, 9, null, null],
    ]);
  });

  it('grows by appends: after the last step, on it, or on a known step; refuses an unknown step in between', () => {
    const a = new AlignedCurves([
      { steps: f([0, 1]), values: f([1, 2]) },
      { steps: f([0]), values: f([5]) },
    ]);
    assert.equal(a.append(1, f([1, 2]), f([6, 7])), true);
    assert.deepEqual(a.x, [0, 1, 2]);
    assert.deepEqual(a.ys, [
      [1, 2, null],
      [5, 6, 7],
    ]);
    assert.equal(a.append(0, f([2]), f([3])), true);
    assert.deepEqual(a.ys[0], [1, 2, 3]);
    assert.equal(a.append(0, f([1.5]), f([9])), false, 'a step the axis lacks, between known ones');
    assert.equal(a.append(7, f([3]), f([9])), false, 'no such series');
  });
});
