import { isWithin, parentsOf } from './paths';

/**
 * The pure heart of sync: what to send and what to remove, from two listings (the first,
 * incremental reconcile) or from a burst of watcher events (live sync).
 *
 * Deletion policy. Sync is one way (local -> pod) and conservative by default:
 * - live sync removes in the pod what was removed locally while the session watched;
 * - the reconcile removes a remote entry only to replace it by a local one of another type
 *   (a remote folder where the local side has a file, a remote symlink where it has a folder);
 * - files that exist only in the pod (outputs, checkpoints, caches) are kept, unless the user
 *   asked for mirror mode (`kubeml.sync.mirror`), which removes every remote entry that has no
 *   local counterpart and is not ignored.
 * Ignored paths are never touched in the pod.
 */

export type EntryType = 'file' | 'dir' | 'symlink' | 'other';

export interface TreeEntry {
  readonly type: EntryType;
  /** Bytes; for a symlink, the length of its target. */
  readonly size: number;
  /** Whole seconds since the epoch (tar keeps whole seconds). */
  readonly mtime: number;
  /** Permission bits (0o7777). */
  readonly mode: number;
  /** Symlink target, when known. */
  readonly linkTarget?: string;
}

/** Relative POSIX path -> entry; the root itself is not in it. */
export type Tree = ReadonlyMap<string, TreeEntry>;

export interface Skipped {
  readonly path: string;
  readonly reason: string;
}

export interface SyncPlan {
  /** Folders to create (or whose mode to set), parents first. Sent as tar folder entries. */
  readonly mkdirs: string[];
  /** Files and symlinks to send, in path order. */
  readonly uploads: string[];
  /** Remote paths to remove before sending; minimal (no path inside another one listed). */
  readonly deletes: string[];
  readonly skipped: Skipped[];
  /** Bytes of the files to send. */
  readonly bytes: number;
}

export interface PlanOptions {
  /** Remove remote entries with no local counterpart (not ignored). Default false. */
  readonly mirror?: boolean;
  /** Files larger than this are not sent (a warning lists them). */
  readonly maxFileSize?: number;
  /** Whether a remote path is ignored (such paths are left alone in mirror mode). */
  readonly isIgnored?: (path: string, isDir: boolean) => boolean;
}

/**
 * Code-unit order on the segments, so that a folder sorts right before its contents: the same
 * as plain string order with `/` taken as lower than any other character (no name contains NUL).
 */
export function comparePaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return (x === 0x2f ? 0 : x) - (y === 0x2f ? 0 : y);
  }
  return a.length - b.length;
}

export function sortPaths(paths: Iterable<string>): string[] {
  return [...paths].sort(comparePaths);
}

/**
 * Drops every path that lies inside another path of the set. O(n log n): in segment order a
 * folder's contents follow it without a gap, so a path is inside some kept root exactly when it
 * is inside the last one kept.
 */
export function minimalRoots(paths: Iterable<string>): string[] {
  const out: string[] = [];
  let last: string | undefined;
  for (const p of sortPaths(new Set(paths))) {
    if (last !== undefined && isWithin(p, last)) continue;
    out.push(p);
    last = p;
  }
  return out;
}

function sameFile(local: TreeEntry, remote: TreeEntry): boolean {
  return (
    remote.type === 'file' && remote.size === local.size && remote.mtime === local.mtime && (remote.mode & 0o7777) === (local.mode & 0o7777)
  );
}

function sameSymlink(local: TreeEntry, remote: TreeEntry): boolean {
  if (remote.type !== 'symlink') return false;
  if (remote.linkTarget !== undefined && local.linkTarget !== undefined) return remote.linkTarget === local.linkTarget;
  return remote.size === local.size;
}

/** The incremental reconcile: local snapshot vs remote listing. */
export function planReconcile(local: Tree, remote: Tree, opts: PlanOptions = {}): SyncPlan {
  const mkdirs: string[] = [];
  const uploads: string[] = [];
  const deletes = new Set<string>();
  const skipped: Skipped[] = [];
  let bytes = 0;
  const max = opts.maxFileSize ?? Infinity;

  for (const [path, l] of local) {
    const r = remote.get(path);
    // A remote non-folder where the local tree has a folder above this path: it must go.
    for (const parent of parentsOf(path)) {
      const rp = remote.get(parent);
      if (rp && rp.type !== 'dir') deletes.add(parent);
    }
    if (l.type === 'dir') {
      if (!r || r.type !== 'dir') {
        if (r) deletes.add(path);
        mkdirs.push(path);
      } else if ((r.mode & 0o7777) !== (l.mode & 0o7777)) {
        mkdirs.push(path);
      }
    } else if (l.type === 'file') {
      if (l.size > max) {
        skipped.push({ path, reason: `larger than the limit (${formatBytes(l.size)} > ${formatBytes(max)})` });
        continue;
      }
      if (r && sameFile(l, r)) continue;
      if (r && r.type !== 'file') deletes.add(path);
      uploads.push(path);
      bytes += l.size;
    } else if (l.type === 'symlink') {
      if (r && sameSymlink(l, r)) continue;
      if (r && r.type !== 'symlink') deletes.add(path);
      uploads.push(path);
    }
  }

  if (opts.mirror) {
    for (const [path, r] of remote) {
      if (local.has(path)) continue;
      if (opts.isIgnored?.(path, r.type === 'dir')) continue;
      deletes.add(path);
    }
  }

  // A replaced path inside a deleted folder needs no delete of its own; a path being deleted
  // must not also be inside a kept upload's parents (that was handled above).
  return { mkdirs: sortPaths(mkdirs), uploads: sortPaths(uploads), deletes: minimalRoots(deletes), skipped, bytes };
}

// ---------------------------------------------------------------------------------------------
// Live sync: watcher bursts.

export type WatchEventKind = 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir';

export interface WatchEvent {
  readonly kind: WatchEventKind;
  /** Relative POSIX path. */
  readonly path: string;
}

/** What a burst of events amounts to, before looking at the disk again. */
export interface EventBatch {
  /** Paths that exist now (files or folders): to stat and send. */
  readonly present: string[];
  /** Paths removed (minimal); sent as deletes before the uploads. */
  readonly removed: string[];
  /** An ignore file changed: the rules are different, a full reconcile is due. */
  readonly rulesChanged: boolean;
}

type PathState = 'present' | 'gone' | 'replaced';

/**
 * Coalesces a burst of watcher events (a git checkout touching thousands of files, an editor's
 * save-by-rename, a folder moved) into one batch. The last event for a path wins; a folder
 * removed drops everything pending inside it; a path removed then created again is deleted
 * remotely first (its type or contents may differ), then sent.
 */
export function coalesceEvents(events: readonly WatchEvent[], isIgnoreFile: (path: string) => boolean = () => false): EventBatch {
  // Each path's state carries the index of the event that set it; a folder's removal is noted
  // with its index instead of visiting everything pending inside it (quadratic for rm -rf of a
  // big tree). A state older than the last removal of one of its folders no longer counts.
  const state = new Map<string, { s: PathState; at: number }>();
  const folderGoneAt = new Map<string, number>();
  const stale = (path: string, at: number): boolean => {
    for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
      const gone = folderGoneAt.get(path.slice(0, i));
      if (gone !== undefined && gone > at) return true;
    }
    return false;
  };
  let rulesChanged = false;
  events.forEach((e, at) => {
    if (isIgnoreFile(e.path)) rulesChanged = true;
    const entry = state.get(e.path);
    const prev = entry && !stale(e.path, entry.at) ? entry.s : undefined;
    switch (e.kind) {
      case 'add':
      case 'addDir':
      case 'change':
        state.set(e.path, { s: prev === 'gone' || prev === 'replaced' ? 'replaced' : 'present', at });
        break;
      case 'unlink':
      case 'unlinkDir':
        // Created and removed within the burst: the pod never had it, unless an earlier state
        // says otherwise (replaced); a delete is harmless either way, so keep it simple.
        if (e.kind === 'unlinkDir') folderGoneAt.set(e.path, at);
        state.set(e.path, { s: 'gone', at });
        break;
    }
  });
  const present: string[] = [];
  const removed: string[] = [];
  for (const [path, { s, at }] of state) {
    if (stale(path, at)) continue;
    if (s !== 'gone') present.push(path);
    if (s !== 'present') removed.push(path);
  }
  return { present: sortPaths(present), removed: minimalRoots(removed), rulesChanged };
}

/**
 * Turns a coalesced batch into a plan once the present paths were looked at again on disk
 * (`stat` returns undefined for a path that vanished meanwhile: it becomes a delete).
 */
export function planBatch(batch: EventBatch, stat: ReadonlyMap<string, TreeEntry | undefined>, opts: PlanOptions = {}): SyncPlan {
  const mkdirs: string[] = [];
  const uploads: string[] = [];
  const deletes = new Set(batch.removed);
  const skipped: Skipped[] = [];
  const max = opts.maxFileSize ?? Infinity;
  let bytes = 0;
  for (const path of batch.present) {
    const e = stat.get(path);
    if (!e) {
      deletes.add(path);
      continue;
    }
    if (e.type === 'dir') mkdirs.push(path);
    else if (e.type === 'file') {
      if (e.size > max) {
        skipped.push({ path, reason: `larger than the limit (${formatBytes(e.size)} > ${formatBytes(max)})` });
        continue;
      }
      uploads.push(path);
      bytes += e.size;
    } else if (e.type === 'symlink') uploads.push(path);
  }
  return { mkdirs: sortPaths(mkdirs), uploads: sortPaths(uploads), deletes: minimalRoots(deletes), skipped, bytes };
}

/** Splits a plan's sends into chunks of at most `maxFiles` entries and about `maxBytes`. */
export function chunkUploads(paths: readonly string[], sizeOf: (path: string) => number, maxFiles: number, maxBytes: number): string[][] {
  const chunks: string[][] = [];
  let cur: string[] = [];
  let bytes = 0;
  for (const p of paths) {
    const s = sizeOf(p);
    if (cur.length > 0 && (cur.length >= maxFiles || bytes + s > maxBytes)) {
      chunks.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(p);
    bytes += s;
  }
  if (cur.length) chunks.push(cur);
  return chunks;
}

export function isEmptyPlan(p: SyncPlan): boolean {
  return p.mkdirs.length === 0 && p.uploads.length === 0 && p.deletes.length === 0;
}

export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '∞';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}
