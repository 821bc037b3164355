import { type EntryType, type TreeEntry } from './planner';
import { checkRelativePath } from './paths';

/**
 * The shell scripts sync runs in the pod, and the parser of their output. Pure strings: every
 * path reaches them as a positional argument ("$1", "$@"), never pasted into the script.
 *
 * What the image needs: a POSIX `sh`, `tar` (GNU or BusyBox), `find`, `mkdir`, `rm`, and for the
 * listing either GNU find (-printf) or `stat -c` (GNU coreutils or BusyBox).
 */

/** Exit code of the scripts when the target folder does not exist (an empty remote tree). */
export const NO_TARGET_EXIT = 3;

/**
 * Lists the target tree: one line per entry, `TYPE MODE SIZE MTIME ./path`. GNU find prints it
 * directly; otherwise `stat -c '%f %s %Y %n'` (raw mode in hex) through `find -exec ... +`.
 * `.git` folders are pruned (always ignored).
 */
export const LIST_SCRIPT = [
  'cd -- "$1" 2>/dev/null || exit ' + NO_TARGET_EXIT,
  'if find . -maxdepth 0 -printf "" >/dev/null 2>&1; then',
  `  find . -mindepth 1 -name .git -prune -o -printf '%y %m %s %T@ %p\\n'`,
  'else',
  `  find . -mindepth 1 -name .git -prune -o -exec stat -c 'x %f %s %Y %n' {} +`,
  'fi',
].join('\n');

/**
 * One exec per batch: removals, then folder preparation, then extraction, all from stdin, so a
 * rename (delete + send) costs one round trip and the exec can be opened before the batch is
 * known. Stdin is: the paths to remove, one per line, then an empty line; the folders the tar
 * writes into, one per line, then an empty line; then the tar stream. `read` consumes a pipe
 * byte by byte (POSIX), so tar gets exactly the archive. Removal refuses absolute paths, ".." and
 * any path with a symlink among its parents (it could lead outside the target; the last
 * component may be a symlink: rm removes the link, not its target). Folder preparation removes
 * any component that is a symlink or not a folder, so extraction never follows a link out of
 * the target. Owners are not kept (`tar -o`: files belong to the container's user); modes and
 * mtimes are (the incremental listing compares mtimes). Names with line breaks never get here
 * (paths.ts refuses them).
 */
export const APPLY_SCRIPT = [
  'mkdir -p -- "$1" && cd -- "$1" || exit 1',
  'status=0',
  'while IFS= read -r p; do',
  '  [ -z "$p" ] && break',
  '  case "/$p/" in */../*|//*) echo "kubeml: refusing $p" >&2; status=2; continue;; esac',
  '  rest=$p; cur=.; ok=1',
  '  while :; do case $rest in */*) cur=$cur/${rest%%/*}; rest=${rest#*/}; if [ -L "$cur" ]; then ok=0; break; fi;; *) break;; esac; done',
  '  if [ $ok = 1 ]; then rm -rf -- "./$p" || status=1; else echo "kubeml: refusing $p (symlink parent)" >&2; status=2; fi',
  'done',
  'while IFS= read -r p; do',
  '  [ -z "$p" ] && break',
  '  case "/$p/" in */../*|//*) echo "kubeml: refusing $p" >&2; exit 2;; esac',
  '  rest=$p/; cur=.',
  '  while :; do case $rest in */*) cur=$cur/${rest%%/*}; rest=${rest#*/}; if [ -L "$cur" ] || { [ -e "$cur" ] && [ ! -d "$cur" ]; }; then rm -f -- "$cur"; fi;; *) break;; esac; done',
  'done',
  'tar -x -o -f - || exit 1',
  'exit $status',
].join('\n');

/** A command run in the pod: argv for exec. */
export function shCommand(script: string, args: readonly string[]): string[] {
  return ['sh', '-c', script, 'kubeml-sync', ...args];
}

export interface ParsedListing {
  readonly tree: Map<string, TreeEntry>;
  /** Lines that could not be read (names with line breaks, unknown formats). */
  readonly unreadable: number;
}

function typeFromFindChar(c: string): EntryType {
  return c === 'f' ? 'file' : c === 'd' ? 'dir' : c === 'l' ? 'symlink' : 'other';
}

function typeFromRawMode(mode: number): EntryType {
  switch (mode & 0o170000) {
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'dir';
    case 0o120000:
      return 'symlink';
    default:
      return 'other';
  }
}

/** Parses the output of LIST_SCRIPT (either flavour). */
export function parseListing(stdout: string): ParsedListing {
  const tree = new Map<string, TreeEntry>();
  let unreadable = 0;
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const m = /^(x [0-9a-fA-F]+|[a-zA-Z]) (\d+ )?(\d+) (\d+)(?:\.\d+)? \.\/(.+)$/.exec(line);
    if (!m) {
      unreadable++;
      continue;
    }
    let type: EntryType;
    let mode: number;
    if (m[1].startsWith('x ')) {
      const raw = parseInt(m[1].slice(2), 16);
      type = typeFromRawMode(raw);
      mode = raw & 0o7777;
    } else {
      if (m[2] === undefined) {
        unreadable++;
        continue;
      }
      type = typeFromFindChar(m[1]);
      mode = parseInt(m[2].trim(), 8);
    }
    const checked = checkRelativePath(m[5]);
    if (!checked.ok || checked.path !== m[5]) {
      unreadable++;
      continue;
    }
    tree.set(checked.path, { type, mode, size: Number(m[3]), mtime: Number(m[4]) });
  }
  return { tree, unreadable };
}
