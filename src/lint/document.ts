import { Composer, Lexer, Parser, YAMLParseError, type Document, type Node, type Pair, type ParsedNode, type YAMLMap } from 'yaml';
import { fastParse } from './fastYaml';
import { isAlias, isMap, isPair, isScalar, isSeq } from './yamlNodes';
import type { Path } from './types';

/**
 * A file split into YAML documents at `---` lines, each parsed on its own so that an edit
 * re-parses only the documents it touched. A document marker at column 0 ends a document in
 * every YAML context (block scalars included), so a line scan finds the same boundaries as the
 * parser does.
 */
export interface Chunk {
  /** Offset of the chunk in the file. */
  start: number;
  text: string;
}

const MARKER = /^---(?:[ \t]|\r?$)/;

export function splitDocuments(text: string): Chunk[] {
  const chunks: Chunk[] = [];
  let chunkStart = 0;
  let lineStart = 0;
  const n = text.length;
  while (lineStart <= n) {
    if (text.startsWith('---', lineStart) && lineStart !== chunkStart) {
      const eol = text.indexOf('\n', lineStart);
      const line = text.slice(lineStart, eol < 0 ? n : eol);
      if (MARKER.test(line)) {
        chunks.push({ start: chunkStart, text: text.slice(chunkStart, lineStart) });
        chunkStart = lineStart;
      }
    }
    const next = text.indexOf('\n', lineStart);
    if (next < 0) break;
    lineStart = next + 1;
  }
  chunks.push({ start: chunkStart, text: text.slice(chunkStart) });
  return chunks;
}

/** True when a chunk holds nothing but markers, comments and blank lines. */
export function isBlankChunk(text: string): boolean {
  return /^(?:[ \t\r]*(?:#[^\n]*)?(?:\n|$)|(?:---|\.\.\.)[ \t\r]*(?:#[^\n]*)?(?:\n|$))*$/.test(text);
}

export interface ParsedChunk {
  doc: Document.Parsed;
  /** The plain value (aliases resolved, bounded); undefined when resolving failed. */
  value: unknown;
  /** Set when the plain value could not be built. */
  valueError?: string;
  /** Set when the document is not checked because of a limit (aliases expanding past MAX_EXPANDED_NODES, nesting too deep). */
  limit?: string;
}

/**
 * How many nodes a document may have once its aliases are expanded. Aliases themselves are fine,
 * however many (PyYAML and kubeconform take them; the `yaml` package's own guard, maxAliasCount,
 * refuses a valid file with 120 aliases of one scalar): only an expansion past this bound is refused,
 * which stops a "billion laughs" file (9 levels of 9 aliases: 3.9 billion nodes) before anything
 * walks it. No Kubernetes object comes near it: a million nodes are several MB of JSON, over the
 * API server's 1.5 MiB request limit.
 */
export const MAX_EXPANDED_NODES = 1_000_000;

/** The messages of the documents refused for a limit (lint-limits findings). */
export const LIMIT_MESSAGES = {
  depth: 'Not linted: the document nests too deeply to read (thousands of levels); no manifest does. Check the file.',
  aliases: (n: string) =>
    `Not linted: the document's aliases expand to more than ${n} nodes (an alias bomb, "billion laughs"?), so it was not checked. Use fewer nested aliases.`,
};

/**
 * Thrown by parseChunk when its deadline passes: the caller's time budget bounds one document
 * too, whatever its size (a 50 MB document, or 40,000 keys in one mapping, which the `yaml`
 * package's duplicate-key check compares pairwise).
 */
export class OutOfTime extends Error {
  constructor() {
    super('The time budget ran out while parsing the document.');
  }
}

/**
 * Documents larger than this skip the fast path, which has no deadline checks, for the `yaml`
 * package, which parses with them. No Kubernetes object is this large: the API server (etcd)
 * takes at most 1.5 MiB a request.
 */
export const FAST_PATH_MAX_CHARS = 1.5 * 1024 * 1024;

const YAML_OPTIONS = { version: '1.1', prettyErrors: false, keepSourceTokens: false, strict: true } as const;

/** YAML 1.1 as Kubernetes reads it (go-yaml): `yes`/`on` are booleans, `0644` is octal. Throws OutOfTime after `deadline` (Date.now()). */
export function parseChunk(text: string, deadline = Infinity): ParsedChunk {
  const fast = text.length <= FAST_PATH_MAX_CHARS ? fastParse(text) : undefined;
  if (fast) return { doc: fast.doc, value: fast.value };
  const doc = parseWithDeadline(text, deadline);
  let value: unknown;
  let valueError: string | undefined;
  if (doc.errors.length === 0) {
    if (Date.now() > deadline) throw new OutOfTime();
    let expanded: number;
    try {
      expanded = text.includes('*') ? expandedSize(doc.contents, MAX_EXPANDED_NODES) : 0;
    } catch (e) {
      if (e instanceof RangeError) return { doc, value, limit: LIMIT_MESSAGES.depth };
      throw e;
    }
    if (expanded > MAX_EXPANDED_NODES) return { doc, value, limit: LIMIT_MESSAGES.aliases(MAX_EXPANDED_NODES.toLocaleString('en-US')) };
    try {
      // Bounded above: maxAliasCount's own count (alias uses times the aliases under them) is not wanted.
      value = doc.toJS({ maxAliasCount: -1 });
    } catch (e) {
      if (e instanceof RangeError) return { doc, value: undefined, limit: LIMIT_MESSAGES.depth };
      valueError = e instanceof Error ? e.message : String(e);
    }
  }
  return { doc, value, valueError };
}

/**
 * The number of nodes of `root` with every alias replaced by what it names, counted without
 * expanding anything (each anchored node's size is counted once), stopping past `max`. An alias
 * names the last node before it with that anchor; one inside its own anchored node (a cycle)
 * counts as past `max`. Throws RangeError on nesting deeper than the stack.
 */
export function expandedSize(root: unknown, max: number): number {
  const anchors = new Map<string, unknown>();
  const sizes = new Map<unknown, number>();
  const open = new Set<unknown>();
  const size = (node: unknown): number => {
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (target === undefined) return 1;
      if (open.has(target)) return max + 1;
      return sizes.get(target) ?? 1;
    }
    if (!node || typeof node !== 'object') return 1;
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor) anchors.set(anchor, node);
    let n = 1;
    if (isMap(node) || isSeq(node)) {
      open.add(node);
      for (const item of (node as { items: unknown[] }).items) {
        n += isPair(item) ? size(item.key) + size(item.value) : size(item);
        // Stop counting once past the bound: a bomb's sizes grow past any number.
        if (n > max) break;
      }
      open.delete(node);
    }
    if (anchor) sizes.set(node, n);
    return n;
  };
  return size(root);
}

/**
 * `yaml`'s parseDocument (uniqueKeys: true) taken apart, as its Parser documents, so that the
 * clock is read while it works: every 4,096 tokens and every 4,096 key comparisons.
 */
function parseWithDeadline(text: string, deadline: number): Document.Parsed {
  let steps = 0;
  const tick = () => {
    if ((++steps & 4095) === 0 && Date.now() > deadline) throw new OutOfTime();
  };
  // The yaml package's own test for uniqueKeys: true, with the clock read.
  const sameKey = (a: ParsedNode, b: ParsedNode) => {
    tick();
    return a === b || (isScalar(a) && isScalar(b) && a.value === b.value);
  };
  const parser = new Parser();
  function* tokens() {
    for (const lexeme of new Lexer().lex(text)) {
      tick();
      yield* parser.next(lexeme);
    }
    yield* parser.end();
  }
  let doc: Document.Parsed | undefined;
  for (const d of new Composer({ ...YAML_OPTIONS, uniqueKeys: sameKey }).compose(tokens(), true, text.length)) {
    if (!doc) doc = d;
    else {
      doc.errors.push(
        new YAMLParseError(
          [d.range[0], d.range[1]],
          'MULTIPLE_DOCS',
          'Source contains multiple documents; please use YAML.parseAllDocuments()',
        ),
      );
      break;
    }
  }
  // compose(forceDoc) always yields a document; the options are parseDocument's again.
  doc!.options.uniqueKeys = true;
  return doc!;
}

/** A node's [start, end) offsets within its chunk. */
export function nodeSpan(node: Node | Pair | null | undefined): [number, number] | undefined {
  if (!node) return undefined;
  if (isPair(node)) {
    const k = nodeSpan(node.key as Node | null);
    const v = nodeSpan(node.value as Node | null);
    if (k && v) return [k[0], v[1]];
    return k ?? v;
  }
  const r = (node as Node).range;
  return r ? [r[0], r[1]] : undefined;
}

export interface Located {
  /** The pair whose value is the target (undefined for the root and sequence items). */
  pair?: Pair;
  /** The target node, when the whole path exists. */
  node?: Node;
  /** How many path segments exist (=== path.length when the target exists). */
  depth: number;
  /** The deepest node that exists along the path. */
  deepest: Node;
  /** The pair leading to `deepest`, if any. */
  deepestPair?: Pair;
}

function resolveAlias(doc: Document, node: unknown): unknown {
  let n = node;
  for (let i = 0; i < 8 && isAlias(n); i++) n = n.resolve(doc);
  return n;
}

export function findPair(map: YAMLMap, key: string): Pair | undefined {
  for (const item of map.items) {
    const k = item.key;
    if (k === key) return item as Pair;
    if (isScalar(k)) {
      // Keys are nearly always strings: compare those directly, and stringify only the others (`80:`, `true:`).
      const v = k.value;
      if (v === key || (typeof v !== 'string' && String(v) === key)) return item as Pair;
    }
  }
  return undefined;
}

/** Walks `path` through the AST (following aliases) and says how far it got. */
export function locate(doc: Document, path: Path): Located {
  let node = doc.contents as Node;
  let pair: Pair | undefined;
  let deepestPair: Pair | undefined;
  let depth = 0;
  for (const seg of path) {
    const cur = resolveAlias(doc, node);
    let next: Node | undefined;
    let nextPair: Pair | undefined;
    if (typeof seg === 'number' && isSeq(cur)) {
      next = cur.items[seg] as Node | undefined;
    } else if (typeof seg === 'string' && isMap(cur)) {
      nextPair = findPair(cur, seg);
      next = nextPair?.value as Node | undefined;
      if (nextPair && !next) {
        // `key:` with no value: the pair exists, its value is null.
        return { pair: nextPair, depth: depth + 1, deepest: nextPair.key as Node, deepestPair: nextPair };
      }
    }
    if (!next) return { depth, deepest: node, deepestPair: pair };
    node = next;
    pair = nextPair;
    deepestPair = nextPair ?? deepestPair;
    depth++;
  }
  return { pair, node, depth, deepest: node, deepestPair: pair ?? deepestPair };
}

export type SpanMode = 'value' | 'key' | 'pair';

/**
 * The span to underline for `path`: the value for scalars, the key for collections (a whole
 * container underlined is noise). For a missing path, the key of the deepest existing parent.
 */
export function spanOf(doc: Document, path: Path, mode?: SpanMode): [number, number] {
  const loc = locate(doc, path);
  const fallback: [number, number] = nodeSpan(doc.contents as Node) ?? [0, 0];
  if (loc.depth < path.length) {
    // A sequence item (a container) is named by its first key, usually `name: x`: underline the value.
    const d = resolveAlias(doc, loc.deepest);
    if (isMap(d) && loc.deepestPair?.value !== loc.deepest && d.items.length > 0) {
      const first = d.items[0]!;
      return nodeSpan((isScalar(first.value) ? first.value : first.key) as Node) ?? fallback;
    }
    const keyNode = loc.deepestPair?.key as Node | undefined;
    return nodeSpan(keyNode) ?? firstLine(doc, nodeSpan(loc.deepest) ?? fallback);
  }
  const node = loc.node!;
  const wantKey = mode === 'key' || (mode === undefined && !isScalar(node) && !isAlias(node));
  if (mode === 'pair' && loc.pair) return nodeSpan(loc.pair) ?? fallback;
  if (wantKey && loc.pair) return nodeSpan(loc.pair.key as Node) ?? fallback;
  const span = nodeSpan(node) ?? fallback;
  return isScalar(node) || isAlias(node) ? span : firstLine(doc, span);
}

/** Clamps a span to its first line, so that a finding on a sequence item does not underline 40 lines. */
function firstLine(doc: Document, span: [number, number]): [number, number] {
  const src = (doc as unknown as { _kubemlSource?: string })._kubemlSource;
  if (!src) return span;
  const nl = src.indexOf('\n', span[0]);
  let end = nl >= 0 && nl < span[1] ? nl : span[1];
  if (end > span[0] && src[end - 1] === '\r') end--;
  return [span[0], end];
}

/** Remembers the chunk text on the document so spans can be clamped to a line. */
export function attachSource(doc: Document, text: string): void {
  (doc as unknown as { _kubemlSource?: string })._kubemlSource = text;
}

/** Line starts of a text, for offset -> line/col. */
export class LineTable {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  position(offset: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, col: offset - this.starts[lo]! };
  }
  lineStart(line: number): number {
    return this.starts[Math.min(line, this.starts.length - 1)]!;
  }
  get lineCount(): number {
    return this.starts.length;
  }
}

/** Reads a plain value by path. */
export function get(value: unknown, path: Path): unknown {
  let cur = value;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
