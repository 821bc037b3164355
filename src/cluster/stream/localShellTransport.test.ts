import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalShellTransport } from './localShellTransport';
import { reconcile } from './transport';

/** Every path under `dir` (relative, POSIX), as the file system names them: the reference listing. */
function walk(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    if (d.name === '.git') continue;
    const rel = prefix ? `${prefix}/${d.name}` : d.name;
    out.push(rel);
    if (d.isDirectory()) out.push(...walk(join(dir, d.name), rel));
  }
  return out.sort();
}

/** The applets a BusyBox image has, put first on PATH, so that the scripts run BusyBox's find, stat and tar. */
function busyboxPath(base: string): string | undefined {
  if (spawnSync('busybox', ['true']).status !== 0) return undefined;
  const bin = join(base, 'busybox-bin');
  mkdirSync(bin);
  for (const applet of ['sh', 'find', 'stat', 'tar', 'mkdir', 'rm', 'printf', 'cat']) {
    symlinkSync(spawnSync('sh', ['-c', 'command -v busybox']).stdout.toString().trim(), join(bin, applet));
  }
  return `${bin}:${process.env.PATH ?? ''}`;
}

const HAS_BUSYBOX = spawnSync('busybox', ['true']).status === 0;

describe('local shell transport: the sync scripts end to end', () => {
  let base: string;
  let local: string;
  let remote: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'kubeml-lst-'));
    local = join(base, 'local');
    remote = join(base, 'pod', 'workspace');
    mkdirSync(join(local, 'src'), { recursive: true });
    mkdirSync(remote, { recursive: true });
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  const flavours: Array<{ name: string; transport: () => LocalShellTransport | undefined }> = [
    { name: 'GNU find and coreutils', transport: () => new LocalShellTransport() },
    {
      name: HAS_BUSYBOX ? 'BusyBox find, stat and tar' : 'BusyBox find, stat and tar (skipped: busybox is not installed here)',
      transport: () => {
        const path = busyboxPath(base);
        return path ? new LocalShellTransport({ env: { ...process.env, PATH: path } }) : undefined;
      },
    },
  ];

  for (const flavour of flavours) {
    describe(flavour.name, () => {
      it('lists names with line breaks as one entry each, never as forged entries', async function () {
        const transport = flavour.transport();
        if (!transport) return this.skip();
        // A folder and a file whose path, in a line-based listing, reads as two entries: the
        // folder cut short ("evil") and a file "forged" at the top.
        mkdirSync(join(remote, 'evil\nf 644 1 1 .'));
        writeFileSync(join(remote, 'evil\nf 644 1 1 ./forged'), 'x');
        mkdirSync(join(remote, 'two\nlines'));
        writeFileSync(join(remote, 'two\nlines/inner'), 'abc');
        writeFileSync(join(remote, 'plain.txt'), 'p');
        const { tree, unreadable } = await transport.list(remote);
        assert.deepEqual([...tree.keys()].sort(), walk(remote));
        assert.equal(unreadable, 0);
        assert.equal(tree.get('two\nlines/inner')?.size, 3);
        assert.equal(tree.get('two\nlines')?.type, 'dir');
      });

      it('syncs names with line breaks: sent, then seen as identical, then removed in mirror mode', async function () {
        const transport = flavour.transport();
        if (!transport) return this.skip();
        writeFileSync(join(local, 'src/line\nbreak.py'), 'print(1)\n');
        mkdirSync(join(local, 'dir\nname'));
        writeFileSync(join(local, 'dir\nname/\nends with a break\n'), 'edges');
        writeFileSync(join(remote, 'remote\nonly'), 'stale');
        const first = await reconcile(transport, local, remote, undefined, { mirror: true });
        assert.deepEqual(first.skipped, []);
        assert.equal(readFileSync(join(remote, 'src/line\nbreak.py'), 'utf8'), 'print(1)\n');
        assert.equal(readFileSync(join(remote, 'dir\nname/\nends with a break\n'), 'utf8'), 'edges');
        assert.equal(existsSync(join(remote, 'remote\nonly')), false, 'mirror mode left a remote-only name with a line break');
        assert.deepEqual(walk(remote), walk(local));
        const second = await reconcile(transport, local, remote, undefined, { mirror: true });
        assert.deepEqual(
          [second.plan.mkdirs, second.plan.uploads, second.plan.deletes],
          [[], [], []],
          'the second reconcile found differences',
        );
      });
    });
  }
});
