import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readlinkSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import {
  checkRelativePath,
  checkTargetFolder,
  confirmTargetFolder,
  judgeTargetFolder,
  parentsOf,
  safeRelativePath,
  safeTargetFolder,
  symlinkStaysInside,
} from './paths';

describe('sync paths', () => {
  it('normalises relative paths', () => {
    assert.deepEqual(checkRelativePath('a//b/./c'), { ok: true, path: 'a/b/c' });
    assert.deepEqual(checkRelativePath('src\\model.py'), { ok: true, path: 'src/model.py' });
    assert.deepEqual(checkRelativePath('./x/'), { ok: true, path: 'x' });
  });

  it('rejects paths that could leave the target', () => {
    for (const bad of ['', '/etc/passwd', '../x', 'a/../../b', 'a/..', 'C:/x', 'c:x', 'a\0b', '.', './', '\\\\server\\share']) {
      const r = checkRelativePath(bad);
      assert.equal(r.ok, false, `accepted ${JSON.stringify(bad)}`);
    }
    assert.throws(() => safeRelativePath('../../etc/shadow'), /contains "\.\."/);
  });

  it('keeps names that merely contain dots', () => {
    assert.equal(safeRelativePath('..hidden/...'), '..hidden/...');
    assert.equal(safeRelativePath('a/.b..c'), 'a/.b..c');
    // Line breaks are sent whole: the listing is NUL-separated and the apply lists escape them.
    assert.equal(safeRelativePath('a\nb/\r\n'), 'a\nb/\r\n');
  });

  it('validates the remote target folder', () => {
    assert.deepEqual(checkTargetFolder('/workspace/'), { ok: true, path: '/workspace' });
    assert.deepEqual(checkTargetFolder('/home//me/./code'), { ok: true, path: '/home/me/code' });
    for (const bad of ['workspace', '', '/', '/etc', '/usr/', '/a/../etc', '/x\0', '//']) {
      assert.equal(checkTargetFolder(bad).ok, false, `accepted ${JSON.stringify(bad)}`);
    }
  });

  it('refuses the kernel pseudo file systems at any depth', () => {
    for (const bad of ['/proc/self', '/proc/1/root', '/sys/kernel', '/sys/fs/cgroup/x']) {
      assert.equal(checkTargetFolder(bad).ok, false, `accepted ${bad}`);
      assert.throws(() => safeTargetFolder(bad), /cannot be a sync target: it is inside \/(proc|sys)/);
    }
  });

  it("asks before a system folder or a home folder's hidden folder, and says why", () => {
    const verdicts = (paths: string[]) => paths.map((p) => [p, judgeTargetFolder(p).kind]);
    const ok = [
      '/workspace',
      '/home/jovyan/work',
      '/root/code',
      '/home/me/proj/.venv',
      '/tmp/x',
      '/opt/app',
      '/var/www',
      '/usr2',
      '/etcetera',
      '/library',
      '/devices/x',
      '/srv/.hidden',
    ];
    assert.deepEqual(
      verdicts(ok),
      ok.map((p) => [p, 'ok']),
    );
    const confirm = [
      '/root/.ssh',
      '/home/me/.config/Code',
      '/root/.kube',
      '/usr/share',
      '/usr/src/app',
      '/usr/local/bin',
      '/etc/nginx',
      '/bin/x',
      '/sbin/x',
      '/lib/modules',
      '/lib64/x',
      '/boot/efi',
      '/dev/shm/code',
      '/var/lib/postgresql/data',
      '/var/lib/dpkg',
      '/run/secrets',
      '/var/run/secrets/kubernetes.io',
    ];
    assert.deepEqual(
      verdicts(confirm),
      confirm.map((p) => [p, 'confirm']),
    );
    const refuse = ['/', '//', '/etc', '/usr/', '/proc/self', '/sys/x', '/root', 'relative', '/a/../etc'];
    assert.deepEqual(
      verdicts(refuse),
      refuse.map((p) => [p, 'refuse']),
    );
    assert.deepEqual(judgeTargetFolder('/root//.ssh/'), {
      kind: 'confirm',
      path: '/root/.ssh',
      reason: 'is inside /root/.ssh, a hidden folder of a home folder (keys, credentials and settings live there)',
    });
    const etc = judgeTargetFolder('/etc/nginx');
    assert.ok(etc.kind === 'confirm' && /inside \/etc/.test(etc.reason));
  });

  it('lets the user confirm or decline, and asks only when needed', async () => {
    const asked: string[][] = [];
    const answer = (yes: boolean) => async (path: string, reason: string) => (asked.push([path, reason]), yes);
    assert.deepEqual(await confirmTargetFolder('/workspace/', answer(false)), { ok: true, path: '/workspace' });
    assert.deepEqual(await confirmTargetFolder('/', answer(true)), { ok: false, reason: 'is a system folder', cancelled: false });
    assert.deepEqual(asked, []);
    assert.deepEqual(await confirmTargetFolder('/usr/src/app', answer(true)), { ok: true, path: '/usr/src/app' });
    const no = await confirmTargetFolder('/home/me/.ssh', answer(false));
    assert.equal(no.ok, false);
    assert.equal(!no.ok && no.cancelled, true);
    assert.deepEqual(
      asked.map((a) => a[0]),
      ['/usr/src/app', '/home/me/.ssh'],
    );
    assert.match(asked[1][1], /hidden folder of a home folder/);
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

  describe('symlink chains, resolved on a real file system', () => {
    let base: string;
    let root: string;
    before(() => {
      base = realpathSync(mkdtempSync(join(tmpdir(), 'kubeml-links-')));
      root = join(base, 'proj');
      mkdirSync(join(root, 'dir/sub'), { recursive: true });
      mkdirSync(join(root, 'data'));
      mkdirSync(join(base, 'x')); // outside the root
      const link = (at: string, to: string) => symlinkSync(to, join(root, at));
      link('dir/up', '..'); // the root itself: inside
      link('gp', 'dir/up/../..'); // text: the root; file system: the root's parent
      link('ok', 'dir/up/data'); // the root's data folder
      link('deep', 'dir/sub/../up/dir/up/data'); // several hops, inside
      link('twice', 'dir/up/../x'); // text: dir/x; file system: beside the root
      link('dir/sub/esc', '../up/..'); // dir/up is the root, so .. leaves
      link('loop1', 'loop2');
      link('loop2', 'loop1/x');
      link('abs', 'dir/absl/x');
      link('dir/absl', join(root, 'data')); // absolute, even though it names a folder inside
      link('dangling', 'dir/missing/file');
    });
    after(() => rmSync(base, { recursive: true, force: true }));

    const readlinkIn = (rel: string): string | undefined => {
      try {
        return readlinkSync(join(root, rel));
      } catch {
        return undefined;
      }
    };
    /** What the kernel says: the link's real location relative to the root, or undefined when it does not resolve. */
    const kernelInside = (rel: string): boolean | undefined => {
      let real: string;
      try {
        real = realpathSync.native(join(root, rel)); // libc: node's JS realpath folds ".." by text first
      } catch {
        return undefined;
      }
      const r = relative(root, real);
      return r === '' || (!r.startsWith('..' + sep) && r !== '..');
    };

    it('agrees with the kernel on every link that resolves', () => {
      for (const rel of ['dir/up', 'gp', 'ok', 'deep', 'twice', 'dir/sub/esc']) {
        const expected = kernelInside(rel);
        assert.notEqual(expected, undefined, `${rel} should resolve`);
        assert.equal(symlinkStaysInside(rel, readlinkIn(rel)!, readlinkIn), expected, rel);
      }
      assert.equal(kernelInside('gp'), false); // the case text-only resolution got wrong
    });

    it('refuses loops, and chains through an absolute link', () => {
      assert.equal(kernelInside('loop1'), undefined);
      assert.equal(symlinkStaysInside('loop1', readlinkIn('loop1')!, readlinkIn), false);
      assert.equal(symlinkStaysInside('abs', readlinkIn('abs')!, readlinkIn), false);
    });

    it('resolves the rest of a dangling chain by its text', () => {
      assert.equal(symlinkStaysInside('dangling', readlinkIn('dangling')!, readlinkIn), true);
      assert.equal(symlinkStaysInside('dangling', 'dir/missing/../../..', readlinkIn), false);
    });
  });
});
