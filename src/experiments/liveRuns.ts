/**
 * Follows the run folders of a workspace while the experiments panel is open (plain Node, no vscode):
 * new run folders, and for each run that has not ended, its run.json (phase, times) and its
 * metrics.jsonl, read from the last offset each time the folder changes (fs.watch: a line the
 * launcher appends is read within milliseconds; a poll every second catches what a watch misses).
 */
import { promises as fs, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { Disposable, Emitter } from '../common/lifecycle';
import { isTerminal, type RunRecord, type RunStore } from '../model/runRecords';
import type { MetricResult } from '../model/runResults';
import { MetricLineReader } from './panelData';

const POLL_MS = 1000;

/** One live run: its record and the metric results read so far. */
export class RunFollower extends Disposable {
  private offset = 0;
  private readonly reader = new MetricLineReader();
  private watcher: FSWatcher | undefined;
  private busy: Promise<void> | undefined;
  private again = false;
  private lastRecordMtime = 0;
  readonly results: MetricResult[] = [];
  private readonly _onMetrics = this._register(new Emitter<readonly MetricResult[]>());
  /** New results, in file order. */
  readonly onMetrics = this._onMetrics.event;
  private readonly _onRecord = this._register(new Emitter<RunRecord>());
  readonly onRecord = this._onRecord.event;
  private readonly _onEnded = this._register(new Emitter<void>());
  readonly onEnded = this._onEnded.event;

  constructor(
    readonly store: RunStore,
    public record: RunRecord,
  ) {
    super();
    const dir = store.dir(record.id);
    try {
      this.watcher = watch(dir, () => this.check());
      this.watcher.on('error', () => undefined);
    } catch {
      // The folder is gone: the poll finds nothing to read.
    }
    const timer = setInterval(() => this.check(), POLL_MS);
    this._register({ dispose: () => clearInterval(timer) });
    this._register({ dispose: () => this.watcher?.close() });
  }

  /** Whether it has stopped following (the run ended, or the panel closed). */
  get stopped(): boolean {
    return this.isDisposed;
  }

  /** Reads everything there is now (the first read loads the whole file). */
  check(): Promise<void> {
    if (this.isDisposed) return Promise.resolve();
    if (this.busy) {
      this.again = true;
      return this.busy;
    }
    this.busy = this.read().finally(() => {
      this.busy = undefined;
      if (this.again && !this.isDisposed) {
        this.again = false;
        void this.check();
      }
    });
    return this.busy;
  }

  private async read(): Promise<void> {
    const dir = this.store.dir(this.record.id);
    const file = join(dir, 'metrics.jsonl');
    const st = await fs.stat(file).catch(() => undefined);
    if (st && st.size < this.offset) {
      // Replaced or truncated: read it again from the start (the page gets the whole curve again through `need`).
      this.offset = 0;
      this.reader.reset();
      this.results.length = 0;
    }
    if (st && st.size > this.offset) {
      const h = await fs.open(file, 'r');
      try {
        const buf = Buffer.alloc(st.size - this.offset);
        const { bytesRead } = await h.read(buf, 0, buf.length, this.offset);
        this.offset += bytesRead;
        const fresh = this.reader.push(buf.subarray(0, bytesRead));
        if (fresh.length && !this.isDisposed) {
          for (const m of fresh) this.results.push(m);
          this._onMetrics.fire(fresh);
        }
      } finally {
        await h.close();
      }
    }
    const rst = await fs.stat(join(dir, 'run.json')).catch(() => undefined);
    if (rst && rst.mtimeMs !== this.lastRecordMtime) {
      this.lastRecordMtime = rst.mtimeMs;
      const rec = await this.store.get(this.record.id);
      if (rec && !this.isDisposed) {
        this.record = rec;
        this._onRecord.fire(rec);
        if (isTerminal(rec.phase)) this._onEnded.fire();
      }
    }
  }
}

/** New run folders in a workspace's .kubeml/runs (the folder may not exist yet: then it is polled). */
export class RunFolderWatcher extends Disposable {
  private readonly known = new Set<string>();
  private watcher: FSWatcher | undefined;
  private scanning = false;
  private readonly _onNew = this._register(new Emitter<RunRecord>());
  readonly onNew = this._onNew.event;

  constructor(
    readonly store: RunStore,
    known: Iterable<string>,
  ) {
    super();
    for (const id of known) this.known.add(id);
    const timer = setInterval(() => void this.scan(), POLL_MS);
    this._register({ dispose: () => clearInterval(timer) });
    this._register({ dispose: () => this.watcher?.close() });
    // A first look at once (listeners are attached before its read returns): a run made while the panel loaded.
    void this.scan();
  }

  private tryWatch(): void {
    if (this.watcher) return;
    try {
      this.watcher = watch(this.store.root, () => void this.scan());
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      this.watcher = undefined;
    }
  }

  async scan(): Promise<void> {
    if (this.scanning || this.isDisposed) return;
    this.scanning = true;
    try {
      this.tryWatch();
      const names = await fs.readdir(this.store.root).catch(() => [] as string[]);
      for (const n of names) {
        if (this.known.has(n) || !/^[a-z0-9][-a-z0-9]*$/.test(n)) continue;
        const rec = await this.store.get(n);
        // A folder without its run.json yet is looked at again on the next change.
        if (rec && !this.isDisposed) {
          this.known.add(n);
          this._onNew.fire(rec);
        }
      }
    } finally {
      this.scanning = false;
    }
  }
}
