import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeMLError } from '../common/errors';
import { objectSource } from '../common/settings';
import { compareFiles, loadReportFile } from './compare';
import { closeDriftWorkers } from './parallel';
import { thresholdsFromSettings } from './settings';

const fixtures = join(__dirname, '..', '..', 'test', 'fixtures', 'drift');

describe('drift reports from files, without the editor', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'kubeml-compare-'))));
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await closeDriftWorkers();
  });

  it('compares two local files under thresholds read from plain settings values', async () => {
    const loose = await compareFiles(
      join(fixtures, 'reference.csv'),
      join(fixtures, 'current.csv'),
      thresholdsFromSettings(objectSource({ 'drift.method': 'psi', 'drift.psiThresholds': [0.99, 1] })),
    );
    const strict = await compareFiles(
      join(fixtures, 'reference.csv'),
      join(fixtures, 'current.csv'),
      thresholdsFromSettings(objectSource({ 'drift.method': 'psi', 'drift.psiThresholds': [0, 0.001] })),
    );
    assert.equal(loose.thresholds.psiModerate, 0.99);
    assert.ok(loose.features.length > 0);
    assert.deepEqual(loose.features.map((f) => f.name).sort(), strict.features.map((f) => f.name).sort());
    assert.ok(
      strict.features.filter((f) => f.status === 'drift').length > loose.features.filter((f) => f.status === 'drift').length,
      'a lower PSI threshold calls more features drifted',
    );
  });

  it('loads a stored report, and says what is wrong with a file that is not one', async () => {
    const report = await compareFiles(join(fixtures, 'reference.csv'), join(fixtures, 'current.csv'));
    const good = join(dir, 'drift.json');
    writeFileSync(good, JSON.stringify(report));
    assert.deepEqual(
      (await loadReportFile(good)).features.map((f) => f.name),
      report.features.map((f) => f.name),
    );
    const cases: Array<[string, string | undefined, RegExp]> = [
      [join(dir, 'missing.json'), undefined, /No drift report at .*missing\.json/],
      [join(dir, 'half.json'), '{"version": 1, "feat', /is not valid JSON/],
      [join(dir, 'other.json'), '{"hello": "world"}', /is not a KubeML drift report/],
    ];
    for (const [file, text, message] of cases) {
      if (text !== undefined) writeFileSync(file, text);
      await assert.rejects(loadReportFile(file), (e: unknown) => KubeMLError.is(e) && message.test(e.message));
    }
  });
});
