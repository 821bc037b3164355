/**
 * The records index: the runs of every workspace folder (.kubeml/runs/<id>/run.json, see
 * model/runRecords.ts), newest first, as entries (runEntry.ts), kept live. A record is read only
 * when its run.json changed (cached by mtime and size), so listing a thousand runs is a directory
 * read and a stat per run. It watches each folder's .kubeml/runs/ (chokidar) and fires
 * `onDidChange` with the ids of the runs that changed (coalesced per run); the status of a run
 * that no launcher of this window follows comes from the cluster (clusterStatus.ts).
 * Plain Node.
 */
import { promises as fs } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { FSWatcher } from 'chokidar';
import type * as Chokidar from 'chokidar';
import { Disposable, Emitter } from '../common/lifecycle';
import { RUNS_DIR, type RunRecord } from '../model/runRecords';
import type { RunClusterWatch } from './clusterStatus';
import { type KeyParams, keyParams, type RunEntry, toEntry } from './runEntry';

const RUN_ID = /^[a-z0-9][-a-z0-9]*$/;

export interface RunIndexOptions {
  /** Whether a launcher of this window follows the run (then its record is current). */
  readonly followedHere?: (id: string) => boolean;
  /** Coalesces file events per run for this long (default 50 ms). */
  readonly debounceMs?: number;
  readonly now?: () => number;
}

/** One change: the runs (by id, with their folder) that were added, changed or removed. */
export interface RunIndexChange {
  readonly folder: string;
  readonly ids: readonly string[];
}

interface Cached {
  mtimeMs: number;
  size: number;
  record: RunRecord | undefined;
}

export class RunIndex extends Disposable {
  private folders: string[] = [];
  private readonly cache = new Map<string, Cached>();
  /** Per folder: the run folders seen by the last scan, the folders whose watcher is ready, what changed since. */
  private readonly scanned = new Map<string, Set<string>>();
  private readonly watched = new Set<string>();
  private readonly dirty = new Map<string, Set<string> | 'all'>();
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly pending = new Map<string, Set<string>>();
  private timer: NodeJS.Timeout | undefined;
  private cluster: RunClusterWatch | undefined;
  private clusterSub: { dispose(): void } | undefined;
  private readonly _onDidChange = this._register(new Emitter<RunIndexChange>());
  /** Fired per batch of changed runs (file events, or the cluster's objects of the run). */
  readonly onDidChange = this._onDidChange.event;
  /** The records of the last list(), for the cluster's changes to be mapped to folders. */
  private last: RunRecord[] = [];

  constructor(
    folders: readonly string[],
    private readonly options: RunIndexOptions = {},
  ) {
    super();
    this.setFolders(folders);
  }

  get workspaceFolders(): readonly string[] {
    return this.folders;
  }

  /** The workspace folders changed (watchers follow). */
  setFolders(folders: readonly string[]): void {
    this.folders = [...folders];
    for (const [f, w] of this.watchers)
      if (!folders.includes(f)) {
        void w.close();
        this.watchers.delete(f);
        this.readies.delete(f);
        this.watched.delete(f);
        this.scanned.delete(f);
        this.dirty.delete(f);
      }
    for (const key of [...this.cache.keys()]) if (!this.folders.some((f) => key.startsWith(f + sep))) this.cache.delete(key);
  }

  /** Where the status of runs not followed here comes from (undefined: no connection). */
  setCluster(cluster: RunClusterWatch | undefined): void {
    this.clusterSub?.dispose();
    this.cluster = cluster;
    this.clusterSub = cluster?.onDidChange((ids) => {
      for (const f of this.folders) this._onDidChange.fire({ folder: f, ids });
    });
    if (cluster) cluster.track(this.last.filter((r) => this.needsCluster(r)));
  }

  private needsCluster(r: RunRecord): boolean {
    return !['succeeded', 'failed', 'cancelled'].includes(r.phase) && !this.options.followedHere?.(r.id);
  }

  /** Starts watching each folder's .kubeml/ for run folders and their files. */
  watch(): void {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded when the Runs view is first shown
    const { watch } = require('chokidar') as typeof Chokidar;
    for (const folder of this.folders) {
      if (this.watchers.has(folder)) continue;
      const root = join(folder, '.kubeml');
      // .kubeml/ may not exist yet: watch the workspace folder for it, no deeper than run files.
      const w = watch(folder, {
        ignoreInitial: true,
        depth: 3,
        ignored: (p: string) => {
          const rel = relative(folder, p);
          if (rel === '') return false;
          const parts = rel.split(sep);
          if (parts[0] !== '.kubeml') return true;
          if (parts.length >= 2 && parts[1] !== 'runs') return true;
          if (parts.length === 4) return !['run.json', 'metrics.jsonl'].includes(parts[3]!);
          return parts.length > 4;
        },
      });
      w.on('all', (_event, path) => {
        const parts = relative(root, path).split(sep);
        if (parts[0] === 'runs' && parts[1] && RUN_ID.test(parts[1])) this.queue(folder, parts[1]);
        else if (parts[0] === 'runs' || parts[0] === '') this.queue(folder, '');
      });
      w.on('error', () => undefined);
      this.readies.set(
        folder,
        new Promise<void>((r) =>
          w.once('ready', () => {
            // From now on the watcher reports every change: the next list scans the folder once more, then only what changed.
            this.watched.add(folder);
            this.dirty.set(folder, 'all');
            r();
          }),
        ),
      );
      this.watchers.set(folder, w);
    }
  }

  /** Resolves when every watcher has read its folder (for tests). */
  async ready(): Promise<void> {
    await Promise.all(this.readies.values());
  }
  private readonly readies = new Map<string, Promise<void>>();

  /** These runs changed (KubeML wrote or deleted their folders): the next list() reads them again, whatever the watcher has reported yet. */
  invalidate(folder: string, ids: readonly string[]): void {
    for (const id of ids) this.queue(folder, id);
  }

  private queue(folder: string, id: string): void {
    const d = this.dirty.get(folder);
    if (id === '') this.dirty.set(folder, 'all');
    else if (d !== 'all') this.dirty.set(folder, (d ?? new Set<string>()).add(id));
    const s = this.pending.get(folder) ?? new Set<string>();
    s.add(id);
    this.pending.set(folder, s);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const batches = [...this.pending];
      this.pending.clear();
      for (const [f, ids] of batches) this._onDidChange.fire({ folder: f, ids: [...ids].filter(Boolean) });
    }, this.options.debounceMs ?? 50);
  }

  /** The record of one run folder, read again only when its run.json changed. */
  private async read(folder: string, id: string): Promise<RunRecord | undefined> {
    const file = join(folder, RUNS_DIR, id, 'run.json');
    const st = await fs.stat(file).catch(() => undefined);
    if (!st) {
      this.cache.delete(file);
      return undefined;
    }
    const hit = this.cache.get(file);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.record;
    let record: RunRecord | undefined;
    this.parses++;
    try {
      const r = JSON.parse(await fs.readFile(file, 'utf8')) as RunRecord;
      record = r?.version === 1 && r.id === id ? r : undefined;
    } catch {
      record = undefined;
    }
    this.cache.set(file, { mtimeMs: st.mtimeMs, size: st.size, record });
    return record;
  }

  /** How many run.json files were parsed (for tests and the benchmark). */
  get parsed(): number {
    return this.parses;
  }
  private parses = 0;

  /** The records of every folder, newest first. */
  async records(): Promise<Array<{ folder: string; record: RunRecord }>> {
    const all = await Promise.all(
      this.folders.map(async (folder) => {
        const dirty = this.dirty.get(folder);
        const known = this.scanned.get(folder);
        this.dirty.delete(folder);
        let names: string[];
        let fresh: ReadonlySet<string> | undefined;
        if (this.watched.has(folder) && known && dirty !== 'all') {
          // Watched: only the runs the watcher reported are read again (a stat and, if changed, a parse).
          fresh = dirty ?? new Set<string>();
          names = [...new Set([...known, ...fresh])];
        } else names = (await fs.readdir(join(folder, RUNS_DIR)).catch(() => [] as string[])).filter((n) => RUN_ID.test(n));
        const root = join(folder, RUNS_DIR);
        const recs = await Promise.all(
          names.map((n) => {
            const cached = fresh && !fresh.has(n) ? this.cache.get(`${root}${sep}${n}${sep}run.json`) : undefined;
            if (cached) return cached.record ? { folder, record: cached.record } : undefined;
            return this.read(folder, n).then((record) => (record ? { folder, record } : undefined));
          }),
        );
        const found = recs.filter((r): r is { folder: string; record: RunRecord } => !!r);
        // A run folder without a readable record is dropped: when its run.json comes, the watcher reports it.
        this.scanned.set(folder, new Set(found.map((r) => r.record.id)));
        return found;
      }),
    );
    // ISO timestamps and ids compare as plain strings (localeCompare is much slower on a thousand runs).
    const cmp = (x: string, y: string) => (x < y ? 1 : x > y ? -1 : 0);
    return all.flat().sort((a, b) => cmp(a.record.createdAt, b.record.createdAt) || cmp(a.record.id, b.record.id));
  }

  /** Every run as an entry, newest first, with the key parameters of each (differing ones first). */
  async list(): Promise<{ entries: RunEntry[]; params: Map<string, KeyParams> }> {
    const recs = await this.records();
    this.last = recs.map((r) => r.record);
    const now = this.options.now?.() ?? Date.now();
    const cluster = this.cluster;
    cluster?.track(this.last.filter((r) => this.needsCluster(r)));
    const entries = recs.map(({ folder, record }) => {
      const here = this.options.followedHere?.(record.id) ?? false;
      return toEntry(folder, record, now, here, !here && this.needsCluster(record) ? (cluster?.view(record) ?? noCluster) : undefined);
    });
    return { entries, params: keyParams(this.last) };
  }

  override dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.clusterSub?.dispose();
    for (const w of this.watchers.values()) void w.close();
    this.watchers.clear();
    super.dispose();
  }
}

const noCluster = { state: 'unknown', detail: 'Not connected to a cluster: its status cannot be read.' } as const;
