import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeMLError } from '../../common/errors';
import { LocalShellTransport } from './localShellTransport';
import { podInfoFromJson } from '../../sync/pods';
import { argvChunks, classifyExecError, exitCodeOf, isRetryable, reconcile } from './transport';

const pod = { namespace: 'ns', name: 'p' };

describe('sync transport', () => {
  it('reads exit codes from the exec status', () => {
    assert.equal(exitCodeOf({ status: 'Success' }), 0);
    assert.equal(
      exitCodeOf({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } }),
      3,
    );
    assert.equal(exitCodeOf({ status: 'Failure', message: 'command not found' }), -1);
  });

  it('classifies exec failures: pod gone, forbidden, lost connection', () => {
    const gone = classifyExecError(new Error('Unexpected server response: 404'), pod);
    assert.equal(gone.kind, 'not-found');
    assert.equal(isRetryable(gone), false);
    assert.equal(classifyExecError(new Error('Unexpected server response: 403'), pod).kind, 'forbidden');
    const lost = classifyExecError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), pod);
    assert.equal(lost.kind, 'unreachable');
    assert.equal(isRetryable(lost), true);
    assert.equal(isRetryable(new KubeMLError('server', 'x')), true);
  });

  it('splits long argument lists to keep exec URLs bounded', () => {
    const args = Array.from({ length: 5000 }, (_, i) => `folder/with/a/longish/name/file-${i}.py`);
    const chunks = argvChunks(args);
    assert.ok(chunks.length > 1);
    assert.deepEqual(chunks.flat(), args);
    for (const c of chunks) assert.ok(c.reduce((n, a) => n + Buffer.byteLength(a) * 3 + 16, 0) <= 48 * 1024);
  });

  it('reads pod status: running container, restarts and recreation change the incarnation', () => {
    const base = {
      metadata: { name: 'p', namespace: 'ns', uid: 'u1' },
      spec: { containers: [{ name: 'main' }] },
      status: { phase: 'Running', containerStatuses: [{ name: 'main', restartCount: 0, state: { running: { startedAt: 't1' } } }] },
    };
    const a = podInfoFromJson(base)!;
    assert.equal(a.running, true);
    assert.deepEqual(a.ref, { namespace: 'ns', name: 'p', container: 'main' });
    const restarted = podInfoFromJson({
      ...base,
      status: { phase: 'Running', containerStatuses: [{ name: 'main', restartCount: 1, state: { running: { startedAt: 't2' } } }] },
    })!;
    assert.notEqual(restarted.incarnation, a.incarnation);
    assert.notEqual(podInfoFromJson({ ...base, metadata: { ...base.metadata, uid: 'u2' } })!.incarnation, a.incarnation);
    assert.equal(podInfoFromJson({ ...base, status: { phase: 'Pending' } })!.running, false);
  });
});

describe('sync reconcile through the scripts (local shell)', () => {
  let base: string;
  let local: string;
  let remote: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'kubeml-reconcile-'));
    local = join(base, 'local');
    remote = join(base, 'remote');
    mkdirSync(join(local, 'src'), { recursive: true });
    writeFileSync(join(local, 'src/a.py'), 'a');
    writeFileSync(join(local, 'keep.txt'), 'k');
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('sends only differences, and a no-op the second time', async () => {
    const t = new LocalShellTransport();
    const first = await reconcile(t, local, remote, undefined);
    assert.deepEqual(first.plan.uploads, ['keep.txt', 'src/a.py']);
    const second = await reconcile(t, local, remote, undefined);
    assert.deepEqual([second.plan.uploads, second.plan.mkdirs, second.plan.deletes], [[], [], []]);
    writeFileSync(join(local, 'src/a.py'), 'changed');
    const third = await reconcile(t, local, remote, undefined);
    assert.deepEqual(third.plan.uploads, ['src/a.py']);
    assert.equal(readFileSync(join(remote, 'src/a.py'), 'utf8'), 'changed');
  });

  it('keeps remote-only files by default and removes them in mirror mode, except ignored ones', async () => {
    mkdirSync(remote, { recursive: true });
    writeFileSync(join(remote, 'extra.txt'), 'e');
    writeFileSync(join(remote, 'run.log'), 'l');
    writeFileSync(join(local, '.gitignore'), '*.log\n');
    const t = new LocalShellTransport();
    await reconcile(t, local, remote, undefined);
    assert.equal(existsSync(join(remote, 'extra.txt')), true);
    await reconcile(t, local, remote, undefined, { mirror: true });
    assert.equal(existsSync(join(remote, 'extra.txt')), false);
    assert.equal(existsSync(join(remote, 'run.log')), true);
  });

  it('replaces a remote symlink that would lead outside instead of writing through it', async () => {
    const outside = join(base, 'outside');
    mkdirSync(outside);
    mkdirSync(remote, { recursive: true });
    symlinkSync(outside, join(remote, 'src'));
    await reconcile(new LocalShellTransport(), local, remote, undefined);
    assert.equal(existsSync(join(outside, 'a.py')), false);
    assert.equal(readFileSync(join(remote, 'src/a.py'), 'utf8'), 'a');
  });
});
