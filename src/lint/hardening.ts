/**
 * Hardening findings folded for the editor: on a fifteen-line Job the security-context,
 * resource-limit and Job clean-up suggestions outnumber what stops the job from running. With
 * `kubeml.lint.hardening: fold` (the default) the editor shows errors and the ML, reliability and
 * schema findings, and one information per file that counts the folded ones and offers to show or
 * turn them off for the workspace. Errors are never folded. Pure; the CLI shows everything.
 */
import { ruleMeta } from './rules';
import type { Finding } from './types';

export type HardeningMode = 'fold' | 'show' | 'off';
export const HARDENING_MODES: readonly HardeningMode[] = ['fold', 'show', 'off'];
/** The rule id of the one summary finding. */
export const HARDENING_RULE = 'hardening';

/** Job housekeeping: what a finished or failing Job leaves behind, not whether it runs. */
const HOUSEKEEPING = new Set(['job-ttl', 'job-backoff-limit']);

/** Is this finding a hardening suggestion (a security, resources or Job housekeeping rule below error)? */
export function isHardening(f: Finding): boolean {
  if (f.severity === 'error') return false;
  if (HOUSEKEEPING.has(f.ruleId)) return true;
  const category = ruleMeta(f.ruleId)?.category;
  return category === 'security' || category === 'resources';
}

const categoryWords = (ruleId: string) =>
  HOUSEKEEPING.has(ruleId)
    ? 'Job clean-up'
    : ({ security: 'security context', resources: 'resource requests and limits' } as Record<string, string>)[
        ruleMeta(ruleId)?.category ?? ''
      ];

/**
 * What the editor shows: `show` everything; `off` all but the hardening findings; `fold` the same
 * plus one information at the first folded finding that says how many were folded and of which rules.
 */
export function foldHardening(findings: readonly Finding[], mode: HardeningMode): { shown: Finding[]; folded: Finding[] } {
  if (mode === 'show') return { shown: [...findings], folded: [] };
  const shown: Finding[] = [];
  const folded: Finding[] = [];
  for (const f of findings) (isHardening(f) ? folded : shown).push(f);
  if (mode === 'off' || !folded.length) return { shown, folded };
  const first = folded.reduce((a, b) => (b.start < a.start ? b : a));
  const categories = [...new Set(folded.map((f) => categoryWords(f.ruleId) ?? f.ruleId))];
  const rules = [...new Set(folded.map((f) => f.ruleId))].sort();
  const summary: Finding = {
    ruleId: HARDENING_RULE,
    severity: 'info',
    message:
      `${folded.length} hardening suggestion${folded.length === 1 ? '' : 's'} folded (${categories.join(', ')}: ${rules.join(', ')}). ` +
      'They do not stop the job from running; show them or turn them off for this workspace from the quick fixes (kubeml.lint.hardening).',
    start: first.start,
    end: first.end,
    startPos: first.startPos,
    endPos: first.endPos,
    docIndex: first.docIndex,
  };
  return { shown: [...shown, summary].sort((a, b) => a.start - b.start || rank(a) - rank(b)), folded };
}

const RANK: Record<string, number> = { error: 0, warning: 1, info: 2, hint: 3 };
const rank = (f: Finding) => RANK[f.severity] ?? 4;
