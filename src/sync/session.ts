import { relative, sep } from 'node:path';
import type { FSWatcher } from 'chokidar';
import type * as Chokidar from 'chokidar';
import { Disposable, Emitter, toDisposable } from '../common/lifecycle';
import { KubeMLError, messageOf } from '../common/errors';
import { type Logger } from '../common/logging';
import { IgnoreMatcher, ignoreFileKind } from '../cluster/stream/tree/ignore';
import { loadIgnoreFiles, statLocal, workspaceIgnore } from '../cluster/stream/tree/localTree';
import { checkRelativePath, printable, safeTargetFolder } from '../cluster/stream/tree/paths';
import {
  type SyncPlan,
  type TreeEntry,
  type WatchEvent,
  type WatchEventKind,
  coalesceEvents,
  isEmptyPlan,
  planBatch,
} from '../cluster/stream/tree/planner';
import { type PodInfo, type PodSource } from './pods';
import { type PodRef, type ScriptTransport, isRetryable, reconcile } from '../cluster/stream/transport';

/**
 * A live sync session: local folder -> one folder in one or more pods. Initial incremental
 * reconcile per pod, then watcher bursts coalesced into batches; per pod, work is serialised.
 * A failed exec is retried with backoff and then a full reconcile; a restarted or recreated pod
 * is re-synced; a pod that is gone leaves the session, which stops when none is left.
 * Node only: the status bar and commands are the skin.
 */

export type SyncStatus =
  | { kind: 'starting'; pods: number }
  /** `pods` in sync, nothing pending. */
  | { kind: 'idle'; pods: number }
  /** No pod is in sync: none left (a run's pod finished), none yet, or their containers are not running. */
  | { kind: 'waiting'; pods: 0; detail: string; ended: boolean }
  | { kind: 'syncing'; pods: number; pending: number }
  | { kind: 'error'; pods: number; pending: number; message: string }
  | { kind: 'stopped'; reason: string };

export interface AppliedBatch {
  readonly pod: PodRef;
  readonly paths: readonly string[];
  readonly deleted: readonly string[];
  /** Date.now() when the pod's tar (or rm) exited: the files are visible from then on. */
  readonly doneAt: number;
}

export interface SessionOptions {
  readonly localRoot: string;
  readonly remoteFolder: string;
  readonly pods: PodSource;
  readonly transportFor: (ref: PodRef) => ScriptTransport;
  readonly log: Logger;
  readonly maxFileSize?: number;
  readonly mirror?: boolean;
  readonly ignore?: readonly string[];
  /** Quiet time before a lone change leaves (default 15 ms); during a batch in flight, changes wait for it. */
  readonly debounceMs?: number;
  /** A burst longer than this is flushed anyway. */
  readonly maxWaitMs?: number;
  /**
   * The pods are watched (the source tells the session when they change); this is only how long a
   * pod that exec found gone or not running waits before the session looks at the watched set
   * again, in case the watch had told it already (default 2 s, then doubling up to 30 s). No request.
   */
  readonly pollMs?: number;
  readonly backoffMs?: { readonly initial: number; readonly max: number };
}

type PodState = 'waiting' | 'reconciling' | 'ok' | 'retrying' | 'failed';

interface PodSync {
  readonly key: string;
  info: PodInfo;
  readonly transport: ScriptTransport;
  state: PodState;
  chain: Promise<void>;
  pendingOps: number;
  failures: number;
  retryTimer?: NodeJS.Timeout;
  lastError?: string;
}

const keyOf = (r: PodRef) => `${r.namespace}/${r.name}`;

export class SyncSession extends Disposable {
  private readonly _onDidChangeStatus = this._register(new Emitter<SyncStatus>());
  readonly onDidChangeStatus = this._onDidChangeStatus.event;
  private readonly _onDidLog = this._register(new Emitter<string>());
  /** One line per file sent or removed, and per notable step. */
  readonly onDidLog = this._onDidLog.event;
  private readonly _onDidApply = this._register(new Emitter<AppliedBatch>());
  readonly onDidApply = this._onDidApply.event;

  readonly remoteFolder: string;
  private readonly matcher: IgnoreMatcher;
  private readonly pods = new Map<string, PodSync>();
  private readonly abort = new AbortController();
  private watcher: FSWatcher | undefined;
  private events: WatchEvent[] = [];
  private debounce: NodeJS.Timeout | undefined;
  private burstStart = 0;
  private recheckTimer: NodeJS.Timeout | undefined;
  private rechecks = 0;
  private pollFailing: string | undefined;
  private _status: SyncStatus = { kind: 'starting', pods: 0 };
  private stoppedReason: string | undefined;
  private flushing = 0;
  /** Until start() has tracked the first pods, pod changes wait for it (it applies them after). */
  private starting = true;
  private waitingForIdle = false;
  /** The last pod that left because it completed, failed or is being deleted ("ns/name completed"). */
  private lastEnded: string | undefined;

  constructor(private readonly opts: SessionOptions) {
    super();
    this.remoteFolder = safeTargetFolder(opts.remoteFolder);
    this.matcher = new IgnoreMatcher(opts.ignore ?? []);
    this._register(toDisposable(() => this.shutdown('Sync stopped.')));
  }

  get status(): SyncStatus {
    return this._status;
  }
  get podRefs(): PodRef[] {
    return [...this.pods.values()].map((p) => p.info.ref);
  }

  /** Finds the pods, starts watching, reconciles every running pod. Resolves once they were all tried. */
  async start(): Promise<void> {
    const found = await this.opts.pods.follow(
      { onPods: (pods) => this.onPods(pods, false), onError: (m) => this.onSourceError(m) },
      this.abort.signal,
    );
    const live = found.filter((p) => !p.ended);
    const ended = found.find((p) => p.ended);
    if (ended) this.lastEnded = `${keyOf(ended.ref)} ${ended.ended}`;
    if (found.length > 0 && live.length === 0 && !this.opts.pods.dynamic) {
      throw new KubeMLError('invalid', `No pod to sync with: ${this.lastEnded}: nothing to sync with.`, 'Start Sync on a running pod.');
    }
    if (found.length === 0 && !this.opts.pods.dynamic) {
      throw new KubeMLError(
        'not-found',
        `No pod to sync with: ${this.opts.pods.description} not found.`,
        'Start Sync again on a running pod.',
      );
    }
    // The whole rules before the watcher starts: it must not follow ignored folders (see onEvent).
    await workspaceIgnore(this.opts.localRoot, this.matcher);
    await this.startWatcher();
    await Promise.all(live.map((info) => this.track(info)));
    this.starting = false;
    // Changes that came while the first pods were reconciled.
    if (!this.stoppedReason) this.onPods(this.opts.pods.current(), false);
    this.updateStatus();
  }

  /** Resolves when nothing is pending and no pod is reconciling (tests and the benchmark). */
  async whenSettled(): Promise<void> {
    for (;;) {
      const pods = [...this.pods.values()];
      const chains = pods.map((p) => p.chain);
      await Promise.all(chains);
      const quiet =
        this.events.length === 0 &&
        !this.debounce &&
        !this.waitingForIdle &&
        this.flushing === 0 &&
        pods.every((p, i) => p.chain === chains[i] && !p.retryTimer);
      if (quiet || this.stoppedReason) return;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  // --- watcher ---------------------------------------------------------------------------

  private rel(abs: string): string {
    return relative(this.opts.localRoot, abs).split(sep).join('/');
  }

  private async startWatcher(): Promise<void> {
    await this.watcher?.close();
    const root = this.opts.localRoot;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded with the first sync, not at activation
    const { watch } = require('chokidar') as typeof Chokidar;
    const watcher = watch(root, {
      ignoreInitial: true,
      followSymlinks: false,
      atomic: true,
      ignored: (abs, stats) => {
        const rel = this.rel(abs);
        if (rel === '' || rel.startsWith('..')) return false;
        return stats ? this.matcher.ignores(rel, stats.isDirectory()) : this.matcher.ignores(rel, false) && this.matcher.ignores(rel, true);
      },
    });
    this.watcher = watcher;
    watcher.on('all', (event, abs) => {
      if (event === 'add' || event === 'change' || event === 'unlink' || event === 'addDir' || event === 'unlinkDir') {
        const rel = this.rel(abs);
        if (rel && !rel.startsWith('..')) this.onEvent(event as WatchEventKind, rel);
      }
    });
    watcher.on('error', (e) => this.opts.log.warn(`File watcher: ${messageOf(e)}`));
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  }

  private onEvent(kind: WatchEventKind, path: string): void {
    if (this.stoppedReason) return;
    const checked = checkRelativePath(path);
    if (!checked.ok || checked.path !== path) {
      this.log(`Skipped ${printable(path)}: its name ${checked.ok ? 'is not portable' : checked.reason}.`);
      return;
    }
    // Ignored paths are never touched in the pod. The watcher may still report one: it drops a
    // folder it followed when the rules start to exclude it by reporting it removed (issue #18:
    // a save logged "deleted cluster", cluster/ being in .kubemlignore).
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (!ignoreFileKind(name) && this.matcher.ignores(path, kind === 'addDir' || kind === 'unlinkDir')) return;
    if (this.events.length === 0) this.burstStart = Date.now();
    this.events.push({ kind, path });
    if (this.waitingForIdle) return this.updateStatus(); // flushed when the batch in flight is done
    if (this.debounce) clearTimeout(this.debounce);
    const wait = Date.now() - this.burstStart > (this.opts.maxWaitMs ?? 1000) ? 0 : (this.opts.debounceMs ?? 15);
    this.debounce = setTimeout(() => void this.flush(), wait);
    this.updateStatus();
  }

  private async flush(): Promise<void> {
    this.flushing++;
    try {
      await this.flushNow();
    } finally {
      this.flushing--;
    }
  }

  private async flushNow(): Promise<void> {
    this.debounce = undefined;
    // While a batch is in flight, keep collecting: the next batch leaves when it is done, so a
    // burst becomes a few large batches, and a lone save leaves at once.
    const busy = [...this.pods.values()].filter((p) => p.pendingOps > 0);
    if (busy.length && this.events.length) {
      this.waitingForIdle = true;
      void Promise.all(busy.map((p) => p.chain)).then(() => {
        this.waitingForIdle = false;
        void this.flush();
      });
      return;
    }
    const events = this.events;
    this.events = [];
    if (events.length === 0 || this.stoppedReason) return;
    const batch = coalesceEvents(events, (p) => ignoreFileKind(p.slice(p.lastIndexOf('/') + 1)) !== undefined);
    if (batch.rulesChanged) {
      this.log('Ignore rules changed: full re-sync.');
      for (const dir of new Set(
        events
          .filter((e) => ignoreFileKind(e.path.slice(e.path.lastIndexOf('/') + 1)))
          .map((e) => (e.path.includes('/') ? e.path.slice(0, e.path.lastIndexOf('/')) : '')),
      )) {
        await loadIgnoreFiles(this.opts.localRoot, dir, this.matcher);
      }
      await this.startWatcher();
      for (const pod of this.pods.values()) this.scheduleReconcile(pod, 0);
      return;
    }
    const stats = new Map<string, TreeEntry | undefined>();
    await Promise.all(
      batch.present.map(async (p) => {
        const e = await statLocal(this.opts.localRoot, p, this.matcher);
        if (e && 'skip' in e) this.log(`Skipped ${p}: ${e.skip}.`);
        stats.set(p, e && !('skip' in e) ? e : undefined);
      }),
    );
    // A path that vanished and was never sent is deleted remotely: harmless (rm -rf of nothing).
    const plan = planBatch(batch, stats, { maxFileSize: this.opts.maxFileSize });
    for (const s of plan.skipped) this.log(`Skipped ${s.path}: ${s.reason}.`);
    if (isEmptyPlan(plan)) return this.updateStatus();
    const tree = new Map([...stats].filter((e): e is [string, TreeEntry] => e[1] !== undefined));
    for (const pod of this.pods.values()) {
      if (pod.state === 'ok' || pod.state === 'reconciling')
        this.enqueue(pod, (t) => this.applyPlan(pod, plan, tree, t), plan.uploads.length + plan.mkdirs.length + plan.deletes.length);
      // Pods that are retrying or waiting get a full reconcile later, which covers this batch.
    }
  }

  // --- per pod work ------------------------------------------------------------------------

  private enqueue(pod: PodSync, work: (t: ScriptTransport) => Promise<void>, ops: number): void {
    pod.pendingOps += ops;
    this.updateStatus();
    pod.chain = pod.chain
      .then(async () => {
        if (this.stoppedReason || !this.pods.has(pod.key) || pod.state === 'retrying' || pod.state === 'failed' || pod.state === 'waiting')
          return;
        await work(pod.transport);
      })
      .catch((e: unknown) => this.onPodError(pod, e))
      .finally(() => {
        pod.pendingOps = Math.max(0, pod.pendingOps - ops);
        this.updateStatus();
      });
  }

  private async applyPlan(pod: PodSync, plan: SyncPlan, tree: Map<string, TreeEntry>, t: ScriptTransport): Promise<void> {
    const who = keyOf(pod.info.ref);
    if (plan.deletes.length) {
      await t.remove(this.remoteFolder, plan.deletes, this.abort.signal);
      for (const d of plan.deletes) this.log(`${who}: deleted ${d}`);
    }
    if (plan.mkdirs.length || plan.uploads.length) {
      await t.upload(
        this.remoteFolder,
        this.opts.localRoot,
        plan.mkdirs,
        plan.uploads,
        tree,
        { onFile: (p) => this.log(`${who}: sent ${p}`), onWarning: (m) => this.log(`${who}: ${m}`) },
        this.abort.signal,
      );
    }
    this._onDidApply.fire({ pod: pod.info.ref, paths: [...plan.mkdirs, ...plan.uploads], deleted: plan.deletes, doneAt: Date.now() });
  }

  private async track(info: PodInfo): Promise<void> {
    const key = keyOf(info.ref);
    const pod: PodSync = {
      key,
      info,
      transport: this.opts.transportFor(info.ref),
      state: info.running ? 'reconciling' : 'waiting',
      chain: Promise.resolve(),
      pendingOps: 0,
      failures: 0,
    };
    this.pods.set(key, pod);
    this.log(`${key}: ${info.running ? 'syncing' : 'waiting for the container to run'} (${this.opts.localRoot} -> ${this.remoteFolder})`);
    if (info.running) {
      this.scheduleReconcile(pod, 0);
      await pod.chain;
    }
  }

  /** Full incremental reconcile of one pod, after `delayMs`. */
  private scheduleReconcile(pod: PodSync, delayMs: number): void {
    if (pod.retryTimer) clearTimeout(pod.retryTimer);
    pod.retryTimer = undefined;
    const run = () => {
      pod.state = 'reconciling';
      this.enqueue(
        pod,
        async (t) => {
          const who = pod.key;
          const t0 = Date.now();
          const r = await reconcile(t, this.opts.localRoot, this.remoteFolder, this.matcher, {
            maxFileSize: this.opts.maxFileSize,
            mirror: this.opts.mirror,
            signal: this.abort.signal,
            onFile: (p) => this.log(`${who}: sent ${p}`),
            onWarning: (m) => this.log(`${who}: ${m}`),
          });
          for (const d of r.plan.deletes) this.log(`${who}: deleted ${d}`);
          pod.state = 'ok';
          pod.failures = 0;
          this.rechecks = 0;
          pod.lastError = undefined;
          this.log(
            `${who}: in sync (${r.plan.uploads.length} file(s) and ${r.plan.mkdirs.length} folder(s) sent, ${r.plan.deletes.length} removed, ${r.localCount - r.plan.uploads.length - r.plan.mkdirs.length} unchanged) in ${Date.now() - t0} ms`,
          );
          this._onDidApply.fire({
            pod: pod.info.ref,
            paths: [...r.plan.mkdirs, ...r.plan.uploads],
            deleted: r.plan.deletes,
            doneAt: Date.now(),
          });
        },
        1,
      );
    };
    if (delayMs <= 0) run();
    else {
      pod.state = 'retrying';
      pod.retryTimer = setTimeout(run, delayMs);
    }
    this.updateStatus();
  }

  private onPodError(pod: PodSync, e: unknown): void {
    if (this.stoppedReason || !this.pods.has(pod.key)) return;
    const msg = messageOf(e);
    pod.lastError = msg;
    if (KubeMLError.is(e) && (e.kind === 'not-found' || e.kind === 'invalid')) {
      // Exec said the pod is gone or its container is not running: the watched set decides (the pod
      // may have been recreated under its name, or the container restarts). Its change may have
      // come already, while this pod's work was in flight: look at the set again shortly.
      pod.state = 'waiting';
      this.log(`${pod.key}: ${msg}`);
      this.scheduleRecheck();
    } else if (isRetryable(e)) {
      pod.failures++;
      const b = this.opts.backoffMs ?? { initial: 500, max: 30_000 };
      const delay = Math.min(b.max, b.initial * 2 ** (pod.failures - 1));
      this.log(`${pod.key}: ${msg} Retrying in ${(delay / 1000).toFixed(1)} s, then a full re-sync.`);
      this.scheduleReconcile(pod, delay);
    } else {
      pod.state = 'failed';
      this.log(`${pod.key}: ${msg}`);
    }
    this.updateStatus();
  }

  // --- pods come and go --------------------------------------------------------------------

  /** Looks at the watched set again after a while (no request): pods waiting after an exec error. */
  private scheduleRecheck(): void {
    if (this.stoppedReason || this.recheckTimer) return;
    const delay = Math.min(30_000, (this.opts.pollMs ?? 2000) * 2 ** Math.min(this.rechecks++, 10));
    this.recheckTimer = setTimeout(() => {
      this.recheckTimer = undefined;
      this.onPods(this.opts.pods.current(), false);
    }, delay);
  }

  private onSourceError(message: string | undefined): void {
    if (this.stoppedReason) return;
    if (message !== undefined) {
      if (!this.pollFailing) this.log(`Cannot read the pods (${message}); sync resumes with a full re-sync when the API server answers.`);
      this.pollFailing = message;
      this.updateStatus();
      return;
    }
    if (this.pollFailing === undefined) return;
    this.onPods(this.opts.pods.current(), true);
  }

  /** The watched pods changed (or the API server answers again: `recovered`): track, re-sync or drop pods. */
  private onPods(found: PodInfo[], recovered: boolean): void {
    if (this.stoppedReason || this.starting) return;
    // News of the pods after a failure: the API server answers again.
    recovered ||= this.pollFailing !== undefined;
    this.pollFailing = undefined;
    const seen = new Set<string>();
    const ended = new Map<string, string>();
    for (const info of found) {
      const key = keyOf(info.ref);
      if (info.ended) {
        // Completed, failed or being deleted: it will not run again, it leaves the session.
        ended.set(key, info.ended);
        continue;
      }
      seen.add(key);
      const pod = this.pods.get(key);
      if (!pod) {
        void this.track(info);
        continue;
      }
      const changed = pod.info.incarnation !== info.incarnation;
      const wasRunning = pod.info.running;
      pod.info = info;
      if (!info.running) {
        if (pod.state !== 'waiting') this.log(`${key}: the container is not running; waiting.`);
        if (pod.retryTimer) clearTimeout(pod.retryTimer);
        pod.state = 'waiting';
      } else if (changed || !wasRunning || pod.state === 'waiting' || (recovered && pod.state !== 'reconciling')) {
        this.log(
          `${key}: ${changed ? 'the pod was restarted or recreated' : recovered ? 'the API server answers again' : 'the container runs again'}: full re-sync.`,
        );
        this.scheduleReconcile(pod, 0);
      }
    }
    for (const [key, pod] of this.pods) {
      if (seen.has(key)) continue;
      if (pod.retryTimer) clearTimeout(pod.retryTimer);
      this.pods.delete(key);
      const how = ended.get(key);
      if (how) this.lastEnded = `${key} ${how}`;
      this.log(how ? `${key}: the pod ${how}; sync stopped for it.` : `${key}: the pod is gone; sync stopped for it.`);
    }
    if (this.pods.size === 0 && !this.opts.pods.dynamic) {
      const how = [...ended.values()][0];
      this.shutdown(
        how ? `Sync stopped: the pod ${[...ended.keys()][0]} ${how}.` : `The pod is gone (${this.opts.pods.description}): sync stopped.`,
      );
      return;
    }
    this.updateStatus();
  }

  // --- status ------------------------------------------------------------------------------

  private log(line: string): void {
    this._onDidLog.fire(line);
  }

  private updateStatus(): void {
    if (this.stoppedReason) return;
    const pods = [...this.pods.values()];
    const pending = new Set(this.events.map((e) => e.path)).size + Math.max(0, ...pods.map((p) => p.pendingOps));
    let next: SyncStatus;
    const broken = pods.find((p) => p.state === 'retrying' || p.state === 'failed');
    if (this.pollFailing) next = { kind: 'error', pods: pods.length, pending, message: `Cannot reach the cluster: ${this.pollFailing}` };
    else if (broken) next = { kind: 'error', pods: pods.length, pending, message: `${broken.key}: ${broken.lastError ?? 'failed'}` };
    else if (pending > 0 || pods.some((p) => p.state === 'reconciling')) next = { kind: 'syncing', pods: pods.length, pending };
    else {
      // Only pods whose container runs and got every change are in sync.
      const inSync = pods.filter((p) => p.state === 'ok').length;
      if (inSync > 0) next = { kind: 'idle', pods: inSync };
      else
        next = {
          kind: 'waiting',
          pods: 0,
          detail: pods.length
            ? `the container of ${pods.length} pod(s) is not running`
            : (this.lastEnded ?? `no pod yet (${this.opts.pods.description})`),
          ended: pods.length === 0 && this.lastEnded !== undefined,
        };
    }
    if (JSON.stringify(next) !== JSON.stringify(this._status)) {
      this._status = next;
      this._onDidChangeStatus.fire(next);
    }
  }

  /** Stops everything; the status says why. Idempotent. */
  private shutdown(reason: string): void {
    if (this.stoppedReason) return;
    this.stoppedReason = reason;
    this.abort.abort();
    if (this.debounce) clearTimeout(this.debounce);
    if (this.recheckTimer) clearTimeout(this.recheckTimer);
    for (const p of this.pods.values()) if (p.retryTimer) clearTimeout(p.retryTimer);
    void this.watcher?.close();
    this.log(reason);
    this._status = { kind: 'stopped', reason };
    this._onDidChangeStatus.fire(this._status);
  }

  stop(reason = 'Sync stopped.'): void {
    this.shutdown(reason);
  }
}
