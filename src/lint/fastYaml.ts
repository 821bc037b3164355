import { Document, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';

/**
 * A fast path for the YAML that manifests are made of: block mappings and sequences, plain and
 * quoted one-line scalars, one-line flow collections, literal block scalars. It builds the same
 * node classes (with the same ranges) as the `yaml` package, and the plain value alongside, in one
 * pass. Anything outside that subset (anchors, aliases, tags, multi-line flow or plain scalars,
 * folded scalars, tabs, YAML 1.1 oddities such as octal, sexagesimal or `y` / `n` keys) returns
 * undefined, and the caller parses with `yaml` itself, which also reports every error.
 * A differential test checks both agree on values and ranges.
 */
export interface FastParse {
  doc: Document.Parsed;
  value: unknown;
}

const FALLBACK = Symbol('fallback');

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
 * owns only what differs: contents, errors, warnings, comments.
 */
const DOC_PROTO = new Document();

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
function fail(): never {
  throw FALLBACK;
}

interface Built {
  node: Scalar | YAMLMap | YAMLSeq;
  value: unknown;
}

const TRUE = /^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/;
const FALSE = /^(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/;
const NULL = /^(?:~|[Nn]ull|NULL)$/;
const INT = /^[-+]?(?:0|[1-9][0-9]*)$/;
const FLOAT = /^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)$/;
const UNIT = /^[0-9]+(?:\.[0-9]+)?[a-zA-Z]+$/;
/** First characters a plain scalar cannot have (indicators), as a table: this runs for every key and value. */
const BAD_START = new Uint8Array(128);
for (const ch of '&*!|>%@`[]{},#?:\'"') BAD_START[ch.charCodeAt(0)] = 1;

/** Resolves a plain scalar as YAML 1.1 does, or gives up on anything unusual. */
function resolvePlain(s: string): unknown {
  const c = s.charCodeAt(0);
  if ((c < 128 && BAD_START[c] === 1) || s.includes(' #')) fail();
  // Letters and '/': strings, except the 1.1 booleans and nulls.
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 47 || c === 95) {
    if (s.length <= 5 && (TRUE.test(s) || FALSE.test(s) || NULL.test(s))) return TRUE.test(s) ? true : FALSE.test(s) ? false : null;
    return s;
  }
  if (s === '~') return null;
  if (INT.test(s)) {
    const n = Number(s);
    if (!Number.isSafeInteger(n)) fail();
    return n;
  }
  if (FLOAT.test(s)) return Number(s);
  if (c >= 48 && c <= 57) {
    if (UNIT.test(s) && !/^0[xXbBoO]/.test(s) && !/[eE][0-9]/.test(s)) return s;
    fail();
  }
  if ((c === 45 || c === 43 || c === 46) && s.length > 1) {
    const d = s.charCodeAt(1);
    if ((d >= 48 && d <= 57) || d === 46 || c === 46) fail();
    return s;
  }
  fail();
}

/*
 * Mapping keys repeat across manifests (apiVersion, metadata, name, containers, ...). A key read
 * from the text is a fresh string that V8 must hash and look up in its string table when it becomes
 * a property name, and that is most of the cost of building the plain value. Keys seen before are
 * found here by comparing characters in place, and the string already used as a property is reused.
 * Only keys that passed the checks below are stored, so a hit needs no check again.
 */
const KEY_SLOTS = 4096;
const keyCache: Array<string | undefined> = new Array<string | undefined>(KEY_SLOTS).fill(undefined);

function plainKey(t: string, p: number, e: number): string {
  const n = e - p;
  if (n <= 0) fail();
  const slot = (n * 31 + t.charCodeAt(p) * 7 + t.charCodeAt(e - 1) * 13 + t.charCodeAt(p + (n >> 1))) & (KEY_SLOTS - 1);
  const cached = keyCache[slot];
  if (cached !== undefined && cached.length === n && t.startsWith(cached, p)) return cached;
  const keyText = t.slice(p, e);
  if (keyText === '<<' || keyText === '__proto__' || resolvePlain(keyText) !== keyText) fail();
  keyCache[slot] = keyText;
  return keyText;
}

export function fastParse(text: string): FastParse | undefined {
  if (text.includes('\t') || text.includes('\u0000')) return undefined;
  try {
    return new FastParser(text).parse();
  } catch (e) {
    if (e === FALLBACK) return undefined;
    throw e;
  }
}

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
    const first = this.t.slice(this.starts[l]!, this.ends[l]!);
    if (first.startsWith('---')) {
      if (!/^---\s*(?:#.*)?$/.test(first)) fail();
      l = this.nextContent(l + 1);
      if (l < 0) fail();
    }
    if (this.t.startsWith('%', this.starts[l]!)) fail();
    if (this.indents[l] !== 0) fail();
    const built = this.block(l, 0);
    if (this.nx >= 0) fail();
    const doc = Object.create(DOC_PROTO) as Document.Parsed;
    doc.commentBefore = null;
    doc.comment = null;
    doc.errors = [];
    doc.warnings = [];
    doc.contents = built.node as never;
    return { doc, value: built.value };
  }

  private nextContent(from: number): number {
    for (let l = from; l < this.starts.length; l++) if (this.kinds[l] === 1) return l;
    return -1;
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
      i = this.quotedEnd(p, end);
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
    let startCol = col;
    let mapStart = -1;
    for (;;) {
      const p = this.starts[line]! + startCol;
      const end = this.ends[line]!;
      if (mapStart < 0) mapStart = p;
      const colon = this.keyEnd(p, end);
      if (colon < 0) fail();
      // The key.
      let key: Scalar;
      let keyText: string;
      const q = t.charCodeAt(p);
      if (q === 34 || q === 39) {
        const qe = this.quotedEnd(p, end);
        keyText = this.unquote(p, qe);
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
      const b = this.value(line, colon + 1, end, col);
      const next = this.nx;
      node.items.push(mkPair(key, b.node));
      value[keyText] = b.value;
      if (next < 0) {
        node.range = [mapStart, t.length, t.length];
        this.nx = -1;
        return { node, value };
      }
      const ind = this.indents[next]!;
      if (ind < col) {
        const s = this.starts[next]!;
        node.range = [mapStart, s, s];
        this.nx = next;
        return { node, value };
      }
      if (ind > col) fail();
      line = next;
      startCol = col;
    }
  }

  /** The value after `key:` or `- `, from offset p to the line end; `indent` is the collection's. */
  private value(line: number, p: number, end: number, indent: number): Built {
    const t = this.t;
    while (p < end && t.charCodeAt(p) === 32) p++;
    const c = t.charCodeAt(p);
    if (p >= end || c === 35) {
      // Nothing on this line: a nested block, a sequence at the same indentation, or null.
      const next = this.nextContent(line + 1);
      if (next >= 0) {
        const ind = this.indents[next]!;
        const np = this.starts[next]! + ind;
        const isDash = t.charCodeAt(np) === 45 && (np + 1 >= this.ends[next]! || t.charCodeAt(np + 1) === 32);
        if (ind > indent || (ind === indent && isDash && indent >= 0)) {
          if (ind === indent && !isDash) fail();
          return this.block(next, ind);
        }
      }
      const at = next < 0 ? t.length : this.starts[line + 1] ?? t.length;
      const pos = Math.min(at, t.length);
      const s = mkScalar(null, 'PLAIN', pos, pos);
      this.nx = next;
      return { node: s, value: null };
    }
    let built: Built;
    let after: number;
    if (c === 124) return this.literal(line, p, end, indent);
    if (c === 91 || c === 123) {
      const r = this.flow(p, end);
      built = r.built;
      after = r.end;
    } else if (c === 34 || c === 39) {
      const qe = this.quotedEnd(p, end);
      const s = mkScalar(this.unquote(p, qe), c === 34 ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE', p, qe);
      built = { node: s, value: s.value };
      after = qe;
    } else {
      let e = end;
      for (let i = p + 1; i < end; i++) {
        if (t.charCodeAt(i) === 35 && t.charCodeAt(i - 1) === 32) {
          e = i - 1;
          break;
        }
      }
      while (e > p && t.charCodeAt(e - 1) === 32) e--;
      const raw = t.slice(p, e);
      if (raw.includes(': ') || raw.endsWith(':')) fail();
      const v = resolvePlain(raw);
      const s = mkScalar(v, 'PLAIN', p, e);
      built = { node: s, value: v };
      after = e;
    }
    this.restIsComment(after, end);
    const next = this.nextContent(line + 1);
    // A more indented line after a scalar would continue it (multi-line plain scalar): not handled.
    if (next >= 0 && this.indents[next]! > indent) fail();
    this.nx = next;
    return built;
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
    for (;;) {
      const dash = this.starts[line]! + col;
      const end = this.ends[line]!;
      if (t.charCodeAt(dash) !== 45 || (dash + 1 < end && t.charCodeAt(dash + 1) !== 32)) fail();
      let p = dash + 1;
      while (p < end && t.charCodeAt(p) === 32) p++;
      let r: Built;
      if (p >= end || t.charCodeAt(p) === 35) {
        r = this.value(line, p, end, col);
      } else if (t.charCodeAt(p) === 45 && (p + 1 >= end || t.charCodeAt(p + 1) === 32)) {
        fail();
      } else if (t.charCodeAt(p) !== 91 && t.charCodeAt(p) !== 123 && t.charCodeAt(p) !== 124 && this.keyEnd(p, end) >= 0) {
        r = this.map(line, p - this.starts[line]!);
      } else {
        r = this.value(line, p, end, col);
      }
      const next = this.nx;
      node.items.push(r.node);
      value.push(r.value);
      if (next < 0) {
        node.range = [seqStart, t.length, t.length];
        this.nx = -1;
        return { node, value };
      }
      const ind = this.indents[next]!;
      if (ind < col) {
        const s = this.starts[next]!;
        node.range = [seqStart, s, s];
        this.nx = next;
        return { node, value };
      }
      if (ind > col) fail();
      const np = this.starts[next]! + ind;
      if (t.charCodeAt(np) !== 45) {
        // A mapping key at the sequence's indentation ends the sequence (`key:\n- a\nother: b`).
        const s = this.starts[next]!;
        node.range = [seqStart, s, s];
        this.nx = next;
        return { node, value };
      }
      line = next;
    }
  }

  /** `|`, `|-`, `|+` literal block scalars; content more indented than `indent`. */
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
    let contentIndent = -1;
    const parts: string[] = [];
    let l = line + 1;
    let lastContent = line;
    for (; l < this.starts.length; l++) {
      const blank = this.indents[l]! + this.starts[l]! >= this.ends[l]!;
      if (blank) {
        if (contentIndent >= 0 && this.indents[l]! > contentIndent) parts.push(t.slice(this.starts[l]! + contentIndent, this.ends[l]!));
        else if (contentIndent < 0 && this.indents[l]! > 0 && this.ends[l]! > this.starts[l]!) fail();
        else parts.push('');
        continue;
      }
      const ind = this.indents[l]!;
      if (contentIndent < 0) {
        if (ind <= indent) break;
        contentIndent = ind;
      }
      if (ind < contentIndent) {
        if (ind > indent) fail();
        break;
      }
      parts.push(t.slice(this.starts[l]! + contentIndent, this.ends[l]!));
      lastContent = l;
    }
    if (contentIndent < 0) fail();
    // Trailing blank lines belong to the scalar only for chomping; the node ends after the last content line.
    let trailing = 0;
    while (parts.length && parts[parts.length - 1] === '' && trailing < l - lastContent - 1) {
      parts.pop();
      trailing++;
    }
    let v = parts.join('\n');
    if (chomp === 'clip') v += '\n';
    else if (chomp === 'keep') v += '\n' + '\n'.repeat(trailing);
    const endLine = chomp === 'keep' ? l : lastContent + 1;
    const endOffset = endLine < this.starts.length ? this.starts[endLine]! : t.length;
    const s = mkScalar(v, 'BLOCK_LITERAL', p, endOffset);
    this.nx = this.nextContent(lastContent + 1);
    return { node: s, value: v };
  }

  /** A flow collection that closes on the same line. */
  private flow(p: number, end: number): { built: Built; end: number } {
    const t = this.t;
    const open = t.charCodeAt(p);
    const close = open === 91 ? 93 : 125;
    let i = p + 1;
    const skip = () => {
      while (i < end && t.charCodeAt(i) === 32) i++;
    };
    const item = (stops: string): Built => {
      skip();
      const c = t.charCodeAt(i);
      if (c === 91 || c === 123) {
        const r = this.flow(i, end);
        i = r.end;
        return r.built;
      }
      if (c === 34 || c === 39) {
        const qe = this.quotedEnd(i, end);
        const s = mkScalar(this.unquote(i, qe), c === 34 ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE', i, qe);
        i = qe;
        return { node: s, value: s.value };
      }
      const s0 = i;
      while (i < end && !stops.includes(t[i]!)) {
        if (t.charCodeAt(i) === 58 && (i + 1 >= end || t.charCodeAt(i + 1) === 32)) break;
        i++;
      }
      let e = i;
      while (e > s0 && t.charCodeAt(e - 1) === 32) e--;
      if (e === s0) fail();
      const raw = t.slice(s0, e);
      const v = resolvePlain(raw);
      const s = mkScalar(v, 'PLAIN', s0, e);
      return { node: s, value: v };
    };
    if (open === 91) {
      const node = mkSeq(true);
      const value: unknown[] = [];
      skip();
      if (t.charCodeAt(i) !== close) {
        for (;;) {
          const b = item(',]');
          node.items.push(b.node);
          value.push(b.value);
          skip();
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
      node.range = [p, i + 1, i + 1];
      return { built: { node, value }, end: i + 1 };
    }
    const node = mkMap(true);
    const value: Record<string, unknown> = {};
    skip();
    if (t.charCodeAt(i) !== close) {
      for (;;) {
        const k = item(',}');
        if (!(k.node instanceof Scalar) || typeof k.value !== 'string' || k.value === '__proto__' || Object.hasOwn(value, k.value)) fail();
        skip();
        if (t.charCodeAt(i) !== 58 || !(i + 1 < end && t.charCodeAt(i + 1) === 32)) fail();
        i++;
        const v = item(',}');
        node.items.push(mkPair(k.node, v.node));
        value[k.value] = v.value;
        skip();
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
    node.range = [p, i + 1, i + 1];
    return { built: { node, value }, end: i + 1 };
  }

  /** Offset after the closing quote of a one-line quoted scalar starting at p. */
  private quotedEnd(p: number, end: number): number {
    const t = this.t;
    const q = t.charCodeAt(p);
    for (let i = p + 1; i < end; i++) {
      const c = t.charCodeAt(i);
      if (q === 34 && c === 92) {
        i++;
        continue;
      }
      if (c === q) {
        if (q === 39 && t.charCodeAt(i + 1) === 39) {
          i++;
          continue;
        }
        return i + 1;
      }
    }
    fail();
  }

  private unquote(p: number, e: number): string {
    const t = this.t;
    const inner = t.slice(p + 1, e - 1);
    if (t.charCodeAt(p) === 39) return inner.includes("''") ? inner.replace(/''/g, "'") : inner;
    if (!inner.includes('\\')) return inner;
    return inner.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, ch: string) => {
      if (ch.length === 5) return String.fromCharCode(parseInt(ch.slice(1), 16));
      const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', '/': '/', '0': '\0', b: '\b', f: '\f', ' ': ' ' };
      const out = map[ch];
      if (out === undefined) fail();
      return out;
    });
  }
}
