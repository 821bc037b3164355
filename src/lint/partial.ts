/**
 * Partial objects: kustomize patches (strategic merge) and Helm templates linted without rendering.
 * They name only the fields they change (a Deployment patch has no selector, a CRD patch no
 * names/scope/versions), so the names and types of the fields they hold are checked, but not the
 * required fields, and only the rules that judge a value written in the file run: a rule that fires
 * on an absent field (no resources, no securityContext, no toleration) would fire on every patch.
 */
import type { RawFinding } from './rules/rule';

/** Rules that look only at values present in the object: right on a part of an object too. */
export const PARTIAL_SAFE_RULES: ReadonlySet<string> = new Set([
  'latest-tag',
  'privileged-container',
  'host-network',
  'host-pid',
  'host-ipc',
  'duplicate-env-var',
  'sensitive-host-mounts',
  'deprecated-service-account-field',
  'ssh-port',
  'env-var-secret',
  'gpu-fractional',
  'isvc-storage-uri',
]);

/** Strategic merge patch directives ($patch: delete, $setElementOrder/..., $retainKeys, ...). */
const DIRECTIVE = /^["']?\$/;

/**
 * Whether a schema or rule finding stands on a partial object: no "missing required field", no
 * unknown-field on a patch directive, only the rules of PARTIAL_SAFE_RULES. `text` is the document.
 */
export function keptOnPartial(f: RawFinding, text: string): boolean {
  if (f.ruleId === 'schema') return !/^Missing required field|^metadata\.name is required/.test(f.message);
  if (f.ruleId === 'unknown-field') return !DIRECTIVE.test(text.slice(f.start, f.end));
  if (f.ruleId === 'yaml-syntax' || f.ruleId === 'unknown-kind') return true;
  return PARTIAL_SAFE_RULES.has(f.ruleId);
}
