import { strict as assert } from 'node:assert';
import { type KubeMLError } from '../../common/errors';
import { Logger, nullSink } from '../../common/logging';
import { kind } from '../resources';
import { FakeApiServer, trackTimers, type FakeRequest } from './fakeApiServer';
import { otherTeamPod, trainJob, trainPod0, trainPod1, withStatus } from './fixtures';
import { type InformerOptions } from './informer';
import { type KubeObject, type ObjectChange } from './informerState';
import { ChangeSignal, kindOfRef, watchPods, WatchedSet } from './watchSet';

const PODS = '/api/v1/namespaces/team/pods';
const FAST: InformerOptions = { coalesceMs: 1, backoffInitialMs: 1, backoffMaxMs: 2, silenceMs: 60_000 };
const RUN = 'kubeml.io/run=r1';

const ticks = async (n = 10) => {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
};
/** A copy of a fixture pod under another name, with extra labels. */
const podOf = (o: KubeObject, name: string, labels: Record<string, string> = {}): KubeObject => ({
  ...structuredClone(o),
  metadata: { ...structuredClone(o.metadata), name, uid: `uid-${name}`, labels: { ...o.metadata.labels, ...labels } },
});
const names = (s: WatchedSet) => s.objects.map((o) => o.metadata.name);
const summary = (b: ObjectChange[]) => b.map((c) => `${c.old ? (c.object ? 'mod' : 'del') : 'add'} ${c.key}`).sort();
const nextBatch = (s: WatchedSet) =>
  new Promise<ObjectChange[]>((resolve) => {
    const d = s.onDidChange((b) => {
      d.dispose();
      resolve(b);
    });
  });

describe('WatchedSet: a selector-scoped watch of a few objects', () => {
  let api: FakeApiServer;
  let sets: WatchedSet[];
  let timers: ReturnType<typeof trackTimers>;

  beforeEach(() => {
    timers = trackTimers();
    api = new FakeApiServer();
    sets = [];
  });
  afterEach(async () => {
    for (const s of sets) s.dispose();
    await ticks();
    timers.stop();
    assert.deepEqual(timers.pending(), [], 'a timer was left running after dispose');
    assert.deepEqual(api.openWatches(), [], 'a watch was left open after dispose');
  });
  const track = (s: WatchedSet) => (sets.push(s), s);

  it('lists and watches only the pods of the label selector, in its namespace, with the selector on both requests', async () => {
    api.put(
      podOf(trainPod0, 'r1-0', { 'kubeml.io/run': 'r1' }),
      podOf(trainPod1, 'other-0', { 'kubeml.io/run': 'r2' }),
      podOf(otherTeamPod, 'r1-elsewhere', { 'kubeml.io/run': 'r1' }),
    );
    const s = track(watchPods(api.client, { namespace: 'team', labelSelector: RUN }, new Logger(nullSink), FAST));
    assert.deepEqual(await s.firstList(), [s.objects[0]]);
    assert.deepEqual(names(s), ['r1-0']);
    await api.seen((r) => r.path === PODS && r.watch);
    const reqs = api.requests.filter((r) => r.path.startsWith('/api/v1/'));
    assert.deepEqual(
      reqs.map((r) => [r.path, r.watch, r.query.labelSelector]),
      [
        [PODS, false, RUN],
        [PODS, true, RUN],
      ],
    );

    // A new rank appears, the first one changes state, another run's pod changes: two changes, no request.
    const before = api.requests.length;
    let batch = nextBatch(s);
    api.put(podOf(trainPod0, 'r1-1', { 'kubeml.io/run': 'r1' }));
    assert.deepEqual(summary(await batch), ['add team/r1-1']);
    batch = nextBatch(s);
    api.put(podOf(trainPod1, 'other-0', { 'kubeml.io/run': 'r2', extra: 'x' }));
    api.put(withStatus(podOf(trainPod0, 'r1-0', { 'kubeml.io/run': 'r1' }), { phase: 'Succeeded' }));
    assert.deepEqual(summary(await batch), ['mod team/r1-0']);
    assert.equal((s.objects[0]!.status as { phase: string }).phase, 'Succeeded');
    assert.deepEqual(names(s), ['r1-0', 'r1-1']);
    assert.equal(api.requests.length, before, 'changes came over the open watch');
  });

  it('a pod whose labels stop matching leaves the set, one that comes to match joins it; deletion removes', async () => {
    const a = podOf(trainPod0, 'a', { 'kubeml.io/run': 'r1' });
    api.put(a);
    const s = track(watchPods(api.client, { namespace: 'team', labelSelector: RUN }, new Logger(nullSink), FAST));
    await s.firstList();
    let batch = nextBatch(s);
    api.put(podOf(trainPod0, 'a', { 'kubeml.io/run': 'r9' }));
    assert.deepEqual(summary(await batch), ['del team/a']);
    batch = nextBatch(s);
    api.put(podOf(trainPod0, 'a', { 'kubeml.io/run': 'r1' }));
    assert.deepEqual(summary(await batch), ['add team/a']);
    batch = nextBatch(s);
    api.delete(a);
    assert.deepEqual(summary(await batch), ['del team/a']);
    assert.deepEqual(names(s), []);
  });

  it('one object by name: a field selector metadata.name=X; absent is an empty set, created later is added', async () => {
    api.put(podOf(trainPod0, 'p2'));
    const s = track(watchPods(api.client, { namespace: 'team', name: 'p1' }, new Logger(nullSink), FAST));
    assert.deepEqual(await s.firstList(), []);
    assert.equal(s.synced, true);
    assert.equal(api.requests.find((r) => r.path === PODS)?.query.fieldSelector, 'metadata.name=p1');
    const batch = nextBatch(s);
    api.put(podOf(trainPod1, 'p1'));
    assert.deepEqual(summary(await batch), ['add team/p1']);
    assert.deepEqual(names(s), ['p1']);
  });

  it('watches any kind by reference, the Job of a run included', async () => {
    api.put(trainJob);
    const ref = { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job' };
    assert.equal(kindOfRef(ref).id, 'jobs');
    assert.equal(kindOfRef({ group: 'example.org', version: 'v2', plural: 'widgets', kind: 'Widget' }).plural, 'widgets');
    const s = track(
      new WatchedSet(api.client, kindOfRef(ref), { namespace: 'team', name: trainJob.metadata.name }, new Logger(nullSink), FAST),
    );
    assert.deepEqual(
      (await s.firstList()).map((o) => o.metadata.name),
      ['train-resnet'],
    );
    assert.ok(api.requests.every((r) => r.path === '/apis/batch/v1/namespaces/team/jobs'));
    assert.equal(kind('jobs').plural, 'jobs');
  });

  it('the events of one object through a field selector (involvedObject.name)', async () => {
    const ev = (name: string, about: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: 'team' },
      involvedObject: { kind: 'Job', name: about, namespace: 'team' },
      reason: 'FailedCreate',
      message: 'exceeded quota',
    });
    api.put(ev('e1', 'r1'), ev('e2', 'r2'));
    const s = track(
      new WatchedSet(
        api.client,
        kind('events'),
        { namespace: 'team', fieldSelector: 'involvedObject.name=r1' },
        new Logger(nullSink),
        FAST,
      ),
    );
    assert.deepEqual(
      (await s.firstList()).map((o) => o.metadata.name),
      ['e1'],
    );
    const batch = nextBatch(s);
    api.put(ev('e3', 'r2'), ev('e4', 'r1'));
    assert.deepEqual(summary(await batch), ['add team/e4']);
  });

  it('firstList rejects with what the API server said when the first list fails; the watch retries and a later firstList resolves', async () => {
    const isList = (r: FakeRequest) => r.path === PODS && !r.watch;
    api.fail(isList, {
      status: 403,
      body: {
        kind: 'Status',
        status: 'Failure',
        message: 'pods is forbidden: User "u" cannot list resource "pods"',
        reason: 'Forbidden',
        code: 403,
      },
    });
    api.put(podOf(trainPod0, 'r1-0', { 'kubeml.io/run': 'r1' }));
    const s = track(watchPods(api.client, { namespace: 'team', labelSelector: RUN }, new Logger(nullSink), FAST));
    await assert.rejects(s.firstList(), (e: KubeMLError) => e.kind === 'forbidden' && /cannot list resource "pods"/.test(e.message));
    assert.equal(s.error?.kind, 'forbidden');
    s.dispose();
    api.fail(isList, { network: 'ECONNREFUSED' });
    const again = track(watchPods(api.client, { namespace: 'team', labelSelector: RUN }, new Logger(nullSink), FAST));
    const retried = nextBatch(again);
    await assert.rejects(again.firstList(), (e: KubeMLError) => e.kind === 'unreachable');
    assert.deepEqual(summary(await retried), ['add team/r1-0'], 'the retried list');
    assert.deepEqual(
      (await again.firstList()).map((o) => o.metadata.name),
      ['r1-0'],
    );
    assert.equal(again.error, undefined);
  });

  it('errorAfterFailures: 1 shows the first failure of a synced set (and its recovery); the default hides two', async () => {
    api.put(podOf(trainPod0, 'r1-0', { 'kubeml.io/run': 'r1' }));
    const isWatch = (r: FakeRequest) => r.path === PODS && r.watch;
    async function twoFailures(opts: InformerOptions): Promise<string[]> {
      const s = track(watchPods(api.client, { namespace: 'team', labelSelector: RUN }, new Logger(nullSink), { ...FAST, ...opts }));
      await s.firstList();
      const seen: string[] = [];
      s.onDidChangeStatus((st) => seen.push(st.kind === 'error' ? `error ${st.error.kind}` : st.kind));
      const n = api.requests.filter(isWatch).length;
      await api.seen(isWatch, n + 1);
      await ticks();
      // Two failures in a row: the open watch breaks, the next one is refused; the third is answered.
      api.fail(isWatch, { network: 'ECONNREFUSED' });
      for (const w of api.openWatches()) w.break();
      await api.seen(isWatch, n + 3);
      await ticks();
      s.dispose();
      return seen;
    }
    assert.deepEqual(await twoFailures({ errorAfterFailures: 1 }), ['error unreachable', 'error unreachable', 'synced']);
    assert.deepEqual(await twoFailures({}), []);
  });

  it('firstList rejects when its signal aborts', async () => {
    const release = api.hold((r) => r.path === PODS);
    const s = track(watchPods(api.client, { namespace: 'team', labelSelector: RUN }, new Logger(nullSink), FAST));
    const ctl = new AbortController();
    const p = s.firstList(ctl.signal);
    ctl.abort();
    await assert.rejects(p, /cancelled/);
    s.dispose();
    release();
  });
});

describe('ChangeSignal: the wake-up that replaces a polling sleep', () => {
  let api: FakeApiServer;
  let set: WatchedSet;
  let signal: ChangeSignal;
  beforeEach(async () => {
    api = new FakeApiServer();
    set = watchPods(api.client, { namespace: 'team', labelSelector: RUN }, new Logger(nullSink), FAST);
    await set.firstList();
    signal = new ChangeSignal([set]);
    await signal.next(0); // the first list's batch
  });
  afterEach(() => {
    signal.dispose();
    set.dispose();
  });

  it('wakes at a change of the set and reports it', async () => {
    await api.seen((r) => r.watch);
    await ticks();
    const woke = signal.next(60_000);
    api.put(podOf(trainPod0, 'r1-0', { 'kubeml.io/run': 'r1' }));
    assert.equal(await woke, true);
  });

  it('remembers a change that came while nobody waited, once', async () => {
    await api.seen((r) => r.watch);
    await ticks();
    const batch = nextBatch(set);
    api.put(podOf(trainPod0, 'r1-0', { 'kubeml.io/run': 'r1' }));
    await batch;
    assert.equal(await signal.next(60_000), true);
    assert.equal(await signal.next(1), false, 'the change was reported once');
  });

  it('times out without a change, ends early on abort, wakes on notify()', async () => {
    assert.equal(await signal.next(1), false);
    const ctl = new AbortController();
    const aborted = signal.next(60_000, ctl.signal);
    ctl.abort();
    assert.equal(await aborted, false);
    const notified = signal.next(60_000);
    signal.notify();
    assert.equal(await notified, true);
  });

  it('a change of another kind of set in the same signal wakes it too (status included)', async () => {
    const other = watchPods(api.client, { namespace: 'team', name: 'p1' }, new Logger(nullSink), FAST);
    const both = new ChangeSignal([set, other]);
    try {
      assert.equal(await both.next(60_000), true, 'the first list of the new set');
      await api.seen((r) => r.watch && r.query.fieldSelector === 'metadata.name=p1');
      await ticks();
      const woke = both.next(60_000);
      api.put(podOf(trainPod1, 'p1'));
      assert.equal(await woke, true);
    } finally {
      both.dispose();
      other.dispose();
    }
  });
});
