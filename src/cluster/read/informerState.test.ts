import { strict as assert } from 'node:assert';
import { applyEvent, coalesce, emptyState, LineSplitter, objectKey, replaceAll, type KubeObject, type WatchEvent } from './informerState';
import { backoffDelay } from './informer';

const job = (name: string, rv: string, ns = 'team-a', extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace: ns, resourceVersion: rv, uid: `uid-${name}` },
  ...extra,
});

describe('informer reducer (applyEvent)', () => {
  it('adds, modifies and deletes objects keyed by namespace/name, tracking the resource version', () => {
    let r = applyEvent(emptyState, { type: 'ADDED', object: job('a', '10') });
    assert.equal(r.state.items.size, 1);
    assert.equal(r.state.resourceVersion, '10');
    assert.deepEqual(r.change?.key, 'team-a/a');
    assert.equal(r.change?.old, undefined);
    r = applyEvent(r.state, { type: 'MODIFIED', object: job('a', '11', 'team-a', { status: { active: 1 } }) });
    assert.equal(r.change?.old?.metadata.resourceVersion, '10');
    assert.deepEqual((r.state.items.get('team-a/a')?.status as { active: number }).active, 1);
    r = applyEvent(r.state, { type: 'DELETED', object: job('a', '12') });
    assert.equal(r.state.items.size, 0);
    assert.equal(r.change?.object, undefined);
    assert.equal(r.change?.old?.metadata.name, 'a');
    assert.equal(r.state.resourceVersion, '12');
  });

  it('leaves the previous state untouched (copy on write)', () => {
    const s1 = applyEvent(emptyState, { type: 'ADDED', object: job('a', '1') }).state;
    const s2 = applyEvent(s1, { type: 'ADDED', object: job('b', '2') }).state;
    assert.equal(s1.items.size, 1);
    assert.equal(s2.items.size, 2);
  });

  it('treats a bookmark as a resource version only', () => {
    const s1 = applyEvent(emptyState, { type: 'ADDED', object: job('a', '1') }).state;
    const r = applyEvent(s1, { type: 'BOOKMARK', object: { metadata: { resourceVersion: 'opaque-v2' } } });
    assert.equal(r.change, undefined);
    assert.equal(r.state.resourceVersion, 'opaque-v2');
    assert.equal(r.state.items.size, 1);
  });

  it('reports 410 Gone (code or reason Expired) as "relist", other errors as errors', () => {
    const gone: WatchEvent = { type: 'ERROR', object: { code: 410, reason: 'Expired', message: 'too old resource version: 1 (5)' } };
    assert.equal(applyEvent(emptyState, gone).gone, true);
    assert.equal(applyEvent(emptyState, { type: 'ERROR', object: { reason: 'Expired' } }).gone, true);
    const other = applyEvent(emptyState, { type: 'ERROR', object: { code: 500, message: 'boom' } });
    assert.equal(other.gone, undefined);
    assert.equal(other.error?.code, 500);
  });

  it('ignores a replayed event with the same resource version and a delete of an unknown object', () => {
    const s1 = applyEvent(emptyState, { type: 'ADDED', object: job('a', '5') }).state;
    assert.equal(applyEvent(s1, { type: 'MODIFIED', object: job('a', '5') }).change, undefined);
    assert.equal(applyEvent(s1, { type: 'DELETED', object: job('zzz', '6') }).change, undefined);
  });

  it('drops managedFields and the last-applied annotation, keeping other annotations', () => {
    const o = job('a', '1');
    o.metadata.managedFields = [{ manager: 'kubectl' }];
    o.metadata.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': '{}', keep: 'me' };
    const stored = applyEvent(emptyState, { type: 'ADDED', object: o }).state.items.get('team-a/a')!;
    assert.equal(stored.metadata.managedFields, undefined);
    assert.deepEqual(stored.metadata.annotations, { keep: 'me' });
  });

  it('keys cluster-scoped objects by name', () => {
    assert.equal(objectKey({ metadata: { name: 'node-1' } }), 'node-1');
  });
});

describe('informer relist (replaceAll)', () => {
  it('turns a relist into additions, modifications and deletions against the store', () => {
    const items = new Map<string, KubeObject>([
      ['team-a/keep', job('keep', '1')],
      ['team-a/changed', job('changed', '1')],
      ['team-a/gone', job('gone', '1')],
    ]);
    const changes = replaceAll(items, [job('keep', '1'), job('changed', '7'), job('new', '8')]);
    const byKey = Object.fromEntries(changes.map((c) => [c.key, c]));
    assert.deepEqual(Object.keys(byKey).sort(), ['team-a/changed', 'team-a/gone', 'team-a/new']);
    assert.equal(byKey['team-a/gone'].object, undefined);
    assert.equal(byKey['team-a/new'].old, undefined);
    assert.equal(byKey['team-a/changed'].object?.metadata.resourceVersion, '7');
    assert.deepEqual([...items.keys()].sort(), ['team-a/changed', 'team-a/keep', 'team-a/new']);
  });
});

describe('coalescing a burst of changes', () => {
  it('keeps one change per key with the first old and the last object; add+delete cancels', () => {
    const a1 = job('a', '1');
    const a2 = job('a', '2');
    const a3 = job('a', '3');
    const b = job('b', '4');
    const out = coalesce([
      { key: 'a', old: a1, object: a2 },
      { key: 'a', old: a2, object: a3 },
      { key: 'b', object: b },
      { key: 'b', old: b },
    ]);
    assert.equal(out.length, 1);
    assert.equal(out[0].old, a1);
    assert.equal(out[0].object, a3);
  });
});

describe('watch stream line splitting', () => {
  it('reassembles JSON lines split across chunks', () => {
    const s = new LineSplitter();
    assert.deepEqual(s.push('{"a":1}\n{"b"'), ['{"a":1}']);
    assert.deepEqual(s.push(':2}\n\n{"c":3'), ['{"b":2}']);
    assert.deepEqual(s.flush(), ['{"c":3']);
  });
});

describe('reconnect backoff', () => {
  it('grows exponentially with jitter within [base/2, base] and stops at the maximum', () => {
    assert.equal(
      backoffDelay(0, 500, 30_000, () => 0),
      250,
    );
    assert.equal(
      backoffDelay(0, 500, 30_000, () => 1),
      500,
    );
    assert.equal(
      backoffDelay(3, 500, 30_000, () => 1),
      4000,
    );
    assert.equal(
      backoffDelay(30, 500, 30_000, () => 1),
      30_000,
    );
    assert.equal(
      backoffDelay(30, 500, 30_000, () => 0),
      15_000,
    );
  });
});
