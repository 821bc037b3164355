/**
 * Label and field selectors as the API server reads them, for filtering a cache the way a
 * selector-scoped list or watch would. Pure.
 * Label selectors: `k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)`, `k notin (a,b)`, joined by commas.
 * Field selectors: `path=v`, `path==v`, `path!=v` over dotted paths (metadata.name, involvedObject.name...).
 */

type Requirement = (labels: Readonly<Record<string, string>>) => boolean;

/** Splits on the commas that are not inside parentheses. */
function terms(selector: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((t) => t.trim()).filter(Boolean);
}

/** Parses a label selector; throws on syntax the API server would refuse. */
export function parseLabelSelector(selector: string): Requirement[] {
  return terms(selector).map((t): Requirement => {
    let m = /^(\S+?)\s+(in|notin)\s+\(([^)]*)\)$/.exec(t);
    if (m) {
      const [, key, op, list] = m;
      const values = new Set(list!.split(',').map((v) => v.trim()));
      return op === 'in' ? (l) => key! in l && values.has(l[key!]!) : (l) => !(key! in l) || !values.has(l[key!]!);
    }
    m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(t);
    if (m) {
      const [, key, op, value] = m;
      return op === '!=' ? (l) => l[key!] !== value : (l) => l[key!] === value;
    }
    m = /^(!?)([^=!\s()]+)$/.exec(t);
    if (m) return m[1] ? (l) => !(m![2]! in l) : (l) => m![2]! in l;
    throw new Error(`invalid label selector term "${t}"`);
  });
}

export function matchesLabelSelector(labels: Readonly<Record<string, string>> | undefined, selector: string | undefined): boolean {
  if (!selector) return true;
  const l = labels ?? {};
  return parseLabelSelector(selector).every((r) => r(l));
}

function lookup(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur === undefined || cur === null ? '' : String(cur);
}

export function matchesFieldSelector(obj: unknown, selector: string | undefined): boolean {
  if (!selector) return true;
  return terms(selector).every((t) => {
    const m = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(t);
    if (!m) throw new Error(`invalid field selector term "${t}"`);
    const v = lookup(obj, m[1]!);
    return m[2] === '!=' ? v !== m[3] : v === m[3];
  });
}
