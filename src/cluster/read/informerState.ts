/**
 * The pure heart of the list+watch cache: a keyed store of Kubernetes objects and the reducer
 * that applies one watch event (or a whole relist) to it. No I/O, no timers: tested on fixtures.
 * Resource versions are opaque strings: they are stored and sent back, never compared.
 */

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }>;
    generateName?: string;
    managedFields?: unknown;
  };
  spec?: unknown;
  status?: unknown;
  [key: string]: unknown;
}

export type WatchEvent =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: KubeObject }
  | { type: 'BOOKMARK'; object: { metadata: { resourceVersion?: string } } }
  | { type: 'ERROR'; object: { code?: number; reason?: string; message?: string } };

/** One change of one object: `old` is missing for an addition, `object` for a deletion. */
export interface ObjectChange {
  key: string;
  old?: KubeObject;
  object?: KubeObject;
}

export interface CacheState {
  readonly items: ReadonlyMap<string, KubeObject>;
  /** The resourceVersion to resume the watch from (the list's, then the last event's). */
  readonly resourceVersion: string | undefined;
}

export interface ApplyResult {
  state: CacheState;
  /** Undefined when nothing changed (bookmark, duplicate event). */
  change?: ObjectChange;
  /** Set when the server said the resource version is too old: the caller must relist. */
  gone?: boolean;
  /** Any other ERROR event: the caller restarts the watch. */
  error?: { code?: number; reason?: string; message?: string };
}

export const emptyState: CacheState = { items: new Map(), resourceVersion: undefined };

export function objectKey(o: { metadata: { name: string; namespace?: string } }): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}

/** Drops what the cache never shows and what costs most memory (managedFields, last-applied). */
export function slim(o: KubeObject): KubeObject {
  if (o.metadata.managedFields === undefined && !o.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']) {
    return o;
  }
  const metadata = { ...o.metadata };
  delete metadata.managedFields;
  if (metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']) {
    const annotations = { ...metadata.annotations };
    delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
    metadata.annotations = annotations;
  }
  return { ...o, metadata };
}

/**
 * Applies one watch event. The map is copied on write so that earlier states stay valid
 * (callers that hold big caches use `applyEventInPlace`).
 */
export function applyEvent(state: CacheState, event: WatchEvent): ApplyResult {
  const items = new Map(state.items);
  const r = applyEventInPlace(items, state.resourceVersion, event);
  return { ...r, state: { items, resourceVersion: r.resourceVersion } };
}

/** Same as applyEvent, mutating `items`; returns the next resource version. */
export function applyEventInPlace(
  items: Map<string, KubeObject>,
  resourceVersion: string | undefined,
  event: WatchEvent,
): Omit<ApplyResult, 'state'> & { resourceVersion: string | undefined } {
  switch (event.type) {
    case 'BOOKMARK':
      return { resourceVersion: event.object.metadata.resourceVersion ?? resourceVersion };
    case 'ERROR': {
      const status = event.object;
      if (status.code === 410 || status.reason === 'Expired' || status.reason === 'Gone') {
        return { resourceVersion, gone: true };
      }
      return { resourceVersion, error: status };
    }
    case 'ADDED':
    case 'MODIFIED': {
      const object = slim(event.object);
      const key = objectKey(object);
      const old = items.get(key);
      const rv = object.metadata.resourceVersion ?? resourceVersion;
      if (old && old.metadata.resourceVersion !== undefined && old.metadata.resourceVersion === object.metadata.resourceVersion) {
        return { resourceVersion: rv };
      }
      items.set(key, object);
      return { resourceVersion: rv, change: old ? { key, old, object } : { key, object } };
    }
    case 'DELETED': {
      const key = objectKey(event.object);
      const old = items.get(key);
      const rv = event.object.metadata.resourceVersion ?? resourceVersion;
      if (!old) return { resourceVersion: rv };
      items.delete(key);
      return { resourceVersion: rv, change: { key, old } };
    }
    default:
      return { resourceVersion };
  }
}

/**
 * Replaces the whole store with a fresh list (first list, or relist after 410 Gone) and returns
 * the changes against what was there: additions, modifications (resourceVersion differs) and
 * deletions of objects the list no longer has.
 */
export function replaceAll(items: Map<string, KubeObject>, listed: readonly KubeObject[]): ObjectChange[] {
  const changes: ObjectChange[] = [];
  const seen = new Set<string>();
  for (const raw of listed) {
    const object = slim(raw);
    const key = objectKey(object);
    seen.add(key);
    const old = items.get(key);
    if (!old) {
      changes.push({ key, object });
    } else if (old.metadata.resourceVersion !== object.metadata.resourceVersion || old.metadata.resourceVersion === undefined) {
      changes.push({ key, old, object });
    }
    items.set(key, object);
  }
  for (const [key, old] of items) {
    if (!seen.has(key)) {
      items.delete(key);
      changes.push({ key, old });
    }
  }
  return changes;
}

/**
 * Merges a burst of changes so that each key appears once, with its first `old` and its last
 * `object` (an add then delete cancels out).
 */
export function coalesce(changes: readonly ObjectChange[]): ObjectChange[] {
  const byKey = new Map<string, ObjectChange>();
  for (const c of changes) {
    const prev = byKey.get(c.key);
    if (!prev) {
      byKey.set(c.key, { ...c });
      continue;
    }
    const merged: ObjectChange = { key: c.key, old: prev.old, object: c.object };
    if (!merged.old && !merged.object) {
      byKey.delete(c.key);
    } else {
      byKey.set(c.key, merged);
    }
  }
  return [...byKey.values()];
}

/** Splits newline-delimited JSON chunks from a stream; keeps the partial tail between chunks. */
export class LineSplitter {
  private tail = '';

  push(chunk: string): string[] {
    const text = this.tail + chunk;
    const lines = text.split('\n');
    this.tail = lines.pop() ?? '';
    return lines.filter((l) => l.trim().length > 0);
  }

  flush(): string[] {
    const rest = this.tail.trim();
    this.tail = '';
    return rest ? [rest] : [];
  }
}
