import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { lintText } from './engine';
import { bundledValidator } from './schema/bundled';

/**
 * Real manifests from upstream ML repositories (Kubeflow Trainer and Training Operator, KubeRay,
 * Kueue, KServe: test/fixtures/lint/upstream/corpus, copied unmodified by
 * scripts/lint-upstream-corpus.sh, sources in SOURCES.md), linted offline with the bundled schema.
 * Their error findings must be exactly the reviewed real problems in expected.json: each was checked
 * by reading the file, and says why it is real. An error that is not listed is a false error (the
 * upstream project ships and tests these files); a listed problem that is not found is a missed one.
 * Matching is per file, document, rule and count, so a message or range may change without a review.
 */
const DIR = join(__dirname, '..', '..', 'test', 'fixtures', 'lint', 'upstream', 'corpus');

interface Expected {
  ruleId: string;
  /** 0-based document in the file. */
  document: number;
  /** How many error findings of this rule in this document (default 1). */
  count?: number;
  /** 1-based line of the problem, for the reader. */
  line: number;
  reason: string;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? yamlFiles(path) : /\.ya?ml$/.test(name) ? [path] : [];
    })
    .sort();
}

describe('lint on real upstream repositories (#13)', () => {
  const files = yamlFiles(DIR).map((p) => relative(DIR, p));
  const expected = (JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as { files: Record<string, Expected[]> }).files;

  it('the corpus is the one SOURCES.md describes: every file has a source, every listed file exists', () => {
    const sources = readFileSync(join(DIR, 'SOURCES.md'), 'utf8');
    const listed = [...sources.matchAll(/^\| ([\w./-]+\.ya?ml) \|/gm)].map((m) => m[1]!).sort();
    assert.deepEqual(files, listed);
    assert.ok(files.length >= 40, `only ${files.length} files in ${DIR}`);
    for (const f of Object.keys(expected)) assert.ok(files.includes(f), `expected.json names ${f}, which is not in the corpus`);
  });

  it('the upstream files are unmodified: each matches the sha256 SOURCES.md records', () => {
    const rows = [...readFileSync(join(DIR, 'SOURCES.md'), 'utf8').matchAll(/^\| ([\w./-]+\.ya?ml) \|.*\| ([0-9a-f]{64}) \|$/gm)];
    assert.ok(rows.length >= 40, `only ${rows.length} files with a sha256 in SOURCES.md`);
    for (const [, file, sha] of rows) {
      assert.ok(!file!.split('/').pop()!.startsWith('synthetic-'), `${file} is synthetic: list it with the modified files`);
      const actual = createHash('sha256')
        .update(readFileSync(join(DIR, file!)))
        .digest('hex');
      assert.equal(actual, sha, `${file} differs from its upstream copy; restore it with bash scripts/lint-upstream-corpus.sh`);
    }
  });

  it('every error finding is a reviewed real problem, and every reviewed problem is found', () => {
    const falseErrors: string[] = [];
    const missed: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(DIR, file), 'utf8');
      const errors = lintText(text, { bundledSchema: bundledValidator() }).findings.filter((f) => f.severity === 'error');
      const want = expected[file] ?? [];
      const key = (rule: string, doc: number) => `${rule}@${doc}`;
      const found = new Map<string, typeof errors>();
      for (const f of errors) found.set(key(f.ruleId, f.docIndex), [...(found.get(key(f.ruleId, f.docIndex)) ?? []), f]);
      for (const w of want) {
        const got = found.get(key(w.ruleId, w.document)) ?? [];
        if (got.length < (w.count ?? 1))
          missed.push(`${file}:${w.line} ${w.ruleId} (document ${w.document}): found ${got.length} of ${w.count ?? 1}; ${w.reason}`);
      }
      for (const [k, got] of found) {
        const w = want.find((x) => key(x.ruleId, x.document) === k);
        for (const f of got.slice(w?.count ?? (w ? 1 : 0)))
          falseErrors.push(`${file}:${f.startPos.line + 1}:${f.startPos.col + 1} ${f.ruleId} (document ${f.docIndex}) ${f.message}`);
      }
    }
    assert.ok(
      falseErrors.length === 0 && missed.length === 0,
      [
        falseErrors.length
          ? `${falseErrors.length} error findings that are not reviewed real problems (false errors):\n  ${falseErrors.join('\n  ')}`
          : '',
        missed.length ? `${missed.length} reviewed real problems not found:\n  ${missed.join('\n  ')}` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
  });
});
