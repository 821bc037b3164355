import { Document, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { BAD_START, FALLBACK, FLOW_IND, ODD_CHARS, fail, plainKey, quotedEnd, resolvePlain, unquote } from './fastYamlScalars';

/**
 * A fast path for the YAML that manifests are made of: block mappings and sequences, plain and
 * quoted one-line scalars, one-line flow collections, literal block scalars, comments. It builds
 * the same node classes, with the same ranges, as the `yaml` package (pinned exactly in
 * package.json: this mirrors its composer), and the plain value alongside, in one pass. Anything
 * outside that subset (anchors, aliases, tags, multi-line flow or plain scalars, folded scalars,
 * tabs, YAML 1.1 oddities such as octal, sexagesimal or `y` / `n` keys) and anything `yaml` would
 * report an error for returns undefined, and the caller parses with `yaml` itself.
 * fastYaml.diff.test.ts checks both agree on values, ranges and errors.
 */
export interface FastParse {
  doc: Document.Parsed;
  value: unknown;
}

/*
 * Nodes are made from a prototype instance of each class: the node-type symbol the `yaml`
 * package's isMap/isScalar/... read is then inherited instead of defined on every node
 * (Object.defineProperty in its constructors is a fifth of the parse time).
 */
const SCALAR_PROTO = new Scalar(null);
const MAP_PROTO = new YAMLMap();
const SEQ_PROTO = new YAMLSeq();
const PAIR_PROTO = new Pair(null);
/*
 * Documents likewise: a Document's constructor builds its options, directives and schema (a tenth
 * of the fast path's time). Each parsed document inherits them, unchanged, from one instance and
 * owns only what differs: contents, range, errors, warnings, comments. The options are those
 * document.ts parses with (YAML 1.1), so that the document's own toJS() and schema agree too.
 */
const DOC_PROTO = new Document(undefined, { version: '1.1', uniqueKeys: true, strict: true });

type Range = [number, number, number];

function mkScalar(value: unknown, type: Scalar.Type, start: number, end: number): Scalar {
  const s = Object.create(SCALAR_PROTO) as Scalar;
  s.value = value;
  s.type = type;
  s.range = [start, end, end];
  return s;
}
function mkMap(flow: boolean): YAMLMap {
  const m = Object.create(MAP_PROTO) as YAMLMap;
  m.items = [];
  if (flow) m.flow = true;
  return m;
}
function mkSeq(flow: boolean): YAMLSeq {
  const q = Object.create(SEQ_PROTO) as YAMLSeq;
  q.items = [];
  if (flow) q.flow = true;
  return q;
}
function mkPair(key: Scalar, value: unknown): Pair {
  const p = Object.create(PAIR_PROTO) as Pair;
  p.key = key;
  p.value = value;
  return p;
}

interface Built {
  node: Scalar | YAMLMap | YAMLSeq;
  value: unknown;
}

export function fastParse(text: string): FastParse | undefined {
  // Tabs, control characters, lone CRs (yaml reads more characters than LF as line breaks), BOMs: left to yaml.
  if (ODD_CHARS.test(text) || (text.includes('\r') && /\r(?!\n)/.test(text))) return undefined;
  try {
    return new FastParser(text).parse();
  } catch (e) {
    if (e === FALLBACK) return undefined;
    throw e;
  }
}

/*
 * Where `yaml` puts comment and blank lines decides the third offset of ranges (the end of a node
 * with what trails it). After the last line of a node (a "leaf": scalar, flow collection, empty
 * value), its parser gives the lines that follow up to the next content line as follows:
 * - after a one-line scalar or flow collection, comment lines deeper than the innermost collection,
 *   and blank lines before them, extend that node's range;
 * - the rest stays with the innermost collection that ends there when some comment in it is at
 *   least as deep as that collection (and it is not at column 0): its range then ends where the next
 *   content starts; otherwise it moves out to the parent, and so on (to the document at the top);
 * - after an empty value, the lines belong to the empty value (see empty()).
 */
class FastParser {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly indents: number[] = [];
  /** -1 blank or comment-only line, 1 content. (A plain array: a typed array's allocation costs more than it saves on documents this size.) */
  private readonly kinds: number[] = [];
  /**
   * The line after the node that block, map, seq, value and literal just read (-1: the end): set by
   * each before it returns, read by the caller straight away (one object less per node than returning both).
   */
  private nx = -1;
  /** The lines between the last leaf and `nx` not yet given to a node: the deepest comment's indentation (-1: no comment), and where they end. */
  private trailMax = -1;
  private trailEnd = 0;
  /** Whether the last leaf was an empty value, which takes all the lines after it (then none are left for the document's end). */
  private endsEmpty = false;

  constructor(private readonly t: string) {
    let s = 0;
    const n = t.length;
    while (s <= n) {
      let e = t.indexOf('\n', s);
      const next = e < 0 ? n + 1 : e + 1;
      if (e < 0) e = n;
      let end = e;
      if (end > s && t.charCodeAt(end - 1) === 13) end--;
      let i = s;
      while (i < end && t.charCodeAt(i) === 32) i++;
      this.starts.push(s);
      this.ends.push(end);
      this.indents.push(i - s);
      this.kinds.push(i >= end || t.charCodeAt(i) === 35 ? -1 : 1);
      if (next > n) break;
      s = next;
    }
  }

  parse(): FastParse {
    let l = this.nextContent(0);
    if (l < 0) fail();
    const docStart = this.starts[l]!;
    const first = this.t.slice(this.starts[l]!, this.ends[l]!);
    if (first.startsWith('---')) {
      if (!/^---(?: +(?:#.*)?)?$/.test(first)) fail();
      l = this.nextContent(l + 1);
      if (l < 0) fail();
    }
    if (this.indents[l] !== 0) fail();
    const built = this.block(l, 0);
    if (this.nx >= 0) fail();
    const doc = Object.create(DOC_PROTO) as Document.Parsed;
    doc.commentBefore = null;
    doc.comment = null;
    doc.errors = [];
    doc.warnings = [];
    doc.contents = built.node as never;
    const contentEnd = built.node.range![2];
    doc.range = [docStart, contentEnd, this.endsEmpty ? contentEnd : this.t.length];
    return { doc, value: built.value };
  }

  private nextContent(from: number): number {
    for (let l = from; l < this.starts.length; l++) if (this.kinds[l] === 1) return l;
    return -1;
  }

  private isComment(l: number): boolean {
    return this.kinds[l] === -1 && this.starts[l]! + this.indents[l]! < this.ends[l]!;
  }

  private isBlank(l: number): boolean {
    return this.starts[l]! + this.indents[l]! >= this.ends[l]!;
  }

  /** Offset of the line after l (the end of the text after the last line). */
  private after(l: number): number {
    return l + 1 < this.starts.length ? this.starts[l + 1]! : this.t.length;
  }

  /** Where the lines before `next` end for yaml: the indentation of the next content line included. */
  private stopAt(next: number): number {
    return next < 0 ? this.t.length : this.starts[next]! + this.indents[next]!;
  }

  /** Records the lines from `from` to the next content line as trailing, to be placed by endCollection(). */
  private trail(from: number, next: number): void {
    let max = -1;
    const to = next < 0 ? this.starts.length : next;
    for (let j = from; j < to; j++) if (this.isComment(j) && this.indents[j]! > max) max = this.indents[j]!;
    this.trailMax = max;
    this.trailEnd = this.stopAt(next);
    this.nx = next;
    this.endsEmpty = false;
  }

  /** Ends a one-line scalar or flow collection on `line` inside a collection at `indent`: the end of its range, with the comments it takes. */
  private absorb(line: number, indent: number): number {
    const next = this.nextContent(line + 1);
    // A more indented line after a scalar would continue it (multi-line plain scalar): not handled.
    if (next >= 0 && this.indents[next]! > indent) fail();
    const to = next < 0 ? this.starts.length : next;
    let k = line;
    for (let j = line + 1; j < to; j++) {
      if (!this.isComment(j)) continue;
      if (this.indents[j]! <= indent) break;
      k = j;
    }
    this.trail(k + 1, next);
    return this.after(k);
  }

  /** A collection at `indent` ends: trailing lines with a comment this deep stay with it (not at column 0). */
  private endCollection(range: Range, indent: number): void {
    if (indent !== 0 && this.trailMax >= indent) {
      range[2] = this.trailEnd;
      this.trailMax = -1;
    }
  }

  /** A block node whose first content is at line l, column col. */
  private block(l: number, col: number): Built {
    const p = this.starts[l]! + col;
    const t = this.t;
    if (t.startsWith('...', p) || t.startsWith('---', p)) fail();
    if (t.charCodeAt(p) === 45 && (p + 1 >= this.ends[l]! || t.charCodeAt(p + 1) === 32)) return this.seq(l, col);
    if (this.keyEnd(p, this.ends[l]!) >= 0) return this.map(l, col);
    fail();
  }

  /** Offset of the ':' that ends a mapping key starting at p, or -1. */
  private keyEnd(p: number, end: number): number {
    const t = this.t;
    const q = t.charCodeAt(p);
    let i = p;
    if (q === 34 || q === 39) {
      i = quotedEnd(t, p, end);
      while (i < end && t.charCodeAt(i) === 32) i++;
      return i < end && t.charCodeAt(i) === 58 && (i + 1 >= end || t.charCodeAt(i + 1) === 32) ? i : -1;
    }
    for (; i < end; i++) {
      const c = t.charCodeAt(i);
      if (c === 58 && (i + 1 >= end || t.charCodeAt(i + 1) === 32)) return i;
      if (c === 35 && i > p && t.charCodeAt(i - 1) === 32) return -1;
    }
    return -1;
  }

  private map(l: number, col: number): Built {
    const t = this.t;
    const node = mkMap(false);
    const value: Record<string, unknown> = {};
    let line = l;
    const mapStart = this.starts[l]! + col;
    for (;;) {
      const p = this.starts[line]! + col;
      const end = this.ends[line]!;
      const colon = this.keyEnd(p, end);
      // yaml: an implicit key's ':' must be at most 1024 characters after its start.
      if (colon < 0 || colon - p > 1024) fail();
      // The key.
      let key: Scalar;
      let keyText: string;
      const q = t.charCodeAt(p);
      if (q === 34 || q === 39) {
        const qe = quotedEnd(t, p, end);
        keyText = unquote(t, p, qe);
        key = mkScalar(keyText, q === 34 ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE', p, qe);
      } else {
        let ke = colon;
        while (ke > p && t.charCodeAt(ke - 1) === 32) ke--;
        keyText = plainKey(t, p, ke);
        key = mkScalar(keyText, 'PLAIN', p, ke);
      }
      // Duplicate keys (an error) and `__proto__` (not a plain property) go to the full parser.
      if (keyText === '__proto__' || Object.hasOwn(value, keyText)) fail();
      // The value.
      const b = this.value(line, colon + 1, end, col, true);
      const next = this.nx;
      node.items.push(mkPair(key, b.node));
      value[keyText] = b.value;
      if (next >= 0 && this.indents[next]! === col) {
        line = next;
        continue;
      }
      if (next >= 0 && this.indents[next]! > col) fail();
      const last = b.node.range![2];
      node.range = [mapStart, last, last];
      this.endCollection(node.range, col);
      return { node, value };
    }
  }

  /**
   * The value after `key:` (inMap) or `- `, from offset p to the line end; `indent` is the
   * collection's; `commentBefore`: comment lines before this sequence entry's `-` belong to it.
   */
  private value(line: number, p: number, end: number, indent: number, inMap: boolean, commentBefore = false): Built {
    const t = this.t;
    while (p < end && t.charCodeAt(p) === 32) p++;
    const c = t.charCodeAt(p);
    if (p >= end || c === 35) {
      // Nothing on this line: a nested block (a map's value may be a sequence at its indentation), or null.
      const next = this.nextContent(line + 1);
      if (next >= 0) {
        const ind = this.indents[next]!;
        const np = this.starts[next]! + ind;
        const isDash = t.charCodeAt(np) === 45 && (np + 1 >= this.ends[next]! || t.charCodeAt(np + 1) === 32);
        if (ind > indent || (inMap && ind === indent && isDash)) return this.block(next, ind);
      }
      return this.empty(line, p, end, next, indent, inMap, commentBefore);
    }
    let built: Built;
    let after: number;
    if (c === 124) return this.literal(line, p, end, indent);
    if (c === 91 || c === 123) {
      const r = this.flow(p, end);
      built = r.built;
      after = r.end;
    } else if (c === 34 || c === 39) {
      if (c === 39 && singleQuoteEnd(t, p + 1, end) < 0) return this.multiLineSingle(line, p, indent);
      const qe = quotedEnd(t, p, end);
      const s = mkScalar(unquote(t, p, qe), c === 34 ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE', p, qe);
      built = { node: s, value: s.value };
      after = qe;
    } else {
      let e = end;
      let comment = false;
      for (let i = p + 1; i < end; i++) {
        if (t.charCodeAt(i) === 35 && t.charCodeAt(i - 1) === 32) {
          e = i - 1;
          comment = true;
          break;
        }
      }
      while (e > p && t.charCodeAt(e - 1) === 32) e--;
      const raw = t.slice(p, e);
      if (raw.includes(': ') || raw.endsWith(':')) fail();
      const next = comment ? -1 : this.nextContent(line + 1);
      if (next >= 0 && this.indents[next]! > indent) return this.multiLinePlain(line, p, raw, indent);
      const v = resolvePlain(raw);
      const s = mkScalar(v, 'PLAIN', p, e);
      built = { node: s, value: v };
      after = e;
    }
    this.restIsComment(after, end);
    built.node.range![2] = this.absorb(line, indent);
    return built;
  }

  /**
   * A single-quoted scalar that goes on over the next, more indented lines (controller-gen wraps
   * descriptions holding `: ` so): each line trimmed, joined with one space, as `yaml` folds them.
   * Blank lines inside (line breaks kept), or a line that looks like a comment, fall back.
   */
  private multiLineSingle(line: number, p: number, indent: number): Built {
    const t = this.t;
    const first = t.slice(p + 1, this.ends[line]).trimEnd();
    if (first === '') fail();
    const parts = [first];
    for (let l = line + 1; l < this.starts.length; l++) {
      if (this.kinds[l] !== 1 || this.indents[l]! <= indent) fail();
      const s = this.starts[l]! + this.indents[l]!;
      const end = this.ends[l]!;
      const qe = singleQuoteEnd(t, s, end);
      if (qe < 0) {
        parts.push(t.slice(s, end).trimEnd());
        continue;
      }
      const lastPart = t.slice(s, qe - 1);
      if (lastPart === '' || lastPart.endsWith(' ')) fail();
      parts.push(lastPart);
      this.restIsComment(qe, end);
      const value = parts.join(' ').replace(/''/g, "'");
      const node = mkScalar(value, 'QUOTE_SINGLE', p, qe);
      node.range![2] = this.absorb(l, indent);
      return { node, value };
    }
    fail();
  }

  /**
   * A plain scalar that goes on over the next, more indented lines (CRD descriptions wrapped by
   * controller-gen): the lines are joined with one space each, as `yaml` folds them. Only the plain
   * case: consecutive content lines (no blank or comment line between or after them on the way),
   * none with a comment, a `: ` or a leading indicator; anything else falls back to `yaml`.
   */
  private multiLinePlain(line: number, p: number, first: string, indent: number): Built {
    const t = this.t;
    const parts = [first];
    let last = line;
    let e = p + first.length;
    for (let l = line + 1; l < this.starts.length && this.kinds[l] === 1 && this.indents[l]! > indent; l++) {
      const s = this.starts[l]! + this.indents[l]!;
      let le = this.ends[l]!;
      while (le > s && t.charCodeAt(le - 1) === 32) le--;
      const c = t.charCodeAt(s);
      const text = t.slice(s, le);
      // Indicators a line may start with (`- `, `? `, `: `, `#`, quotes, flow, anchors, ...), or inside it (a comment, a key).
      if ((c < 128 && BAD_START[c] === 1) || c === 45 || text.includes(' #') || text.includes(': ') || text.endsWith(':')) fail();
      parts.push(text);
      last = l;
      e = le;
    }
    // A blank or comment line right after, then more of the scalar, or deeper content: yaml's business.
    const next = this.nextContent(last + 1);
    if (next >= 0 && this.indents[next]! > indent) fail();
    const folded = parts.join(' ');
    if (resolvePlain(folded) !== folded) fail();
    const s = mkScalar(folded, 'PLAIN', p, e);
    s.range![2] = this.absorb(last, indent);
    return { node: s, value: folded };
  }

  /**
   * An empty value (null) at p, after `key:` or `-` and their spaces on `line`; `next` is the next
   * content line. yaml places it at p, and when comments follow, its range runs to the end of the
   * lines it takes: all of them up to the next content line, except before the next key of the same
   * map, where it takes the lines up to and including the one after the last comment deeper than
   * the map (that line without its line break); the rest goes to the next key. A sequence entry's
   * comments before its `-` count too.
   */
  private empty(line: number, p: number, end: number, next: number, indent: number, inMap: boolean, commentBefore: boolean): Built {
    let hasComment = p < end || commentBefore;
    let stop: number;
    if (inMap && next >= 0 && this.indents[next] === indent) {
      let r = line;
      for (let j = line + 1; j < next; j++) if (this.isComment(j) && this.indents[j]! > indent) r = j;
      const cut = r + 1 < next ? r + 1 : -1;
      const to = cut >= 0 ? cut + 1 : next;
      for (let j = line + 1; j < to; j++) if (this.isComment(j)) hasComment = true;
      stop = cut >= 0 ? this.ends[cut]! : this.stopAt(next);
    } else {
      const to = next < 0 ? this.starts.length : next;
      for (let j = line + 1; j < to && !hasComment; j++) if (this.isComment(j)) hasComment = true;
      stop = this.stopAt(next);
    }
    const s = mkScalar(null, 'PLAIN', p, p);
    if (hasComment) s.range![2] = stop;
    this.nx = next;
    this.trailMax = -1;
    this.endsEmpty = true;
    return { node: s, value: null };
  }

  private restIsComment(p: number, end: number): void {
    const t = this.t;
    let i = p;
    while (i < end && t.charCodeAt(i) === 32) i++;
    if (i < end && !(t.charCodeAt(i) === 35 && i > p)) fail();
  }

  private seq(l: number, col: number): Built {
    const t = this.t;
    const node = mkSeq(false);
    const value: unknown[] = [];
    let line = l;
    const seqStart = this.starts[l]! + col;
    let commentBefore = false;
    for (;;) {
      const dash = this.starts[line]! + col;
      const end = this.ends[line]!;
      if (t.charCodeAt(dash) !== 45 || (dash + 1 < end && t.charCodeAt(dash + 1) !== 32)) fail();
      let p = dash + 1;
      while (p < end && t.charCodeAt(p) === 32) p++;
      let r: Built;
      const c = t.charCodeAt(p);
      if (p >= end || c === 35) {
        r = this.value(line, p, end, col, false, commentBefore);
      } else if (c === 45 && (p + 1 >= end || t.charCodeAt(p + 1) === 32)) {
        fail();
      } else if (c !== 91 && c !== 123 && c !== 124 && this.keyEnd(p, end) >= 0) {
        r = this.map(line, p - this.starts[line]!);
      } else {
        r = this.value(line, p, end, col, false);
      }
      const next = this.nx;
      node.items.push(r.node);
      value.push(r.value);
      if (next >= 0 && this.indents[next]! === col && t.charCodeAt(this.starts[next]! + col) === 45) {
        // The lines before the next `-` that no node took go to that entry.
        commentBefore = this.trailMax >= 0;
        line = next;
        continue;
      }
      // Anything else at this indentation ends the sequence (`key:\n- a\nother: b`); deeper is an error.
      if (next >= 0 && this.indents[next]! > col) fail();
      const last = r.node.range![2];
      node.range = [seqStart, last, last];
      this.endCollection(node.range, col);
      return { node, value };
    }
  }

  /**
   * `|`, `|-`, `|+` literal block scalars, content more indented than `indent`, as yaml's lexer
   * and composer read them: the scalar runs to the first non-blank line indented less than its
   * first line; without `+`, trailing blank lines no deeper than that first line are not part of it.
   */
  private literal(line: number, p: number, end: number, indent: number): Built {
    const t = this.t;
    let i = p + 1;
    let chomp = 'clip';
    if (t.charCodeAt(i) === 45) {
      chomp = 'strip';
      i++;
    } else if (t.charCodeAt(i) === 43) {
      chomp = 'keep';
      i++;
    }
    this.restIsComment(i, end);
    // The virtual empty line after a final line break is the end of the text, not a line of the scalar.
    const n = this.starts[this.starts.length - 1] === t.length ? this.starts.length - 1 : this.starts.length;
    let first = line + 1;
    while (first < n && this.isBlank(first)) first++;
    if (first >= n) fail();
    const ci = this.indents[first]!;
    if (ci <= indent) fail();
    // Leading blank lines deeper than the first content line are an error without an indentation indicator.
    for (let j = line + 1; j < first; j++) if (this.indents[j]! > ci) fail();
    let stop = first;
    // (A blank last line without a line break only counts when it is as deep as the first.)
    while (stop < n && ((this.isBlank(stop) && stop + 1 < this.starts.length) || this.indents[stop]! >= ci)) stop++;
    // A line between the parent's indentation and the scalar's is an error (or a comment yaml places elsewhere).
    if (stop < n && this.indents[stop]! > indent) fail();
    let srcEnd = stop;
    if (chomp !== 'keep') while (srcEnd > first && this.isBlank(srcEnd - 1) && this.indents[srcEnd - 1]! <= ci) srcEnd--;
    const endOffset = srcEnd < this.starts.length ? this.starts[srcEnd]! : t.length;
    // The value, as yaml's composer builds it from the lines of the scalar (and an empty one after a final line break).
    let lastContent = first;
    for (let j = first; j < srcEnd; j++) if (!this.isBlank(j) || this.indents[j]! > ci) lastContent = j;
    let v = '\n'.repeat(first - line - 1);
    for (let j = first; j <= lastContent; j++) {
      const s = Math.min(this.starts[j]! + ci, this.ends[j]!);
      v += (j > first ? '\n' : '') + t.slice(s, this.ends[j]!);
    }
    if (chomp === 'clip') v += '\n';
    else if (chomp === 'keep') {
      const lines = srcEnd - lastContent - 1 + (endOffset > 0 && t.charCodeAt(endOffset - 1) === 10 ? 1 : 0);
      v += '\n'.repeat(lines);
      if (!v.endsWith('\n')) v += '\n';
    }
    const s = mkScalar(v, 'BLOCK_LITERAL', p, endOffset);
    this.trail(srcEnd, this.nextContent(srcEnd));
    return { node: s, value: v };
  }

  /** A flow collection that closes on the same line; its range ends after the spaces that follow it. */
  private flow(p: number, end: number): { built: Built; end: number } {
    const t = this.t;
    const open = t.charCodeAt(p);
    const close = open === 91 ? 93 : 125;
    let i = p + 1;
    const skip = () => {
      while (i < end && t.charCodeAt(i) === 32) i++;
    };
    /** An item; the spaces after it are skipped, and counted in its range unless it is a flow map's key. */
    const item = (isKey: boolean): Built => {
      skip();
      const c = t.charCodeAt(i);
      let b: Built;
      if (c === 91 || c === 123) {
        const r = this.flow(i, end);
        i = r.end;
        b = r.built;
      } else if (c === 34 || c === 39) {
        const qe = quotedEnd(t, i, end);
        const s = mkScalar(unquote(t, i, qe), c === 34 ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE', i, qe);
        i = qe;
        b = { node: s, value: s.value };
      } else {
        // A plain scalar ends at a flow indicator, or at ':' before a space or a flow indicator.
        const s0 = i;
        for (; i < end; i++) {
          const ch = t.charCodeAt(i);
          if (ch < 128 && FLOW_IND[ch] === 1) break;
          if (ch === 58) {
            const d = t.charCodeAt(i + 1);
            if (i + 1 >= end || d === 32 || (d < 128 && FLOW_IND[d] === 1)) break;
          }
        }
        let e = i;
        while (e > s0 && t.charCodeAt(e - 1) === 32) e--;
        if (e === s0) fail();
        const v = resolvePlain(t.slice(s0, e));
        b = { node: mkScalar(v, 'PLAIN', s0, e), value: v };
      }
      skip();
      if (!isKey) b.node.range![2] = i;
      return b;
    };
    const node = open === 91 ? mkSeq(true) : mkMap(true);
    const seqValue: unknown[] = [];
    const mapValue: Record<string, unknown> = {};
    skip();
    if (t.charCodeAt(i) !== close) {
      for (;;) {
        if (open === 91) {
          const b = item(false);
          node.items.push(b.node as never);
          seqValue.push(b.value);
        } else {
          const k = item(true);
          if (!(k.node instanceof Scalar) || typeof k.value !== 'string' || k.value === '__proto__' || Object.hasOwn(mapValue, k.value))
            fail();
          if (t.charCodeAt(i) !== 58 || !(i + 1 < end && t.charCodeAt(i + 1) === 32)) fail();
          i++;
          const v = item(false);
          node.items.push(mkPair(k.node, v.node) as never);
          mapValue[k.value] = v.value;
        }
        const c = t.charCodeAt(i);
        if (c === 44) {
          i++;
          continue;
        }
        if (c === close) break;
        fail();
      }
    }
    if (i >= end) fail();
    const closeEnd = i + 1;
    i = closeEnd;
    skip();
    node.range = [p, closeEnd, i];
    return { built: { node, value: open === 91 ? seqValue : mapValue }, end: i };
  }
}

/** Offset after the closing quote of a single-quoted scalar whose text goes on at p on this line, or -1 when the line does not close it. */
function singleQuoteEnd(t: string, p: number, end: number): number {
  for (let i = p; i < end; i++) {
    if (t.charCodeAt(i) !== 39) continue;
    if (t.charCodeAt(i + 1) === 39 && i + 1 < end) {
      i++;
      continue;
    }
    return i + 1;
  }
  return -1;
}
