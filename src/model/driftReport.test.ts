import { strict as assert } from 'node:assert';
import { byDrift, driftSeverity } from './driftReport';

describe('drift report: features in order of drift', () => {
  const f = (
    name: string,
    status: 'drift' | 'ok' | 'not-computed' | 'skipped',
    test?: 'ks' | 'wasserstein' | 'psi',
    score?: number,
    threshold?: number,
  ) => ({
    name,
    status,
    test,
    score,
    threshold,
  });

  it('rates p-values by threshold/score and distances by score/threshold', () => {
    assert.equal(driftSeverity(f('a', 'drift', 'ks', 0.001, 0.05)), 50);
    assert.ok(Math.abs(driftSeverity(f('b', 'drift', 'wasserstein', 0.3, 0.1)) - 3) < 1e-12); // 0.3 / 0.1 in floating point
    assert.equal(driftSeverity(f('c', 'drift', 'ks', 0, 0.05)), Infinity);
    assert.equal(driftSeverity(f('d', 'not-computed')), -Infinity);
  });

  it('lists drifted features first, most drifted first, then no verdict, then the rest; ties by name', () => {
    const features = [
      f('age', 'ok', 'ks', 0.5, 0.05),
      f('zeta', 'drift', 'wasserstein', 0.3, 0.1), // 3x its threshold
      f('income', 'drift', 'ks', 0.0001, 0.05), // 500x
      f('city', 'not-computed'),
      f('beta', 'ok', 'ks', 0.9, 0.05),
      f('alpha', 'drift', 'wasserstein', 0.3, 0.1), // 3x, ties with zeta: by name
      f('id', 'skipped'),
    ];
    assert.deepEqual(
      byDrift(features).map((x) => x.name),
      ['income', 'alpha', 'zeta', 'city', 'age', 'beta', 'id'],
    );
    assert.equal(features[0]!.name, 'age', 'the report itself is not reordered');
  });
});
