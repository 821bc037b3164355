/**
 * Redaction of secrets in text that reaches the user or a log: credentials in URLs, passwords,
 * tokens, keys, signatures and private keys. Pure and cheap (a handful of regular expressions);
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
/** Authorization schemes kept in front of the hidden credentials, so a reader still sees which was used. */
const AUTH_SCHEME = /^(?:Bearer|Basic|Digest|Negotiate|Token|AWS4-HMAC-SHA256|SharedKey|SharedAccessSignature)[ \t]+/i;

// key, optional closing quote, separator; then a quoted value, or a plain one.
const KEY_VALUE = new RegExp(
  `(${SECRET_KEY})(["']?[ \\t]*([:=])[ \\t]*)("(?:[^"\\\\\\r\\n]|\\\\.)*"|'(?:[^'\\\\\\r\\n]|\\\\.)*'|[^\\s"'][^\\r\\n]*)`,
  'gi',
);
// `--password value` / `--token value` on a command line.
const FLAG_VALUE = new RegExp(`(--[a-z0-9-]*(?:${SECRET_KEY}))([ \\t]+)(?!-)([^\\s"']+|"[^"]*"|'[^']*')`, 'gi');
// `password: |` (or `>-`, `|2+` ...), then the block's more-indented lines.
const BLOCK_KEY = new RegExp(`^([ \\t]*(?:-[ \\t]+)?)(["']?[a-z0-9_.-]*(?:${SECRET_KEY})["']?[ \\t]*:[ \\t]*)[|>][-+0-9]*[ \\t]*(?:#.*)?$`, 'i');

/** What ends a plain (unquoted) value that cannot hold spaces. */
const PLAIN_END = /[\s"'&;,<>(){}[\]]/;
/** What ends a plain value after `=` for a key whose value may hold most characters. */
const PHRASE_EQ_END = /[\s"'&;<>]/;
/** What ends a plain value after `key:` that may hold spaces: a closing quote, or the end of the line. */
const PHRASE_COLON_END = /["'](?=[\s,;)}\]]|$)/;

/** A plain value split into what is hidden (with an authorization scheme kept in front) and the text after it. */
function hidePlain(key: string, sep: string, value: string): { hidden: string; rest: string } {
  const phrase = PHRASE_KEY.test(key);
  const scheme = AUTH_SCHEME.exec(value)?.[0] ?? '';
  const tail = value.slice(scheme.length);
  const end = tail.search(phrase ? (sep === ':' ? PHRASE_COLON_END : PHRASE_EQ_END) : PLAIN_END);
  const secret = end < 0 ? tail : tail.slice(0, end);
  const rest = tail.slice(secret.length);
  if (secret === '' || secret === R) return { hidden: `${scheme}${secret}`, rest };
  return { hidden: `${scheme}${R}`, rest };
}

function redactKeyValues(text: string): string {
  return text.replace(KEY_VALUE, (_m, key: string, sep: string, op: string, value: string) => {
    const q = value[0];
    if (q === '"' || q === "'") return `${key}${sep}${q}${AUTH_SCHEME.exec(value.slice(1))?.[0] ?? ''}${R}${q}`;
    const { hidden, rest } = hidePlain(key, op, value);
    // The plain value was matched to the end of its line: look for more keys after it.
    return `${key}${sep}${hidden}${redactKeyValues(rest)}`;
  });
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
