import { strict as assert } from 'node:assert';
import { IgnoreMatcher, alwaysIgnored, globToRegexBody, parseIgnoreFile } from './ignore';

function matcher(files: Record<string, string>, extra: string[] = []): IgnoreMatcher {
  const m = new IgnoreMatcher(extra);
  for (const [file, content] of Object.entries(files)) {
    const slash = file.lastIndexOf('/');
    const dir = slash === -1 ? '' : file.slice(0, slash);
    const base = file.slice(slash + 1);
    const kind = base === '.gitignore' ? 'gitignore' : base === '.dockerignore' ? 'dockerignore' : 'kubemlignore';
    m.setFile(dir, kind, content);
  }
  return m;
}

describe('sync ignore rules', () => {
  it('always ignores .git and .kubeml, whatever the rules say', () => {
    const m = matcher({ '.gitignore': '!.git\n!.kubeml/\n' });
    assert.equal(m.ignores('.git', true), true);
    assert.equal(m.ignores('.git/config', false), true);
    assert.equal(m.ignores('vendor/lib/.git', false), true);
    assert.equal(m.ignores('.kubeml/runs.json', false), true);
    assert.equal(alwaysIgnored('.github/workflows/ci.yml'), false);
    assert.equal(alwaysIgnored('.gitignore'), false);
  });

  it('matches unanchored patterns at any depth and anchored ones at the root', () => {
    const m = matcher({ '.gitignore': '*.pyc\n/build\ndocs/out\n' });
    assert.equal(m.ignores('a.pyc', false), true);
    assert.equal(m.ignores('pkg/sub/a.pyc', false), true);
    assert.equal(m.ignores('build', true), true);
    assert.equal(m.ignores('build/x.o', false), true);
    assert.equal(m.ignores('src/build', true), false);
    assert.equal(m.ignores('docs/out/index.html', false), true);
    assert.equal(m.ignores('x/docs/out', true), false);
  });

  it('applies dir-only patterns to folders only', () => {
    const m = matcher({ '.gitignore': 'logs/\n' });
    assert.equal(m.ignores('logs', true), true);
    assert.equal(m.ignores('logs/today.txt', false), true);
    assert.equal(m.ignores('deep/logs/x', false), true);
    assert.equal(m.ignores('logs', false), false, 'a file named logs is kept');
  });

  it('supports negation, but not inside an excluded folder', () => {
    const m = matcher({ '.gitignore': '*.csv\n!keep.csv\ndata/\n!data/small.csv\n' });
    assert.equal(m.ignores('big.csv', false), true);
    assert.equal(m.ignores('keep.csv', false), false);
    assert.equal(m.ignores('sub/keep.csv', false), false);
    assert.equal(m.ignores('data/small.csv', false), true, 'git cannot re-include inside an excluded folder');
  });

  it('understands ** in all positions', () => {
    const m = matcher({ '.gitignore': '**/cache\nout/**\na/**/z.txt\n' });
    assert.equal(m.ignores('cache', true), true);
    assert.equal(m.ignores('x/y/cache', true), true);
    assert.equal(m.ignores('out/a/b', false), true);
    assert.equal(m.ignores('out', true), false, 'out/** matches what is inside, not out itself');
    assert.equal(m.ignores('a/z.txt', false), true);
    assert.equal(m.ignores('a/b/c/z.txt', false), true);
    assert.equal(m.ignores('b/a/z.txt', false), false);
  });

  it('handles character classes, ? and escapes', () => {
    const m = matcher({ '.gitignore': 'file[0-9].txt\nf?o\n\\#notacomment\n\\!bang\nnot[!a]x\n# comment\n' });
    assert.equal(m.ignores('file7.txt', false), true);
    assert.equal(m.ignores('fileA.txt', false), false);
    assert.equal(m.ignores('foo', false), true);
    assert.equal(m.ignores('fo/o', false), false);
    assert.equal(m.ignores('#notacomment', false), true);
    assert.equal(m.ignores('!bang', false), true);
    assert.equal(m.ignores('notbx', false), true);
    assert.equal(m.ignores('notax', false), false);
    assert.equal(m.ignores('# comment', false), false);
  });

  it('keeps escaped trailing spaces and drops the others', () => {
    const rules = parseIgnoreFile('a   \nb\\ \n', 'gitignore');
    assert.equal(rules.length, 2);
    assert.ok(rules[0].regex.test('a'));
    assert.ok(rules[1].regex.test('b '));
  });

  it('applies nested .gitignore files to their own subtree, deeper files winning', () => {
    const m = matcher({ '.gitignore': '*.log\n', 'pkg/.gitignore': '!keep.log\n/local.txt\n', 'other/.gitignore': 'x\n' });
    assert.equal(m.ignores('pkg/keep.log', false), false);
    assert.equal(m.ignores('pkg/sub/keep.log', false), false);
    assert.equal(m.ignores('keep.log', false), true);
    assert.equal(m.ignores('pkg/local.txt', false), true);
    assert.equal(m.ignores('local.txt', false), false);
    assert.equal(m.ignores('pkg/sub/local.txt', false), false, 'anchored to the folder of its file');
    assert.equal(m.ignores('x', false), false);
    assert.equal(m.ignores('other/y/x', false), true);
  });

  it('lets .kubemlignore re-include what .gitignore excludes', () => {
    const m = matcher({ '.gitignore': '*.ckpt\n', '.kubemlignore': '!init.ckpt\nnotebooks/\n' });
    assert.equal(m.ignores('init.ckpt', false), false);
    assert.equal(m.ignores('last.ckpt', false), true);
    assert.equal(m.ignores('notebooks/a.ipynb', false), true);
  });

  it('reads .dockerignore with Docker semantics: patterns anchored at the root', () => {
    const m = matcher({ '.dockerignore': '*.md\n**/*.tmp\n/secrets\n!README.md\n' });
    assert.equal(m.ignores('NOTES.md', false), true);
    assert.equal(m.ignores('README.md', false), false);
    assert.equal(m.ignores('docs/guide.md', false), false, 'Docker anchors *.md at the root');
    assert.equal(m.ignores('a/b/c.tmp', false), true);
    assert.equal(m.ignores('secrets/key', false), true);
    const nested = new IgnoreMatcher();
    nested.setFile('sub', 'dockerignore', '*\n');
    assert.equal(nested.ignores('sub/a', false), false, 'only the root .dockerignore counts');
  });

  it('forgets rules when an ignore file is removed or a folder goes', () => {
    const m = matcher({ '.gitignore': '*.bin\n', 'sub/.gitignore': '*.txt\n' });
    assert.equal(m.ignores('a.bin', false), true);
    m.setFile('', 'gitignore', undefined);
    assert.equal(m.ignores('a.bin', false), false);
    assert.equal(m.ignores('sub/a.txt', false), true);
    m.removeTree('sub');
    assert.equal(m.ignores('sub/a.txt', false), false);
  });

  it('takes extra patterns from settings', () => {
    const m = new IgnoreMatcher(['*.parquet', 'wandb/']);
    assert.equal(m.ignores('data/x.parquet', false), true);
    assert.equal(m.ignores('wandb/run-1/log', false), true);
  });

  it('translates globs without letting regex syntax through', () => {
    assert.equal(new RegExp(`^${globToRegexBody('a+b(c).txt')}$`).test('a+b(c).txt'), true);
    assert.equal(new RegExp(`^${globToRegexBody('a.txt')}$`).test('abtxt'), false);
  });
});
