/**
 * Suppression comments, eslint-style:
 *   # kubeml-lint-disable-file [rule-id, ...]       the whole file
 *   # kubeml-lint-disable [rule-id, ...]            from this line to the end of the YAML document (or a kubeml-lint-enable)
 *   # kubeml-lint-enable [rule-id, ...]
 *   # kubeml-lint-disable-line [rule-id, ...]       this line
 *   # kubeml-lint-disable-next-line [rule-id, ...]  the next line
 * No rule id means every rule. Text after " -- " is a reason and ignored.
 * Also the annotation `kubeml.io/lint-disable: "rule-a,rule-b"` (or "all") on a resource.
 */
const DIRECTIVE = /(?:^|[ \t])#[ \t]*kubeml-lint-(disable-file|disable-next-line|disable-line|disable|enable)\b([^\n]*)/gm;

export type RuleSet = ReadonlySet<string> | 'all';

function parseIds(rest: string): RuleSet {
  const body = rest.split(' -- ')[0]!.trim();
  if (!body) return 'all';
  const ids = body.split(/[\s,]+/).filter(Boolean);
  return ids.length ? new Set(ids) : 'all';
}

function has(set: RuleSet | undefined, id: string): boolean {
  return set === 'all' || (set !== undefined && set.has(id));
}

export function fileSuppressions(text: string): RuleSet | undefined {
  if (!text.includes('kubeml-lint-disable-file')) return undefined;
  const ids = new Set<string>();
  for (const m of text.matchAll(DIRECTIVE)) {
    if (m[1] !== 'disable-file') continue;
    const set = parseIds(m[2]!);
    if (set === 'all') return 'all';
    set.forEach((id) => ids.add(id));
  }
  return ids.size ? ids : undefined;
}

interface Range {
  from: number;
  to: number;
  ids: RuleSet;
}

/** Suppressions of one YAML document, by 0-based line within the document's text. */
export class ChunkSuppressions {
  private readonly ranges: Range[] = [];
  private constructor() {}

  static readonly none = new ChunkSuppressions();

  static parse(text: string): ChunkSuppressions {
    if (!text.includes('kubeml-lint-')) return ChunkSuppressions.none;
    const s = new ChunkSuppressions();
    const open: Array<{ from: number; ids: RuleSet }> = [];
    const lineOf = (offset: number) => {
      let n = 0;
      for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) n++;
      return n;
    };
    for (const m of text.matchAll(DIRECTIVE)) {
      const line = lineOf(m.index!);
      const ids = parseIds(m[2]!);
      switch (m[1]) {
        case 'disable-line':
          s.ranges.push({ from: line, to: line, ids });
          break;
        case 'disable-next-line':
          s.ranges.push({ from: line + 1, to: line + 1, ids });
          break;
        case 'disable':
          open.push({ from: line, ids });
          break;
        case 'enable': {
          for (let i = open.length - 1; i >= 0; i--) {
            const o = open[i]!;
            if (ids === 'all' || o.ids === 'all' || [...ids].some((id) => has(o.ids, id))) {
              s.ranges.push({ from: o.from, to: line, ids: o.ids });
              open.splice(i, 1);
            }
          }
          break;
        }
        default:
          break;
      }
    }
    for (const o of open) s.ranges.push({ from: o.from, to: Number.MAX_SAFE_INTEGER, ids: o.ids });
    return s;
  }

  suppressed(ruleId: string, line: number): boolean {
    for (const r of this.ranges) if (line >= r.from && line <= r.to && has(r.ids, ruleId)) return true;
    return false;
  }
}

export function annotationSuppressions(value: unknown): RuleSet | undefined {
  const a = (value as { metadata?: { annotations?: Record<string, unknown> } } | undefined)?.metadata?.annotations;
  const v = a && typeof a === 'object' ? a['kubeml.io/lint-disable'] : undefined;
  if (typeof v !== 'string') return undefined;
  return v.trim() === 'all' ? 'all' : parseIds(v);
}

export function isSuppressed(set: RuleSet | undefined, id: string): boolean {
  return has(set, id);
}
