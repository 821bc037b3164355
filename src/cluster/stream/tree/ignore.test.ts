import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { IgnoreMatcher, alwaysIgnored } from './ignore';

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

  it('lets a deeper file re-include a folder a shallower file excluded, as git does', () => {
    const m = matcher({ '.gitignore': 'rein/b/\n*.log\n', 'rein/.gitignore': '!b/\n' });
    assert.equal(m.ignores('rein/b', true), false);
    assert.equal(m.ignores('rein/b/f', false), false);
    assert.equal(m.ignores('rein/b/x.log', false), true);
    assert.equal(m.ignores('other/rein/b/f', false), false);
  });

  it('does not throw on patterns a hand-made regex translation choked on', () => {
    const m = matcher({ '.gitignore': '*.[a-9]\n[\nsrc/[x\\]\ntrailing\\\n' });
    assert.equal(m.ignores('a.0', false), false);
    assert.equal(m.ignores('src/x', false), false);
  });

  it('matches names with line breaks like any other name', () => {
    const m = matcher({ '.gitignore': '*.log\n', 'a\nb/.gitignore': '/local\n*.tmp\n' });
    assert.equal(m.ignores('a\nb/x.log', false), true);
    assert.equal(m.ignores('x\ny.log', false), true);
    assert.equal(m.ignores('a\nb/local', false), true);
    assert.equal(m.ignores('a\nb/deep/x.tmp', false), true);
    assert.equal(m.ignores('a/local', false), false);
  });
});

/**
 * The reference is git itself: the same files in a scratch repository, nested .gitignore files
 * and all, and `git ls-files --others --ignored --exclude-standard` lists what git ignores.
 */
describe('sync ignore rules agree with git', () => {
  const GIT = spawnSync('git', ['--version']).status === 0;
  let repo: string;
  const ignoreFiles: Record<string, string> = {
    '.gitignore': [
      '# a comment',
      '\\#hash',
      '\\!bang',
      'trail   ',
      'esc\\ ',
      '*.py[cod]',
      '*.[a-9]',
      'file[0-9].txt',
      'not[!a]x',
      'cls[]x]',
      '**/cache',
      'out/**',
      'a/**/z.txt',
      'logs/',
      '/build',
      'docs/out',
      '*.csv',
      '!keep.csv',
      'data/',
      '!data/small.csv',
      'onlydir/',
      '*.log',
      'sp ace/',
      'back\\\\slash',
      'bad\\',
      'rein/b/',
      '',
    ].join('\n'),
    'pkg/.gitignore': '!keep.log\n/local.txt\nsub/*.tmp\n[\n**/deep/**/x\n',
    'other/.gitignore': 'x\r\n*.bin\r\n',
    'bom/.gitignore': '\uFEFFbomfile\n',
    'w*ld/.gitignore': 'inner\n',
    'rein/.gitignore': '!b/\n',
  };
  const files = [
    '#hash',
    '!bang',
    'trail',
    'trail   ',
    'esc ',
    'esc',
    'm.pyc',
    'm.py',
    'm.pyo',
    'a.0',
    'a.a',
    'file7.txt',
    'fileA.txt',
    'notbx',
    'notax',
    'clsx',
    'cls]x',
    'clsy',
    'cache',
    'x/y/cache',
    'out/a/b',
    'outx',
    'a/z.txt',
    'a/b/c/z.txt',
    'b/a/z.txt',
    'logs/today.txt',
    'deep/logs/x',
    'build/x.o',
    'src/build',
    'docs/out/index.html',
    'x/docs/out',
    'big.csv',
    'keep.csv',
    'sub/keep.csv',
    'data/small.csv',
    'data/big.bin',
    'onlydir',
    'dir/onlydir/f',
    'x.log',
    'pkg/keep.log',
    'pkg/sub/keep.log',
    'pkg/other.log',
    'pkg/local.txt',
    'local.txt',
    'pkg/sub/local.txt',
    'pkg/sub/a.tmp',
    'pkg/sub/s2/a.tmp',
    'pkg/deep/q/x',
    'pkg/a/deep/x',
    'deep/q/x',
    'other/x',
    'other/y/x',
    'other/a.bin',
    'a.bin',
    'bom/bomfile',
    'bomfile',
    'sp ace/f',
    'back\\slash',
    'bad',
    'bad\\',
    'w*ld/inner',
    'wild/inner',
    'wxld/inner',
    'ünï/ćödé.log',
    'ünï/keep.txt',
    'rein/b/f',
    'rein/c/b/f',
  ];
  before(function () {
    if (!GIT) return;
    repo = mkdtempSync(join(tmpdir(), 'kubeml-gitref-'));
    spawnSync('git', ['init', '-q'], { cwd: repo });
    for (const f of [...files, ...Object.keys(ignoreFiles)]) mkdirSync(join(repo, dirname(f)), { recursive: true });
    for (const f of files) writeFileSync(join(repo, f), 'x');
    for (const [f, c] of Object.entries(ignoreFiles)) writeFileSync(join(repo, f), c);
  });
  after(() => repo && rmSync(repo, { recursive: true, force: true }));

  it(GIT ? 'ignores exactly the files git ignores' : 'ignores exactly the files git ignores (skipped: git is not installed)', function () {
    if (!GIT) return this.skip();
    const r = spawnSync('git', ['-c', 'core.quotePath=false', 'ls-files', '-z', '--others', '--ignored', '--exclude-standard'], {
      cwd: repo,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const byGit = r.stdout.split('\0').filter(Boolean).sort();
    const m = matcher(ignoreFiles);
    const all = [...files, ...Object.keys(ignoreFiles)];
    const byUs = all.filter((f) => m.ignores(f, false)).sort();
    assert.deepEqual(byUs, byGit);
    assert.ok(byGit.length > 20 && byGit.length < all.length - 20, 'the cases should split both ways');
  });
});
