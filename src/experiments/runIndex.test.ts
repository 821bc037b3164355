import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Emitter } from '../common/lifecycle';
import type { KubeObject } from '../cluster/read/informerState';
import { type RunRecord, RUNS_DIR } from '../model/runRecords';
import type { RunClusterWatch } from './clusterStatus';
import { statusFromCluster } from './clusterStatus';
import { RunIndex } from './runIndex';
import { record } from './fixtures';
import type { ClusterView } from './runEntry';

function write(folder: string, r: RunRecord): void {
  const dir = join(folder, RUNS_DIR, r.id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'run.json'), JSON.stringify(r, null, 2));
}

describe('RunIndex', function () {
  this.timeout(20_000);
  let a: string;
  let b: string;
  const disposables: Array<{ dispose(): void }> = [];
  beforeEach(() => {
    a = mkdtempSync(join(tmpdir(), 'kubeml-index-a-'));
    b = mkdtempSync(join(tmpdir(), 'kubeml-index-b-'));
  });
  afterEach(() => {
    disposables.splice(0).forEach((d) => d.dispose());
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  });
  const index = (folders: string[], opts: ConstructorParameters<typeof RunIndex>[1] = {}) => {
    const i = new RunIndex(folders, { now: () => Date.parse('2026-01-01T12:00:00Z'), ...opts });
    disposables.push(i);
    return i;
  };

  it('lists the runs of every folder newest first, with kind, duration, headline and the differing parameters first', async () => {
    write(a, record('forest-train-1', { createdAt: '2026-01-01T09:00:00.000Z' }));
    write(b, record('forest-train-2', { createdAt: '2026-01-01T11:00:00.000Z', params: { samples: 1000, n_estimators: 50, seed: 42 } }));
    write(a, record('forest-validate-3', { createdAt: '2026-01-01T10:00:00.000Z', purpose: 'validate', metrics: {} }));
    write(
      a,
      record('forest-train-4', {
        createdAt: '2026-01-01T08:00:00.000Z',
        sweep: { id: 'sw1', trial: 2, metric: 'loss', direction: 'minimize' },
        params: { samples: 1000, n_estimators: 20, seed: 42 },
      }),
    );
    // Not records: a stray file, a folder without run.json, a broken run.json, another version.
    writeFileSync(join(a, RUNS_DIR, 'notes.txt'), 'x');
    mkdirSync(join(a, RUNS_DIR, 'empty-run'));
    mkdirSync(join(a, RUNS_DIR, 'broken-run'));
    writeFileSync(join(a, RUNS_DIR, 'broken-run', 'run.json'), '{"version":1,');
    write(a, { ...record('old-run'), version: 2 } as unknown as RunRecord);
    const { entries, params } = await index([a, b]).list();
    assert.deepEqual(
      entries.map((e) => [e.id, e.kind, e.folder === a ? 'a' : 'b']),
      [
        ['forest-train-2', 'training', 'b'],
        ['forest-validate-3', 'validation', 'a'],
        ['forest-train-1', 'training', 'a'],
        ['forest-train-4', 'trial', 'a'],
      ],
    );
    const t1 = entries.find((e) => e.id === 'forest-train-1')!;
    assert.equal(t1.durationMs, 60_000);
    assert.equal(t1.status, 'succeeded');
    assert.deepEqual(t1.headline, { name: 'accuracy', value: 0.9 });
    assert.equal(entries.find((e) => e.id === 'forest-validate-3')!.headline, undefined);
    // The sweep's metric is the trial's headline.
    assert.deepEqual(entries.find((e) => e.id === 'forest-train-4')!.headline, { name: 'loss', value: 0.2 });
    assert.deepEqual(entries.find((e) => e.id === 'forest-train-4')!.sweep, { id: 'sw1', trial: 2, metric: 'loss', direction: 'minimize' });
    assert.deepEqual(params.get('forest-train-1'), {
      params: [
        ['n_estimators', 20],
        ['samples', 1000],
        ['seed', 42],
      ],
      differing: 1,
    });
  });

  it('reads a run.json again only when it changed (1,000 runs)', async () => {
    for (let i = 0; i < 1000; i++)
      write(a, record(`run-${String(i).padStart(4, '0')}`, { createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() }));
    const idx = index([a]);
    const first = await idx.list();
    assert.equal(first.entries.length, 1000);
    assert.equal(first.entries[0]!.id, 'run-0999');
    assert.equal(idx.parsed, 1000);
    await idx.list();
    assert.equal(idx.parsed, 1000, 'nothing re-read');
    const changed = record('run-0500', { createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, 500)).toISOString(), phase: 'failed' });
    write(a, changed);
    utimesSync(join(a, RUNS_DIR, 'run-0500', 'run.json'), new Date(), new Date(Date.now() + 5000));
    const again = await idx.list();
    assert.equal(idx.parsed, 1001);
    assert.equal(again.entries.find((e) => e.id === 'run-0500')!.status, 'failed');
  });

  it('fires a change per run when a run folder appears, its record or metrics change, or it is deleted', async () => {
    const idx = index([a], { debounceMs: 20 });
    idx.watch();
    await idx.ready();
    const changes: string[][] = [];
    idx.onDidChange((c) => changes.push([...c.ids]));
    const seen = (id: string) =>
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no change for ${id}: ${JSON.stringify(changes)}`)), 5000);
        const sub = idx.onDidChange((c) => {
          if (c.ids.includes(id)) {
            clearTimeout(t);
            sub.dispose();
            resolve();
          }
        });
      });
    // .kubeml/ does not exist yet when the watch starts.
    let next = seen('run-a');
    write(a, record('run-a', { phase: 'running', finishedAt: undefined }));
    await next;
    assert.deepEqual(
      (await idx.list()).entries.map((e) => [e.id, e.record.phase]),
      [['run-a', 'running']],
    );
    // Watched, a list reads again only what the watcher reported.
    const parsed = idx.parsed;
    next = seen('run-b');
    write(a, record('run-b', { createdAt: '2026-01-01T11:00:00.000Z' }));
    await next;
    next = seen('run-a');
    write(a, record('run-a', { phase: 'succeeded', metrics: { loss: 0.1 } }));
    await next;
    assert.deepEqual(
      (await idx.list()).entries.map((e) => [e.id, e.record.phase]),
      [
        ['run-b', 'succeeded'],
        ['run-a', 'succeeded'],
      ],
    );
    assert.equal(idx.parsed - parsed, 2);
    await idx.list();
    assert.equal(idx.parsed - parsed, 2, 'nothing changed: nothing read');
    rmSync(join(a, RUNS_DIR, 'run-b'), { recursive: true });
    next = seen('run-a');
    appendFileSync(join(a, RUNS_DIR, 'run-a', 'metrics.jsonl'), '{"type":"metric","name":"loss","value":1}\n');
    await next;
    next = seen('run-a');
    rmSync(join(a, RUNS_DIR, 'run-a'), { recursive: true });
    await next;
    assert.deepEqual((await idx.list()).entries, []);
  });

  describe('status of a run this window does not follow', () => {
    const fakeCluster = (views: Record<string, ClusterView>) => {
      const changes = new Emitter<string[]>();
      const tracked: string[][] = [];
      const watch = {
        onDidChange: changes.event,
        track: (rs: readonly RunRecord[]) => tracked.push(rs.map((r) => r.id)),
        view: (r: RunRecord) => views[r.id] ?? { state: 'unknown' },
      } as unknown as RunClusterWatch;
      return { watch, changes, tracked };
    };
    const live = { phase: 'running', finishedAt: undefined } as const;

    it('comes from the cluster, and says so when its objects are gone', async () => {
      write(a, record('from-cli', { ...live, createdAt: '2026-01-01T11:50:00.000Z' }));
      write(a, record('gone-run', { ...live, createdAt: '2026-01-01T11:00:00.000Z' }));
      write(a, record('here-run', { ...live, phase: 'uploading', createdAt: '2026-01-01T11:40:00.000Z' }));
      write(a, record('just-launched', { ...live, phase: 'launching', createdAt: '2026-01-01T11:59:30.000Z' }));
      write(a, record('done-run', { createdAt: '2026-01-01T10:00:00.000Z' }));
      const idx = index([a], { followedHere: (id) => id === 'here-run' });
      const c = fakeCluster({
        'from-cli': { state: 'found', status: 'queued', detail: 'Suspended' },
        'gone-run': { state: 'gone' },
        'just-launched': { state: 'gone' },
        'done-run': { state: 'gone' },
      });
      idx.setCluster(c.watch);
      const { entries } = await idx.list();
      const by = Object.fromEntries(entries.map((e) => [e.id, e]));
      assert.equal(by['from-cli']!.status, 'queued');
      assert.equal(by['from-cli']!.live, true);
      assert.equal(by['gone-run']!.status, 'gone');
      assert.match(by['gone-run']!.statusDetail!, /ended outside KubeML/);
      assert.equal(by['gone-run']!.live, false);
      // Followed here: the record is current.
      assert.equal(by['here-run']!.status, 'pending');
      // Its objects may not be applied yet.
      assert.equal(by['just-launched']!.status, 'pending');
      // A finished record is not asked about.
      assert.equal(by['done-run']!.status, 'succeeded');
      // Only the unfinished runs not followed here are watched.
      assert.deepEqual(c.tracked.at(-1), ['just-launched', 'from-cli', 'gone-run']);
      // The cluster's changes reach the index's listeners.
      const got: string[][] = [];
      idx.onDidChange((x) => got.push([...x.ids]));
      c.changes.fire(['from-cli']);
      assert.deepEqual(got, [['from-cli']]);
    });

    it('is unknown without a connection, with the reason', async () => {
      write(a, record('from-cli', { ...live, createdAt: '2026-01-01T11:00:00.000Z' }));
      const [e] = (await index([a]).list()).entries;
      assert.equal(e!.status, 'unknown');
      assert.match(e!.statusDetail!, /Not connected/);
    });
  });
});

describe('statusFromCluster', () => {
  const job = (status: unknown, spec: unknown = {}, meta: Partial<KubeObject['metadata']> = {}): KubeObject => ({
    kind: 'Job',
    metadata: { name: 'r', labels: { 'kubeml.io/run': 'r' }, ...meta },
    spec,
    status,
  });
  const pod = (phase: string): KubeObject => ({ kind: 'Pod', metadata: { name: `r-${phase}` }, status: { phase } });

  it('maps the primary object and pods to a status', () => {
    assert.equal(statusFromCluster(undefined, []), undefined);
    // What is left of a deleted run.
    assert.equal(
      statusFromCluster(undefined, [{ ...pod('Running'), metadata: { name: 'r-0', deletionTimestamp: '2026-01-01T00:00:00Z' } }]),
      undefined,
    );
    assert.equal(statusFromCluster(job({ conditions: [{ type: 'Complete', status: 'True' }] }), [])?.status, 'succeeded');
    assert.deepEqual(statusFromCluster(job({ conditions: [{ type: 'Failed', status: 'True', message: 'BackoffLimitExceeded' }] }), []), {
      status: 'failed',
      detail: 'BackoffLimitExceeded',
    });
    assert.equal(statusFromCluster(job({ conditions: [{ type: 'Failed', status: 'False' }] }), [pod('Running')])?.status, 'running');
    assert.equal(statusFromCluster(job({}, { suspend: true }), [])?.status, 'queued');
    assert.equal(statusFromCluster(job({}), [pod('Pending')])?.status, 'pending');
    assert.equal(statusFromCluster(job({}), [pod('Pending'), pod('Running')])?.status, 'running');
    assert.equal(statusFromCluster(job({}, {}, { deletionTimestamp: '2026-01-01T00:00:00Z' }), [pod('Running')])?.status, 'cancelled');
    assert.equal(statusFromCluster(job({}, {}, { annotations: { 'kubeml.io/failure': 'OOMKilled' } }), [])?.detail, 'OOMKilled');
    // PyTorchJob and TrainJob conditions.
    assert.equal(statusFromCluster(job({ conditions: [{ type: 'Succeeded', status: 'True' }] }), [])?.status, 'succeeded');
    assert.equal(statusFromCluster(job({ conditions: [{ type: 'Suspended', status: 'True' }] }), [])?.status, 'queued');
    // Pods without their primary (a bare pod run).
    assert.equal(statusFromCluster(undefined, [pod('Succeeded')])?.status, 'succeeded');
    assert.equal(statusFromCluster(undefined, [pod('Failed')])?.status, 'failed');
  });
});
