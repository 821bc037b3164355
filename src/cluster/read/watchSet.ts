/**
 * How a feature follows a few objects it cares about (a run's pods, its Job, one pod by name)
 * without polling: a selector-scoped Informer (list once, then watch, with the informer's relist on
 * 410 Gone, back-off and silent-watch restart), read as the current set plus change events. The
 * API server filters by the selector, so the watch carries only these objects. Node only.
 */
import { Disposable, type Event } from '../../common/lifecycle';
import type { KubeMLError } from '../../common/errors';
import { type Logger } from '../../common/logging';
import { type KubeClient } from '../client';
import { ALL_KINDS, kind, type ResourceKind, type ResourceRef } from '../resources';
import { Informer, type InformerOptions, type InformerStatus } from './informer';
import { type KubeObject, type ObjectChange } from './informerState';

/**
 * Which objects of a namespace: those that match a label selector, one object by name, or those
 * that match a field selector (the events of one object: involvedObject.name=X).
 */
export type WatchScope =
  | { readonly namespace: string; readonly labelSelector: string }
  | { readonly namespace: string; readonly name: string }
  | { readonly namespace: string; readonly fieldSelector: string };

export function describeScope(scope: WatchScope): string {
  return 'name' in scope
    ? `${scope.namespace}/${scope.name}`
    : `${'labelSelector' in scope ? scope.labelSelector : scope.fieldSelector} in ${scope.namespace}`;
}

function selectorOf(scope: WatchScope): Pick<InformerOptions, 'labelSelector' | 'fieldSelector'> {
  if ('name' in scope) return { fieldSelector: `metadata.name=${scope.name}` };
  return 'labelSelector' in scope ? { labelSelector: scope.labelSelector } : { fieldSelector: scope.fieldSelector };
}

/** The kind of a resource reference (a run's primary object), known or not to the explorer. */
export function kindOfRef(ref: Pick<ResourceRef, 'group' | 'version' | 'plural' | 'kind'>): ResourceKind {
  const known = ALL_KINDS.find((k) => k.group === ref.group && k.version === ref.version && k.plural === ref.plural);
  // Informer reads only the path parts and the title of a kind; the id of an unknown one is never looked up.
  return (
    known ??
    ({
      id: ref.plural,
      group: ref.group,
      version: ref.version,
      plural: ref.plural,
      kind: ref.kind,
      namespaced: true,
      builtin: false,
      title: ref.plural,
    } as unknown as ResourceKind)
  );
}

/**
 * The objects of one kind in a scope, kept current by a selector-scoped watch. Starts watching when
 * created; `dispose()` ends the watch. Fires `onDidChange` with the changes of each batch (the
 * first list included) and `onDidChangeStatus` when the watch fails or recovers.
 */
export class WatchedSet extends Disposable {
  private readonly informer: Informer;
  readonly onDidChange: Event<ObjectChange[]>;
  readonly onDidChangeStatus: Event<InformerStatus>;

  constructor(
    client: KubeClient,
    resource: ResourceKind,
    readonly scope: WatchScope,
    log: Logger,
    options: InformerOptions = {},
  ) {
    super();
    this.informer = this._register(new Informer(client, resource, scope.namespace, log, { ...options, ...selectorOf(scope) }));
    this.onDidChange = this.informer.onDidChange;
    this.onDidChangeStatus = this.informer.onDidChangeStatus;
    this.informer.start();
  }

  /** The objects, by name. Empty until synced. */
  get objects(): KubeObject[] {
    return [...this.informer.items.values()].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  }
  get synced(): boolean {
    return this.informer.synced;
  }
  get status(): InformerStatus {
    return this.informer.status;
  }
  /** The watch's error while it fails (it keeps retrying), else undefined. */
  get error(): KubeMLError | undefined {
    return this.status.kind === 'error' ? this.status.error : undefined;
  }
  /** Counters of the informer (lists, watches, events...), for tests and the benchmark. */
  get stats(): Informer['stats'] {
    return this.informer.stats;
  }

  /**
   * Resolves once the first list is in, with the objects; rejects with the error when the first
   * list fails or the watch is failing now (it goes on retrying, and fires onDidChange when it
   * lists again), or when `signal` aborts.
   */
  firstList(signal?: AbortSignal): Promise<KubeObject[]> {
    if (this.synced) return Promise.resolve(this.objects);
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => {
      const done = () => {
        sub.dispose();
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        done();
        reject(Object.assign(new Error(`Stopped reading ${describeScope(this.scope)}: cancelled.`), { name: 'AbortError' }));
      };
      const sub = this.informer.onDidChangeStatus((s) => {
        if (s.kind === 'synced') {
          done();
          resolve(this.objects);
        } else if (s.kind === 'error') {
          done();
          reject(s.error);
        }
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** The pods of a scope (a run's ranks by label, or one pod by name). */
export function watchPods(client: KubeClient, scope: WatchScope, log: Logger, options?: InformerOptions): WatchedSet {
  return new WatchedSet(client, kind('pods'), scope, log, options);
}

/**
 * Wakes a waiting loop when any of its watched sets changes (or fails, or recovers), or when
 * `notify()` is called: `next(ms)` replaces a polling loop's sleep. Changes that arrive while
 * nobody waits are remembered, so none is missed between two `next` calls.
 */
export class ChangeSignal extends Disposable {
  private pending = false;
  private wake: (() => void) | undefined;

  constructor(sets: readonly WatchedSet[]) {
    super();
    for (const s of sets) {
      this._register(s.onDidChange(() => this.notify()));
      this._register(s.onDidChangeStatus(() => this.notify()));
    }
  }

  notify(): void {
    this.pending = true;
    this.wake?.();
  }

  /** Resolves true at the next change, false after `ms` without one or when `signal` aborts. */
  next(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve(true);
    }
    if (signal?.aborted || this.isDisposed) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const finish = (changed: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.wake = undefined;
        if (changed) this.pending = false;
        resolve(changed);
      };
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), Math.max(0, ms));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.wake = () => finish(true);
    });
  }

  override dispose(): void {
    this.wake?.();
    super.dispose();
  }
}
