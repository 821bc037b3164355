import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  existsSync,
  chmodSync,
  lstatSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APPLY_SCRIPT, LIST_SCRIPT, NO_TARGET_EXIT, applyListLine, parseListing } from './remoteScripts';
import { tarBuffer } from './tar';

// These run the scripts with the local /bin/sh and tar: the same programs a Debian image has.
function sh(script: string, args: string[], input?: Buffer) {
  return spawnSync('sh', ['-c', script, 'kubeml-sync', ...args], { input, encoding: 'buffer' });
}

describe('sync remote scripts', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'kubeml-sync-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('parses both listing flavours: NUL-terminated records', () => {
    const gnu = parseListing('f 644 12 1700000000.5 ./a.py\0d 755 4096 1700000001.0 ./src\0l 777 4 1 ./link\0');
    assert.deepEqual(gnu.tree.get('a.py'), { type: 'file', mode: 0o644, size: 12, mtime: 1700000000 });
    assert.equal(gnu.tree.get('src')?.type, 'dir');
    assert.equal(gnu.tree.get('link')?.type, 'symlink');
    // stat batches: the marker, stat's lines, then one name per line; a vanished file makes batches of one.
    const bb = parseListing('#B\0x 81ed 3 1700000000\nx 41c0 4096 5\0./run.sh\0./d\0#B\0x a1ff 2 7\0./l\0');
    assert.deepEqual(bb.tree.get('run.sh'), { type: 'file', mode: 0o755, size: 3, mtime: 1700000000 });
    assert.deepEqual(bb.tree.get('d'), { type: 'dir', mode: 0o700, size: 4096, mtime: 5 });
    assert.equal(bb.tree.get('l')?.type, 'symlink');
    assert.equal(bb.unreadable, 0);
    const cut = parseListing('#B\0x 81a4 1 1\nx 81a4 2 2\0./only-one\0');
    assert.deepEqual([...cut.tree.keys()], ['only-one']);
    assert.equal(cut.unreadable, 1);
  });

  it('reads a name with line breaks as one path, whatever it looks like', () => {
    const r = parseListing('d 755 1 1 ./evil\nf 644 1 1 .\0f 644 1 1 ./evil\nf 644 1 1 ./forged\0f 644 2 2 ./end\n\0');
    assert.deepEqual([...r.tree.keys()], ['evil\nf 644 1 1 .', 'evil\nf 644 1 1 ./forged', 'end\n']);
    assert.equal(r.unreadable, 0);
  });

  it('counts records it cannot read instead of guessing', () => {
    const r = parseListing('garbage\0f 644 1 1 ./ok\0f 644 1 1 ./../escape\0f 644 1 1 ./back\\slash\0');
    assert.deepEqual([...r.tree.keys()], ['ok']);
    assert.equal(r.unreadable, 3);
  });

  it('escapes list lines so that the script reads back the exact names', async () => {
    const target = join(root, 't');
    const names = ['a\nb', '\nlead', 'trail\n', 'two\n\nbreaks', 'back\\slash\\n', 'plain'];
    for (const n of names) mkdirSync(join(target, n), { recursive: true });
    writeFileSync(join(target, 'plain/keep'), 'x');
    assert.deepEqual(applyListLine('a\\n\nb'), 'a\\\\n\\nb\n');
    const r = sh(
      APPLY_SCRIPT,
      [target],
      Buffer.concat([
        Buffer.from(names.slice(0, 5).map(applyListLine).join('') + '\n' + applyListLine('plain') + '\n'),
        await tarBuffer([]),
      ]),
    );
    assert.equal(r.status, 0, r.stderr.toString());
    assert.deepEqual(readdirSync(target), ['plain']);
    assert.deepEqual(readdirSync(join(target, 'plain')), ['keep']);
  });

  it('lists a real tree with the local find, skipping .git', () => {
    mkdirSync(join(root, 'src/.git'), { recursive: true });
    writeFileSync(join(root, 'src/a.py'), 'hello');
    writeFileSync(join(root, 'src/.git/HEAD'), 'x');
    symlinkSync('a.py', join(root, 'src/l'));
    const r = sh(LIST_SCRIPT, [root]);
    assert.equal(r.status, 0, r.stderr.toString());
    const { tree } = parseListing(r.stdout.toString());
    assert.deepEqual([...tree.keys()].sort(), ['src', 'src/a.py', 'src/l']);
    assert.equal(tree.get('src/a.py')?.size, 5);
    assert.equal(sh(LIST_SCRIPT, [join(root, 'missing')]).status, NO_TARGET_EXIT);
  });

  it('removes only inside the target and refuses to go through a symlink', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'kubeml-outside-'));
    try {
      writeFileSync(join(outside, 'precious'), 'x');
      const target = join(root, 't');
      mkdirSync(join(target, 'd'), { recursive: true });
      writeFileSync(join(target, 'd/f'), 'x');
      symlinkSync(outside, join(target, 'esc'));
      const r = sh(APPLY_SCRIPT, [target], Buffer.concat([Buffer.from('d\nesc/precious\n../x\n/etc/hostname\n\n\n'), await tarBuffer([])]));
      assert.equal(r.status, 2);
      assert.equal(existsSync(join(target, 'd')), false);
      assert.equal(existsSync(join(outside, 'precious')), true, 'a file outside the target was deleted');
      const r2 = sh(APPLY_SCRIPT, [target], Buffer.concat([Buffer.from('esc\n\n\n'), await tarBuffer([])]));
      assert.equal(r2.status, 0);
      assert.equal(existsSync(join(target, 'esc')), false, 'the link itself goes');
      assert.equal(existsSync(join(outside, 'precious')), true);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('extracts our tar with modes and mtimes, replacing a symlinked folder instead of following it', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'kubeml-outside-'));
    try {
      const target = join(root, 't');
      mkdirSync(target);
      symlinkSync(outside, join(target, 'pkg'));
      const body = Buffer.from('#!/bin/sh\necho hi\n');
      const archive = await tarBuffer([
        { type: 'dir', path: 'pkg', mode: 0o750, mtime: 1_600_000_000 },
        {
          type: 'file',
          path: 'pkg/run.sh',
          mode: 0o755,
          mtime: 1_600_000_000,
          size: body.length,
          content: async function* () {
            yield body;
          },
        },
      ]);
      const r = sh(APPLY_SCRIPT, [target], Buffer.concat([Buffer.from('\npkg\n\n'), archive]));
      assert.equal(r.status, 0, r.stderr.toString());
      assert.equal(lstatSync(join(target, 'pkg')).isDirectory(), true);
      assert.equal(existsSync(join(outside, 'run.sh')), false, 'extraction followed a symlink out of the target');
      const st = lstatSync(join(target, 'pkg/run.sh'));
      assert.equal(st.mode & 0o777, 0o755);
      assert.equal(Math.floor(st.mtimeMs / 1000), 1_600_000_000);
      assert.equal(readFileSync(join(target, 'pkg/run.sh'), 'utf8'), body.toString());
      chmodSync(join(target, 'pkg'), 0o755);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('removes, prepares and extracts in one exec, tar reading exactly the archive after the lists', async () => {
    const target = join(root, 't');
    mkdirSync(join(target, 'old'), { recursive: true });
    writeFileSync(join(target, 'old/x'), 'x');
    const body = Buffer.from('new');
    const archive = await tarBuffer([
      {
        type: 'file',
        path: 'a/b/new.txt',
        mode: 0o600,
        mtime: 1_600_000_000,
        size: body.length,
        content: async function* () {
          yield body;
        },
      },
    ]);
    const r = sh(APPLY_SCRIPT, [target], Buffer.concat([Buffer.from('old\n\na/b\n\n'), archive]));
    assert.equal(r.status, 0, r.stderr.toString());
    assert.equal(existsSync(join(target, 'old')), false);
    assert.equal(readFileSync(join(target, 'a/b/new.txt'), 'utf8'), 'new');
    assert.equal(lstatSync(join(target, 'a/b/new.txt')).mode & 0o777, 0o600);
    const empty = sh(APPLY_SCRIPT, [join(root, 'fresh')], Buffer.concat([Buffer.from('\n\n'), await tarBuffer([])]));
    assert.equal(empty.status, 0, empty.stderr.toString());
  });

  it('never puts a path into the script text', () => {
    for (const s of [LIST_SCRIPT, APPLY_SCRIPT]) {
      assert.doesNotMatch(s, /workspace/);
      execFileSync('sh', ['-n', '-c', s]); // throws on a syntax error
    }
  });
});
