import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger, nullSink } from '../common/logging';
import { LocalShellTransport } from '../cluster/stream/localShellTransport';
import { trainPod0, withStatus } from '../cluster/read/fixtures';
import { type PodInfo, type PodSource, type PodSourceListener, podInfoFromJson } from './pods';
import { SyncSession, type SyncStatus } from './session';

/** Issue #18 (a): the status follows the pods' life; a finished pod is not "in sync". */

class TestPods implements PodSource {
  readonly description = 'test/pod';
  private listener: PodSourceListener | undefined;
  constructor(
    readonly dynamic: boolean,
    private pods: PodInfo[],
  ) {}
  set(p: PodInfo[]): void {
    this.pods = p;
    this.listener?.onPods(p);
  }
  async follow(listener: PodSourceListener, signal: AbortSignal): Promise<PodInfo[]> {
    this.listener = listener;
    signal.addEventListener('abort', () => (this.listener = undefined), { once: true });
    return this.pods;
  }
  current(): PodInfo[] {
    return this.pods;
  }
}

const pod = (name: string, over: Partial<PodInfo> = {}): PodInfo => ({
  ref: { namespace: 'test', name },
  incarnation: `uid-${name}/0`,
  running: true,
  ...over,
});

async function until(cond: () => boolean, what: string, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('sync status follows the pods (local shell transport)', function () {
  this.timeout(20_000);
  let base: string;
  let local: string;
  let remote: string;
  let session: SyncSession | undefined;
  let statuses: SyncStatus[];

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'kubeml-sync-status-'));
    local = join(base, 'local');
    remote = join(base, 'pod');
    mkdirSync(local);
    writeFileSync(join(local, 'train.py'), 'print(1)\n');
    statuses = [];
  });
  afterEach(() => {
    session?.dispose();
    session = undefined;
    rmSync(base, { recursive: true, force: true });
  });

  async function open(pods: PodSource): Promise<SyncSession> {
    const s = new SyncSession({
      localRoot: local,
      remoteFolder: remote,
      pods,
      transportFor: () => new LocalShellTransport(),
      log: new Logger(nullSink),
    });
    session = s;
    s.onDidChangeStatus((st) => statuses.push(st));
    await s.start();
    await s.whenSettled();
    return s;
  }

  it('Start Sync on one pod: when it completes, the session stops and says the pod completed', async () => {
    const pods = new TestPods(false, [pod('p1')]);
    const s = await open(pods);
    assert.deepEqual(s.status, { kind: 'idle', pods: 1 });
    pods.set([pod('p1', { running: false, ended: 'completed' })]);
    await until(() => s.status.kind === 'stopped', 'the stop');
    const final = s.status as SyncStatus;
    assert.match(final.kind === 'stopped' ? final.reason : final.kind, /test\/p1 completed/);
  });

  it('a run (pods by selector): when its only pod fails, the status says no pod is in sync, then a new pod is synced', async () => {
    const pods = new TestPods(true, [pod('r0')]);
    const s = await open(pods);
    pods.set([pod('r0', { running: false, ended: 'failed' })]);
    await until(() => s.status.kind !== 'idle', 'a status other than in sync');
    assert.deepEqual(s.status, { kind: 'waiting', pods: 0, detail: 'test/r0 failed', ended: true });
    rmSync(remote, { recursive: true });
    pods.set([pod('r0', { running: false, ended: 'failed' }), pod('r1')]);
    await until(() => existsSync(join(remote, 'train.py')), 'the new pod synced');
    await until(() => s.status.kind === 'idle', 'in sync again');
    assert.deepEqual(s.status, { kind: 'idle', pods: 1 });
  });

  it('a pod whose container is not running is not counted as in sync', async () => {
    const pods = new TestPods(true, [pod('r0'), pod('r1')]);
    const s = await open(pods);
    assert.deepEqual(s.status, { kind: 'idle', pods: 2 });
    pods.set([pod('r0'), pod('r1', { running: false })]);
    await until(() => s.status.kind === 'idle' && s.status.pods === 1, 'one pod in sync');
    pods.set([pod('r0', { running: false }), pod('r1', { running: false })]);
    await until(() => s.status.kind === 'waiting', 'waiting');
    assert.deepEqual(s.status, { kind: 'waiting', pods: 0, detail: 'the container of 2 pod(s) is not running', ended: false });
  });

  it('Start Sync on a pod that already completed: refused with a message that says so', async () => {
    const pods = new TestPods(false, [pod('p1', { running: false, ended: 'completed' })]);
    await assert.rejects(() => open(pods), /test\/p1 completed: nothing to sync with/);
  });

  it('podInfoFromJson: a completed, failed or deleted pod has ended', () => {
    const phase = (p: string) => podInfoFromJson(withStatus(trainPod0, { ...(trainPod0.status as object), phase: p }) as never)!;
    assert.equal(phase('Succeeded').ended, 'completed');
    assert.equal(phase('Failed').ended, 'failed');
    assert.equal(phase('Running').ended, undefined);
    assert.equal(phase('Pending').ended, undefined);
    const deleting = { ...trainPod0, metadata: { ...trainPod0.metadata, deletionTimestamp: '2025-06-01T12:00:00Z' } };
    assert.equal(podInfoFromJson(deleting as never)!.ended, 'is gone (being deleted)');
  });
});
