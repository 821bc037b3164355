/**
 * Redaction of secrets in text that reaches the user or a log: credentials in URLs, passwords,
 * tokens, keys, signatures and private keys. Pure, and linear in the text's length;
 * every log line, error message and notification goes through `redact()`, and every URL shown
 * to the user through `safeUrl()`. Over-redacting is preferred to leaking: a value after
 * `password:` is hidden to the end of its line.
 */

const R = '<redacted>';

/**
 * Key names whose value is a secret. A key matches when its name ends with one of these
 * (`client-secret`, `AWS_SECRET_ACCESS_KEY`, `x-amz-security-token`, `refreshToken`), case-insensitive.
 */
const SECRET_KEY = [
  'passwd',
  'password',
  'passphrase',
  '(?<![a-z])pwd',
  'secret',
  'secret[-_]?(?:access[-_]?)?key',
  '(?:shared[-_]?)?access[-_]?key',
  'account[-_]?key',
  'private[-_]?key',
  'api[-_]?key',
  'token',
  'key[-_]?data',
  'certificate[-_]?data',
  'signature',
  '(?<![a-z])sig',
  'credential',
  'authorization',
  'cookie',
].join('|');

/** Keys whose value may hold spaces: after `key:` it is hidden to the end of the line. */
const PHRASE_KEY = /(?:passwd|password|passphrase|pwd|authorization|cookie)$/i;

// key, optional closing quote, separator; the value after it is read by redactKeyValues.
const KEY_SEP = new RegExp(`(${SECRET_KEY})["']?[ \\t]*([:=])[ \\t]*`, 'gi');
// `--password value` / `--token value` on a command line.
const FLAG_VALUE = new RegExp(`((?<![\\w-])--[a-z0-9][a-z0-9-]*?(?:${SECRET_KEY}))([ \\t]+)(?!-)([^\\s"']+|"[^"]*"|'[^']*')`, 'gi');
// `password: |` (or `>-`, `|2+` ...), then the block's more-indented lines.
const BLOCK_KEY = new RegExp(
  `^([ \\t]*(?:-[ \\t]+)?)(["']?[a-z0-9_.-]*(?:${SECRET_KEY})["']?[ \\t]*:[ \\t]*)[|>][-+0-9]*[ \\t]*(?:#.*)?$`,
  'i',
);

/** Authorization schemes kept in front of the hidden credentials, so a reader still sees which was used. */
const AUTH_SCHEME_AT = /(?:Bearer|Basic|Digest|Negotiate|Token|AWS4-HMAC-SHA256|SharedKey|SharedAccessSignature)[ \t]+/iy;
/** A plain (unquoted) value that cannot hold spaces. */
const PLAIN_RUN = /[^\s"'&;,<>(){}[\]]*/y;
/** A plain value after `password=`: may hold most characters, not a space or a query-string separator. */
const PHRASE_EQ_RUN = /[^\s"'&;<>]*/y;
/** A plain value after `password:`: may hold spaces; ends at the end of its line or at a closing quote. */
const PHRASE_COLON_RUN = /(?:[^"'\r\n]|["'](?![\s,;)}\]]|$))*/y;

/** Reads `re` (sticky) at `at` and returns where its match ends. */
function runEnd(re: RegExp, text: string, at: number): number {
  re.lastIndex = at;
  return re.exec(text) ? re.lastIndex : at;
}

/** The end of a quoted value that starts at `start` (the index after its closing quote), or -1. */
function quotedEnd(text: string, start: number): number {
  const q = text[start];
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === q) return i + 1;
    else if (c === '\n' || c === '\r') return -1;
  }
  return -1;
}

/**
 * Hides the value after every secret key, in one pass that reads each character a bounded number
 * of times (a line can hold many keys: a query string, a connection string, a dump of headers).
 */
function redactKeyValues(text: string): string {
  let out = '';
  let last = 0;
  KEY_SEP.lastIndex = 0;
  for (let m = KEY_SEP.exec(text); m; m = KEY_SEP.exec(text)) {
    const start = m.index + m[0].length;
    const c = text[start];
    if (c === undefined || /\s/.test(c)) continue;
    let from = start;
    let to: number;
    let quote = '';
    if (c === '"' || c === "'") {
      const end = quotedEnd(text, start);
      if (end < 0) continue;
      quote = c;
      from = runEnd(AUTH_SCHEME_AT, text, start + 1);
      to = end - 1;
    } else {
      from = runEnd(AUTH_SCHEME_AT, text, start);
      const phrase = PHRASE_KEY.test(m[1]!);
      to = runEnd(phrase ? (m[2] === ':' ? PHRASE_COLON_RUN : PHRASE_EQ_RUN) : PLAIN_RUN, text, from);
    }
    const secret = text.slice(from, to);
    if (secret !== '' && secret !== R) {
      out += `${text.slice(last, from)}${R}`;
      last = to;
    }
    KEY_SEP.lastIndex = Math.max(to + quote.length, KEY_SEP.lastIndex);
  }
  return out + text.slice(last);
}

/** YAML block scalars under a secret key: the indicator line becomes `key: <redacted>`, the block goes. */
function redactBlocks(text: string): string {
  if (!/:[ \t]*[|>]/.test(text)) return text;
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = BLOCK_KEY.exec(line.replace(/\r$/, ''));
    if (!m) {
      out.push(line);
      continue;
    }
    out.push(`${m[1]}${m[2]}${R}`);
    const keyColumn = m[1]!.length;
    while (i + 1 < lines.length) {
      const next = lines[i + 1]!;
      const indent = /^[ \t]*/.exec(next)![0].length;
      if (next.trim() !== '' && indent <= keyColumn) break;
      i++;
    }
  }
  return out.join('\n');
}

const PATTERNS: ReadonlyArray<readonly [RegExp, string | ((...m: string[]) => string)]> = [
  // PEM private keys (RSA, EC, PKCS#8, OpenSSH, encrypted), also with escaped newlines or cut short.
  [
    /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----(?:[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----|(?:[A-Za-z0-9+/=:,\s-]|\\[rn])*)/g,
    (_m, kind) => `-----BEGIN ${kind}PRIVATE KEY-----${R}-----END ${kind}PRIVATE KEY-----`,
  ],
  // PEM in base64 (kubeconfig *-data fields): "-----BEGIN" encodes as LS0tLS1CRUdJTi.
  [/LS0tLS1CRUdJTi[A-Za-z0-9+/]*={0,2}/g, R],
  // User info in URLs: scheme://user:password@host (the password may hold an unescaped @).
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#"'<>]+@/gi, `$1${R}@`],
  // JWTs anywhere (header.payload.signature, the signature may be empty).
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, R],
  // A bearer token without a key in front ("with bearer abc123..."): long and holding a digit.
  [/\b(bearer[ \t]+)(?=[A-Za-z0-9._~+/=:-]*\d)[A-Za-z0-9._~+/=:-]{12,}/gi, `$1${R}`],
  // AWS access key ids.
  [/(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA)[A-Z0-9]{16}(?![A-Z0-9])/g, R],
  // Google API keys.
  [/\bAIza[0-9A-Za-z_-]{35}/g, R],
];

/** The text with every secret it recognises replaced by `<redacted>`; idempotent. */
export function redact(text: string): string {
  let out = text;
  for (const [re, replacement] of PATTERNS) {
    out = out.replace(re, replacement as string);
  }
  out = redactBlocks(out);
  out = out.replace(FLAG_VALUE, (m, flag: string, gap: string, value: string) => (value === R ? m : `${flag}${gap}${R}`));
  return redactKeyValues(out);
}

/**
 * A URL as it may be shown: without its user info (user name and password) and with secret
 * query parameters (sig, X-Amz-Signature, token, ...) hidden. Works on anything, parseable or not.
 */
export function safeUrl(url: string): string {
  return redact(url.replace(/^(\s*[a-z][a-z0-9+.-]*:\/\/)[^\s/?#"'<>]+@/i, '$1'));
}
