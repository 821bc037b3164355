import { strict as assert } from 'node:assert';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger, nullSink } from '../common/logging';
import { LocalShellTransport } from '../cluster/stream/localShellTransport';
import { reconcile } from '../cluster/stream/transport';
import { scanLocalTree, workspaceIgnore } from '../cluster/stream/tree/localTree';
import { type PodInfo, type PodSource, type PodSourceListener } from './pods';
import { SyncSession } from './session';

/** One pod that stays running. */
class OnePod implements PodSource {
  readonly dynamic = false;
  readonly description = 'test/pod';
  readonly pods: PodInfo[] = [{ ref: { namespace: 'test', name: 'pod' }, incarnation: 'uid-1/0', running: true }];
  async follow(_l: PodSourceListener, _s: AbortSignal): Promise<PodInfo[]> {
    return this.pods;
  }
  current(): PodInfo[] {
    return this.pods;
  }
}

async function until(cond: () => boolean, what: string, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Issue #18 (c): saving train.py in a followed run logged "deleted cluster" in the pod. The
 * sample workspace's .kubemlignore excludes cluster/ and out/; the run's upload honoured it, and
 * sync must leave ignored paths in the pod alone, whatever the watcher reports.
 */
describe('sync session and ignored folders (samples workspace, local shell transport)', function () {
  this.timeout(30_000);
  let base: string;
  let local: string;
  let remote: string;
  let session: SyncSession | undefined;
  let lines: string[];

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'kubeml-sync-ignore-'));
    local = join(base, 'workspace');
    remote = join(base, 'pod', 'workspace', 'code');
    cpSync(join(__dirname, '../../samples'), local, { recursive: true });
    lines = [];
  });
  afterEach(() => {
    session?.dispose();
    session = undefined;
    rmSync(base, { recursive: true, force: true });
  });

  it('saving train.py sends it and removes nothing in the pod (cluster/ and out/ are in .kubemlignore)', async () => {
    // The run's upload (the launcher's uploadTree with the run's exclude), then the run writes its outputs.
    const upload = await reconcile(new LocalShellTransport(), local, remote, []);
    assert.ok(upload.plan.uploads.includes('train.py'));
    assert.equal(existsSync(join(remote, 'cluster')), false, 'the upload left cluster/ out');
    mkdirSync(join(remote, 'out'));
    writeFileSync(join(remote, 'out/model.pkl'), 'trained');
    mkdirSync(join(local, 'out'));
    writeFileSync(join(local, 'out/local.pkl'), 'local output');

    session = new SyncSession({
      localRoot: local,
      remoteFolder: remote,
      pods: new OnePod(),
      transportFor: () => new LocalShellTransport(),
      log: new Logger(nullSink),
      ignore: [],
    });
    session.onDidLog((l) => lines.push(l));
    await session.start();
    await session.whenSettled();

    writeFileSync(join(local, 'train.py'), readFileSync(join(local, 'train.py'), 'utf8') + '\n# edited\n');
    await until(() => readFileSync(join(remote, 'train.py'), 'utf8').endsWith('# edited\n'), 'the saved train.py in the pod');
    await session.whenSettled();
    assert.deepEqual(
      lines.filter((l) => /deleted/.test(l)),
      [],
    );
    assert.equal(readFileSync(join(remote, 'out/model.pkl'), 'utf8'), 'trained');
    assert.equal(existsSync(join(remote, 'cluster')), false);
  });
});

describe('workspaceIgnore: the rules upload and sync share', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'kubeml-ws-ignore-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('reads the ignore files of every folder, with the extra patterns, as the scan applies them', async () => {
    mkdirSync(join(root, 'pkg/deep'), { recursive: true });
    mkdirSync(join(root, 'skipped'), { recursive: true });
    writeFileSync(join(root, '.kubemlignore'), 'skipped/\n');
    writeFileSync(join(root, 'pkg/deep/.gitignore'), '*.tmp\n');
    writeFileSync(join(root, 'pkg/deep/a.tmp'), '');
    writeFileSync(join(root, 'pkg/deep/a.py'), '');
    writeFileSync(join(root, 'skipped/kept.py'), '');
    const m = await workspaceIgnore(root, ['*.csv']);
    assert.equal(m.ignores('pkg/deep/a.tmp', false), true);
    assert.equal(m.ignores('pkg/deep/a.py', false), false);
    assert.equal(m.ignores('skipped', true), true);
    assert.equal(m.ignores('x.py', false), false);
    assert.equal(m.ignores('data.csv', false), true);
    const scan = await scanLocalTree(root, { ignore: ['*.csv'] });
    assert.deepEqual([...scan.tree.keys()].sort(), ['.kubemlignore', 'pkg', 'pkg/deep', 'pkg/deep/.gitignore', 'pkg/deep/a.py']);
  });
});
