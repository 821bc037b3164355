import { strict as assert } from 'node:assert';
import { type KubeMLError } from '../../common/errors';
import { Logger, nullSink } from '../../common/logging';
import { evalJob, failedJob, suspendedJob, trainJob, trainPod0 } from './fixtures';
import { kind } from '../resources';
import { FakeApiServer, trackTimers, type FakeRequest, type FakeWatch } from './fakeApiServer';
import { Informer, type InformerOptions, type InformerStatus } from './informer';
import { type KubeObject, type ObjectChange } from './informerState';

const JOBS = '/apis/batch/v1/namespaces/team/jobs';
const isList = (r: FakeRequest) => r.path === JOBS && !r.watch;
const isWatch = (r: FakeRequest) => r.path === JOBS && r.watch;
/** Fast back-off and coalescing; the silence limit is long unless a test is about it. */
const FAST: InformerOptions = { coalesceMs: 1, backoffInitialMs: 1, backoffMaxMs: 2, silenceMs: 60_000 };

const ticks = async (n = 10) => {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
};
const withName = (o: KubeObject, name: string): KubeObject => ({
  ...structuredClone(o),
  metadata: { ...structuredClone(o.metadata), name, uid: `uid-${name}` },
});

describe('Informer (against a scripted API server)', () => {
  let api: FakeApiServer;
  let inf: Informer | undefined;
  let batches: ObjectChange[][];
  let statuses: InformerStatus[];
  let timers: ReturnType<typeof trackTimers>;

  beforeEach(() => {
    timers = trackTimers();
    api = new FakeApiServer();
    batches = [];
    statuses = [];
  });

  afterEach(async () => {
    inf?.dispose();
    inf = undefined;
    await ticks();
    timers.stop();
    assert.deepEqual(timers.pending(), [], 'the informer left a timer running after dispose');
    assert.deepEqual(api.openWatches(), [], 'the informer left a watch open after dispose');
  });

  function start(opts: InformerOptions = {}, scope: { namespace?: string } = { namespace: 'team' }): Informer {
    inf = new Informer(api.client, kind('jobs'), scope.namespace, new Logger(nullSink), { ...FAST, ...opts });
    inf.onDidChange((b) => batches.push(b));
    inf.onDidChangeStatus((s) => statuses.push(s));
    inf.start();
    return inf;
  }
  /** The next batch of changes the informer fires. */
  const nextBatch = (i: Informer) =>
    new Promise<ObjectChange[]>((resolve) => {
      const d = i.onDidChange((b) => {
        d.dispose();
        resolve(b);
      });
    });
  /** The stream of the n-th watch request (1-based, counting refused ones), once it is answered. */
  async function watch(n: number): Promise<FakeWatch> {
    await api.seen(isWatch, n);
    await ticks(2);
    const req = api.requests.filter(isWatch)[n - 1];
    const w = api.watches.find((x) => x.request === req);
    assert.ok(w, `watch request ${n} was refused, it has no stream`);
    return w;
  }
  const summary = (b: ObjectChange[]) => b.map((c) => `${c.old ? (c.object ? 'mod' : 'del') : 'add'} ${c.key}`).sort();

  it('lists in pages, fires the whole list as one batch, then watches from the list resource version with bookmarks', async () => {
    api.put(trainJob, suspendedJob, evalJob, failedJob, withName(trainJob, 'train-e'));
    const i = start({ pageSize: 2 });
    assert.equal(i.synced, false);
    const first = nextBatch(i);
    await i.whenSynced();
    assert.deepEqual(summary(await first), [
      'add team/eval-resnet',
      'add team/sweep-lr',
      'add team/train-bert',
      'add team/train-e',
      'add team/train-resnet',
    ]);
    const lists = api.requests.filter(isList);
    assert.deepEqual(
      lists.map((r) => [r.query.limit, r.query.continue ?? null]),
      [
        [2, null],
        [2, '1:2'],
        [2, '1:4'],
      ],
    );
    assert.equal(i.items.size, 5);
    assert.equal((i.items.get('team/train-resnet')?.status as { active?: number }).active, 2);
    const w = await watch(1);
    assert.equal(w.resourceVersion, api.resourceVersion);
    assert.equal(w.request.query.allowWatchBookmarks, true);
    assert.ok(
      Number(w.request.query.timeoutSeconds) >= 270 && Number(w.request.query.timeoutSeconds) <= 330,
      'the server-side timeout is 300 s with jitter',
    );
    assert.deepEqual(
      statuses.map((s) => s.kind),
      ['syncing', 'synced'],
    );
    assert.equal(i.status.kind, 'synced');
  });

  it('applies ADDED, MODIFIED and DELETED events, coalescing a burst into one change per object', async () => {
    api.put(trainJob);
    const i = start();
    await i.whenSynced();
    await watch(1);
    let b = nextBatch(i);
    api.put(suspendedJob);
    assert.deepEqual(summary(await b), ['add team/sweep-lr']);
    b = nextBatch(i);
    const done = { ...structuredClone(trainJob), status: { succeeded: 2, conditions: [{ type: 'Complete', status: 'True' }] } };
    api.put(done);
    const [mod] = await b;
    assert.equal((mod!.old!.status as { active?: number }).active, 2);
    assert.equal((mod!.object!.status as { succeeded?: number }).succeeded, 2);
    b = nextBatch(i);
    api.delete(suspendedJob);
    assert.deepEqual(summary(await b), ['del team/sweep-lr']);
    assert.deepEqual([...i.items.keys()], ['team/train-resnet']);
    // A burst: one object added, changed and deleted, another changed twice.
    b = nextBatch(i);
    api.put(evalJob);
    api.put({ ...evalJob, metadata: { ...evalJob.metadata, labels: { v: '2' } } });
    api.delete(evalJob);
    api.put({ ...done, metadata: { ...done.metadata, labels: { v: '2' } } });
    api.put({ ...done, metadata: { ...done.metadata, labels: { v: '3' } } });
    const burst = await b;
    assert.deepEqual(summary(burst), ['mod team/train-resnet']);
    assert.equal(burst[0]!.object!.metadata.labels?.v, '3');
    assert.equal(i.stats.lists, 1);
  });

  it('reassembles events split across chunks and skips a line that is not JSON', async () => {
    const i = start();
    await i.whenSynced();
    const w = await watch(1);
    const b = nextBatch(i);
    const line = JSON.stringify({ type: 'ADDED', object: { ...failedJob, metadata: { ...failedJob.metadata, resourceVersion: '5000' } } });
    w.send('this is not json\n');
    w.send(line.slice(0, 40));
    await ticks();
    w.send(`${line.slice(40)}\n`);
    assert.deepEqual(summary(await b), ['add team/train-bert']);
  });

  it('resumes from the last event when the server ends the watch, without listing again', async () => {
    api.put(trainJob);
    const i = start();
    await i.whenSynced();
    const w1 = await watch(1);
    const b = nextBatch(i);
    api.put(failedJob);
    await b;
    const rvAfterEvent = api.resourceVersion;
    w1.end();
    const w2 = await watch(2);
    assert.equal(w2.resourceVersion, rvAfterEvent);
    assert.equal(i.stats.lists, 1);
    assert.equal(i.stats.relists, 0);
  });

  it('remembers the resource version of a bookmark', async () => {
    const i = start();
    await i.whenSynced();
    const w1 = await watch(1);
    api.put(trainPod0); // another kind: moves the resource version, not this watch
    api.bookmark();
    await ticks();
    w1.end();
    const w2 = await watch(2);
    assert.equal(w2.resourceVersion, api.resourceVersion);
    assert.deepEqual(batches.slice(1), [], 'a bookmark is not a change');
  });

  it('relists on a 410 Gone ERROR event and fires only the differences it missed', async () => {
    api.put(trainJob, evalJob);
    const i = start();
    await i.whenSynced();
    const w1 = await watch(1);
    w1.break(); // the connection drops; meanwhile the cluster changes and etcd compacts
    api.delete(evalJob);
    api.put(failedJob);
    api.compact();
    const b = nextBatch(i);
    const w2 = await watch(2);
    assert.equal(await w2.closed, 'server', 'the API server answers a too old resource version with an ERROR event and closes');
    assert.deepEqual(summary(await b), ['add team/train-bert', 'del team/eval-resnet']);
    assert.deepEqual([i.stats.lists, i.stats.relists], [2, 1]);
    assert.equal(api.requests.filter(isList).at(-1)!.query.continue, undefined);
    const w3 = await watch(3);
    assert.equal(w3.resourceVersion, api.resourceVersion);
    assert.equal(i.status.kind, 'synced');
  });

  it('relists when the watch request itself is answered 410, or a continue token has expired', async () => {
    api.put(trainJob, evalJob, failedJob);
    api.fail((r) => isList(r) && !!r.query.continue, {
      status: 410,
      body: {
        kind: 'Status',
        status: 'Failure',
        reason: 'Expired',
        code: 410,
        message: 'The provided continue parameter is too old to display a consistent list result.',
      },
    });
    const i = start({ pageSize: 2 });
    await i.whenSynced();
    assert.equal(i.items.size, 3);
    assert.deepEqual(
      api.requests.filter(isList).map((r) => r.query.continue ?? null),
      [null, '1:2', null, '2:2'],
    );
    const w1 = await watch(1);
    api.fail(isWatch, {
      status: 410,
      body: { kind: 'Status', status: 'Failure', reason: 'Gone', code: 410, message: 'too old resource version' },
    });
    w1.end();
    await api.seen(isList, 6);
    await watch(3); // the second was refused with 410
    assert.equal(i.stats.relists, 2);
    assert.equal(statuses.filter((s) => s.kind === 'error').length, 0, 'a relist is routine, not an error');
  });

  it('restarts a watch that stays silent past its limit, from the same resource version', async () => {
    api.put(trainJob);
    const i = start({ silenceMs: 100 });
    await i.whenSynced();
    const w1 = await watch(1);
    const from = w1.resourceVersion;
    // A half-open connection: what the server sends never arrives.
    w1.send = () => undefined;
    const b = nextBatch(i);
    api.put(failedJob);
    assert.equal(await w1.closed, 'client', 'the informer gave up on the silent watch');
    assert.equal(i.stats.silentRestarts, 1);
    const w2 = await watch(2);
    assert.equal(w2.resourceVersion, from);
    assert.deepEqual(summary(await b), ['add team/train-bert'], 'the new watch replays what the silent one missed');
    assert.equal(i.stats.lists, 1, 'a silent watch is resumed, not relisted');
  });

  it('an error before the first list shows at once and is retried with back-off until the list succeeds', async () => {
    api.put(trainJob);
    api.fail(
      isList,
      {
        status: 503,
        body: { kind: 'Status', status: 'Failure', reason: 'ServiceUnavailable', code: 503, message: 'etcdserver: leader changed' },
      },
      2,
    );
    const i = start();
    await i.whenSynced();
    // Each retry of a cache that never listed shows "syncing" while it waits for the answer.
    assert.deepEqual(
      statuses.map((s) => s.kind),
      ['syncing', 'error', 'syncing', 'error', 'syncing', 'synced'],
    );
    const err = statuses[1] as { kind: 'error'; error: KubeMLError; synced: boolean };
    assert.equal(err.error.kind, 'server');
    assert.equal(err.synced, false);
    assert.match(err.error.userMessage, /could not list jobs.*etcdserver: leader changed.*retries/);
    assert.deepEqual([i.stats.errors, i.stats.lists], [2, 3]);
  });

  it('waits between retries (does not spin) and a refresh wakes it at once', async () => {
    api.put(trainJob);
    api.fail(isList, { network: 'ECONNREFUSED' });
    const i = start({ backoffInitialMs: 10 * 60_000, backoffMaxMs: 10 * 60_000 });
    await new Promise<void>((r) => i.onDidChangeStatus((s) => s.kind === 'error' && r()));
    assert.equal((i.status as { error: KubeMLError }).error.kind, 'unreachable');
    await ticks(20);
    assert.equal(api.requests.filter(isList).length, 1, 'no retry before the back-off delay');
    i.restartWatch();
    await i.whenSynced();
    assert.equal(api.requests.filter(isList).length, 2);
  });

  it('a synced cache hides up to two transient watch failures, shows the third, and recovers', async () => {
    const i = start();
    await i.whenSynced();
    const w1 = await watch(1);
    api.fail(isWatch, { network: 'ECONNRESET' }, 3);
    w1.break();
    const err = await new Promise<InformerStatus>((r) => i.onDidChangeStatus((s) => s.kind === 'error' && r(s)));
    assert.equal(i.stats.errors, 3);
    assert.deepEqual(err.kind === 'error' && [err.error.kind, err.synced], ['unreachable', true]);
    await watch(5); // the break, three failed requests, then a watch that holds
    assert.equal(i.status.kind, 'synced');
    assert.equal(i.stats.errors, 4);
    assert.deepEqual(
      statuses.map((s) => s.kind),
      ['syncing', 'synced', 'error', 'error', 'synced'],
      'the third and fourth failures show',
    );
  });

  it('counts only consecutive failures: a watch that held and ended resets the count', async () => {
    const i = start();
    await i.whenSynced();
    const w1 = await watch(1);
    api.fail(isWatch, { network: 'ECONNRESET' }, 1);
    w1.break(); // failure 1; the next request is refused: failure 2
    (await watch(3)).end(); // held, then ended by the server
    const w4 = await watch(4);
    api.fail(isWatch, { network: 'ECONNRESET' }, 1);
    w4.break(); // failures 1 and 2 again, not 3 and 4
    await watch(6);
    assert.equal(i.stats.errors, 4);
    assert.deepEqual(
      statuses.map((s) => s.kind),
      ['syncing', 'synced'],
    );
  });

  it('shows 403 Forbidden at once even on a synced cache, with the RBAC hint', async () => {
    const i = start({ backoffInitialMs: 10 * 60_000 });
    await i.whenSynced();
    const w1 = await watch(1);
    api.fail(isWatch, {
      status: 403,
      body: {
        kind: 'Status',
        status: 'Failure',
        reason: 'Forbidden',
        code: 403,
        message: 'jobs.batch is forbidden: User "dev" cannot watch resource "jobs" in API group "batch" in the namespace "team"',
      },
    });
    w1.end();
    const s = await new Promise<InformerStatus>((r) => i.onDidChangeStatus((x) => x.kind === 'error' && r(x)));
    assert.equal(s.kind === 'error' && s.error.kind, 'forbidden');
    assert.match(i.status.kind === 'error' ? i.status.error.userMessage : '', /cannot watch resource "jobs".*Ask for RBAC access/);
    assert.equal(i.stats.errors, 1);
  });

  it('restarts the watch (no relist) on an ERROR event other than 410', async () => {
    const i = start();
    await i.whenSynced();
    const w1 = await watch(1);
    w1.send({ type: 'ERROR', object: { code: 500, reason: 'InternalError', message: 'etcd cluster is unavailable' } });
    assert.equal(await w1.closed, 'client');
    await watch(2);
    assert.deepEqual([i.stats.errors, i.stats.relists, i.stats.lists], [1, 0, 1]);
  });

  it('stop keeps the items and start resumes the watch from where it was, without listing', async () => {
    api.put(trainJob);
    const i = start();
    await i.whenSynced();
    const w1 = await watch(1);
    i.stop();
    assert.equal(await w1.closed, 'client');
    assert.equal(i.isRunning, false);
    assert.equal(i.items.size, 1);
    api.put(failedJob);
    const b = nextBatch(i);
    i.start();
    assert.deepEqual(summary(await b), ['add team/train-bert']);
    assert.equal(i.stats.lists, 1);
  });

  it('watches all namespaces when given none', async () => {
    api.put(trainJob, { ...structuredClone(failedJob), metadata: { ...failedJob.metadata, namespace: 'other' } });
    const i = start({}, {});
    await i.whenSynced();
    assert.deepEqual([...i.items.keys()].sort(), ['other/train-bert', 'team/train-resnet']);
    assert.equal(api.requests[0]!.path, '/apis/batch/v1/jobs');
  });

  it('dispose closes the watch, ends the back-off and the flush timer, resolves waiters and fires nothing more', async () => {
    api.put(trainJob);
    const i = start({ coalesceMs: 60_000 });
    await i.whenSynced();
    const w1 = await watch(1);
    const fired = batches.length;
    api.put(failedJob); // pending in a 60 s coalescing window
    await ticks();
    i.dispose();
    assert.equal(await w1.closed, 'client');
    assert.equal(batches.length, fired + 1, 'what was pending is flushed on stop');
    api.put(evalJob);
    await ticks();
    assert.equal(batches.length, fired + 1);
    assert.equal(api.requests.filter(isWatch).length, 1);
    i.start();
    assert.equal(i.isRunning, false, 'a disposed informer does not start again');
  });

  it('dispose during back-off and before the first list leaves nothing behind', async () => {
    api.fail(isList, {
      status: 401,
      body: { kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401, message: 'Unauthorized' },
    });
    const i = start({ backoffInitialMs: 10 * 60_000 });
    const synced = i.whenSynced();
    await new Promise<void>((r) => i.onDidChangeStatus((s) => s.kind === 'error' && r()));
    assert.equal(i.status.kind === 'error' && i.status.error.kind, 'unauthorized');
    i.dispose();
    await synced; // resolves on dispose rather than hanging
    assert.equal(api.requests.length, 1);
  });
});
