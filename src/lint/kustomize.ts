/**
 * kustomize: kustomization.yaml (kinds Kustomization and Component) checked against kustomize's own
 * field list (kustomizeFields.ts, generated from its Go types), and the files a kustomization names
 * as patches, which are parts of objects (partial.ts) or JSON6902 operation lists, not objects.
 */
import { basename, dirname, resolve } from 'node:path';
import { isMap, isScalar, isSeq, parseAllDocuments, type Node, type Pair } from 'yaml';
import type { RawFinding } from './rules/rule';
import { closest } from './schema/validator';
import { KUSTOMIZE_FIELDS, KUSTOMIZE_FIELDS_SOURCE } from './kustomizeFields';
import type { ResourceHead } from './workload';

export const KUSTOMIZE_GROUP = 'kustomize.config.k8s.io';
const KINDS: Record<string, string> = { Kustomization: 'v1beta1', Component: 'v1alpha1' };
/** The names kustomize looks for in a folder (konfig.RecognizedKustomizationFileNames). */
export const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export function isKustomizationName(path: string): boolean {
  return KUSTOMIZATION_NAMES.includes(basename(path));
}

export function isKustomizeHead(head: ResourceHead): boolean {
  return head.group === KUSTOMIZE_GROUP && head.kind in KINDS;
}

const TYPE_NAMES: Record<string, string> = { s: 'a string', b: 'a boolean', i: 'an integer', m: 'a mapping', ls: 'a list of strings' };
function describe(code: string): string {
  if (code.startsWith('l:')) return 'a list of mappings';
  if (code.startsWith('o:')) return 'a mapping';
  return TYPE_NAMES[code] ?? code;
}

function span(node: Node | null | undefined, firstOnly = false): { start: number; end: number } {
  const r = node?.range ?? [0, 0, 0];
  return { start: r[0], end: firstOnly ? Math.min(r[1], r[0] + 1) : r[1] };
}

/**
 * Checks a kustomization's fields, and the fields of its list items and objects, against
 * kustomize's Go types (KUSTOMIZE_FIELDS_SOURCE): unknown fields and wrong types.
 */
export function checkKustomization(root: Node | null): RawFinding[] {
  const out: RawFinding[] = [];
  if (!root) return out;
  if (!isMap(root)) {
    out.push({ ruleId: 'schema', message: 'A kustomization is a mapping (resources, patches, images, ...).', ...span(root, true) });
    return out;
  }
  checkObject(root as Node, 'Kustomization', out);
  const kind = (root.items as Pair[]).find((p) => isScalar(p.key) && p.key.value === 'kind');
  const api = (root.items as Pair[]).find((p) => isScalar(p.key) && p.key.value === 'apiVersion');
  const kindValue = isScalar(kind?.value) ? kind.value.value : undefined;
  if (kind && (typeof kindValue !== 'string' || !(kindValue in KINDS)))
    out.push({
      ruleId: 'schema',
      message: `kind of a kustomization is Kustomization or Component, not ${String(kindValue)}.`,
      ...span(kind.value as Node),
    });
  const want = typeof kindValue === 'string' && kindValue in KINDS ? `${KUSTOMIZE_GROUP}/${KINDS[kindValue]}` : undefined;
  const apiValue = isScalar(api?.value) ? api.value.value : undefined;
  if (api && want && apiValue !== want)
    out.push({
      ruleId: 'schema',
      message: `apiVersion of a ${String(kindValue)} is ${want}, not ${String(apiValue)}.`,
      ...span(api.value as Node),
    });
  return out;
}

function checkObject(node: Node, type: string, out: RawFinding[]): void {
  const fields = KUSTOMIZE_FIELDS[type];
  if (!fields || !isMap(node)) return;
  const names = Object.keys(fields);
  for (const pair of node.items as Pair[]) {
    if (!isScalar(pair.key)) continue;
    const key = String(pair.key.value);
    const code = fields[key];
    if (code === undefined) {
      const near = closest(key, names);
      out.push({
        ruleId: 'unknown-field',
        message: `kustomize does not know the field "${key}" in ${type === 'Kustomization' ? 'a kustomization' : type}${near ? `: did you mean "${near}"?` : '.'} (fields of ${KUSTOMIZE_FIELDS_SOURCE.split(' ')[0]})`,
        ...span(pair.key as Node),
      });
      continue;
    }
    checkValue(pair.value as Node | null, code, key, out);
  }
}

function checkValue(value: Node | null, code: string, key: string, out: RawFinding[]): void {
  if (value === null || code === 'any' || (isScalar(value) && value.value === null)) return;
  const wrong = (): void => {
    out.push({ ruleId: 'schema', message: `"${key}" must be ${describe(code)}.`, ...span(value, !isScalar(value)) });
  };
  if (code === 's' || code === 'b' || code === 'i') {
    if (!isScalar(value)) return wrong();
    const v = value.value;
    const ok = code === 's' ? typeof v === 'string' : code === 'b' ? typeof v === 'boolean' : Number.isInteger(v);
    if (!ok) wrong();
    return;
  }
  if (code === 'm') {
    if (!isMap(value)) wrong();
    return;
  }
  if (code.startsWith('o:')) {
    if (!isMap(value)) return wrong();
    checkObject(value, code.slice(2), out);
    return;
  }
  if (!isSeq(value)) return wrong();
  for (const item of value.items as Node[]) {
    if (code === 'ls') {
      if (!isScalar(item) || typeof item.value !== 'string')
        out.push({ ruleId: 'schema', message: `Items of "${key}" must be strings.`, ...span(item, true) });
    } else if (!isMap(item)) out.push({ ruleId: 'schema', message: `Items of "${key}" must be mappings.`, ...span(item, true) });
    else checkObject(item, code.slice(2), out);
  }
}

/** The files a kustomization names as patches, as absolute paths. */
export interface PatchRefs {
  /** Strategic merge patches: parts of objects. patches[].path may also name a JSON6902 file (a list): the engine sees a list then. */
  merge: string[];
  /** patchesJson6902[].path: lists of operations, not objects. */
  json6902: string[];
  /** configMapGenerator / secretGenerator files and envs: data put in a ConfigMap or Secret, not objects. */
  data: string[];
}

/**
 * The patch files a kustomization names, resolved against its folder. Entries commented out under a
 * patch field (the kubebuilder scaffold's "#- manager_webhook_patch.yaml") count too: those files
 * are patches kept for when the line is turned on, never objects of their own.
 */
export function patchRefs(kustomizationPath: string, text: string): PatchRefs {
  const dir = dirname(kustomizationPath);
  const refs: PatchRefs = { merge: [], json6902: [], data: [] };
  const abs = (p: unknown) => (typeof p === 'string' && p && !/^[a-z]+:\/\//i.test(p) && !p.includes('\n') ? resolve(dir, p) : undefined);
  let value: unknown;
  try {
    value = parseAllDocuments(text)[0]?.toJS?.();
  } catch {
    value = undefined;
  }
  const rec = (v: unknown): Record<string, unknown> =>
    v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const k = rec(value);
  for (const p of list(k.patchesStrategicMerge)) push(refs.merge, abs(p));
  for (const p of list(k.patches)) push(refs.merge, abs(rec(p).path));
  for (const p of list(k.patchesJson6902)) push(refs.json6902, abs(rec(p).path));
  for (const g of [...list(k.configMapGenerator), ...list(k.secretGenerator)]) {
    // files: "[key=]path"; envs: paths; env: a path (older kustomize).
    for (const f of list(rec(g).files)) push(refs.data, abs(typeof f === 'string' ? f.slice(f.indexOf('=') + 1) : undefined));
    for (const f of [...list(rec(g).envs), rec(g).env]) push(refs.data, abs(f));
  }
  // Commented-out entries under a patch field.
  let field = '';
  for (const line of text.split('\n')) {
    const top = /^([A-Za-z0-9]+)\s*:/.exec(line);
    if (top) field = top[1]!;
    const commented = /^\s*#\s*-\s*(?:path:\s*)?([\w./-]+\.ya?ml)\s*$/.exec(line);
    if (!commented) continue;
    if (field === 'patchesStrategicMerge' || field === 'patches') push(refs.merge, abs(commented[1]));
    else if (field === 'patchesJson6902') push(refs.json6902, abs(commented[1]));
  }
  return refs;
}

function push(list: string[], p: string | undefined): void {
  if (p && !list.includes(p)) list.push(p);
}
