import { strict as assert } from 'node:assert';
import {
  type TreeEntry,
  type WatchEvent,
  type WatchEventKind,
  chunkUploads,
  coalesceEvents,
  minimalRoots,
  planBatch,
  planReconcile,
  sortPaths,
} from './planner';

const file = (size: number, mtime = 1000, mode = 0o644): TreeEntry => ({ type: 'file', size, mtime, mode });
const dir = (mode = 0o755): TreeEntry => ({ type: 'dir', size: 4096, mtime: 1, mode });
const link = (target: string): TreeEntry => ({ type: 'symlink', size: target.length, mtime: 1, mode: 0o777, linkTarget: target });
const tree = (o: Record<string, TreeEntry>) => new Map(Object.entries(o));

describe('sync planner: reconcile', () => {
  it('sends nothing when both sides agree', () => {
    const t = tree({ src: dir(), 'src/a.py': file(10), 'run.sh': file(5, 1000, 0o755) });
    const plan = planReconcile(t, new Map(t));
    assert.deepEqual([plan.mkdirs, plan.uploads, plan.deletes], [[], [], []]);
  });

  it('sends new files, and files whose size, mtime or mode differ', () => {
    const local = tree({
      'new.py': file(1),
      'size.py': file(2),
      'time.py': file(3, 2000),
      'mode.sh': file(4, 1000, 0o755),
      'same.py': file(5),
    });
    const remote = tree({ 'size.py': file(9), 'time.py': file(3, 1999), 'mode.sh': file(4), 'same.py': file(5) });
    const plan = planReconcile(local, remote);
    assert.deepEqual(plan.uploads, ['mode.sh', 'new.py', 'size.py', 'time.py']);
    assert.equal(plan.bytes, 1 + 2 + 3 + 4);
    assert.deepEqual(plan.deletes, []);
  });

  it('creates missing folders (empty ones too) parents first, and fixes folder modes', () => {
    const local = tree({ 'a/b/empty': dir(), a: dir(), 'a/b': dir(), x: dir(0o700) });
    const plan = planReconcile(local, tree({ x: dir(0o755) }));
    assert.deepEqual(plan.mkdirs, ['a', 'a/b', 'a/b/empty', 'x']);
  });

  it('keeps remote-only files unless mirror mode is on, and never touches ignored ones', () => {
    const local = tree({ 'a.py': file(1) });
    const remote = tree({ 'a.py': file(1), 'out.log': file(7), ckpt: dir(), 'ckpt/1.pt': file(9), 'cache.pyc': file(1) });
    assert.deepEqual(planReconcile(local, remote).deletes, []);
    const isIgnored = (p: string) => p.endsWith('.pyc');
    assert.deepEqual(planReconcile(local, remote, { mirror: true, isIgnored }).deletes, ['ckpt', 'out.log']);
  });

  it('replaces a remote entry of another type, even without mirror mode', () => {
    const local = tree({ model: file(3), data: dir(), 'data/x.csv': file(2), cfg: link('model') });
    const remote = tree({ model: dir(), 'model/old': file(1), data: link('/etc'), cfg: file(5) });
    const plan = planReconcile(local, remote);
    assert.deepEqual(plan.deletes, ['cfg', 'data', 'model']);
    assert.deepEqual(plan.mkdirs, ['data']);
    assert.deepEqual(plan.uploads, ['cfg', 'data/x.csv', 'model']);
  });

  it('skips files over the size limit with a reason', () => {
    const plan = planReconcile(tree({ 'big.bin': file(100 * 1024 * 1024), 'ok.py': file(10) }), new Map(), {
      maxFileSize: 50 * 1024 * 1024,
    });
    assert.deepEqual(plan.uploads, ['ok.py']);
    assert.equal(plan.skipped.length, 1);
    assert.match(plan.skipped[0].reason, /100\.0 MB > 50\.0 MB/);
  });

  it('re-sends a symlink whose target changed', () => {
    assert.deepEqual(planReconcile(tree({ l: link('a') }), tree({ l: link('a') })).uploads, []);
    assert.deepEqual(planReconcile(tree({ l: link('a') }), tree({ l: link('b') })).uploads, ['l']);
  });
});

describe('sync planner: watcher bursts', () => {
  it('coalesces repeated changes to one send', () => {
    const b = coalesceEvents([
      { kind: 'add', path: 'a.py' },
      { kind: 'change', path: 'a.py' },
      { kind: 'change', path: 'a.py' },
      { kind: 'change', path: 'b.py' },
    ]);
    assert.deepEqual(b.present, ['a.py', 'b.py']);
    assert.deepEqual(b.removed, []);
  });

  it('propagates a rename (unlink + add) as a delete and a send', () => {
    const b = coalesceEvents([
      { kind: 'unlink', path: 'old.py' },
      { kind: 'add', path: 'new.py' },
    ]);
    assert.deepEqual(b.present, ['new.py']);
    assert.deepEqual(b.removed, ['old.py']);
  });

  it('collapses a removed folder to one delete and drops pending sends inside it', () => {
    const b = coalesceEvents([
      { kind: 'change', path: 'pkg/a.py' },
      { kind: 'unlink', path: 'pkg/a.py' },
      { kind: 'unlink', path: 'pkg/sub/b.py' },
      { kind: 'unlinkDir', path: 'pkg/sub' },
      { kind: 'unlinkDir', path: 'pkg' },
      { kind: 'change', path: 'other.py' },
    ]);
    assert.deepEqual(b.removed, ['pkg']);
    assert.deepEqual(b.present, ['other.py']);
  });

  it('deletes then re-sends a path removed and created again (its type may have changed)', () => {
    const b = coalesceEvents([
      { kind: 'unlinkDir', path: 'x' },
      { kind: 'add', path: 'x' },
      { kind: 'addDir', path: 'y' },
      { kind: 'add', path: 'y/f' },
    ]);
    assert.deepEqual(b.removed, ['x']);
    assert.deepEqual(b.present, ['x', 'y', 'y/f']);
  });

  it('coalesces random bursts as the pairwise definition does', () => {
    // Reference: the definition, one event at a time; a removed folder drops every state inside it.
    const reference = (events: WatchEvent[]) => {
      const state = new Map<string, string>();
      for (const e of events) {
        const prev = state.get(e.path);
        if (e.kind === 'unlink' || e.kind === 'unlinkDir') {
          if (e.kind === 'unlinkDir') for (const k of [...state.keys()]) if (k.startsWith(e.path + '/')) state.delete(k);
          state.set(e.path, 'gone');
        } else state.set(e.path, prev === 'gone' || prev === 'replaced' ? 'replaced' : 'present');
      }
      const present = [...state].filter(([, v]) => v !== 'gone').map(([k]) => k);
      const removed = [...state].filter(([, v]) => v !== 'present').map(([k]) => k);
      return { present: sortPaths(present), removed: minimalRoots(removed) };
    };
    let seed = 11;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    const kinds: WatchEventKind[] = ['add', 'change', 'unlink', 'addDir', 'unlinkDir'];
    for (let round = 0; round < 200; round++) {
      const events: WatchEvent[] = Array.from({ length: 1 + rnd(30) }, () => ({
        kind: kinds[rnd(5)],
        path: Array.from({ length: 1 + rnd(3) }, () => ['a', 'b', 'a-b'][rnd(3)]).join('/'),
      }));
      const b = coalesceEvents(events);
      assert.deepEqual({ present: b.present, removed: b.removed }, reference(events), JSON.stringify(events));
    }
  });

  it('coalesces rm -rf of a folder with 20,000 subfolders without comparing every pair', () => {
    // Counts prefix tests (String.prototype.startsWith) instead of timing: checking every pending
    // path at every removed folder needs hundreds of millions of them here (21 s before).
    const events: WatchEvent[] = [];
    for (let i = 0; i < 20_000; i++) events.push({ kind: 'unlink', path: `out/d${i}/f` });
    for (let i = 0; i < 20_000; i++) events.push({ kind: 'unlinkDir', path: `out/d${i}` });
    events.push({ kind: 'unlinkDir', path: 'out' });
    const original = String.prototype.startsWith;
    let calls = 0;
    String.prototype.startsWith = function (this: string, ...args: Parameters<string['startsWith']>) {
      if (++calls > 10 * events.length) throw new Error(`more than ${10 * events.length} prefix tests for ${events.length} events`);
      return original.apply(this, args);
    };
    let b: ReturnType<typeof coalesceEvents>;
    try {
      b = coalesceEvents(events);
    } finally {
      String.prototype.startsWith = original;
    }
    assert.deepEqual(b.removed, ['out']);
    assert.deepEqual(b.present, []);
  });

  it('notices that an ignore file changed', () => {
    const isIgnoreFile = (p: string) => p.endsWith('.gitignore');
    assert.equal(coalesceEvents([{ kind: 'change', path: 'a/.gitignore' }], isIgnoreFile).rulesChanged, true);
    assert.equal(coalesceEvents([{ kind: 'change', path: 'a/b' }], isIgnoreFile).rulesChanged, false);
  });

  it('turns a 5,000-file checkout into one batch', () => {
    const events = [];
    for (let i = 0; i < 5000; i++) events.push({ kind: 'change' as const, path: `src/m${i % 50}/f${i}.py` });
    for (let i = 0; i < 50; i++) events.push({ kind: 'addDir' as const, path: `src/m${i}` });
    const b = coalesceEvents(events);
    assert.equal(b.present.length, 5050);
    const stat = new Map(b.present.map((p) => [p, p.endsWith('.py') ? file(10) : dir()] as const));
    const plan = planBatch(b, stat);
    assert.equal(plan.uploads.length, 5000);
    assert.equal(plan.mkdirs.length, 50);
    assert.equal(plan.bytes, 50_000);
  });

  it('makes a vanished path a delete and applies the size limit when planning a batch', () => {
    const b = coalesceEvents([
      { kind: 'add', path: 'gone.tmp' },
      { kind: 'add', path: 'huge.bin' },
      { kind: 'add', path: 'ok.py' },
    ]);
    const plan = planBatch(
      b,
      new Map([
        ['gone.tmp', undefined],
        ['huge.bin', file(1000)],
        ['ok.py', file(1)],
      ]),
      { maxFileSize: 100 },
    );
    assert.deepEqual(plan.deletes, ['gone.tmp']);
    assert.deepEqual(plan.uploads, ['ok.py']);
    assert.deepEqual(
      plan.skipped.map((s) => s.path),
      ['huge.bin'],
    );
  });
});

describe('sync planner: helpers', () => {
  it('sorts a folder right before its contents', () => {
    assert.deepEqual(sortPaths(['a-b', 'a/c', 'a', 'a.txt']), ['a', 'a/c', 'a-b', 'a.txt']);
    // Reference: segment by segment comparison.
    const bySegments = (a: string, b: string) => {
      const x = a.split('/');
      const y = b.split('/');
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
      return x.length - y.length;
    };
    const names = ['a', 'a b', 'a-b', 'a.b', 'a0', 'A', 'é', '_', '~x'];
    const input = names.flatMap((x) => names.flatMap((y) => [x, `${x}/${y}`, `${x}/${y}/${x}`]));
    assert.deepEqual(sortPaths(input), [...input].sort(bySegments));
  });
  it('keeps only the outermost of nested paths', () => {
    assert.deepEqual(minimalRoots(['a/b', 'a', 'ab', 'c/d', 'c/d/e']), ['a', 'ab', 'c/d']);
  });
  it('keeps only the outermost paths on mixed input, as the pairwise definition does', () => {
    // Reference: the definition itself (no path kept lies inside another path of the input).
    const input: string[] = [];
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    for (let i = 0; i < 400; i++) {
      const depth = 1 + rnd(4);
      input.push(Array.from({ length: depth }, () => ['a', 'b', 'a-b', 'a.b', 'ab'][rnd(5)]).join('/'));
    }
    const inside = (p: string, d: string) => p !== d && p.startsWith(d + '/');
    const expected = sortPaths(new Set(input.filter((p) => !input.some((d) => inside(p, d)))));
    assert.deepEqual(minimalRoots(input), expected);
  });
  it('finds the roots of 40,000 siblings without comparing every pair', () => {
    // Counts prefix tests (String.prototype.startsWith, which every containment check uses)
    // instead of timing: pairwise checking needs n²/2 of them, 800 million here.
    const paths = Array.from({ length: 40_000 }, (_, i) => `runs/out/ckpt-${i}.pt`);
    const original = String.prototype.startsWith;
    let calls = 0;
    String.prototype.startsWith = function (this: string, ...args: Parameters<string['startsWith']>) {
      if (++calls > 10 * paths.length) throw new Error(`more than ${10 * paths.length} prefix tests for ${paths.length} paths`);
      return original.apply(this, args);
    };
    let roots: string[];
    try {
      roots = minimalRoots(paths);
    } finally {
      String.prototype.startsWith = original;
    }
    assert.equal(roots.length, paths.length);
  });
  it('chunks by count and by bytes', () => {
    const sizes: Record<string, number> = { a: 5, b: 5, c: 5, d: 20, e: 1 };
    assert.deepEqual(
      chunkUploads(Object.keys(sizes), (p) => sizes[p], 2, 100),
      [['a', 'b'], ['c', 'd'], ['e']],
    );
    assert.deepEqual(
      chunkUploads(Object.keys(sizes), (p) => sizes[p], 10, 12),
      [['a', 'b'], ['c'], ['d'], ['e']],
    );
  });
});
