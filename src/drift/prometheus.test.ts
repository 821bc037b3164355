import { strict as assert } from 'node:assert';
import { KubeMLError } from '../common/errors';
import { gaugesToReport, modelQuery, queryRange, seriesNames, stepFor, type RangeSeries } from './prometheus';

// Pure mapping tests; test/integration/drift.test.ts queries the local cluster's real Prometheus.
const series: RangeSeries[] = [
  {
    metric: { __name__: 'g', model: 'm1', feature: 'age' },
    values: [
      [100, 0.05],
      [160, 0.12],
      [220, 0.3],
    ],
  },
  {
    metric: { __name__: 'g', model: 'm1', feature: 'city' },
    values: [
      [100, 0.01],
      [220, NaN],
    ],
  },
  {
    metric: { __name__: 'g', model: 'm2', feature: 'age' },
    values: [
      [160, 0.02],
      [220, 0.04],
    ],
  },
];

describe('drift gauges from Prometheus (mapping)', () => {
  it('names series by feature, with the labels that tell duplicates apart', () => {
    assert.deepEqual(seriesNames(series, 'feature'), ['m1/age', 'city', 'm2/age']);
    assert.deepEqual(seriesNames([{ metric: { __name__: 'x' }, values: [] }], 'feature'), ['x']);
  });

  it('makes a window per step and a verdict from the latest value', () => {
    const r = gaugesToReport(series, { url: 'http://p', query: 'g', step: 60 });
    assert.deepEqual(
      r.windows.map((w) => [w.label, w.start, w.end, w.features.length]),
      [
        ['1970-01-01T00:01:40.000Z', 100_000, 160_000, 2],
        ['1970-01-01T00:02:40.000Z', 160_000, 220_000, 2],
        ['1970-01-01T00:03:40.000Z', 220_000, 280_000, 2],
      ],
    );
    assert.deepEqual(
      r.windows.map((w) => w.driftedShare),
      [0, 0.5, 0.5],
    );
    const by = new Map(r.features.map((f) => [f.name, f]));
    assert.equal(by.get('m1/age')!.status, 'drift');
    assert.equal(by.get('m1/age')!.score, 0.3);
    assert.equal(by.get('city')!.score, 0.01, 'NaN is no value: the latest real one counts');
    assert.equal(by.get('m2/age')!.status, 'ok');
    assert.equal(r.features[0].name, 'm1/age', 'drifted first');
    assert.equal(r.driftedShare, 1 / 3);
    assert.equal(r.thresholds.psiModerate, 0.1);
  });

  it('takes p-value gauges and thresholds', () => {
    const r = gaugesToReport(
      [
        {
          metric: { feature: 'x' },
          values: [
            [1, 0.01],
            [2, 0.5],
          ],
        },
      ],
      { url: 'u', query: 'q', step: 1, test: 'ks', threshold: 0.05 },
    );
    assert.deepEqual(
      r.windows.map((w) => w.features[0].status),
      ['drift', 'ok'],
    );
    assert.equal(r.features[0].status, 'ok');
    assert.equal(r.thresholds.pValue, 0.05);
  });

  it('says when a query gives no series, and refuses bad ranges and URLs', async () => {
    assert.match(gaugesToReport([], { url: 'u', query: 'q', step: 1 }).warnings[0], /returned no series/);
    await assert.rejects(queryRange('http://127.0.0.1:1', 'q', 10, 5, 1), /start < end/);
    await assert.rejects(queryRange('not a url', 'q', 0, 5, 1), (e: unknown) => KubeMLError.is(e) && e.kind === 'bad-config');
    assert.equal(stepFor(3600), 15);
    assert.equal(stepFor(86_400), 360);
    assert.equal(modelQuery('a"b'), 'kubeml_model_drift_score{model="a\\"b"}');
  });
});
