/**
 * Test double: an in-memory Kubernetes API server behind a KubeClient, for the unit tests of the
 * informer and of the explorer's tree models. It answers what the informer asks the way a real
 * API server does (kube-apiserver v1.33): paged lists with a resourceVersion and continue
 * tokens, list items of built-in kinds without apiVersion/kind, watches that replay the history
 * after the resource version they start from and stream newline-delimited events, an ERROR
 * event with a 410 Status when that version was compacted away, bookmarks when asked for, and
 * discovery (/apis) for the custom resources it serves. Errors go through the same
 * classification as the real client (errorFromResponse, classifyError). Tests script failures
 * with `fail()` and drive watches through `watches`. No timers: nothing is left running.
 */
import { createHook } from 'node:async_hooks';
import { PassThrough } from 'node:stream';
import { Response } from 'node-fetch';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeClient, type RequestOptions } from '../client';
import { classifyError, errorFromResponse, type KubeStatus } from '../errors';
import { ALL_KINDS, apiVersionOf, collectionPath, kindOfObject, type ResourceKind, type ResourceKindId } from '../resources';
import { objectKey, type KubeObject, type WatchEvent } from './informerState';
import { matchesFieldSelector, matchesLabelSelector } from './selectors';

export const FAKE_SERVER = 'https://192.0.2.10:6443';

export interface FakeRequest {
  path: string;
  query: NonNullable<RequestOptions['query']>;
  watch: boolean;
  what: string;
}

/** How a scripted request fails: an HTTP status with a Status body, or a network error code. */
export type Failure = { status: number; body?: KubeStatus } | { network: string };

interface Target {
  kind: ResourceKind;
  namespace: string | undefined;
}

/** One watch request: its response body is a stream the test (or the server) writes events to. */
export class FakeWatch {
  readonly body = new PassThrough();
  private closedBy: 'client' | 'server' | undefined;
  readonly closed: Promise<'client' | 'server'>;

  constructor(
    readonly request: FakeRequest,
    readonly kind: ResourceKind,
    readonly namespace: string | undefined,
  ) {
    this.closed = new Promise((resolve) => this.body.on('close', () => resolve((this.closedBy ??= 'client'))));
  }

  get resourceVersion(): string | undefined {
    const rv = this.request.query.resourceVersion;
    return rv === undefined ? undefined : String(rv);
  }
  get isOpen(): boolean {
    return !this.body.destroyed && !this.body.writableEnded;
  }
  covers(kindId: ResourceKindId, o: KubeObject): boolean {
    return this.kind.id === kindId && (!this.namespace || this.namespace === o.metadata.namespace) && selects(this.request.query, o);
  }
  /**
   * What this watch sees of a change, as the API server filters a selector-scoped watch: an object
   * that comes to match is ADDED, one that stops matching is DELETED.
   */
  view(
    kindId: ResourceKindId,
    event: WatchEvent & { object: KubeObject },
    old: KubeObject | undefined,
  ): (WatchEvent & { object: KubeObject }) | undefined {
    const now = this.covers(kindId, event.object);
    const before = !!old && this.covers(kindId, old);
    if (event.type === 'DELETED') return now ? event : undefined;
    if (now) return before || event.type === 'ADDED' ? event : { ...event, type: 'ADDED' };
    return before ? { type: 'DELETED', object: event.object } : undefined;
  }
  /** Writes one event (or a raw line, for malformed input) as the API server does: JSON, newline. */
  send(ev: WatchEvent | string): void {
    if (this.isOpen) this.body.write(typeof ev === 'string' ? ev : `${JSON.stringify(ev)}\n`);
  }
  /** The server ends the watch (its timeoutSeconds elapsed). */
  end(): void {
    this.closedBy ??= 'server';
    this.body.end();
  }
  /** The connection breaks in the middle of the stream. */
  break(code = 'ECONNRESET'): void {
    this.closedBy ??= 'server';
    this.body.destroy(Object.assign(new Error(`read ${code}`), { code }));
  }
}

/** The client half: the real KubeClient with its transport replaced by the fake server. */
class FakeClient extends KubeClient {
  constructor(private readonly api: FakeApiServer) {
    // raw() and server are overridden: the kubeconfig is never read.
    super(undefined as unknown as KubeConfig);
  }
  override get server(): string {
    return FAKE_SERVER;
  }
  override raw(path: string, opts: RequestOptions): Promise<Response> {
    return this.api.handle(path, opts);
  }
}

export interface FakeApiOptions {
  /** Custom resource kinds the server serves (built-in kinds always are). Default: all of ours. */
  served?: readonly ResourceKindId[];
}

export class FakeApiServer {
  readonly client: KubeClient = new FakeClient(this);
  readonly requests: FakeRequest[] = [];
  readonly watches: FakeWatch[] = [];
  private readonly served: Set<ResourceKindId>;
  private rv = 1000;
  private compactedRv = 0;
  private readonly objects = new Map<ResourceKindId, Map<string, KubeObject>>();
  private history: Array<{ rv: number; kindId: ResourceKindId; event: WatchEvent & { object: KubeObject }; old?: KubeObject }> = [];
  private readonly snapshots = new Map<string, { rv: number; items: KubeObject[] }>();
  private readonly failures: Array<{ match: (r: FakeRequest) => boolean; failure: Failure; times: number }> = [];
  private readonly waiters: Array<{ pred: (r: FakeRequest) => boolean; n: number; resolve: () => void }> = [];
  private readonly holds: Array<{ match: (r: FakeRequest) => boolean; released: Promise<void> }> = [];

  constructor(opts: FakeApiOptions = {}) {
    this.served = new Set(opts.served ?? ALL_KINDS.map((k) => k.id));
  }

  get resourceVersion(): string {
    return String(this.rv);
  }

  /** Creates or updates objects (ADDED or MODIFIED), each at a new resource version. */
  put(...objects: KubeObject[]): KubeObject[] {
    return objects.map((o) => {
      const kind = this.kindOf(o);
      let store = this.objects.get(kind.id);
      if (!store) this.objects.set(kind.id, (store = new Map()));
      const key = objectKey(o);
      const prev = store.get(key);
      const type = prev ? 'MODIFIED' : 'ADDED';
      const stored: KubeObject = { ...structuredClone(o), apiVersion: apiVersionOf(kind), kind: kind.kind };
      stored.metadata.resourceVersion = String(++this.rv);
      store.set(key, stored);
      this.record(kind.id, { type, object: stored }, prev);
      return stored;
    });
  }

  /** Deletes an object (DELETED, carrying its last state at a new resource version). */
  delete(o: KubeObject): void {
    const kind = this.kindOf(o);
    const key = objectKey(o);
    const old = this.objects.get(kind.id)?.get(key);
    if (!old) throw new Error(`fake API server: ${kind.kind} ${key} does not exist`);
    this.objects.get(kind.id)!.delete(key);
    const last = structuredClone(old);
    last.metadata.resourceVersion = String(++this.rv);
    this.record(kind.id, { type: 'DELETED', object: last });
  }

  /** Etcd compaction: watches that resume from an older resource version get 410 Gone. */
  compact(): void {
    this.compactedRv = this.rv;
    this.history = [];
  }

  /** The next `times` requests that match fail this way. */
  fail(match: (r: FakeRequest) => boolean, failure: Failure, times = 1): void {
    this.failures.push({ match, failure, times });
  }

  /** Requests that match get no answer until the returned function is called (a slow server). */
  hold(match: (r: FakeRequest) => boolean): () => void {
    let release!: () => void;
    const h = { match, released: new Promise<void>((r) => (release = r)) };
    this.holds.push(h);
    return () => {
      this.holds.splice(this.holds.indexOf(h), 1);
      release();
    };
  }

  /** Open watches, optionally of one kind. */
  openWatches(kindId?: ResourceKindId): FakeWatch[] {
    return this.watches.filter((w) => w.isOpen && (!kindId || w.kind.id === kindId));
  }

  /** Resolves once `n` requests matching `pred` have been made (counting those already made). */
  seen(pred: (r: FakeRequest) => boolean, n = 1): Promise<void> {
    if (this.requests.filter(pred).length >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ pred, n, resolve }));
  }

  /** Sends a bookmark at the current resource version to every open watch that asked for bookmarks. */
  bookmark(): void {
    for (const w of this.openWatches()) {
      if (w.request.query.allowWatchBookmarks)
        w.send({
          type: 'BOOKMARK',
          object: { kind: w.kind.kind, apiVersion: apiVersionOf(w.kind), metadata: { resourceVersion: this.resourceVersion } } as never,
        });
    }
  }

  /** KubeClient.raw: the whole server. */
  async handle(path: string, opts: RequestOptions): Promise<Response> {
    const req: FakeRequest = { path, query: { ...(opts.query ?? {}) }, watch: !!opts.query?.watch, what: opts.what };
    this.requests.push(req);
    for (const w of [...this.waiters]) {
      if (this.requests.filter(w.pred).length >= w.n) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
    }
    await new Promise<void>((r) => setImmediate(r)); // a request is never answered synchronously
    for (const h of this.holds.filter((x) => x.match(req))) await h.released;
    if (opts.signal?.aborted)
      throw classifyError(
        Object.assign(new Error('The user aborted a request.'), { name: 'AbortError', type: 'aborted' }),
        FAKE_SERVER,
        opts.what,
      );
    const scripted = this.failures.find((f) => f.match(req));
    if (scripted) {
      if (--scripted.times === 0) this.failures.splice(this.failures.indexOf(scripted), 1);
      const f = scripted.failure;
      if ('network' in f)
        throw classifyError(
          Object.assign(new Error(`request to ${FAKE_SERVER}${path} failed, reason: connect ${f.network}`), {
            name: 'FetchError',
            type: 'system',
            code: f.network,
          }),
          FAKE_SERVER,
          opts.what,
        );
      throw errorFromResponse(f.status, f.body, FAKE_SERVER, opts.what);
    }
    if (path === '/apis') return json(this.groupList());
    const gv = /^\/apis\/([^/]+\/[^/]+)$/.exec(path);
    if (gv) return this.resourceList(gv[1]!, opts.what);
    const target = this.resolve(path);
    if (!target || !this.isServed(target.kind))
      throw errorFromResponse(
        404,
        { kind: 'Status', status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', code: 404 },
        FAKE_SERVER,
        opts.what,
      );
    return req.watch ? this.openWatch(req, target, opts.signal) : json(this.list(target, req.query));
  }

  private kindOf(o: KubeObject): ResourceKind {
    const kind = kindOfObject(o);
    if (!kind) throw new Error(`fake API server: no kind for ${o.apiVersion} ${o.kind}`);
    return kind;
  }

  private isServed(k: ResourceKind): boolean {
    return k.builtin || this.served.has(k.id);
  }

  private record(kindId: ResourceKindId, event: WatchEvent & { object: KubeObject }, old?: KubeObject): void {
    this.history.push({ rv: this.rv, kindId, event, old });
    for (const w of this.openWatches()) {
      const seen = w.view(kindId, event, old);
      if (seen) w.send(seen);
    }
  }

  private resolve(path: string): Target | undefined {
    for (const kind of ALL_KINDS) {
      if (path === collectionPath(kind)) return { kind, namespace: undefined };
      if (!kind.namespaced) continue;
      const prefix = collectionPath(kind, 'NS').split('NS');
      if (path.startsWith(prefix[0]!) && path.endsWith(prefix[1]!)) {
        const ns = decodeURIComponent(path.slice(prefix[0]!.length, path.length - prefix[1]!.length));
        if (!ns.includes('/')) return { kind, namespace: ns };
      }
    }
    return undefined;
  }

  private list(t: Target, query: FakeRequest['query']): object {
    let id: string;
    let offset = 0;
    if (query.continue) {
      [id, offset] = [String(query.continue).split(':')[0]!, Number(String(query.continue).split(':')[1])];
    } else {
      const items = [...(this.objects.get(t.kind.id)?.values() ?? [])]
        .filter((o) => (!t.namespace || o.metadata.namespace === t.namespace) && selects(query, o))
        .sort((a, b) => objectKey(a).localeCompare(objectKey(b)))
        // A list of a built-in kind names apiVersion and kind once, on the list, not on its items.
        .map((o) => (t.kind.builtin ? { ...structuredClone(o), apiVersion: undefined, kind: undefined } : structuredClone(o)));
      id = String(this.snapshots.size + 1);
      this.snapshots.set(id, { rv: this.rv, items });
    }
    const snap = this.snapshots.get(id)!;
    const limit = Number(query.limit) || snap.items.length;
    const page = snap.items.slice(offset, offset + limit);
    const rest = snap.items.length - offset - page.length;
    const metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number } = { resourceVersion: String(snap.rv) };
    if (rest > 0) {
      metadata.continue = `${id}:${offset + page.length}`;
      metadata.remainingItemCount = rest;
    }
    return { kind: `${t.kind.kind}List`, apiVersion: apiVersionOf(t.kind), metadata, items: page };
  }

  private openWatch(req: FakeRequest, t: Target, signal: AbortSignal | undefined): Response {
    const w = new FakeWatch(req, t.kind, t.namespace);
    this.watches.push(w);
    // node-fetch: aborting after the response destroys its body.
    signal?.addEventListener(
      'abort',
      () => w.body.destroy(Object.assign(new Error('The user aborted a request.'), { name: 'AbortError', type: 'aborted' })),
      { once: true },
    );
    const from = Number(w.resourceVersion ?? 0);
    if (from < this.compactedRv) {
      w.send({
        type: 'ERROR',
        object: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: `too old resource version: ${from} (${this.compactedRv})`,
          reason: 'Expired',
          code: 410,
        } as never,
      });
      w.end();
    } else {
      for (const h of this.history) {
        const seen = h.rv > from ? w.view(h.kindId, h.event, h.old) : undefined;
        if (seen) w.send(seen);
      }
    }
    return new Response(w.body, { status: 200, headers: { 'Content-Type': 'application/json' } });
  }

  private groupList(): object {
    const groups = new Map<string, ResourceKind[]>();
    for (const k of ALL_KINDS) {
      if (!k.group || !this.isServed(k)) continue;
      groups.set(k.group, [...(groups.get(k.group) ?? []), k]);
    }
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...groups].map(([name, ks]) => ({
        name,
        versions: [{ groupVersion: apiVersionOf(ks[0]!), version: ks[0]!.version }],
        preferredVersion: { groupVersion: apiVersionOf(ks[0]!), version: ks[0]!.version },
      })),
    };
  }

  private resourceList(groupVersion: string, what: string): Response {
    const kinds = ALL_KINDS.filter((k) => k.group && apiVersionOf(k) === groupVersion && this.isServed(k));
    if (kinds.length === 0)
      throw errorFromResponse(
        404,
        { kind: 'Status', status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', code: 404 },
        FAKE_SERVER,
        what,
      );
    const verbs = ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'];
    return json({
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion,
      resources: kinds.flatMap((k) => [
        { name: k.plural, singularName: k.kind.toLowerCase(), namespaced: k.namespaced, kind: k.kind, verbs },
        { name: `${k.plural}/status`, singularName: '', namespaced: k.namespaced, kind: k.kind, verbs: ['get', 'patch', 'update'] },
      ]),
    });
  }
}

/** Whether a list or watch request's labelSelector and fieldSelector select the object. */
function selects(query: FakeRequest['query'], o: KubeObject): boolean {
  const str = (v: unknown) => (v === undefined || v === null || v === '' ? undefined : String(v));
  return matchesLabelSelector(o.metadata.labels, str(query.labelSelector)) && matchesFieldSelector(o, str(query.fieldSelector));
}

function json(body: object): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
}

/**
 * Records the timers that code under src/ creates from now on; `pending()` lists those still
 * armed (neither fired nor cleared), by where they were created. Mocha's own timers are left out.
 */
export function trackTimers(): { pending(): string[]; stop(): void } {
  const created = new Map<object, string>();
  const hook = createHook({
    init(_id, type, _trigger, resource) {
      if (type !== 'Timeout') return;
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 40;
      const stack = new Error().stack ?? '';
      Error.stackTraceLimit = limit;
      const ours = stack.split('\n').find((l) => /[\\/]src[\\/]/.test(l) && !l.includes('fakeApiServer'));
      if (ours) created.set(resource, ours.trim());
    },
  });
  hook.enable();
  return {
    pending: () => [...created].filter(([t]) => !(t as { _destroyed?: boolean })._destroyed).map(([, where]) => where),
    stop: () => hook.disable(),
  };
}
