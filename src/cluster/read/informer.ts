import { StringDecoder } from 'node:string_decoder';
import { Disposable, Emitter } from '../../common/lifecycle';
import { KubeMLError, messageOf } from '../../common/errors';
import { type Logger } from '../../common/logging';
import { type KubeClient } from '../client';
import { collectionPath, type ResourceKind } from '../resources';
import {
  applyEventInPlace,
  coalesce,
  LineSplitter,
  objectKey,
  replaceAll,
  type KubeObject,
  type ObjectChange,
  type WatchEvent,
} from './informerState';

export type InformerStatus =
  { kind: 'idle' } | { kind: 'syncing' } | { kind: 'synced' } | { kind: 'error'; error: KubeMLError; synced: boolean };

export interface InformerOptions {
  /** Changes within this window are fired as one batch. */
  coalesceMs?: number;
  /** No event and no bookmark for this long: the watch is considered dead and restarted. */
  silenceMs?: number;
  /** Server-side watch timeout (the server ends the watch; it is resumed from the last version). */
  watchTimeoutSeconds?: number;
  pageSize?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Failures in a row of a synced cache before its status turns to error (default 3: hiccups are not shown). */
  errorAfterFailures?: number;
  labelSelector?: string;
  fieldSelector?: string;
}

const DEFAULTS = {
  coalesceMs: 50,
  silenceMs: 120_000,
  watchTimeoutSeconds: 300,
  pageSize: 500,
  backoffInitialMs: 500,
  backoffMaxMs: 30_000,
  errorAfterFailures: 3,
};

/** Exponential backoff with full jitter: a random delay in [base/2, base], base doubling per attempt. */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 20));
  return Math.round(base / 2 + (random() * base) / 2);
}

class GoneError extends Error {}

interface ListAnswer {
  metadata?: { resourceVersion?: string; continue?: string };
  items: KubeObject[];
}

/**
 * A list+watch cache of one kind in one namespace (or all namespaces): lists (paged), then
 * watches from the list's resourceVersion with bookmarks; relists on 410 Gone; reconnects with
 * backoff and jitter; restarts a watch that went silent. Changes are coalesced into batches.
 */
export class Informer extends Disposable {
  private readonly _onDidChange = this._register(new Emitter<ObjectChange[]>());
  /** Coalesced batches of changes, each key at most once per batch. */
  readonly onDidChange = this._onDidChange.event;
  private readonly _onDidChangeStatus = this._register(new Emitter<InformerStatus>());
  readonly onDidChangeStatus = this._onDidChangeStatus.event;

  private readonly items_ = new Map<string, KubeObject>();
  private resourceVersion: string | undefined;
  private status_: InformerStatus = { kind: 'idle' };
  private hasSynced = false;
  private running = false;
  private generation = 0;
  private abortCurrent: (() => void) | undefined;
  private sleepTimer: { timer: NodeJS.Timeout; resolve: () => void } | undefined;
  private pending: ObjectChange[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private syncedWaiters: Array<() => void> = [];
  private readonly opts: typeof DEFAULTS & Pick<InformerOptions, 'labelSelector' | 'fieldSelector'>;

  /** Counters for tests and the benchmark. */
  readonly stats = { lists: 0, relists: 0, watches: 0, silentRestarts: 0, errors: 0, events: 0 };

  constructor(
    private readonly client: KubeClient,
    readonly resource: ResourceKind,
    readonly namespace: string | undefined,
    private readonly log: Logger,
    options: InformerOptions = {},
  ) {
    super();
    this.opts = { ...DEFAULTS, ...options };
  }

  get items(): ReadonlyMap<string, KubeObject> {
    return this.items_;
  }
  get status(): InformerStatus {
    return this.status_;
  }
  get synced(): boolean {
    return this.hasSynced;
  }
  get isRunning(): boolean {
    return this.running;
  }

  private get what(): string {
    return `list ${this.resource.title}${this.namespace ? ` in ${this.namespace}` : this.resource.namespaced ? ' in all namespaces' : ''}`;
  }

  /** Starts (or resumes, from the last resource version) the list+watch loop. Idempotent. */
  start(): void {
    if (this.running || this.isDisposed) return;
    this.running = true;
    const gen = ++this.generation;
    this.run(gen).catch((e: unknown) => this.log.error(`informer ${this.what} stopped`, e));
  }

  /** Stops watching; keeps the items and the resource version so that start() resumes cheaply. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.generation++;
    this.abortCurrent?.();
    this.wake();
    this.flush();
    this.setStatus(this.hasSynced ? { kind: 'synced' } : { kind: 'idle' });
  }

  /** Ends the current watch now (and resumes it); used when the user asks for a refresh. */
  restartWatch(): void {
    this.abortCurrent?.();
    this.wake();
  }

  /** Resolves when the first list has been applied (or at once if it already was). */
  whenSynced(): Promise<void> {
    if (this.hasSynced) return Promise.resolve();
    return new Promise((resolve) => this.syncedWaiters.push(resolve));
  }

  override dispose(): void {
    this.stop();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    for (const w of this.syncedWaiters.splice(0)) w();
    super.dispose();
  }

  private setStatus(s: InformerStatus): void {
    const prev = this.status_;
    this.status_ = s;
    if (prev.kind !== s.kind || s.kind === 'error') this._onDidChangeStatus.fire(s);
  }

  private async run(gen: number): Promise<void> {
    let needList = !this.resourceVersion;
    let failures = 0;
    while (this.running && gen === this.generation) {
      try {
        if (needList) {
          if (!this.hasSynced) this.setStatus({ kind: 'syncing' });
          await this.list(gen);
          needList = false;
        }
        if (!this.running || gen !== this.generation) break;
        await this.watch(gen);
        failures = 0;
      } catch (e) {
        if (!this.running || gen !== this.generation) break;
        if (e instanceof GoneError || (KubeMLError.is(e) && e.kind === 'gone')) {
          this.log.debug(`${this.what}: resource version expired, relisting`);
          this.stats.relists++;
          needList = true;
          continue;
        }
        this.stats.errors++;
        const err = KubeMLError.is(e) ? e : new KubeMLError('unknown', `${this.what} failed: ${messageOf(e)}`);
        failures++;
        // Transient hiccups of a synced cache are not worth a red row; persistent ones are.
        if (!this.hasSynced || failures >= this.opts.errorAfterFailures || err.kind === 'forbidden' || err.kind === 'unauthorized') {
          this.setStatus({ kind: 'error', error: err, synced: this.hasSynced });
        }
        const slow = err.kind === 'forbidden' || err.kind === 'unauthorized' || err.kind === 'not-found';
        const delay = backoffDelay(failures - 1, this.opts.backoffInitialMs, slow ? 5 * 60_000 : this.opts.backoffMaxMs);
        this.log.debug(`${this.what}: ${err.message} (retry in ${delay} ms)`);
        await this.sleep(delay);
      }
    }
  }

  private async list(gen: number): Promise<void> {
    this.stats.lists++;
    const listed: KubeObject[] = [];
    let cont: string | undefined;
    let rv: string | undefined;
    do {
      const page = await this.client.json<ListAnswer>(collectionPath(this.resource, this.namespace), {
        what: this.what,
        timeoutMs: 60_000,
        query: {
          limit: this.opts.pageSize,
          continue: cont,
          labelSelector: this.opts.labelSelector,
          fieldSelector: this.opts.fieldSelector,
        },
      });
      if (gen !== this.generation) return;
      for (const item of page.items ?? []) listed.push(item);
      cont = page.metadata?.continue || undefined;
      rv = page.metadata?.resourceVersion;
    } while (cont);
    const changes = replaceAll(this.items_, listed);
    this.resourceVersion = rv;
    this.hasSynced = true;
    this.enqueue(changes, true);
    this.setStatus({ kind: 'synced' });
    for (const w of this.syncedWaiters.splice(0)) w();
  }

  private async watch(gen: number): Promise<void> {
    this.stats.watches++;
    const timeoutSeconds = Math.round(this.opts.watchTimeoutSeconds * (0.9 + Math.random() * 0.2));
    const controller = new AbortController();
    this.abortCurrent = () => controller.abort();
    const res = await this.client.raw(collectionPath(this.resource, this.namespace), {
      what: `watch ${this.resource.title}`,
      timeoutMs: 30_000,
      signal: controller.signal,
      query: {
        watch: 1,
        allowWatchBookmarks: true,
        resourceVersion: this.resourceVersion,
        timeoutSeconds,
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
      },
    });
    if (gen !== this.generation) {
      (res.body as unknown as { destroy(): void }).destroy();
      return;
    }
    if (!this.hasSynced || this.status_.kind === 'error') this.setStatus({ kind: 'synced' });
    const body = res.body as NodeJS.ReadableStream & { destroy(err?: Error): void };
    await new Promise<void>((resolve, reject) => {
      const decoder = new StringDecoder('utf8');
      const splitter = new LineSplitter();
      let silence: NodeJS.Timeout | undefined;
      let settled = false;
      const finish = (err?: Error) => {
        if (settled) return;
        settled = true;
        if (silence) clearTimeout(silence);
        this.abortCurrent = undefined;
        body.destroy();
        if (err) reject(err);
        else resolve();
      };
      const arm = () => {
        if (silence) clearTimeout(silence);
        silence = setTimeout(() => {
          this.stats.silentRestarts++;
          this.log.debug(`${this.what}: watch silent for ${this.opts.silenceMs} ms, restarting it`);
          finish();
        }, this.opts.silenceMs);
      };
      this.abortCurrent = () => finish();
      arm();
      const handle = (line: string) => {
        let ev: WatchEvent;
        try {
          ev = JSON.parse(line) as WatchEvent;
        } catch {
          return;
        }
        this.stats.events++;
        const r = applyEventInPlace(this.items_, this.resourceVersion, ev);
        this.resourceVersion = r.resourceVersion;
        if (r.gone) finish(new GoneError());
        else if (r.error)
          finish(
            new KubeMLError('server', `The watch of ${this.resource.title} failed: ${r.error.message ?? r.error.reason ?? r.error.code}.`),
          );
        else if (r.change) this.enqueue([r.change], false);
      };
      body.on('data', (chunk: Buffer) => {
        if (settled) return;
        arm();
        for (const line of splitter.push(decoder.write(chunk))) {
          handle(line);
          if (settled) return;
        }
      });
      body.on('end', () => {
        for (const line of splitter.push(decoder.end())) handle(line);
        for (const line of splitter.flush()) handle(line);
        finish();
      });
      body.on('error', (e: Error) =>
        finish(
          settled || !this.running
            ? undefined
            : KubeMLError.is(e)
              ? e
              : new KubeMLError('unreachable', `The watch of ${this.resource.title} broke: ${e.message}.`),
        ),
      );
    });
  }

  private enqueue(changes: ObjectChange[], immediate: boolean): void {
    if (changes.length === 0 && !immediate) return;
    this.pending.push(...changes);
    if (immediate) {
      this.flush();
      return;
    }
    if (!this.flushTimer) this.flushTimer = setTimeout(() => this.flush(), this.opts.coalesceMs);
  }

  private flush(): void {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    const batch = coalesce(this.pending.splice(0));
    if (batch.length > 0 || this.hasSynced) this._onDidChange.fire(batch);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleepTimer = undefined;
        resolve();
      }, ms);
      this.sleepTimer = { timer, resolve };
    });
  }

  private wake(): void {
    if (this.sleepTimer) {
      clearTimeout(this.sleepTimer.timer);
      const r = this.sleepTimer.resolve;
      this.sleepTimer = undefined;
      r();
    }
  }
}

export { objectKey };
