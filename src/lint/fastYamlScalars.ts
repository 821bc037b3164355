/**
 * Reading scalars for the lint fast path (fastYaml.ts): YAML 1.1 plain scalars as the `yaml`
 * package resolves them with version 1.1, map keys, one-line quoted scalars. Anything unusual
 * throws FALLBACK, and the fast path leaves the document to `yaml`.
 */
export const FALLBACK = Symbol('fallback');

export function fail(): never {
  throw FALLBACK;
}

const TRUE = /^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/;
const FALSE = /^(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/;
const NULL = /^(?:~|[Nn]ull|NULL)$/;
const INT = /^[-+]?(?:0|[1-9][0-9]*)$/;
const FLOAT = /^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)$/;
const UNIT = /^[0-9]+(?:\.[0-9]+)?[a-zA-Z]+$/;
/** First characters a plain scalar cannot have (indicators), as a table: this runs for every key and value. */
export const BAD_START = new Uint8Array(128);
for (const ch of '&*!|>%@`[]{},#?:\'"') BAD_START[ch.charCodeAt(0)] = 1;
/** Flow indicators: they end a plain scalar inside a flow collection. */
export const FLOW_IND = new Uint8Array(128);
for (const ch of ',[]{}') FLOW_IND[ch.charCodeAt(0)] = 1;
/** Characters `yaml` may read differently (other line breaks, BOM, controls, tabs, lone surrogates; CR only before LF, checked apart): the text goes to `yaml`. */
export const ODD_CHARS = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\ufeff\ud800-\udfff]/;

/** Resolves a plain scalar as YAML 1.1 does, or gives up on anything unusual. */
export function resolvePlain(s: string): unknown {
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
  // `.status.x` (CRD printer columns): a string, unlike the 1.1 floats `.5`, `.inf`, `.nan`.
  if (c === 46 && s.length > 1 && isLetter(s.charCodeAt(1)) && !/^\.(?:inf|Inf|INF|nan|NaN|NAN)$/.test(s)) return s;
  // `^[a-z]+$`, `$(VAR)`, `(a|b)`, `\d`: no 1.1 type starts with these (CRD patterns).
  if (c === 94 || c === 36 || c === 40 || c === 92) return s;
  if ((c === 45 || c === 43 || c === 46) && s.length > 1) {
    const d = s.charCodeAt(1);
    // `- x` is a sequence entry, not a scalar; digits and dots may be numbers.
    if ((d >= 48 && d <= 57) || d === 46 || d === 32 || c === 46) fail();
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

export function plainKey(t: string, p: number, e: number): string {
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

/** Offset after the closing quote of a one-line quoted scalar starting at p. */
export function quotedEnd(t: string, p: number, end: number): number {
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

/** The value of a one-line quoted scalar from p to e (its quotes included); undefined escapes fall back. */
export function unquote(t: string, p: number, e: number): string {
  const inner = t.slice(p + 1, e - 1);
  if (t.charCodeAt(p) === 39) return inner.includes("''") ? inner.replace(/''/g, "'") : inner;
  if (!inner.includes('\\')) return inner;
  return inner.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, ch: string) => {
    if (ch.length === 5) return String.fromCharCode(parseInt(ch.slice(1), 16));
    const map: Record<string, string> = {
      n: '\n',
      t: '\t',
      r: '\r',
      '"': '"',
      '\\': '\\',
      '/': '/',
      '0': '\0',
      b: '\b',
      f: '\f',
      ' ': ' ',
    };
    const out = map[ch];
    if (out === undefined) fail();
    return out;
  });
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
