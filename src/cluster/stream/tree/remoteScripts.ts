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

/** Starts a batch of stat lines in the listing (a record no path can be: paths start with `./`). */
const BATCH = '#B';

/**
 * Lists its arguments with `stat -c` (GNU coreutils or BusyBox: neither can write a NUL, and a
 * name may hold a line break) as a batch: the record `#B`, then one record holding stat's lines
 * `x RAWMODE SIZE MTIME` (no names, so exactly one line per argument, in order), then the names,
 * one record each. One stat and one printf per batch `find -exec ... +` gives. When a file
 * vanished meanwhile (stat fails), each argument is listed as a batch of its own and the vanished
 * ones are left out.
 */
const STAT_BATCH = [
  `if s=$(stat -c "x %f %s %Y" -- "$@" 2>/dev/null); then printf "${BATCH}\\0%s\\0" "$s"; printf "%s\\0" "$@"`,
  `else for f; do s=$(stat -c "x %f %s %Y" -- "$f" 2>/dev/null) && printf "${BATCH}\\0%s\\0%s\\0" "$s" "$f"; done`,
  'fi',
].join('\n');

/**
 * Lists the target tree as NUL-terminated records, so that a name with a line break is one entry
 * and cannot forge others. GNU find prints one record per entry, `TYPE MODE SIZE MTIME ./path`
 * (`-printf ... \0`); otherwise (BusyBox find has no -printf) STAT_BATCH prints batches, with
 * the raw mode in hex. `.git` folders are pruned (always ignored).
 */
export const LIST_SCRIPT = [
  'cd -- "$1" 2>/dev/null || exit ' + NO_TARGET_EXIT,
  'if find . -maxdepth 0 -printf "" >/dev/null 2>&1; then',
  `  find . -mindepth 1 -name .git -prune -o -printf '%y %m %s %T@ %p\\0'`,
  'else',
  `  each='${STAT_BATCH}'`,
  '  find . -mindepth 1 -name .git -prune -o -exec sh -c "$each" kubeml-list {} +',
  'fi',
].join('\n');

/** Undoes applyListLine: only lines with a backslash need it (a subshell; `x` keeps trailing line breaks). */
const DECODE_LINE = '  case $p in *\\\\*) p=$(printf "%bx" "$p"); p=${p%x};; esac';

/** One path as a line of APPLY_SCRIPT's lists: backslashes doubled, line breaks written `\n`. */
export function applyListLine(path: string): string {
  return path.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') + '\n';
}

/**
 * One exec per batch: removals, then folder preparation, then extraction, all from stdin, so a
 * rename (delete + send) costs one round trip and the exec can be opened before the batch is
 * known. Stdin is: the paths to remove, one per line, then an empty line; the folders the tar
 * writes into, one per line, then an empty line; then the tar stream. `read` consumes a pipe
 * byte by byte (POSIX), so tar gets exactly the archive. Each path is one line as
 * `applyListLine` writes it (backslashes doubled, line breaks as `\n`); a line with a backslash is
 * decoded with `printf %b`, so names with line breaks arrive whole. Removal refuses absolute paths, ".." and
 * any path with a symlink among its parents (it could lead outside the target; the last
 * component may be a symlink: rm removes the link, not its target). Folder preparation removes
 * any component that is a symlink or not a folder, so extraction never follows a link out of
 * the target. Owners are not kept (`tar -o`: files belong to the container's user); modes and
 * mtimes are (the incremental listing compares mtimes).
 */
export const APPLY_SCRIPT = [
  'mkdir -p -- "$1" && cd -- "$1" || exit 1',
  'status=0',
  'while IFS= read -r p; do',
  '  [ -z "$p" ] && break',
  DECODE_LINE,
  '  case "/$p/" in */../*|//*) echo "kubeml: refusing $p" >&2; status=2; continue;; esac',
  '  rest=$p; cur=.; ok=1',
  '  while :; do case $rest in */*) cur=$cur/${rest%%/*}; rest=${rest#*/}; if [ -L "$cur" ]; then ok=0; break; fi;; *) break;; esac; done',
  '  if [ $ok = 1 ]; then rm -rf -- "./$p" || status=1; else echo "kubeml: refusing $p (symlink parent)" >&2; status=2; fi',
  'done',
  'while IFS= read -r p; do',
  '  [ -z "$p" ] && break',
  DECODE_LINE,
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
  /** Records that could not be read (unknown formats, paths that are not plain relative paths). */
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

const RECORD = /^(x [0-9a-fA-F]+|[a-zA-Z]) (\d+ )?(\d+) (\d+)(?:\.\d+)? \.\/([\s\S]+)$/;

/** Parses the output of LIST_SCRIPT (either flavour): NUL-terminated records; a path may hold line breaks. */
export function parseListing(stdout: string): ParsedListing {
  const tree = new Map<string, TreeEntry>();
  let unreadable = 0;
  const records = stdout.split('\0');
  const add = (record: string) => {
    const m = RECORD.exec(record);
    if (!m) {
      unreadable++;
      return;
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
        return;
      }
      type = typeFromFindChar(m[1]);
      mode = parseInt(m[2].trim(), 8);
    }
    const checked = checkRelativePath(m[5]);
    if (!checked.ok || checked.path !== m[5]) {
      unreadable++;
      return;
    }
    tree.set(checked.path, { type, mode, size: Number(m[3]), mtime: Number(m[4]) });
  };
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    if (record === '') continue;
    if (record !== BATCH) {
      add(record);
      continue;
    }
    // A batch: stat's lines, then as many names.
    const lines = (records[i + 1] ?? '').split('\n');
    for (let k = 0; k < lines.length; k++) {
      const name = records[i + 2 + k];
      if (name === undefined) unreadable++;
      else add(`${lines[k]} ${name}`);
    }
    i += 1 + lines.length;
  }
  return { tree, unreadable };
}
