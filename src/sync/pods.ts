import { type KubeClient } from '../cluster/client';
import { type InformerOptions } from '../cluster/read/informer';
import { watchPods, type WatchedSet, type WatchScope } from '../cluster/read/watchSet';
import { type PodRef } from '../cluster/stream/transport';
import { Logger, nullSink } from '../common/logging';

/** What a sync session needs to know about a target pod. */
export interface PodInfo {
  readonly ref: PodRef;
  /** Changes when the pod is recreated (new uid) or its container restarts: a re-sync is due. */
  readonly incarnation: string;
  /** The target container is running: exec can reach it. */
  readonly running: boolean;
  /** Set when the pod will not run again: 'completed', 'failed' or 'is gone (being deleted)'. */
  readonly ended?: string;
}

/** What a pod source tells its session: the whole current set after each change, and trouble reading it. */
export interface PodSourceListener {
  onPods(pods: PodInfo[]): void;
  /** The pods cannot be read now (what went wrong), or can again (undefined). The source keeps trying. */
  onError(message: string | undefined): void;
}

/**
 * Where a session finds its pods: fixed names (Start Sync on a pod) or a label selector (a run's
 * ranks). Event-driven: the source watches the pods and tells the session when they change.
 */
export interface PodSource {
  readonly description: string;
  /** True when the set can grow (a selector): an empty set then does not end the session. */
  readonly dynamic: boolean;
  /**
   * Starts following the pods until `signal` aborts: resolves with the first set (rejects when it
   * cannot be read), then calls `listener` at every change.
   */
  follow(listener: PodSourceListener, signal: AbortSignal): Promise<PodInfo[]>;
  /** The set as last known (no request). */
  current(): PodInfo[];
}

interface PodJson {
  metadata?: { name?: string; namespace?: string; uid?: string; deletionTimestamp?: string; labels?: Record<string, string> };
  spec?: { containers?: Array<{ name: string }> };
  status?: {
    phase?: string;
    containerStatuses?: Array<{ name: string; restartCount?: number; state?: { running?: { startedAt?: string } } }>;
  };
}

/** Pure: a pod object to PodInfo for the chosen (or first) container. */
export function podInfoFromJson(pod: PodJson, container?: string): PodInfo | undefined {
  const name = pod.metadata?.name;
  const namespace = pod.metadata?.namespace;
  if (!name || !namespace) return undefined;
  const cname = container || pod.spec?.containers?.[0]?.name || '';
  const cs = pod.status?.containerStatuses?.find((c) => c.name === cname);
  const startedAt = cs?.state?.running?.startedAt ?? '';
  const running = pod.status?.phase === 'Running' && !!cs?.state?.running && !pod.metadata?.deletionTimestamp;
  const phase = pod.status?.phase;
  const ended = pod.metadata?.deletionTimestamp
    ? 'is gone (being deleted)'
    : phase === 'Succeeded'
      ? 'completed'
      : phase === 'Failed'
        ? 'failed'
        : undefined;
  return {
    ref: { namespace, name, container: cname || undefined },
    incarnation: `${pod.metadata?.uid ?? ''}/${cs?.restartCount ?? 0}/${startedAt}`,
    running,
    ...(ended ? { ended } : {}),
  };
}

/**
 * As the 2 s poll they replace: the first failed read is shown (the informers otherwise hide two
 * hiccups), and a failed watch is retried within 10 s at most.
 */
const WATCH_OPTIONS: InformerOptions = { backoffMaxMs: 10_000, errorAfterFailures: 1 };

/** Pods followed through selector-scoped watches (one per scope), each with the container to sync. */
abstract class WatchedPods implements PodSource {
  abstract readonly dynamic: boolean;
  abstract readonly description: string;
  private sets: Array<{ set: WatchedSet; container?: string }> = [];

  constructor(
    private readonly client: KubeClient,
    private readonly scopes: ReadonlyArray<{ scope: WatchScope; container?: string }>,
    private readonly log: Logger,
    private readonly options: InformerOptions,
  ) {}

  current(): PodInfo[] {
    return this.sets.flatMap(({ set, container }) =>
      set.objects.map((o) => podInfoFromJson(o as PodJson, container)).filter((p): p is PodInfo => !!p),
    );
  }

  async follow(listener: PodSourceListener, signal: AbortSignal): Promise<PodInfo[]> {
    const sets = this.scopes.map(({ scope, container }) => ({
      set: watchPods(this.client, scope, this.log, { ...WATCH_OPTIONS, ...this.options }),
      container,
    }));
    this.sets = sets;
    const stop = () => sets.forEach(({ set }) => set.dispose());
    if (signal.aborted) stop();
    signal.addEventListener('abort', stop, { once: true });
    try {
      await Promise.all(sets.map(({ set }) => set.firstList(signal)));
    } catch (e) {
      stop();
      throw e;
    }
    let failing: string | undefined;
    for (const { set } of sets) {
      set.onDidChange(() => listener.onPods(this.current()));
      set.onDidChangeStatus(() => {
        const error = sets.map((s) => s.set.error).find((e) => e !== undefined);
        if (error && error.message !== failing) listener.onError((failing = error.message));
        else if (!error && failing !== undefined) {
          failing = undefined;
          listener.onError(undefined);
        }
      });
    }
    return this.current();
  }
}

/** Pods by name, each watched through a field selector (metadata.name). A pod that is gone is simply absent. */
export class NamedPods extends WatchedPods {
  readonly dynamic = false;
  readonly description: string;
  constructor(client: KubeClient, refs: readonly PodRef[], log: Logger = new Logger(nullSink), options: InformerOptions = {}) {
    super(
      client,
      refs.map((r) => ({ scope: { namespace: r.namespace, name: r.name }, container: r.container })),
      log,
      options,
    );
    this.description = refs.map((r) => `${r.namespace}/${r.name}`).join(', ');
  }
}

/** Pods matching a label selector in one namespace: every rank of a run. */
export class SelectedPods extends WatchedPods {
  readonly dynamic = true;
  readonly description: string;
  constructor(
    client: KubeClient,
    namespace: string,
    labelSelector: string,
    container?: string,
    log: Logger = new Logger(nullSink),
    options: InformerOptions = {},
  ) {
    super(client, [{ scope: { namespace, labelSelector }, container }], log, options);
    this.description = `pods ${labelSelector} in ${namespace}`;
  }
}
