import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lintText } from './engine';
import { formatText } from './format';
import { bundledValidator } from './schema/bundled';

/**
 * The corpus: realistic manifests as ML teams write them (test/fixtures/lint/corpus), linted with
 * every rule on. expected.txt is the reviewed output; KUBEML_UPDATE_EXPECTED=1 rewrites it.
 */
const DIR = join(__dirname, '..', '..', 'test', 'fixtures', 'lint', 'corpus');

describe('lint corpus of realistic manifests', () => {
  const files = readdirSync(DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  const results = files.map((f) => ({
    file: f,
    findings: lintText(readFileSync(join(DIR, f), 'utf8'), { bundledSchema: bundledValidator() }).findings,
  }));

  it('finds exactly the reviewed findings', () => {
    const actual = formatText(results);
    if (process.env.KUBEML_UPDATE_EXPECTED) writeFileSync(join(DIR, 'expected.txt'), actual);
    assert.equal(actual, readFileSync(join(DIR, 'expected.txt'), 'utf8'));
  });

  it('every finding has a range inside its file and every fix re-parses', () => {
    for (const { file, findings } of results) {
      const text = readFileSync(join(DIR, file), 'utf8');
      for (const f of findings) {
        assert.ok(f.start >= 0 && f.end <= text.length && f.start <= f.end, `${file}: ${f.ruleId} ${f.start}-${f.end}`);
        for (const fix of f.fixes ?? []) {
          let out = text;
          for (const e of [...fix.edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
          const after = lintText(out, { bundledSchema: bundledValidator() }).findings;
          assert.ok(!after.some((x) => x.ruleId === 'yaml-syntax'), `${file}: fix "${fix.title}" broke the YAML`);
        }
      }
    }
  });
});
