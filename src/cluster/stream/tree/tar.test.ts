import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BLOCK, RECORD, type TarEntry, entryHeader, paxRecord, splitUstarPath, tarBuffer, tarStream } from './tar';

const fileEntry = (path: string, data: Buffer, mode = 0o644, mtime = 1_650_000_000): TarEntry => ({
  type: 'file',
  path,
  mode,
  mtime,
  size: data.length,
  content: async function* () {
    // Several chunks, to exercise the streaming path.
    for (let i = 0; i < data.length; i += 1000) yield data.subarray(i, i + 1000);
  },
});

const HAS_BUSYBOX = spawnSync('busybox', ['true']).status === 0;

/** Extracts with the system's GNU tar (the reference reader), or BusyBox's (what small images have). */
function extract(archive: Buffer, reader: 'gnu' | 'busybox' = 'gnu'): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubeml-tar-'));
  const argv = ['-x', '-o', '-f', '-', '-C', dir];
  const r = reader === 'gnu' ? spawnSync('tar', argv, { input: archive }) : spawnSync('busybox', ['tar', ...argv], { input: archive });
  assert.equal(r.status, 0, r.stderr.toString());
  assert.equal(r.stderr.toString(), '', 'tar printed warnings');
  return dir;
}

describe('sync tar writer', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('computes pax record lengths that count themselves', () => {
    for (const v of ['x', 'a'.repeat(90), 'b'.repeat(95), 'c'.repeat(994), 'é'.repeat(300)]) {
      const rec = paxRecord('path', v);
      assert.equal(Number(rec.split(' ')[0]), Buffer.byteLength(rec));
    }
  });

  it('splits long paths into ustar prefix and name when it can', () => {
    const long = `${'d'.repeat(120)}/file.txt`;
    assert.deepEqual(splitUstarPath(long), { prefix: 'd'.repeat(120), name: 'file.txt' });
    assert.equal(splitUstarPath('x'.repeat(150)), undefined);
    assert.equal(entryHeader({ type: 'dir', path: 'a', mode: 0o755, mtime: 0 }).length, BLOCK);
    assert.ok(entryHeader({ type: 'dir', path: 'x'.repeat(150), mode: 0o755, mtime: 0 }).length > BLOCK);
  });

  it('writes archives GNU tar extracts exactly: binary, empty folders, modes, mtimes, long names, symlinks', async () => {
    const binary = Buffer.alloc(70_000);
    for (let i = 0; i < binary.length; i++) binary[i] = (i * 7919) % 256;
    const deep = `${'nested-folder-name/'.repeat(8)}model-weights-with-a-long-name.bin`;
    const unicode = 'données/模型/ünïcødé.txt';
    const archive = await tarBuffer([
      { type: 'dir', path: 'empty', mode: 0o700, mtime: 1_600_000_000 },
      fileEntry('bin.dat', binary),
      fileEntry('run.sh', Buffer.from('#!/bin/sh\n'), 0o755),
      fileEntry('zero.txt', Buffer.alloc(0)),
      fileEntry(deep, Buffer.from('deep')),
      fileEntry(unicode, Buffer.from('u')),
      fileEntry('x'.repeat(180), Buffer.from('long single name')),
      { type: 'symlink', path: 'latest', mode: 0o777, mtime: 1_600_000_000, linkTarget: 'bin.dat' },
      { type: 'symlink', path: 'far', mode: 0o777, mtime: 1_600_000_000, linkTarget: `${'t/'.repeat(60)}end` },
    ]);
    assert.equal(archive.length % RECORD, 0, 'padded to a whole record');
    const dir = extract(archive);
    dirs.push(dir);
    assert.deepEqual(readFileSync(join(dir, 'bin.dat')), binary);
    assert.equal(lstatSync(join(dir, 'empty')).isDirectory(), true);
    assert.equal(lstatSync(join(dir, 'empty')).mode & 0o777, 0o700);
    assert.equal(lstatSync(join(dir, 'run.sh')).mode & 0o777, 0o755);
    assert.equal(Math.floor(lstatSync(join(dir, 'bin.dat')).mtimeMs / 1000), 1_650_000_000);
    assert.equal(readFileSync(join(dir, 'zero.txt')).length, 0);
    assert.equal(readFileSync(join(dir, deep), 'utf8'), 'deep');
    assert.equal(readFileSync(join(dir, unicode), 'utf8'), 'u');
    assert.equal(readFileSync(join(dir, 'x'.repeat(180)), 'utf8'), 'long single name');
    assert.equal(readlinkSync(join(dir, 'latest')), 'bin.dat');
    assert.equal(readlinkSync(join(dir, 'far')), `${'t/'.repeat(60)}end`);
  });

  it('keeps the archive valid when a file changes size while it is read', async () => {
    const mismatches: Array<[string, number, number]> = [];
    const grew: TarEntry = {
      type: 'file',
      path: 'grew',
      mode: 0o644,
      mtime: 1,
      size: 3,
      content: async function* () {
        yield Buffer.from('abcdef');
      },
    };
    const shrank: TarEntry = {
      type: 'file',
      path: 'shrank',
      mode: 0o644,
      mtime: 1,
      size: 600,
      content: async function* () {
        yield Buffer.from('xy');
      },
    };
    const parts: Buffer[] = [];
    for await (const b of tarStream([grew, shrank, fileEntry('after', Buffer.from('ok'))], {
      onSizeMismatch: (p, e, a) => mismatches.push([p, e, a]),
    }))
      parts.push(b);
    const dir = extract(Buffer.concat(parts));
    dirs.push(dir);
    assert.equal(readFileSync(join(dir, 'grew'), 'utf8'), 'abc');
    assert.equal(readFileSync(join(dir, 'shrank')).length, 600);
    assert.equal(readFileSync(join(dir, 'after'), 'utf8'), 'ok');
    assert.deepEqual(mismatches, [
      ['grew', 3, 6],
      ['shrank', 600, 2],
    ]);
  });

  // The cases of tar-stream's own pack tests (one and several files, types, long names through
  // the ustar prefix and through pax, unicode) and the ustar field limits on both sides.
  for (const reader of ['gnu', 'busybox'] as const) {
    const title = `writes names and link targets at and past the ustar limits so that ${reader === 'gnu' ? 'GNU' : 'BusyBox'} tar reads them back exactly`;
    it(reader === 'busybox' && !HAS_BUSYBOX ? `${title} (skipped: busybox is not installed)` : title, async function () {
      if (reader === 'busybox' && !HAS_BUSYBOX) return this.skip();
      const names = [
        'n'.repeat(100), // exactly fills the name field, no NUL after it
        'o'.repeat(101), // one byte over, one segment: pax
        `${'p'.repeat(155)}/${'q'.repeat(100)}`, // exactly prefix + name
        `${'r'.repeat(156)}/${'s'.repeat(100)}`, // the prefix one byte too long: pax
        `${'t'.repeat(100)}/${'u'.repeat(101)}`, // the name part too long: pax
        'é'.repeat(50), // 100 bytes of two-byte characters
        'ü'.repeat(51), // 102 bytes: the 100-byte cut falls inside a character
        `${'模型/'.repeat(30)}权重.bin`, // three-byte characters across the prefix split
        'høstål.txt',
        'with space .txt',
        'line\nbreak',
      ];
      const links: Array<[string, string]> = [
        ['link100', 'l'.repeat(100)],
        ['link101', 'm'.repeat(101)],
        ['linkutf8', 'ß'.repeat(60)],
      ];
      const entries: TarEntry[] = [
        ...[
          ...new Set(
            names.flatMap((n) =>
              n
                .split('/')
                .slice(0, -1)
                .map((_, i, a) => a.slice(0, i + 1).join('/')),
            ),
          ),
        ].map((d): TarEntry => ({ type: 'dir', path: d, mode: 0o755, mtime: 1_600_000_000 })),
        ...names.map((n, i) => fileEntry(n, Buffer.from(`content ${i}`), i % 2 ? 0o755 : 0o640)),
        fileEntry('empty', Buffer.alloc(0)),
        ...links.map(([path, linkTarget]): TarEntry => ({ type: 'symlink', path, mode: 0o777, mtime: 1_600_000_000, linkTarget })),
      ];
      const dir = extract(await tarBuffer(entries), reader);
      dirs.push(dir);
      const walk = (d: string, prefix = ''): string[] =>
        readdirSync(join(dir, d), { withFileTypes: true }).flatMap((e) => {
          const rel = prefix ? `${prefix}/${e.name}` : e.name;
          return e.isDirectory() ? [rel, ...walk(join(d, e.name), rel)] : [rel];
        });
      assert.deepEqual(walk('').sort(), entries.map((e) => e.path).sort());
      names.forEach((n, i) => {
        assert.equal(readFileSync(join(dir, n), 'utf8'), `content ${i}`, n);
        assert.equal(lstatSync(join(dir, n)).mode & 0o777, i % 2 ? 0o755 : 0o640, n);
      });
      assert.equal(readFileSync(join(dir, 'empty')).length, 0);
      for (const [path, target] of links) assert.equal(readlinkSync(join(dir, path)), target);
    });
  }
});
