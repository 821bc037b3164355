import { strict as assert } from 'node:assert';
import { promises as fs, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunStore, type RunRecord } from '../model/runRecords';
import type { MetricResult } from '../model/runResults';
import { RunFolderWatcher, RunFollower } from './liveRuns';

const record = (id: string, phase: RunRecord['phase']): RunRecord =>
  ({
    version: 1,
    id,
    purpose: 'train',
    name: id,
    namespace: 'ml',
    kind: 'Job',
    primary: { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', name: id, namespace: 'ml' },
    podSelector: `kubeml.io/run=${id}`,
    container: 'train',
    image: 'img',
    command: [],
    params: {},
    createdAt: new Date().toISOString(),
    phase,
    metrics: {},
  }) as RunRecord;

/** Resolves with the first value `get` returns, polling every 10 ms; fails after 5 s with what it waited for. */
async function until<T>(what: string, get: () => T | undefined): Promise<T> {
  const end = Date.now() + 5000;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('following live runs', () => {
  let store: RunStore;
  beforeEach(() => {
    store = new RunStore(mkdtempSync(join(tmpdir(), 'kubeml-live-')));
  });

  it('reads what is there, then each appended line once, and the record when it changes', async () => {
    await store.create(record('train-1', 'running'), '');
    await store.appendMetrics('train-1', [{ type: 'metric', name: 'loss', value: 1, step: 0 }]);
    const f = new RunFollower(store, record('train-1', 'running'));
    try {
      await f.check();
      assert.deepEqual(f.results, [{ type: 'metric', name: 'loss', value: 1, step: 0 }]);
      const seen: MetricResult[][] = [];
      f.onMetrics((m) => seen.push([...m]));
      let ended = false;
      f.onEnded(() => (ended = true));
      await store.appendMetrics('train-1', [{ type: 'metric', name: 'loss', value: 0.5, step: 1 }]);
      // Half a line: nothing until its end is written.
      await fs.appendFile(join(store.dir('train-1'), 'metrics.jsonl'), '{"type":"metric","name":"loss",');
      await until('the appended line', () => (seen.length ? seen : undefined));
      await fs.appendFile(join(store.dir('train-1'), 'metrics.jsonl'), '"value":0.25,"step":2}\n');
      await until('the completed line', () => (f.results.length === 3 ? true : undefined));
      assert.deepEqual(
        seen.flat().map((m) => m.step),
        [1, 2],
      );
      await store.save({ ...record('train-1', 'succeeded'), finishedAt: new Date().toISOString() });
      await until('the end of the run', () => (ended ? true : undefined));
      assert.equal(f.record.phase, 'succeeded');
    } finally {
      f.dispose();
    }
  });

  it('starts over when metrics.jsonl is replaced by a shorter file', async () => {
    await store.create(record('train-2', 'running'), '');
    await store.appendMetrics('train-2', [
      { type: 'metric', name: 'a', value: 1 },
      { type: 'metric', name: 'a', value: 2 },
    ]);
    const f = new RunFollower(store, record('train-2', 'running'));
    try {
      await f.check();
      assert.equal(f.results.length, 2);
      await fs.writeFile(join(store.dir('train-2'), 'metrics.jsonl'), '{"type":"metric","name":"b","value":3}\n');
      await f.check();
      assert.deepEqual(f.results, [{ type: 'metric', name: 'b', value: 3 }]);
    } finally {
      f.dispose();
    }
  });

  it('sees a new run folder once its run.json is written, also when .kubeml/runs did not exist yet', async () => {
    const w = new RunFolderWatcher(store, []);
    try {
      const seen: string[] = [];
      w.onNew((r) => seen.push(r.id));
      await store.create(record('train-3', 'pending'), '');
      await until('the new run', () => (seen.length ? seen : undefined));
      await w.scan();
      assert.deepEqual(seen, ['train-3']);
    } finally {
      w.dispose();
    }
  });
});
