import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger, nullSink } from '../common/logging';
import { FakeApiServer, trackTimers, type FakeRequest } from '../cluster/read/fakeApiServer';
import { trainPod0, withStatus } from '../cluster/read/fixtures';
import { type InformerOptions } from '../cluster/read/informer';
import { type KubeObject } from '../cluster/read/informerState';
import { LocalShellTransport } from '../cluster/stream/localShellTransport';
import { NamedPods, type PodInfo, SelectedPods } from './pods';
import { SyncSession } from './session';

const PODS = '/api/v1/namespaces/team/pods';
const FAST: InformerOptions = { coalesceMs: 1, backoffInitialMs: 1, backoffMaxMs: 2, silenceMs: 60_000 };
const RUN = 'kubeml.io/run=r1';
const log = new Logger(nullSink);

/** A running pod of the fixtures (container "trainer") under another name, with the run's label. */
function rank(name: string, run = 'r1', restartCount = 0): KubeObject {
  const p = withStatus(trainPod0, {
    ...(trainPod0.status as object),
    containerStatuses: [
      {
        ...(trainPod0.status as { containerStatuses: object[] }).containerStatuses[0],
        restartCount,
        state: { running: { startedAt: `2025-06-01T11:3${restartCount}:00Z` } },
      },
    ],
  });
  return { ...p, metadata: { ...p.metadata, name, uid: `uid-${name}`, labels: { 'kubeml.io/run': run } } };
}
const stopped = (o: KubeObject) =>
  withStatus(o, {
    ...(o.status as object),
    phase: 'Running',
    containerStatuses: [{ name: 'trainer', restartCount: 0, state: { waiting: { reason: 'CrashLoopBackOff' } } }],
  });
const lists = (api: FakeApiServer) => api.requests.filter((r) => r.path === PODS && !r.watch).length;
const brief = (ps: PodInfo[]) => ps.map((p) => `${p.ref.name}:${p.ref.container}:${p.running ? 'running' : 'waiting'}:${p.incarnation}`);

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('pod sources: watched, not polled', () => {
  let api: FakeApiServer;
  let ctl: AbortController;
  let timers: ReturnType<typeof trackTimers>;
  beforeEach(() => {
    timers = trackTimers();
    api = new FakeApiServer();
    ctl = new AbortController();
  });
  afterEach(async () => {
    ctl.abort();
    for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
    timers.stop();
    assert.deepEqual(api.openWatches(), [], 'a watch was left open after the session stopped');
    assert.deepEqual(timers.pending(), [], 'a timer was left running after the session stopped');
  });

  it('SelectedPods: the ranks of a run with their container; a new rank, a restart and a deletion arrive over the watch', async () => {
    api.put(rank('r1-0'), rank('r2-0', 'r2'));
    const src = new SelectedPods(api.client, 'team', RUN, 'trainer', log, FAST);
    const seen: PodInfo[][] = [];
    const first = await src.follow({ onPods: (p) => seen.push(p), onError: () => undefined }, ctl.signal);
    assert.deepEqual(brief(first), ['r1-0:trainer:running:uid-r1-0/0/2025-06-01T11:30:00Z']);
    assert.equal(src.dynamic, true);
    await api.seen((r) => r.path === PODS && r.watch);
    api.put(rank('r1-1'));
    await until(() => seen.length === 1, 'the new rank');
    api.put(rank('r1-0', 'r1', 1));
    await until(() => seen.length === 2, 'the restart');
    assert.deepEqual(brief(seen[1]!), [
      'r1-0:trainer:running:uid-r1-0/1/2025-06-01T11:31:00Z',
      'r1-1:trainer:running:uid-r1-1/0/2025-06-01T11:30:00Z',
    ]);
    api.delete(rank('r1-1'));
    await until(() => seen.length === 3, 'the deletion');
    assert.deepEqual(
      brief(seen[2]!).map((s) => s.split(':')[0]),
      ['r1-0'],
    );
    assert.deepEqual(brief(src.current()), brief(seen[2]!));
    assert.equal(lists(api), 1, 'one list, then only the watch');
  });

  it('NamedPods: one pod by name (metadata.name), absent is empty, and its deletion empties the set', async () => {
    api.put(rank('p1'), rank('p2'));
    const src = new NamedPods(
      api.client,
      [
        { namespace: 'team', name: 'p1', container: 'trainer' },
        { namespace: 'team', name: 'gone' },
      ],
      log,
      FAST,
    );
    const seen: PodInfo[][] = [];
    const first = await src.follow({ onPods: (p) => seen.push(p), onError: () => undefined }, ctl.signal);
    assert.deepEqual(
      first.map((p) => p.ref.name),
      ['p1'],
    );
    assert.equal(src.dynamic, false);
    assert.deepEqual(
      api.requests
        .filter((r) => !r.watch)
        .map((r) => r.query.fieldSelector)
        .sort(),
      ['metadata.name=gone', 'metadata.name=p1'],
    );
    await api.seen((r) => r.watch, 2);
    api.delete(rank('p1'));
    await until(() => seen.length === 1, 'the deletion');
    assert.deepEqual(seen[0], []);
  });

  it('tells the session when the watch fails and when it answers again; a failing first read rejects', async () => {
    api.put(rank('r1-0'));
    const isPods = (r: FakeRequest) => r.path === PODS;
    api.fail(isPods, { network: 'ECONNREFUSED' });
    await assert.rejects(
      new SelectedPods(api.client, 'team', RUN, 'trainer', log, FAST).follow(
        { onPods: () => undefined, onError: () => undefined },
        ctl.signal,
      ),
      /refused the connection/,
    );
    const errors: Array<string | undefined> = [];
    const src = new SelectedPods(api.client, 'team', RUN, 'trainer', log, FAST);
    await src.follow({ onPods: () => undefined, onError: (m) => errors.push(m) }, ctl.signal);
    await api.seen((r) => isPods(r) && r.watch);
    api.fail(isPods, { network: 'ECONNREFUSED' }, 3);
    for (const w of api.openWatches()) w.break();
    await until(() => errors.length === 2, 'the error, then the recovery');
    assert.match(errors[0]!, /refused the connection/);
    assert.equal(errors[1], undefined);
  });

  describe('a session on a watched source (local shell as the pod)', () => {
    let base: string;
    let session: SyncSession | undefined;
    afterEach(() => {
      session?.dispose();
      rmSync(base, { recursive: true, force: true });
    });

    it('re-syncs a restarted container, waits while it is down, and stops when the pod is deleted: all from watch events, one list', async () => {
      base = mkdtempSync(join(tmpdir(), 'kubeml-pods-'));
      const local = join(base, 'local');
      const remote = join(base, 'pod');
      mkdirSync(local);
      writeFileSync(join(local, 'train.py'), 'print(1)\n');
      api.put(rank('p1'));
      const lines: string[] = [];
      const s = new SyncSession({
        localRoot: local,
        remoteFolder: remote,
        pods: new NamedPods(api.client, [{ namespace: 'team', name: 'p1', container: 'trainer' }], log, FAST),
        transportFor: () => new LocalShellTransport(),
        log,
      });
      session = s;
      s.onDidLog((l) => lines.push(l));
      await s.start();
      await s.whenSettled();
      assert.ok(existsSync(join(remote, 'train.py')));
      await api.seen((r) => r.watch);
      api.put(stopped(rank('p1')));
      await until(() => lines.some((l) => /the container is not running; waiting/.test(l)), 'waiting');
      rmSync(remote, { recursive: true });
      api.put(rank('p1', 'r1', 1));
      await until(() => existsSync(join(remote, 'train.py')), 'the re-sync after the restart');
      assert.ok(
        lines.some((l) => /restarted or recreated: full re-sync/.test(l)),
        lines.join('\n'),
      );
      api.delete(rank('p1'));
      await until(() => s.status.kind === 'stopped', 'the stop');
      assert.match((s.status as { reason: string }).reason, /gone/);
      assert.equal(lists(api), 1, 'the pods were listed once and then watched');
    });
  });
});
