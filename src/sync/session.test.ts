import { strict as assert } from 'node:assert';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger, nullSink } from '../common/logging';
import { LocalShellTransport } from '../cluster/stream/localShellTransport';
import { type PodInfo, type PodSource, type PodSourceListener } from './pods';
import { SyncSession, type SyncStatus } from './session';

/**
 * A pod source the test controls, as the watch-backed sources behave: setting `pods` is a change
 * of the watched set, setting `failing` makes the watch fail (or answer again).
 */
class FakePods implements PodSource {
  readonly dynamic = false;
  readonly description = 'test/pod';
  private _pods: PodInfo[] = [{ ref: { namespace: 'test', name: 'pod' }, incarnation: 'uid-1/0', running: true }];
  private _failing = false;
  private listener: PodSourceListener | undefined;
  get pods(): PodInfo[] {
    return this._pods;
  }
  set pods(p: PodInfo[]) {
    this._pods = p;
    if (!this._failing) this.listener?.onPods(p);
  }
  get failing(): boolean {
    return this._failing;
  }
  set failing(f: boolean) {
    this._failing = f;
    this.listener?.onError(f ? 'API server unreachable' : undefined);
  }
  async follow(listener: PodSourceListener, signal: AbortSignal): Promise<PodInfo[]> {
    if (this._failing) throw new Error('API server unreachable');
    this.listener = listener;
    signal.addEventListener('abort', () => (this.listener = undefined), { once: true });
    return this._pods;
  }
  current(): PodInfo[] {
    return this._pods;
  }
}

async function until(cond: () => boolean, what: string, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('sync session (local shell transport)', function () {
  this.timeout(20_000);
  let base: string;
  let local: string;
  let remote: string;
  let pods: FakePods;
  let transport: LocalShellTransport;
  let session: SyncSession;
  let statuses: SyncStatus[];
  let lines: string[];

  beforeEach(async () => {
    base = mkdtempSync(join(tmpdir(), 'kubeml-session-'));
    local = join(base, 'local');
    remote = join(base, 'pod', 'workspace');
    mkdirSync(join(local, 'src'), { recursive: true });
    writeFileSync(join(local, 'src/train.py'), 'print("train")\n');
    writeFileSync(join(local, '.gitignore'), '*.log\n');
    writeFileSync(join(local, 'debug.log'), 'noise');
    mkdirSync(join(remote, 'outputs'), { recursive: true });
    writeFileSync(join(remote, 'outputs/ckpt.pt'), 'remote only');
    pods = new FakePods();
    transport = new LocalShellTransport();
    session = new SyncSession({
      localRoot: local,
      remoteFolder: remote,
      pods,
      transportFor: () => transport,
      log: new Logger(nullSink),
      pollMs: 50,
      backoffMs: { initial: 20, max: 100 },
      maxFileSize: 1000,
    });
    statuses = [];
    lines = [];
    session.onDidChangeStatus((s) => statuses.push(s));
    session.onDidLog((l) => lines.push(l));
    await session.start();
    await session.whenSettled();
  });
  afterEach(() => {
    session.dispose();
    rmSync(base, { recursive: true, force: true });
  });

  it('reconciles first: sends files, honours ignore rules, keeps remote-only files', () => {
    assert.equal(readFileSync(join(remote, 'src/train.py'), 'utf8'), 'print("train")\n');
    assert.equal(existsSync(join(remote, 'debug.log')), false);
    assert.equal(readFileSync(join(remote, 'outputs/ckpt.pt'), 'utf8'), 'remote only');
    assert.equal(session.status.kind, 'idle');
    assert.ok(lines.some((l) => l.includes('sent src/train.py')));
  });

  it('propagates create, modify, rename, delete, modes and empty folders', async () => {
    writeFileSync(join(local, 'new.py'), 'x = 1\n');
    writeFileSync(join(local, 'src/train.py'), 'print("v2")\n');
    mkdirSync(join(local, 'empty'));
    writeFileSync(join(local, 'run.sh'), '#!/bin/sh\n');
    chmodSync(join(local, 'run.sh'), 0o755);
    await until(
      () => existsSync(join(remote, 'new.py')) && existsSync(join(remote, 'empty')) && existsSync(join(remote, 'run.sh')),
      'creations',
    );
    await until(() => readFileSync(join(remote, 'src/train.py'), 'utf8') === 'print("v2")\n', 'the change');
    await until(() => (lstatSync(join(remote, 'run.sh')).mode & 0o777) === 0o755, 'the mode');
    renameSync(join(local, 'new.py'), join(local, 'renamed.py'));
    rmSync(join(local, 'src'), { recursive: true });
    await until(
      () => existsSync(join(remote, 'renamed.py')) && !existsSync(join(remote, 'new.py')) && !existsSync(join(remote, 'src')),
      'rename and delete',
    );
    assert.equal(readFileSync(join(remote, 'outputs/ckpt.pt'), 'utf8'), 'remote only');
  });

  it('skips files over the size limit with a log line', async () => {
    writeFileSync(join(local, 'big.bin'), Buffer.alloc(5000));
    writeFileSync(join(local, 'after.txt'), 'ok');
    await until(() => existsSync(join(remote, 'after.txt')), 'the small file');
    assert.equal(existsSync(join(remote, 'big.bin')), false);
    assert.ok(lines.some((l) => /Skipped big\.bin: larger than the limit/.test(l)));
  });

  it('retries a lost connection with backoff, then reconciles everything', async () => {
    transport.failNext = 2;
    writeFileSync(join(local, 'during-outage.py'), '1');
    await until(() => statuses.some((s) => s.kind === 'error'), 'an error status');
    await until(() => existsSync(join(remote, 'during-outage.py')), 'the file after recovery');
    await until(() => session.status.kind === 'idle', 'idle again');
    assert.ok(lines.some((l) => /Retrying in/.test(l)));
  });

  it('re-syncs a recreated pod and stops when the pod is gone', async () => {
    rmSync(remote, { recursive: true });
    pods.pods = [{ ...pods.pods[0], incarnation: 'uid-2/0' }];
    await until(() => existsSync(join(remote, 'src/train.py')), 'the re-sync');
    pods.pods = [];
    await until(() => session.status.kind === 'stopped', 'the stop');
    assert.match((session.status as { reason: string }).reason, /gone/);
  });

  it('reports an unreachable API server and re-syncs when it answers again', async () => {
    pods.failing = true;
    await until(() => session.status.kind === 'error', 'the error status');
    rmSync(join(remote, 'src'), { recursive: true });
    pods.failing = false;
    await until(() => existsSync(join(remote, 'src/train.py')), 'the full re-sync after recovery');
  });

  it('re-reads ignore rules when an ignore file changes', async () => {
    writeFileSync(join(local, '.gitignore'), '');
    await until(() => existsSync(join(remote, 'debug.log')), 'the newly included file');
  });
});
