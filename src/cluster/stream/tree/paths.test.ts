import { strict as assert } from 'node:assert';
import { checkRelativePath, checkTargetFolder, parentsOf, safeRelativePath, symlinkStaysInside } from './paths';

describe('sync paths', () => {
  it('normalises relative paths', () => {
    assert.deepEqual(checkRelativePath('a//b/./c'), { ok: true, path: 'a/b/c' });
    assert.deepEqual(checkRelativePath('src\\model.py'), { ok: true, path: 'src/model.py' });
    assert.deepEqual(checkRelativePath('./x/'), { ok: true, path: 'x' });
  });

  it('rejects paths that could leave the target', () => {
    for (const bad of ['', '/etc/passwd', '../x', 'a/../../b', 'a/..', 'C:/x', 'c:x', 'a\0b', 'a\nb', '.', './', '\\\\server\\share']) {
      const r = checkRelativePath(bad);
      assert.equal(r.ok, false, `accepted ${JSON.stringify(bad)}`);
    }
    assert.throws(() => safeRelativePath('../../etc/shadow'), /contains "\.\."/);
  });

  it('keeps names that merely contain dots', () => {
    assert.equal(safeRelativePath('..hidden/...'), '..hidden/...');
    assert.equal(safeRelativePath('a/.b..c'), 'a/.b..c');
  });

  it('validates the remote target folder', () => {
    assert.deepEqual(checkTargetFolder('/workspace/'), { ok: true, path: '/workspace' });
    assert.deepEqual(checkTargetFolder('/home//me/./code'), { ok: true, path: '/home/me/code' });
    for (const bad of ['workspace', '', '/', '/etc', '/usr/', '/a/../etc', '/x\0', '//']) {
      assert.equal(checkTargetFolder(bad).ok, false, `accepted ${JSON.stringify(bad)}`);
    }
  });

  it('lists parents outermost first', () => {
    assert.deepEqual(parentsOf('a/b/c.txt'), ['a', 'a/b']);
    assert.deepEqual(parentsOf('top'), []);
  });

  it('tells symlinks that stay inside the tree from those that escape', () => {
    assert.equal(symlinkStaysInside('latest', 'runs/v2'), true);
    assert.equal(symlinkStaysInside('a/b/link', '../c'), true);
    assert.equal(symlinkStaysInside('a/link', '../../outside'), false);
    assert.equal(symlinkStaysInside('link', '..'), false);
    assert.equal(symlinkStaysInside('link', '/etc/passwd'), false);
    assert.equal(symlinkStaysInside('a/link', 'x/../../..'), false);
  });
});
