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
    throw new KubeMLError(
      'invalid',
      `Refusing to sync the path "${printable(input)}": it ${r.reason}.`,
      'Only paths inside the synced folder are sent.',
    );
  }
  return r.path;
}

/** System folders a sync must never target: writing or deleting there could break the container. */
const FORBIDDEN_TARGETS = new Set([
  '/',
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/proc',
  '/root',
  '/run',
  '/sbin',
  '/sys',
  '/usr',
  '/var',
  '/usr/bin',
  '/usr/lib',
  '/usr/local',
  '/usr/sbin',
  '/var/lib',
  '/var/run',
]);

/** The kernel's pseudo file systems: no folder in them can hold code, so nothing below them is a target either. */
const FORBIDDEN_TREES: ReadonlyArray<readonly [string, string]> = [
  ['/proc', "is inside /proc, the kernel's view of processes"],
  ['/sys', "is inside /sys, the kernel's view of devices and settings"],
];

/**
 * Folders below which a target needs the user's confirmation: the system's own files. Every
 * folder under /var/lib is in it, with no exception for application data (/var/lib/postgresql,
 * /var/lib/docker): a path does not tell an application's state from the package manager's, and
 * neither is a place for code; one confirmation is cheap, a synced-over database is not.
 */
const CONFIRM_TREES: ReadonlyArray<readonly [string, string]> = [
  ['/usr', "is inside /usr, where the system's programs and libraries live"],
  ['/etc', "is inside /etc, the system's configuration"],
  ['/bin', 'is inside /bin, a folder of system programs'],
  ['/sbin', 'is inside /sbin, a folder of system programs'],
  ...['/lib', '/lib32', '/lib64', '/libx32'].map((d) => [d, `is inside ${d}, a folder of system libraries`] as const),
  ['/boot', 'is inside /boot, where the kernel and boot loader live'],
  ['/dev', 'is inside /dev, the device files'],
  ['/var/lib', 'is inside /var/lib, where installed programs keep their state (package databases, services)'],
  ['/run', 'is inside /run, where services keep runtime state and mounted secrets'],
  ['/var/run', 'is inside /var/run, where services keep runtime state and mounted secrets (service account tokens)'],
];

/** A hidden folder of a home folder (~/.ssh, ~/.config, ~/.kube ...): keys, credentials, settings. */
const HOME_DOT_FOLDER = /^(\/root|\/home\/[^/]+)\/(\.[^/]+)(?:\/|$)/;

function under(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir + '/');
}

/**
 * Validates the remote target folder: an absolute POSIX path without `..`, NUL or line breaks,
 * not a system folder, not inside /proc or /sys. Returns it normalised (no trailing slash).
 * Folders that only need a confirmation pass here: see judgeTargetFolder.
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
  for (const [dir, reason] of FORBIDDEN_TREES) if (under(path, dir)) return { ok: false, reason };
  return { ok: true, path };
}

export type TargetVerdict =
  | { readonly kind: 'ok'; readonly path: string }
  /** Allowed once the user confirmed; `reason` says why it is asked ("is inside /etc, ..."). */
  | { readonly kind: 'confirm'; readonly path: string; readonly reason: string }
  | { readonly kind: 'refuse'; readonly reason: string };

/**
 * The target folder as the commands see it: refused (checkTargetFolder), to confirm (inside a
 * system folder, or a home folder's hidden folder such as ~/.ssh), or fine.
 */
export function judgeTargetFolder(input: string): TargetVerdict {
  const checked = checkTargetFolder(input);
  if (!checked.ok) return { kind: 'refuse', reason: checked.reason };
  const path = checked.path;
  const home = HOME_DOT_FOLDER.exec(path);
  if (home)
    return {
      kind: 'confirm',
      path,
      reason: `is inside ${home[1]}/${home[2]}, a hidden folder of a home folder (keys, credentials and settings live there)`,
    };
  for (const [dir, reason] of CONFIRM_TREES) if (under(path, dir)) return { kind: 'confirm', path, reason };
  return { kind: 'ok', path };
}

/**
 * Judges the target and asks `confirm` when it needs it. `cancelled`: the user said no (nothing
 * more to tell them); otherwise `reason` says why the folder is refused.
 */
export async function confirmTargetFolder(
  input: string,
  confirm: (path: string, reason: string) => Promise<boolean>,
): Promise<{ ok: true; path: string } | { ok: false; reason: string; cancelled: boolean }> {
  const v = judgeTargetFolder(input);
  if (v.kind === 'refuse') return { ok: false, reason: v.reason, cancelled: false };
  if (v.kind === 'confirm' && !(await confirm(v.path, v.reason)))
    return { ok: false, reason: `${v.reason}, and was not confirmed`, cancelled: true };
  return { ok: true, path: v.path };
}

export function safeTargetFolder(input: string): string {
  const r = checkTargetFolder(input);
  if (!r.ok) {
    throw new KubeMLError(
      'invalid',
      `The remote folder "${printable(input)}" cannot be a sync target: it ${r.reason}.`,
      'Set kubeml.sync.remoteFolder to an absolute folder such as /workspace.',
    );
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
