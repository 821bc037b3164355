/**
 * Expands a VS Code snippet body the way accepting every default does: `${1:x}` -> x,
 * `${1|a,b|}` -> a, `$1` / `${1}` -> the default given elsewhere for that tab stop (or ''),
 * `\$` -> `$`. Used to check that the snippets produce manifests with zero findings.
 */
export function expandSnippet(body: string | string[]): string {
  const text = Array.isArray(body) ? body.join('\n') : body;
  const defaults = new Map<string, string>();
  // First pass: learn each tab stop's default (the first one given wins, as in VS Code).
  const learn = (s: string) => {
    for (const m of s.matchAll(/\$\{(\d+):((?:[^{}]|\{[^{}]*\})*)\}|\$\{(\d+)\|([^|]*)\|\}/g)) {
      if (m[1] !== undefined && !defaults.has(m[1])) defaults.set(m[1], m[2]!);
      if (m[3] !== undefined && !defaults.has(m[3])) defaults.set(m[3], m[4]!.split(',')[0]!);
    }
  };
  learn(text);
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && (text[i + 1] === '$' || text[i + 1] === '}' || text[i + 1] === '\\')) {
      out += text[++i];
      continue;
    }
    if (ch !== '$') {
      out += ch;
      continue;
    }
    const simple = /^\$(\d+)/.exec(text.slice(i));
    if (simple) {
      out += defaults.get(simple[1]!) ?? '';
      i += simple[0].length - 1;
      continue;
    }
    if (text[i + 1] === '{') {
      // Find the matching brace (defaults may nest placeholders).
      let depth = 0;
      let j = i + 1;
      for (; j < text.length; j++) {
        if (text[j] === '{') depth++;
        else if (text[j] === '}' && --depth === 0) break;
      }
      const inner = text.slice(i + 2, j);
      const m = /^(\d+)(?::([\s\S]*)|\|([^|]*)\|)?$/.exec(inner);
      if (m) out += m[2] !== undefined ? expandSnippet(m[2]) : m[3] !== undefined ? m[3].split(',')[0]! : (defaults.get(m[1]!) ?? '');
      else out += '';
      i = j;
      continue;
    }
    out += ch;
  }
  return out;
}
