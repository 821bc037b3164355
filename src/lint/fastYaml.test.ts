import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { makeCorpus } from '../../bench/lint/corpus';
import { isBlankChunk, splitDocuments } from './document';
import { fastParse } from './fastYaml';
import { expandSnippet } from './snippetExpand';
import { CLEAN_GPU_JOB } from './testUtil';

/** Walks both trees together: same shapes, same values, same start offsets (and ends for scalars). */
function sameTree(a: Node | null, b: Node | null, where: string): void {
  if (isScalar(b)) {
    assert.ok(isScalar(a), `${where}: expected a scalar`);
    assert.deepEqual(a.value, b.value, `${where}: value`);
    if (b.value !== null) assert.deepEqual([a.range![0], a.range![1]], [b.range![0], b.range![1]], `${where}: scalar range of ${JSON.stringify(b.value)}`);
    return;
  }
  if (isMap(b)) {
    assert.ok(isMap(a), `${where}: expected a mapping`);
    assert.equal(a.range![0], b.range![0], `${where}: mapping start`);
    assert.equal(!!a.flow, !!b.flow, `${where}: flow`);
    assert.equal(a.items.length, b.items.length, `${where}: keys`);
    b.items.forEach((p, i) => {
      sameTree(a.items[i]!.key as Node, p.key as Node, `${where}.key${i}`);
      sameTree(a.items[i]!.value as Node, p.value as Node, `${where}.${String((p.key as { value?: unknown }).value)}`);
    });
    return;
  }
  if (isSeq(b)) {
    assert.ok(isSeq(a), `${where}: expected a sequence`);
    assert.equal(a.range![0], b.range![0], `${where}: sequence start`);
    assert.equal(a.items.length, b.items.length, `${where}: items`);
    b.items.forEach((x, i) => sameTree(a.items[i] as Node, x as Node, `${where}[${i}]`));
    return;
  }
  assert.equal(a, b, where);
}

function check(text: string, name: string): boolean {
  const fast = fastParse(text);
  if (!fast) return false;
  const ref = parseDocument(text, { version: '1.1', uniqueKeys: true });
  assert.deepEqual(ref.errors, [], `${name}: the fast path accepted invalid YAML`);
  assert.deepEqual(fast.value, ref.toJS(), `${name}: value`);
  sameTree(fast.doc.contents as Node, ref.contents as Node, name);
  return true;
}

const chunksOf = (text: string) => splitDocuments(text).filter((c) => !isBlankChunk(c.text)).map((c) => c.text);

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
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml'))) for (const c of chunksOf(readFileSync(join(dir, f), 'utf8'))) check(c, f);
    const snippets = JSON.parse(readFileSync(join(__dirname, '..', '..', 'snippets', 'kubernetes-ml.code-snippets'), 'utf8')) as Record<string, { body: string[] }>;
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

  it('leaves everything else to the yaml package', () => {
    for (const text of ['a: &x 1\nb: *x\n', 'a: !!str 1\n', 'a: 0755\n', 'a: 1:30\n', 'a: 2024-01-01\n', 'y: 1\n', 'a: >\n  folded\n', 'a: [1,\n  2]\n', 'a: b\n  c\n', 'a: 1\na: 2\n', 'a:\tb\n', '<<: {a: 1}\n', 'a: "x\n  y"\n', '? a\n: b\n', 'a: 0x1F\n', 'a: .inf\n', 'a: 1e3\n', 'a: b: c\n', '- - a\n']) {
      assert.equal(fastParse(text), undefined, JSON.stringify(text));
    }
  });
});
