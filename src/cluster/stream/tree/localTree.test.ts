import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localTarEntries, scanLocalTree } from './localTree';

describe('sync local tree', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'kubeml-local-'));
    const w = (p: string, c = 'x') => {
      mkdirSync(join(root, p, '..'), { recursive: true });
      writeFileSync(join(root, p), c);
    };
    w('.gitignore', '*.log\nbuild/\n');
    w('src/a.py', 'print(1)');
    w('src/debug.log');
    w('src/.gitignore', '!keep.log\n');
    w('src/keep.log');
    w('build/out.o');
    w('.git/HEAD');
    w('.kubeml/state.json');
    w('.kubemlignore', 'data/raw/\n');
    w('data/raw/huge.csv');
    w('data/small.csv');
    mkdirSync(join(root, 'empty'));
    symlinkSync('src/a.py', join(root, 'inside'));
    symlinkSync('/etc/passwd', join(root, 'outside'));
    symlinkSync('../../x', join(root, 'src/climb'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('walks with nested ignore files, keeps empty folders and in-tree symlinks only', async () => {
    const scan = await scanLocalTree(root);
    assert.deepEqual([...scan.tree.keys()].sort(), [
      '.gitignore',
      '.kubemlignore',
      'data',
      'data/small.csv',
      'empty',
      'inside',
      'src',
      'src/.gitignore',
      'src/a.py',
      'src/keep.log',
    ]);
    assert.equal(scan.tree.get('inside')?.type, 'symlink');
    assert.equal(scan.tree.get('inside')?.linkTarget, 'src/a.py');
    assert.deepEqual(scan.skipped.map((s) => s.path).sort(), ['outside', 'src/climb']);
  });

  it('follows symlink chains as the file system does: a link through `up -> ..` can leave the folder', async () => {
    symlinkSync('..', join(root, 'src/up'));
    symlinkSync('src/up/..', join(root, 'gp')); // text: the root; file system: the root's parent
    symlinkSync('src/up/data', join(root, 'data-again')); // the root's data folder
    const scan = await scanLocalTree(root);
    assert.equal(scan.tree.get('src/up')?.type, 'symlink');
    assert.equal(scan.tree.get('data-again')?.type, 'symlink');
    assert.equal(scan.tree.has('gp'), false);
    assert.match(scan.skipped.find((s) => s.path === 'gp')?.reason ?? '', /points outside the synced folder/);
  });

  it('takes extra patterns', async () => {
    const scan = await scanLocalTree(root, { ignore: ['src/'] });
    assert.equal(
      [...scan.tree.keys()].some((p) => p.startsWith('src')),
      false,
    );
  });

  it('produces tar entries with the size read at send time', async () => {
    const scan = await scanLocalTree(root);
    writeFileSync(join(root, 'src/a.py'), 'print("longer now")');
    const entries = [];
    for await (const e of localTarEntries(root, ['empty', 'src/a.py', 'inside', 'missing'], scan.tree)) entries.push(e);
    assert.deepEqual(
      entries.map((e) => [e.type, e.path]),
      [
        ['dir', 'empty'],
        ['file', 'src/a.py'],
        ['symlink', 'inside'],
      ],
    );
    const f = entries[1];
    assert.ok(f.type === 'file' && f.size === Buffer.byteLength('print("longer now")'));
  });
});
