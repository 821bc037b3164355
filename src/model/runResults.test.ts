import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDriftReport } from './driftContract';
import { parseResultLine, ResultCollector } from './runResults';

const SAMPLES = join(__dirname, '..', '..', 'samples');

function python(): boolean {
  try {
    execFileSync('python3', ['-c', 'import sklearn, scipy, pandas'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('runs: results behind the KUBEML_RESULT marker', () => {
  it('reads metrics, artifacts and the started line; plain lines are text', () => {
    assert.deepEqual(parseResultLine('epoch 3 done'), { kind: 'text' });
    assert.deepEqual(parseResultLine('KUBEML_RESULT {"type":"metric","name":"accuracy","value":0.9,"step":2,"split":"test"}'), {
      kind: 'result',
      result: { type: 'metric', name: 'accuracy', value: 0.9, step: 2, split: 'test' },
    });
    assert.deepEqual(parseResultLine('2026-01-01 INFO KUBEML_RESULT {"type":"metric","name":"loss","value":null}'), {
      kind: 'result',
      result: { type: 'metric', name: 'loss', value: null },
    });
    assert.deepEqual(parseResultLine('KUBEML_RESULT {"type":"artifact","path":"/a/m.pkl","name":"model"}'), {
      kind: 'result',
      result: { type: 'artifact', path: '/a/m.pkl', name: 'model' },
    });
    assert.deepEqual(parseResultLine('KUBEML_RESULT {"type":"started"}'), { kind: 'result', result: { type: 'started' } });
  });

  it('reports malformed result lines instead of dropping them silently', () => {
    assert.equal(parseResultLine('KUBEML_RESULT {not json').kind, 'bad');
    assert.equal(parseResultLine('KUBEML_RESULT {"type":"metric","name":"x","value":"high"}').kind, 'bad');
    assert.equal(parseResultLine('KUBEML_RESULT {"type":"plot"}').kind, 'bad');
    assert.equal(parseResultLine('KUBEML_RESULT {"type":"drift","report":{"features":"no"}}').kind, 'bad');
  });

  it('completes a minimal drift report into the format Open Drift Report reads', () => {
    const p = parseResultLine(
      'KUBEML_RESULT {"type":"drift","report":{"features":[{"name":"f0","status":"drift","test":"psi","score":0.3,"threshold":0.1},{"name":"f1","status":"ok"}]}}',
      new Date('2026-01-01T00:00:00Z'),
    );
    assert.equal(p.kind, 'result');
    const r = (p as { result: { type: 'drift'; report: unknown } }).result.report as {
      driftedShare: number;
      datasetDrift: boolean;
      createdAt: string;
      features: Array<{ counts: { reference: number } }>;
    };
    assert.ok(isDriftReport(r));
    assert.equal(r.driftedShare, 0.5);
    assert.equal(r.datasetDrift, true);
    assert.equal(r.createdAt, '2026-01-01T00:00:00.000Z');
    assert.equal(r.features[0].counts.reference, 0);
  });

  it('collects the latest value of each metric, every metric in order, and the last drift report', () => {
    const c = new ResultCollector();
    for (const l of [
      'hello',
      'KUBEML_RESULT {"type":"metric","name":"acc","value":0.5,"step":1}',
      'KUBEML_RESULT {"type":"metric","name":"acc","value":0.7,"step":2}',
      'KUBEML_RESULT {"type":"metric","name":"acc","value":0.9,"split":"current"}',
      'KUBEML_RESULT oops',
    ])
      c.push(l);
    assert.deepEqual(c.latest(), { acc: 0.7, 'current/acc': 0.9 });
    assert.equal(c.metrics.length, 3);
    assert.equal(c.warnings.length, 1);
  });

  it('the sample scripts print results KubeML reads: metrics from train.py, a drift report from validate.py', function () {
    if (!python()) this.skip(); // needs python3 with scikit-learn, scipy and pandas on this machine
    this.timeout(60_000);
    const out = mkdtempSync(join(tmpdir(), 'kubeml-sample-'));
    try {
      const train = new ResultCollector();
      execFileSync('python3', ['train.py', '--out', out, '--samples', '1500', '--n-estimators', '20'], {
        cwd: SAMPLES,
        encoding: 'utf8',
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
      })
        .split('\n')
        .forEach((l) => train.push(l));
      assert.deepEqual(train.warnings, []);
      assert.ok((train.latest().accuracy ?? 0) > 0.8, JSON.stringify(train.latest()));
      assert.deepEqual(
        train.artifacts.map((a) => a.name),
        ['model', 'reference'],
      );
      const val = new ResultCollector();
      execFileSync('python3', ['validate.py', '--model', out, '--current', 'synthetic', '--shift', '1.5'], {
        cwd: SAMPLES,
        encoding: 'utf8',
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
      })
        .split('\n')
        .forEach((l) => val.push(l));
      assert.deepEqual(val.warnings, []);
      assert.ok(val.drift && isDriftReport(val.drift));
      assert.equal(val.drift.datasetDrift, true);
      assert.deepEqual(
        val.drift.features
          .filter((f) => f.status === 'drift')
          .map((f) => f.name)
          .sort(),
        ['f0', 'f2', 'f4'],
      );
      assert.ok(val.latest()['reference/accuracy']! > val.latest()['current/accuracy']!);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
