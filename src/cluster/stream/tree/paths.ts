import { KubeMLError } from '../../../common/errors';

/**
 * Path safety for everything sync writes into a pod. Every path that reaches the remote side
 * is a relative POSIX path, normalised, and proven to stay inside the target folder.
 */

export type PathCheck = { ok: true; path: string } | { ok: false; reason: string };

/** Longest relative path accepted (bytes): beyond this, tar and shells become unreliable. */
export const MAX_PATH_BYTES = 4096;

/**
 * Normalises a relative path (backslashes from Windows become `/`, `.` segments and duplicate
 * slashes go) and rejects anything that could leave the tree: absolute paths, drive letters,
 * `..` segments, NUL characters, the empty path. Line breaks are allowed: the listing is
 * NUL-separated and the apply script's lists escape them (remoteScripts.ts).
 */
export function checkRelativePath(input: string): PathCheck {
  if (typeof input !== 'string' || input.length === 0) return { ok: false, reason: 'empty path' };
  if (input.includes('\0')) return { ok: false, reason: 'contains a NUL character' };
  const slashed = input.replace(/\\/g, '/');
  if (slashed.startsWith('/')) return { ok: false, reason: 'is absolute' };
  if (/^[A-Za-z]:/.test(slashed)) return { ok: false, reason: 'starts with a drive letter' };
  const parts: string[] = [];
  for (const seg of slashed.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') return { ok: false, reason: 'contains ".."' };
    parts.push(seg);
  }
  if (parts.length === 0) return { ok: false, reason: 'names the root itself' };
  const path = parts.join('/');
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) return { ok: false, reason: `is longer than ${MAX_PATH_BYTES} bytes` };
  return { ok: true, path };
}

/** Like checkRelativePath, but throws a KubeMLError. */
export function safeRelativePath(input: string): string {
  const r = checkRelativePath(input);
  if (!r.ok) {
    throw new KubeMLError('invalid', `Refusing to sync the path "${printable(input)}": it ${r.reason}.`, 'Only paths inside the synced folder are sent.');
  }
  return r.path;
}

/** System folders a sync must never target: writing or deleting there could break the container. */
const FORBIDDEN_TARGETS = new Set(['/', '/bin', '/boot', '/dev', '/etc', '/lib', '/lib32', '/lib64', '/libx32', '/proc', '/root', '/run', '/sbin', '/sys', '/usr', '/var', '/usr/bin', '/usr/lib', '/usr/local', '/usr/sbin', '/var/lib', '/var/run']);

/**
 * Validates the remote target folder: an absolute POSIX path without `..`, NUL or line breaks,
 * not a system folder. Returns it normalised (no trailing slash).
 */
export function checkTargetFolder(input: string): PathCheck {
  if (typeof input !== 'string' || input.trim() === '') return { ok: false, reason: 'is empty' };
  if (input.includes('\0')) return { ok: false, reason: 'contains a NUL character' };
  if (/[\n\r]/.test(input)) return { ok: false, reason: 'contains a line break' };
  if (!input.startsWith('/')) return { ok: false, reason: 'is not an absolute path' };
  const parts: string[] = [];
  for (const seg of input.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') return { ok: false, reason: 'contains ".."' };
    parts.push(seg);
  }
  const path = '/' + parts.join('/');
  if (FORBIDDEN_TARGETS.has(path)) return { ok: false, reason: 'is a system folder' };
  return { ok: true, path };
}

export function safeTargetFolder(input: string): string {
  const r = checkTargetFolder(input);
  if (!r.ok) {
    throw new KubeMLError('invalid', `The remote folder "${printable(input)}" cannot be a sync target: it ${r.reason}.`, 'Set kubeml.sync.remoteFolder to an absolute folder such as /workspace.');
  }
  return r.path;
}

/** Parent folders of a relative path, outermost first: "a/b/c" -> ["a", "a/b"]. */
export function parentsOf(path: string): string[] {
  const out: string[] = [];
  let i = path.indexOf('/');
  while (i !== -1) {
    out.push(path.slice(0, i));
    i = path.indexOf('/', i + 1);
  }
  return out;
}

/** True when `path` is `dir` or lies inside it. */
export function isWithin(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir + '/');
}

/** Reads the symlink at a path relative to the root; undefined when the path is not a symlink (or is missing). */
export type ReadLink = (relPath: string) => string | undefined;

/** Links followed while resolving one symlink before giving up, as Linux does (MAXSYMLINKS). */
export const MAX_SYMLINK_HOPS = 40;

function unusableTarget(target: string): boolean {
  return target === '' || target.includes('\0') || target.startsWith('/') || /^[A-Za-z]:/.test(target) || target.includes('\\');
}

/**
 * Whether a symlink at `linkPath` (relative to the root) pointing at `target` resolves inside
 * the tree (the root itself counts as inside). Resolved as the file system does: component by
 * component from the link's folder, and each component that is itself a symlink (asked through
 * `readlink`) is replaced by its target before the next `..` applies, so `dir/up -> ..` makes
 * `dir/up/../..` leave the tree. Refused: absolute targets anywhere in the chain (the pod's
 * file system is not the local one), more than MAX_SYMLINK_HOPS links (a loop), any `..` above
 * the root. A component that does not exist is taken by its text (a dangling link is fine).
 */
export function symlinkStaysInside(linkPath: string, target: string, readlink: ReadLink = () => undefined): boolean {
  if (unusableTarget(target)) return false;
  const resolved = linkPath.split('/').slice(0, -1);
  // Components still to walk, the next one last.
  const todo = target.split('/').reverse();
  let hops = 0;
  while (todo.length) {
    const seg = todo.pop()!;
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (resolved.length === 0) return false;
      resolved.pop();
      continue;
    }
    resolved.push(seg);
    const next = readlink(resolved.join('/'));
    if (next === undefined) continue;
    if (++hops > MAX_SYMLINK_HOPS || unusableTarget(next)) return false;
    resolved.pop();
    for (const s of next.split('/').reverse()) todo.push(s);
  }
  return true;
}

/** For messages: control characters made visible, long paths shortened. */
export function printable(p: string): string {
  const s = String(p).replace(/[\u0000-\u001f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return s.length > 200 ? s.slice(0, 200) + '…' : s;
}
