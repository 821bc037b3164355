import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { makeCorpus } from '../../bench/lint/corpus';
import { isBlankChunk, splitDocuments } from './document';
import { fastParse } from './fastYaml';
import { fastPathDifferences } from './fastYaml.diff.test';
import { expandSnippet } from './snippetExpand';
import { CLEAN_GPU_JOB } from './testUtil';

/** Which texts the fast path takes; whatever it takes must match `yaml` exactly (fastYaml.diff.test.ts compares). */
function check(text: string, name: string): boolean {
  const d = fastPathDifferences(text);
  if (d === undefined) return false;
  assert.deepEqual(d, [], `${name}: the fast path and yaml differ`);
  return true;
}

const chunksOf = (text: string) =>
  splitDocuments(text)
    .filter((c) => !isBlankChunk(c.text))
    .map((c) => c.text);

describe('lint fast YAML path', () => {
  it('agrees with the yaml package on the benchmark corpus, and takes every document', () => {
    let fast = 0;
    let total = 0;
    for (const f of makeCorpus(400, 10, 7)) {
      for (const c of chunksOf(f.text)) {
        total++;
        if (check(c, f.name)) fast++;
      }
    }
    assert.equal(fast, total);
  });

  it('agrees on the corpus fixtures, the snippets and CRLF text', () => {
    const dir = join(__dirname, '..', '..', 'test', 'fixtures', 'lint', 'corpus');
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml')))
      for (const c of chunksOf(readFileSync(join(dir, f), 'utf8'))) check(c, f);
    const snippets = JSON.parse(readFileSync(join(__dirname, '..', '..', 'snippets', 'kubernetes-ml.code-snippets'), 'utf8')) as Record<
      string,
      { body: string[] }
    >;
    for (const [n, s] of Object.entries(snippets)) assert.ok(check(expandSnippet(s.body), n), `${n} should take the fast path`);
    assert.ok(check(CLEAN_GPU_JOB.replace(/\n/g, '\r\n'), 'crlf'));
  });

  it('handles the scalar forms manifests use', () => {
    const text = [
      'a: plain text here',
      "b: 'it''s'",
      'c: "tab\\tand \\"quotes\\" \\u00e9"',
      'd: 16Gi',
      'e: 500m',
      'f: -Xmx4g',
      'g: 1.5',
      'h: -3',
      'i: yes',
      'j: Off',
      'k: ~',
      'l:',
      'm: [a, "b", {c: d}, []]',
      'nn: {}',
      'o: http://example.com/x?y=1#frag',
      'p: |',
      '  line one',
      '',
      '    indented',
      'q: |-',
      '  stripped',
      'r: |+',
      '  kept',
      '',
      's:',
      '- x # comment',
      '- {k: v}',
      't: "données – 模型"',
      'u: |',
      '  clipped',
      '',
      '',
      'v: 1',
      '',
    ].join('\n');
    assert.ok(check(text, 'scalars'));
  });

  it('takes empty values and comments wherever manifests put them', () => {
    const text = [
      'a:',
      'b:   # why empty',
      'c:',
      '  # a comment under an empty value',
      'd:',
      '- ',
      '-',
      '  # deeper',
      '- x',
      'e: 1',
      '# closing comment',
      '',
    ].join('\n');
    assert.ok(check(text, 'empty values'));
    assert.ok(check('list:\n- a\n# c\n- \n', 'an empty entry after a comment'));
    assert.ok(check('x:\n  - a: 1\n    # at the map\n  - b: 2\n', 'a comment ending a sequence entry'));
  });

  it('leaves to yaml what yaml reports as an error', () => {
    // The fast path once read these as values: `- b` as a key or a scalar, `[` inside a flow scalar, an over-long implicit key.
    for (const text of ['a: 1\n- b: 2\n', 'a: - b\n', 'a: [- a]\n', 'a: [a[b]\n', `${'k'.repeat(1025)}: v\n`]) {
      assert.notDeepEqual(
        parseDocument(text, { version: '1.1', strict: true }).errors,
        [],
        `yaml should reject ${JSON.stringify(text.slice(0, 40))}`,
      );
      assert.equal(fastParse(text), undefined, JSON.stringify(text.slice(0, 40)));
    }
  });

  it('reads sequences of empty entries, and kept literal scalars, as yaml does', () => {
    // The fast path once nested `-\n- x` as [[x]] and added a line break to every `|+` scalar.
    assert.ok(check('seq:\n-\n- x\n', 'empty entries'));
    assert.ok(check('- \n-\n- ~\n', 'empty entries at the top'));
    assert.ok(check('a: |+\n  x\n\nb: 1\n', 'kept'));
    assert.ok(check('a: |+\n  x\n', 'kept at the end'));
    // `[a:]` is a pair {a: null} in a flow sequence, not the string "a:": taken or not, it must read as yaml reads it.
    check('a: [a:]\n', 'a pair in a flow sequence');
  });

  it('leaves everything else to the yaml package', () => {
    for (const text of [
      'a: &x 1\nb: *x\n',
      'a: !!str 1\n',
      'a: 0755\n',
      'a: 1:30\n',
      'a: 2024-01-01\n',
      'y: 1\n',
      'a: >\n  folded\n',
      'a: [1,\n  2]\n',
      'a: b # c\n  d\n',
      'a: b\n\n  c\n',
      'a: b\n  - c\n',
      'a: 1\na: 2\n',
      'a:\tb\n',
      '<<: {a: 1}\n',
      'a: "x\n  y"\n',
      '? a\n: b\n',
      'a: 0x1F\n',
      'a: .inf\n',
      'a: 1e3\n',
      'a: b: c\n',
      '- - a\n',
    ]) {
      assert.equal(fastParse(text), undefined, JSON.stringify(text));
    }
  });
});
