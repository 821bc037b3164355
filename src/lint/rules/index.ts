import type { RuleMeta } from '../types';
import { coreRules } from './core';
import { mlRules } from './ml';
import type { Rule } from './rule';

/** Findings that come from the engine itself rather than a rule over the parsed object. */
export const engineRules: RuleMeta[] = [
  {
    id: 'yaml-syntax',
    severity: 'error',
    category: 'syntax',
    description: 'The YAML cannot be parsed (bad indentation, a tab, a duplicate key, an unclosed quote, too many aliases).',
  },
  {
    id: 'schema',
    severity: 'error',
    category: 'schema',
    description:
      "A value has the wrong type or a required field is missing, per the Kubernetes OpenAPI schema (bundled, or the connected cluster's for CRDs).",
  },
  {
    id: 'unknown-field',
    severity: 'error',
    category: 'schema',
    description: 'A field the schema does not know: usually a typo or a field at the wrong level; the API server drops or rejects it.',
  },
  {
    id: 'unknown-kind',
    severity: 'error',
    category: 'schema',
    description:
      'The apiVersion/kind does not exist in the pinned Kubernetes version (removed beta APIs), or the connected cluster has no such CRD.',
  },
  {
    id: 'kubeml-spec',
    severity: 'error',
    category: 'schema',
    description: 'kubeml.yaml (the run spec) has an unknown field, a missing or invalid value (its schema is schemas/kubeml.schema.json).',
  },
  {
    id: 'helm-template',
    severity: 'info',
    category: 'syntax',
    description:
      'A Helm template was linted without rendering (its {{ }} actions masked, values not applied), or a finding of the rendered chart was placed back in its template.',
  },
  {
    id: 'lint-limits',
    severity: 'info',
    category: 'syntax',
    description: 'The file was not (fully) linted: too large, binary, or analysis took too long.',
  },
];

export const allRules: Rule[] = [...coreRules, ...mlRules];

export const ruleMetas: RuleMeta[] = [
  ...engineRules,
  ...allRules.map(({ id, severity, category, description, matches }) => ({ id, severity, category, description, matches })),
];

export function ruleMeta(id: string): RuleMeta | undefined {
  return ruleMetas.find((r) => r.id === id);
}
