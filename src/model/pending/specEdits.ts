/**
 * What a "Why pending?" action changes in kubeml.yaml: the new text of the file for each action that
 * kubeml.yaml can express (resources.gpus, resources.tolerateGpuTaint, resources.gpuProduct, queue),
 * edited through the yaml package's Document API so that comments and the rest of the layout stay.
 * Pure: the skin applies the result as a WorkspaceEdit and reveals it (never saves silently).
 */
import { isMap, isScalar, parseDocument, stringify } from 'yaml';
import type { PendingAction } from './types';

/** The taint GPU nodes carry; kubeml.yaml tolerates it with resources.tolerateGpuTaint. */
export const GPU_TAINT_KEY = 'nvidia.com/gpu';
/** The node label kubeml.yaml selects with resources.gpuProduct. */
export const GPU_PRODUCT_LABEL = 'nvidia.com/gpu.product';

export type SpecEdit =
  | {
      ok: true;
      /** The whole new text of kubeml.yaml. */
      text: string;
      /** The key set (for example ["resources", "gpus"]) and its new value. */
      path: string[];
      value: string | number | boolean;
      /** 0-based line of the changed key in the new text (where the editor reveals it). */
      line: number;
    }
  | { ok: false; reason: string };

/** The key and value of kubeml.yaml an action sets; a reason when kubeml.yaml cannot say it. */
export function specChange(action: PendingAction): { path: string[]; value: string | number | boolean } | { reason: string } {
  switch (action.kind) {
    case 'setGpus':
      return { path: ['resources', 'gpus'], value: action.gpus };
    case 'switchQueue':
      return { path: ['queue'], value: action.queue };
    case 'addToleration':
      if (action.key === GPU_TAINT_KEY) return { path: ['resources', 'tolerateGpuTaint'], value: true };
      return {
        reason: `kubeml.yaml can tolerate only the ${GPU_TAINT_KEY} taint (resources.tolerateGpuTaint); add a toleration of ${action.key} to the pod template instead.`,
      };
    case 'setNodeSelector':
      if (action.key === GPU_PRODUCT_LABEL) return { path: ['resources', 'gpuProduct'], value: action.to };
      return {
        reason: `kubeml.yaml selects nodes only by ${GPU_PRODUCT_LABEL} (resources.gpuProduct); change the node selector ${action.key} in the pod template instead.`,
      };
    case 'showBlockingWorkloads':
    case 'createClaim':
      return { reason: `${action.kind} does not change kubeml.yaml.` };
  }
}

function keyOf(p: unknown): unknown {
  return (p as { key?: { value?: unknown } | null }).key?.value;
}

function lineAt(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length - 1;
}

/** After the line holding `offset` (the offset of the next line's start). */
function endOfLine(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  return nl < 0 ? text.length : nl + 1;
}

/** The block of text a key and its value make at `indent` spaces (nested keys below it). */
function block(path: string[], value: string | number | boolean, indent: number): string {
  return path
    .map((k, i) => ' '.repeat(indent + 2 * i) + k + ':' + (i === path.length - 1 ? ' ' + stringify(value).trimEnd() : '') + '\n')
    .join('');
}

/**
 * The new kubeml.yaml text for an action: only the changed value is rewritten (or the missing key inserted
 * after its mapping's last entry), so comments, order, quoting and line widths elsewhere stay as they were.
 */
export function applySpecEdit(text: string, action: PendingAction): SpecEdit {
  const change = specChange(action);
  if ('reason' in change) return { ok: false, reason: change.reason };
  const { path, value } = change;
  const doc = parseDocument(text);
  if (doc.errors.length)
    return { ok: false, reason: `kubeml.yaml does not parse (${doc.errors[0]!.message.split('\n')[0]}); fix it first.` };
  if (doc.contents !== null && !isMap(doc.contents)) return { ok: false, reason: 'kubeml.yaml is not a mapping; fix it first.' };
  // The deepest existing mapping on the path, and the first key missing below it.
  let map = doc.contents;
  let depth = 0;
  while (map && depth < path.length - 1) {
    const next = map.items.find((p) => keyOf(p) === path[depth])?.value;
    if (next === undefined || next === null) break;
    if (!isMap(next))
      return { ok: false, reason: `"${path.slice(0, depth + 1).join('.')}" in kubeml.yaml is not a mapping; fix it first.` };
    map = next;
    depth++;
  }
  let out: string;
  let line: number;
  const pair = depth === path.length - 1 ? map?.items.find((p) => keyOf(p) === path[depth]) : undefined;
  if (pair && isScalar(pair.value) && pair.value.range) {
    // The key is there: replace its value only (its comment stays).
    const [from, to] = pair.value.range;
    out = text.slice(0, from) + stringify(value).trimEnd() + text.slice(to);
    line = lineAt(text, from);
  } else if (pair) {
    return { ok: false, reason: `"${path.join('.')}" in kubeml.yaml is not a plain value; set it to ${String(value)} by hand.` };
  } else if (map && map.flow) {
    return {
      ok: false,
      reason: `"${path.slice(0, depth).join('.')}" in kubeml.yaml is a flow mapping ({ ... }); add ${path.slice(depth).join('.')}: ${String(value)} by hand.`,
    };
  } else {
    // Insert the missing keys after the last entry of the deepest mapping there (or at the end of the file).
    const last = map?.items[map.items.length - 1];
    const firstKey = map?.items[0]?.key as { range?: [number, number, number] } | undefined;
    const indent = firstKey?.range ? firstKey.range[0] - text.lastIndexOf('\n', firstKey.range[0] - 1) - 1 : 0;
    const lastEnd =
      (last?.value as { range?: [number, number, number] } | null)?.range?.[1] ??
      (last?.key as { range?: [number, number, number] })?.range?.[1];
    let at = lastEnd !== undefined ? endOfLine(text, lastEnd > 0 ? lastEnd - 1 : 0) : text.length;
    if (depth === 0) at = text.length;
    const prefix = at > 0 && text[at - 1] !== '\n' ? '\n' : '';
    out = text.slice(0, at) + prefix + block(path.slice(depth), value, depth === 0 ? 0 : indent) + text.slice(at);
    line = lineAt(out, at + prefix.length) + (path.length - 1 - depth);
  }
  // What a reader of kubeml.yaml sees now: the value at the path, or no edit at all.
  const check = parseDocument(out);
  if (check.errors.length || check.getIn(path) !== value)
    return {
      ok: false,
      reason: `KubeML could not set ${path.join('.')} in kubeml.yaml without breaking it; set it to ${String(value)} by hand.`,
    };
  return { ok: true, text: out, path, value, line };
}
