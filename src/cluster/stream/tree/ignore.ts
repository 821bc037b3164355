/**
 * Ignore rules for sync, written here (no dependency): gitignore semantics for `.gitignore` and
 * `.kubemlignore` files at any depth (each applies to its own subtree, deeper files win), and the
 * root `.dockerignore` with Docker's semantics (every pattern is anchored at the root).
 *
 * Precedence, lowest first: for each folder from the root down, its .gitignore, then (root only)
 * .dockerignore, then its .kubemlignore; the last matching rule decides, so a `.kubemlignore` can
 * re-include (`!pattern`) what a `.gitignore` excluded. As in git, nothing inside an excluded
 * folder can be re-included. `.git` (at any depth) and the root `.kubeml/` are always ignored.
 */

export type IgnoreFileKind = 'gitignore' | 'dockerignore' | 'kubemlignore';

export const IGNORE_FILES: Readonly<Record<IgnoreFileKind, string>> = {
  gitignore: '.gitignore',
  dockerignore: '.dockerignore',
  kubemlignore: '.kubemlignore',
};

const KIND_ORDER: IgnoreFileKind[] = ['gitignore', 'dockerignore', 'kubemlignore'];

export interface IgnoreRule {
  readonly source: string;
  readonly pattern: string;
  readonly negate: boolean;
  readonly dirOnly: boolean;
  readonly regex: RegExp;
}

/** Kind of ignore file a basename is, if any. */
export function ignoreFileKind(basename: string): IgnoreFileKind | undefined {
  for (const kind of KIND_ORDER) {
    if (IGNORE_FILES[kind] === basename) return kind;
  }
  return undefined;
}

function escapeRegex(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? '\\' + c : c;
}

/** Translates a glob (gitignore flavour) into a regular expression body (no anchors). */
export function globToRegexBody(glob: string): string {
  let out = '';
  let i = 0;
  while (i < glob.length) {
    const c = glob[i];
    const atSegmentStart = i === 0 || glob[i - 1] === '/';
    if (c === '*' && glob[i + 1] === '*' && atSegmentStart && (glob[i + 2] === '/' || i + 2 === glob.length)) {
      if (i + 2 === glob.length) {
        out += '.*';
        i += 2;
      } else {
        out += '(?:.*/)?';
        i += 3;
      }
      continue;
    }
    if (c === '*') {
      out += '[^/]*';
      i++;
      continue;
    }
    if (c === '?') {
      out += '[^/]';
      i++;
      continue;
    }
    if (c === '\\' && i + 1 < glob.length) {
      out += escapeRegex(glob[i + 1]);
      i += 2;
      continue;
    }
    if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close !== -1) {
        let body = glob.slice(i + 1, close);
        let negate = false;
        if (body.startsWith('!') || body.startsWith('^')) {
          negate = true;
          body = body.slice(1);
        }
        const cls = body.replace(/\\/g, '\\\\').replace(/\]/g, '\\]');
        out += negate ? `(?!/)[^${cls}]` : `[${cls}]`;
        i = close + 1;
        continue;
      }
    }
    out += escapeRegex(c);
    i++;
  }
  return out;
}

/** Parses one ignore file. `kind` selects git or Docker semantics. Blank lines and comments are skipped. */
export function parseIgnoreFile(content: string, kind: IgnoreFileKind, source = IGNORE_FILES[kind]): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of content.split(/\r?\n/)) {
    let line = raw;
    if (kind === 'dockerignore') {
      line = line.trim();
    } else {
      // Trailing spaces are ignored unless escaped with a backslash.
      line = line.replace(/(?<!\\)\s+$/, '');
    }
    if (line === '' || line.startsWith('#')) continue;
    let negate = false;
    if (line.startsWith('!')) {
      negate = true;
      line = line.slice(1);
    } else if (line.startsWith('\\!') || line.startsWith('\\#')) {
      line = line.slice(1);
    }
    if (line === '') continue;
    let rule: IgnoreRule | undefined;
    if (kind === 'dockerignore') {
      // Docker: filepath.Clean, leading slash dropped, always relative to the context root.
      const cleaned = line
        .split('/')
        .filter((s) => s !== '' && s !== '.')
        .join('/');
      if (cleaned === '' || cleaned.split('/').includes('..')) continue;
      rule = { source, pattern: raw.trim(), negate, dirOnly: false, regex: new RegExp(`^${globToRegexBody(cleaned)}$`) };
    } else {
      let dirOnly = false;
      if (line.endsWith('/')) {
        dirOnly = true;
        line = line.replace(/\/+$/, '');
      }
      if (line === '') continue;
      const anchored = line.includes('/');
      if (line.startsWith('/')) line = line.slice(1);
      const body = globToRegexBody(line);
      rule = { source, pattern: raw.trim(), negate, dirOnly, regex: new RegExp(anchored ? `^${body}$` : `^(?:.*/)?${body}$`) };
    }
    rules.push(rule);
  }
  return rules;
}

/** Paths no rule can re-include. */
export function alwaysIgnored(path: string): boolean {
  if (path === '.kubeml' || path.startsWith('.kubeml/')) return true;
  return path === '.git' || path.startsWith('.git/') || path.endsWith('/.git') || path.includes('/.git/');
}

/**
 * The combined matcher for one tree. Ignore files are added or removed as they are read or
 * change (folder relative to the root, '' for the root itself). Answers are cached until the
 * rules change.
 */
export class IgnoreMatcher {
  private readonly files = new Map<string, Map<IgnoreFileKind, IgnoreRule[]>>();
  private readonly cache = new Map<string, boolean>();

  /** Extra patterns (gitignore syntax, anchored at the root), e.g. from a setting or a run spec. */
  private readonly extra: IgnoreRule[];

  constructor(extraPatterns: readonly string[] = []) {
    this.extra = parseIgnoreFile(extraPatterns.join('\n'), 'kubemlignore', 'settings');
  }

  setFile(dir: string, kind: IgnoreFileKind, content: string | undefined): void {
    if (kind === 'dockerignore' && dir !== '') return; // Docker reads only the root file.
    this.cache.clear();
    let byKind = this.files.get(dir);
    if (content === undefined) {
      byKind?.delete(kind);
      if (byKind && byKind.size === 0 && dir !== '') this.files.delete(dir);
      return;
    }
    if (!byKind) {
      byKind = new Map();
      this.files.set(dir, byKind);
    }
    const source = dir ? `${dir}/${IGNORE_FILES[kind]}` : IGNORE_FILES[kind];
    byKind.set(kind, parseIgnoreFile(content, kind, source));
  }

  /** Forgets the ignore files of `dir` and of every folder below it. */
  removeTree(dir: string): void {
    for (const key of [...this.files.keys()]) {
      if (key === dir || (dir === '' ? true : key.startsWith(dir + '/'))) this.files.delete(key);
    }
    this.cache.clear();
  }

  /** Whether a path (relative, POSIX) is ignored, either itself or through an ignored parent. */
  ignores(path: string, isDir: boolean): boolean {
    if (alwaysIgnored(path)) return true;
    const parts = path.split('/');
    let prefix = '';
    for (let i = 0; i < parts.length; i++) {
      prefix = i === 0 ? parts[0] : `${prefix}/${parts[i]}`;
      const last = i === parts.length - 1;
      const key = `${last && !isDir ? 'f' : 'd'}:${prefix}`;
      let hit = this.cache.get(key);
      if (hit === undefined) {
        hit = this.decide(prefix, !last || isDir);
        this.cache.set(key, hit);
      }
      if (hit) return true;
    }
    return false;
  }

  /** The last matching rule for this one path (not its parents). */
  private decide(path: string, isDir: boolean): boolean {
    let ignored = false;
    const apply = (rules: readonly IgnoreRule[] | undefined, rel: string) => {
      if (!rules) return;
      for (const r of rules) {
        if (r.dirOnly && !isDir) continue;
        if (r.regex.test(rel)) ignored = !r.negate;
      }
    };
    const dirs = [''];
    let i = path.indexOf('/');
    while (i !== -1) {
      dirs.push(path.slice(0, i));
      i = path.indexOf('/', i + 1);
    }
    for (const dir of dirs) {
      const byKind = this.files.get(dir);
      const rel = dir === '' ? path : path.slice(dir.length + 1);
      if (byKind) {
        for (const kind of KIND_ORDER) apply(byKind.get(kind), rel);
      }
      if (dir === '') apply(this.extra, rel);
    }
    return ignored;
  }
}
