import { closeSync, type Dirent, fstatSync, lstatSync, openSync, promises as fsp, readlinkSync, readSync, type Stats } from 'node:fs';
import { type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { IGNORE_FILES, IgnoreMatcher, type IgnoreFileKind } from './ignore';
import { checkRelativePath, symlinkStaysInside } from './paths';
import { type Skipped, type Tree, type TreeEntry } from './planner';
import { type TarEntry } from './tar';

/**
 * The local side: walks the synced folder with the ignore rules (reading each folder's ignore
 * files before its entries), stats single paths for live sync, and turns paths into tar entries.
 * Read only: sync never writes local files.
 *
 * Symlinks: one whose target stays inside the folder (a relative target that does not climb
 * above the root, resolved through any links on its way as the file system would) is sent as a
 * symlink; any other is skipped with a warning. The walk never follows symlinks. Sockets, pipes and devices are skipped.
 */

export interface LocalScan {
  readonly tree: Map<string, TreeEntry>;
  readonly skipped: Skipped[];
  readonly matcher: IgnoreMatcher;
}

export interface ScanOptions {
  /** Extra patterns, or a matcher to fill (the session keeps it for its watcher). */
  readonly ignore?: readonly string[] | IgnoreMatcher;
}

const KINDS = Object.keys(IGNORE_FILES) as IgnoreFileKind[];
const SCAN_SLICE = 2000;

/** Reads the ignore files of one folder into the matcher (missing files clear their rules). */
export async function loadIgnoreFiles(root: string, dir: string, matcher: IgnoreMatcher, present?: ReadonlySet<string>): Promise<void> {
  await Promise.all(
    KINDS.map(async (kind) => {
      if (kind === 'dockerignore' && dir !== '') return;
      const name = IGNORE_FILES[kind];
      if (present && !present.has(name)) {
        matcher.setFile(dir, kind, undefined);
        return;
      }
      const content = await fsp.readFile(join(root, dir, name), 'utf8').catch(() => undefined);
      matcher.setFile(dir, kind, content);
    }),
  );
}

/**
 * The ignore rules of a workspace, as the run's upload and sync both apply them: `extra`
 * patterns (the run's `exclude`, or Start Sync's kubeml.sync.exclude) at the root, then every
 * .gitignore and .kubemlignore of the tree and the root .dockerignore, read folder by folder
 * from the root as git does (a folder the rules exclude is not entered: its files have no say).
 * Upload (`reconcile`, `uploadTree`) and the sync session build their matcher here; the session
 * needs it whole before its watcher starts, or the watcher follows ignored folders and later
 * reports them as removed when the rules arrive (issue #18: "deleted cluster").
 * `extra` may be a matcher to fill (the session keeps its own).
 */
export async function workspaceIgnore(root: string, extra: readonly string[] | IgnoreMatcher = []): Promise<IgnoreMatcher> {
  const matcher = extra instanceof IgnoreMatcher ? extra : new IgnoreMatcher(extra);
  const queue: string[] = [''];
  while (queue.length) {
    const dir = queue.shift()!;
    let entries: Dirent[];
    try {
      entries = await fsp.readdir(join(root, dir), { withFileTypes: true });
    } catch (e) {
      if (dir === '') throw e;
      continue; // vanished while walking
    }
    await loadIgnoreFiles(root, dir, matcher, new Set(entries.map((d) => d.name)));
    for (const d of entries) {
      if (!d.isDirectory()) continue; // the walk never follows symlinks
      const rel = dir ? `${dir}/${d.name}` : d.name;
      if (!matcher.ignores(rel, true)) queue.push(rel);
    }
  }
  return matcher;
}

/** Reads links under the root for resolving symlink chains (rare: only while checking a symlink). */
function readlinkUnder(root: string): (rel: string) => string | undefined {
  return (rel) => {
    try {
      return readlinkSync(join(root, rel)).replace(/\\/g, '/');
    } catch {
      return undefined; // not a symlink, or missing
    }
  };
}

/** Converts an lstat result to an entry; undefined for types sync does not send. */
export async function entryFromStats(root: string, rel: string, st: Stats): Promise<TreeEntry | { skip: string } | undefined> {
  const mtime = Math.floor(st.mtimeMs / 1000);
  const mode = st.mode & 0o7777;
  if (st.isFile()) return { type: 'file', size: st.size, mtime, mode };
  if (st.isDirectory()) return { type: 'dir', size: 0, mtime, mode };
  if (st.isSymbolicLink()) {
    const target = await fsp.readlink(join(root, rel)).catch(() => undefined);
    if (target === undefined) return undefined;
    if (!symlinkStaysInside(rel, target.replace(/\\/g, '/'), readlinkUnder(root)))
      return { skip: `symlink to ${target} points outside the synced folder` };
    return { type: 'symlink', size: Buffer.byteLength(target), mtime, mode: 0o777, linkTarget: target.replace(/\\/g, '/') };
  }
  return undefined;
}

/** Walks the folder, honouring ignore files at every depth. */
export async function scanLocalTree(root: string, opts: ScanOptions = {}): Promise<LocalScan> {
  const matcher = opts.ignore instanceof IgnoreMatcher ? opts.ignore : new IgnoreMatcher(opts.ignore ?? []);
  const tree = new Map<string, TreeEntry>();
  const skipped: Skipped[] = [];
  const queue: string[] = [''];
  // lstat is called synchronously (an order of magnitude cheaper than a thread-pool hop per
  // entry); the event loop gets a turn every SCAN_SLICE entries.
  let sinceYield = 0;
  while (queue.length) {
    const dir = queue.shift()!;
    let names: string[];
    try {
      names = await fsp.readdir(join(root, dir));
    } catch (e) {
      if (dir === '') throw e;
      continue; // vanished while walking
    }
    await loadIgnoreFiles(root, dir, matcher, new Set(names));
    for (const name of names) {
      const rel = dir ? `${dir}/${name}` : name;
      const checked = checkRelativePath(rel);
      if (!checked.ok || checked.path !== rel) {
        skipped.push({ path: rel, reason: `its name ${checked.ok ? 'is not portable' : checked.reason}` });
        continue;
      }
      let st: Stats;
      try {
        st = lstatSync(join(root, rel));
      } catch {
        continue; // vanished while walking
      }
      if (matcher.ignores(rel, st.isDirectory())) continue;
      const entry = await entryFromStats(root, rel, st);
      if (!entry) continue;
      if ('skip' in entry) {
        skipped.push({ path: rel, reason: entry.skip });
        continue;
      }
      tree.set(rel, entry);
      if (entry.type === 'dir') queue.push(rel);
      if (++sinceYield >= SCAN_SLICE) {
        sinceYield = 0;
        await new Promise((r) => setImmediate(r));
      }
    }
  }
  return { tree, skipped, matcher };
}

/** Stats one path for live sync: undefined when it vanished, is ignored or is not sendable. */
export async function statLocal(root: string, rel: string, matcher: IgnoreMatcher): Promise<TreeEntry | { skip: string } | undefined> {
  const st = await fsp.lstat(join(root, rel)).catch(() => undefined);
  if (!st) return undefined;
  if (matcher.ignores(rel, st.isDirectory())) return undefined;
  return entryFromStats(root, rel, st);
}

export interface TarProgress {
  onFile?(path: string): void;
  onWarning?(message: string): void;
}

/** Files up to this size are read whole, synchronously (much cheaper than five thread-pool hops each). */
const SMALL_FILE = 1024 * 1024;
/** After this many bytes read synchronously, the event loop gets a turn (the socket drains meanwhile). */
const SLICE_BYTES = 2 * 1024 * 1024;

async function* once(data: Buffer): AsyncGenerator<Buffer> {
  yield data;
}

/** Reads a small file whole; the entry then carries exactly the bytes read. Undefined: gone or not a file. */
function readSmall(full: string): { data: Buffer; mode: number; mtime: number } | 'large' | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(full, 'r');
    const st = fstatSync(fd);
    if (!st.isFile()) return undefined;
    if (st.size > SMALL_FILE) return 'large';
    const buf = Buffer.allocUnsafe(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    return { data: off === st.size ? buf : buf.subarray(0, off), mode: st.mode & 0o7777, mtime: Math.floor(st.mtimeMs / 1000) };
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Tar entries for paths of a scanned tree, in order; paths whose entry is missing are skipped.
 * Each file is opened and stat'ed when its turn comes, so the header carries what is then read:
 * small files are read whole, large ones streamed.
 */
export async function* localTarEntries(
  root: string,
  paths: readonly string[],
  tree: Tree,
  progress: TarProgress = {},
): AsyncGenerator<TarEntry> {
  let sliced = 0;
  for (const path of paths) {
    const e = tree.get(path);
    if (!e) continue;
    if (e.type === 'dir') yield { type: 'dir', path, mode: e.mode, mtime: e.mtime };
    else if (e.type === 'symlink' && e.linkTarget !== undefined)
      yield { type: 'symlink', path, mode: 0o777, mtime: e.mtime, linkTarget: e.linkTarget };
    else if (e.type === 'file') {
      const full = join(root, path);
      const small = e.size <= SMALL_FILE ? readSmall(full) : 'large';
      if (small === undefined) {
        progress.onWarning?.(`${path} vanished or changed type before it was sent.`);
        continue;
      }
      if (small !== 'large') {
        sliced += small.data.length + 512;
        yield { type: 'file', path, mode: small.mode, mtime: small.mtime, size: small.data.length, content: () => once(small.data) };
        if (sliced >= SLICE_BYTES) {
          sliced = 0;
          await new Promise((r) => setImmediate(r));
        }
      } else {
        const fh = await fsp.open(full, 'r').catch(() => undefined);
        const st = fh ? await fh.stat().catch(() => undefined) : undefined;
        if (!fh || !st || !st.isFile()) {
          await fh?.close().catch(() => undefined);
          progress.onWarning?.(`${path} vanished or changed type before it was sent.`);
          continue;
        }
        yield {
          type: 'file',
          path,
          mode: st.mode & 0o7777,
          mtime: Math.floor(st.mtimeMs / 1000),
          size: st.size,
          content: () => readHandle(fh, st.size),
        };
      }
    } else continue;
    progress.onFile?.(path);
  }
}

/** Reads up to `size` bytes and closes the handle; a read error ends the content early (tar pads it). */
async function* readHandle(fh: FileHandle, size: number): AsyncGenerator<Buffer> {
  try {
    let pos = 0;
    while (pos < size) {
      const buf = Buffer.allocUnsafe(Math.min(256 * 1024, size - pos));
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      yield buf.subarray(0, bytesRead);
    }
  } catch {
    // Shorter content: the writer pads it and reports the mismatch.
  } finally {
    await fh.close().catch(() => undefined);
  }
}
