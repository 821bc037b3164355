import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { lintMain } from '../cli/lint';
import { expandedSize, MAX_EXPANDED_NODES } from './document';
import { lint } from './testUtil';
import { parseDocument } from 'yaml';

/*
 * Files that cannot be linted end in one clean lint-limits finding (exit status 2 on the command
 * line), and valid YAML is never refused for using aliases: only an expansion past
 * MAX_EXPANDED_NODES is.
 */
const HEAD = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: many', 'data:'];

/** 120 aliases of one anchored scalar: valid YAML that PyYAML and kubeconform take. */
const ALIASES_120 = [...HEAD, '  a0: &v "x"', ...Array.from({ length: 120 }, (_, i) => `  a${i + 1}: *v`), ''].join('\n');

/** The classic "billion laughs": 9 levels of 9 aliases, 9^9 strings once expanded. */
const BILLION_LAUGHS = [
  ...HEAD,
  '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((c, i) => `  ${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]!}`).join(',')}]`),
  '',
].join('\n');

const DEEP_FLOW = [...HEAD, `  a: ${'['.repeat(20000)}${']'.repeat(20000)}`, ''].join('\n');
const DEEP_BLOCK = [
  ...HEAD.slice(0, 4),
  'spec:',
  ...Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i + 1)}k:`),
  ' '.repeat(3002) + 'v: 1',
  '',
].join('\n');

describe('lint: limits', () => {
  it('takes a valid file with 120 aliases (yaml maxAliasCount 100 refused it)', () => {
    assert.deepEqual(lint(ALIASES_120), []);
  });

  it('takes aliases of mappings used many times (a shared env list, anchors in a Kubernetes List)', () => {
    const text = [
      'apiVersion: v1',
      'kind: Pod',
      'metadata: {name: p}',
      'spec:',
      '  containers:',
      '    - name: a',
      '      image: busybox:1.36',
      '      env: &env',
      ...Array.from({ length: 20 }, (_, i) => `        - {name: V${i}, value: "${i}"}`),
      ...Array.from({ length: 150 }, (_, i) => [`    - name: c${i}`, '      image: busybox:1.36', '      env: *env']).flat(),
      '',
    ].join('\n');
    const h = lint(text);
    assert.ok(!h.some((x) => x.rule === 'lint-limits' || x.rule === 'yaml-syntax'), h.map((x) => x.message).join('\n'));
    // The containers behind the aliases are checked: each one's missing resources are found.
    assert.equal(h.filter((x) => x.rule === 'unset-memory-requirements').length, 2 * 151);
  });

  it('refuses a billion-laughs file with one lint-limits finding, without expanding it', () => {
    const h = lint(BILLION_LAUGHS);
    assert.deepEqual(
      h.map((x) => [x.rule, x.line]),
      [['lint-limits', 1]],
    );
    assert.match(h[0]!.message, /aliases expand to more than 1,000,000 nodes/);
  });

  it('counts expansion without expanding: sizes of shared anchors, the bound, cycles', () => {
    const size = (t: string) => expandedSize(parseDocument(t, { version: '1.1' }).contents, MAX_EXPANDED_NODES);
    // {a: x, b: x}: the map, two pairs of key and value.
    assert.equal(size('a: &x 1\nb: *x\n'), 5);
    // The map, its 4 keys, and [1, 2, 3] (4 nodes) as each of the 4 values.
    assert.equal(size('a: &l [1, 2, 3]\nb: *l\nc: *l\nd: *l\n'), 1 + 4 + 4 * 4);
    assert.ok(size(BILLION_LAUGHS) > MAX_EXPANDED_NODES);
    assert.ok(size('a: &a [*a]\n') > MAX_EXPANDED_NODES);
  });

  it('deep nesting, flow or block, ends in one lint-limits finding', () => {
    for (const text of [DEEP_FLOW, DEEP_BLOCK]) {
      const h = lint(text);
      assert.deepEqual(
        h.map((x) => x.rule),
        ['lint-limits'],
      );
      assert.match(h[0]!.message, /nests too deeply/);
    }
  });

  it('a document refused for a limit does not hide the next one', () => {
    const h = lint(
      `${BILLION_LAUGHS}---\n${ALIASES_120.replace('name: many', 'name: ok')}---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: nginx}]\n`,
    );
    assert.deepEqual([...new Set(h.map((x) => x.rule))].sort().slice(0, 2), ['latest-tag', 'lint-limits']);
  });

  describe('kubeml lint exits 2 when a file could not be linted', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'kubeml-lint-limits-'));
      writeFileSync(join(dir, 'laughs.yaml'), BILLION_LAUGHS);
      writeFileSync(join(dir, 'deep.yaml'), DEEP_FLOW);
      writeFileSync(join(dir, 'binary.yaml'), Buffer.concat([Buffer.from('apiVersion: v1\nkind: Pod\n'), Buffer.alloc(64, 0)]));
      writeFileSync(join(dir, 'big.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata:\n' + '  k: v\n'.repeat(300_000));
      writeFileSync(join(dir, 'aliases.yaml'), ALIASES_120);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    const run = async (args: string[]) => {
      const out = new PassThrough();
      const err = new PassThrough();
      let o = '';
      out.on('data', (d: Buffer) => (o += d.toString()));
      err.on('data', () => undefined);
      const code = await lintMain(args, out, err);
      return { code, out: o };
    };

    for (const [file, why] of [
      ['laughs.yaml', /aliases expand/],
      ['deep.yaml', /nests too deeply/],
      ['binary.yaml', /binary/],
      ['big.yaml', /over the 1\.0 MB limit/],
    ] as const) {
      it(`${file}: one error finding of lint-limits, exit status 2`, async () => {
        const r = await run(['--max-file-size', '1', join(dir, file)]);
        assert.equal(r.code, 2);
        const lines = r.out.trim().split('\n');
        assert.equal(lines.length, 1, r.out);
        assert.match(lines[0]!, /:1:1 error lint-limits /);
        assert.match(lines[0]!, why);
      });
    }

    it('the file with 120 aliases passes (exit status 0)', async () => {
      const r = await run([join(dir, 'aliases.yaml')]);
      assert.deepEqual([r.code, r.out], [0, '']);
    });
  });
});
