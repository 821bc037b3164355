import type { Document, Node, YAMLMap, YAMLSeq } from 'yaml';
import { isMap, isScalar, isSeq } from './yamlNodes';
import { locate } from './document';
import type { Path, TextEdit } from './types';

/**
 * Text edits for quick fixes, computed on the YAML AST so they keep the file's own layout:
 * a new key goes before the first key of its mapping at the same column, a new item before the
 * first item of its sequence, in block or flow style as the collection already is.
 * Offsets are relative to the chunk the document was parsed from.
 */
const sp = (n: number) => ' '.repeat(Math.max(0, n));

const PLAIN_SAFE = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;
const RESERVED = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~)$/;

export function scalarText(v: unknown): string {
  if (typeof v === 'string') return PLAIN_SAFE.test(v) && !RESERVED.test(v) ? v : JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  return String(v);
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The text that follows `key:` for `value`, nested lines at column `ind`. */
function block(value: unknown, ind: number): string {
  if (isObj(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0) return ' {}';
    return keys.map((k) => `\n${sp(ind)}${entry(k, value[k], ind)}`).join('');
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return ' []';
    return value.map((item) => `\n${sp(ind)}- ${inlineItem(item, ind + 2)}`).join('');
  }
  return ' ' + scalarText(value);
}

function entry(key: string, value: unknown, ind: number): string {
  return `${scalarText(key)}:${block(value, ind + 2)}`;
}

/** A sequence item whose first line follows `- ` and whose other lines sit at column `ind`. */
function inlineItem(item: unknown, ind: number): string {
  if (isObj(item) && Object.keys(item).length > 0) {
    return Object.keys(item)
      .map((k, i) => (i === 0 ? '' : `\n${sp(ind)}`) + entry(k, item[k], ind))
      .join('');
  }
  return block(item, ind).replace(/^ /, '');
}

function flow(value: unknown): string {
  if (isObj(value))
    return `{${Object.keys(value)
      .map((k) => `${scalarText(k)}: ${flow(value[k])}`)
      .join(', ')}}`;
  if (Array.isArray(value)) return `[${value.map(flow).join(', ')}]`;
  return scalarText(value);
}

function column(src: string, offset: number): number {
  return offset - (src.lastIndexOf('\n', offset - 1) + 1);
}

function nest(path: Path, value: unknown): unknown {
  let v = value;
  for (let i = path.length - 1; i >= 0; i--) v = { [String(path[i])]: v };
  return v;
}

/** Inserts `key: value` (key may be a path of several keys) into an existing mapping. */
function insertIntoMap(src: string, map: YAMLMap, keys: Path, value: unknown): TextEdit | undefined {
  const first = map.items[0]?.key as Node | undefined;
  const firstRange = first?.range;
  const [k0, ...rest] = keys;
  if (k0 === undefined) return undefined;
  if (map.flow) {
    const text = `${scalarText(String(k0))}: ${flow(nest(rest, value))}`;
    if (firstRange) return { start: firstRange[0], end: firstRange[0], newText: text + ', ' };
    const r = map.range;
    return r ? { start: r[0], end: r[1], newText: `{${text}}` } : undefined;
  }
  if (!firstRange) return undefined;
  const col = column(src, firstRange[0]);
  return { start: firstRange[0], end: firstRange[0], newText: entry(String(k0), nest(rest, value), col) + '\n' + sp(col) };
}

/**
 * Sets the value at `path`: replaces an existing scalar, or creates the missing keys under the
 * deepest mapping that exists. Returns undefined where no clean edit exists (an alias, a sequence index).
 */
export function setValue(doc: Document, src: string, path: Path, value: unknown): TextEdit | undefined {
  const loc = locate(doc, path);
  if (loc.depth === path.length && loc.node) {
    const node = loc.node;
    if (isScalar(node) && node.range) {
      const [s, e] = node.range;
      if (node.value === null && s === e) return { start: s, end: e, newText: block(value, 0).trimStart() };
      if (isObj(value) || Array.isArray(value)) return fillEmpty(src, loc.pair?.key as Node | undefined, s, e, value);
      return { start: s, end: e, newText: scalarText(value) };
    }
    if (isMap(node) && isObj(value)) {
      // Merge key by key: only the first missing key is inserted (fixes set one thing).
      for (const k of Object.keys(value)) return setValue(doc, src, [...path, k], value[k]);
    }
    if ((isMap(node) || isSeq(node)) && node.items.length === 0 && node.range)
      return fillEmpty(src, loc.pair?.key as Node | undefined, node.range[0], node.range[1], value);
    return undefined;
  }
  const rest = path.slice(loc.depth);
  if (rest.some((s) => typeof s !== 'string')) return undefined;
  const deepest = loc.deepest;
  if (isMap(deepest)) return insertIntoMap(src, deepest, rest, value);
  // `key:` with no value, or `key: {}` / `key: []`: write a block under the key.
  if (
    loc.deepestPair &&
    (deepest === loc.deepestPair.key ||
      (isScalar(deepest) && deepest.value === null) ||
      ((isMap(deepest) || isSeq(deepest)) && deepest.items.length === 0))
  ) {
    const keyNode = loc.deepestPair.key as Node;
    const valueNode = loc.deepestPair.value as Node | null;
    const vr = valueNode?.range;
    const s = vr && vr[1] > vr[0] ? vr[0] : (keyNode.range?.[1] ?? 0) + (src[keyNode.range?.[1] ?? 0] === ':' ? 1 : 0);
    const e = vr && vr[1] > vr[0] ? vr[1] : s;
    return fillEmpty(src, keyNode, s, e, nest(rest, value));
  }
  return undefined;
}

function fillEmpty(src: string, key: Node | undefined, start: number, end: number, value: unknown): TextEdit | undefined {
  if (!key?.range) return undefined;
  const col = column(src, key.range[0]);
  const text = block(value, col + 2);
  // Replacing `{}` after "key: " leaves the space; a block must start on its own line.
  const before = src.slice(0, start);
  const trimmed = before.replace(/[ \t]+$/, '');
  return { start: trimmed.length, end, newText: text.startsWith('\n') ? text : ' ' + text.trimStart() };
}

/** Adds `item` to the sequence at `path`, creating the sequence if it is missing. */
export function appendItem(doc: Document, src: string, path: Path, item: unknown): TextEdit | undefined {
  const loc = locate(doc, path);
  const seq = loc.depth === path.length ? loc.node : undefined;
  if (!seq || (isScalar(seq) && seq.value === null)) return setValue(doc, src, path, [item]);
  if (!isSeq(seq)) return undefined;
  const s = seq as YAMLSeq;
  const first = s.items[0] as Node | undefined;
  if (s.flow) {
    if (first?.range) return { start: first.range[0], end: first.range[0], newText: flow(item) + ', ' };
    return s.range ? { start: s.range[0], end: s.range[1], newText: `[${flow(item)}]` } : undefined;
  }
  if (!first?.range) return setValue(doc, src, path, [item]);
  const at = first.range[0];
  let dash = at - 1;
  while (dash >= 0 && (src[dash] === ' ' || src[dash] === '\t')) dash--;
  if (src[dash] !== '-') return undefined;
  const dashCol = column(src, dash);
  const itemCol = column(src, at);
  return { start: at, end: at, newText: inlineItem(item, itemCol) + '\n' + sp(dashCol) + '-' + sp(at - dash - 1) };
}
