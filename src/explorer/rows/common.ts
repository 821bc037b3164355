/**
 * Row models: what a tree item shows, computed from Kubernetes objects by pure functions.
 * The skin (views.ts) turns a Row into a vscode.TreeItem one to one.
 */
import { type KubeObject } from '../../cluster/read/informerState';

export interface Row {
  label: string;
  description?: string;
  /** Markdown. */
  tooltip?: string;
  /** A codicon id and an optional theme color id. */
  icon?: { id: string; color?: string };
  /** Drives `view/item/context` menus: dotted words, e.g. `kubeml.job.batch.running`. */
  contextValue: string;
  collapsible: 'none' | 'collapsed' | 'expanded';
  /**
   * Part of the tree item's id besides the node's: VS Code remembers an item's expansion by id, so a
   * row whose default expansion should apply again (an empty group that fills) changes it.
   */
  idVariant?: string;
  /** Run on click (error rows: Retry). */
  command?: { id: string; title: string; args?: unknown[] };
}

export type Containers = ReadonlyArray<{
  name: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}>;

export interface PodSpecLike {
  nodeName?: string;
  containers?: Containers;
  initContainers?: Containers;
  volumes?: Array<{ name: string; persistentVolumeClaim?: { claimName: string } }>;
}

export const GPU_RESOURCE = 'nvidia.com/gpu';

/** Parses an integer-ish quantity ("4", "2k" is not used for GPUs); anything else counts as 0. */
export function intQuantity(q: string | number | undefined): number {
  if (q === undefined) return 0;
  const n = typeof q === 'number' ? q : Number.parseFloat(q);
  return Number.isFinite(n) ? n : 0;
}

/** A container's request for a resource: requests win, limits imply requests for extended resources. */
export function containerRequest(c: Containers[number], resource: string): number {
  return intQuantity(c.resources?.requests?.[resource] ?? c.resources?.limits?.[resource]);
}

/** What the scheduler counts for a pod: max(sum of containers, largest init container). */
export function podSpecRequest(spec: PodSpecLike | undefined, resource = GPU_RESOURCE): number {
  if (!spec) return 0;
  const sum = (spec.containers ?? []).reduce((n, c) => n + containerRequest(c, resource), 0);
  const init = Math.max(0, ...(spec.initContainers ?? []).map((c) => containerRequest(c, resource)));
  return Math.max(sum, init);
}

/** "45s", "12m", "3h", "6d" from milliseconds. */
export function shortDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  return `${Math.floor(h / 24)}d`;
}

export function age(ts: string | undefined, now: number): string | undefined {
  if (!ts) return undefined;
  const t = Date.parse(ts);
  return Number.isFinite(t) ? shortDuration(now - t) : undefined;
}

export function condition(
  obj: { status?: unknown },
  type: string,
): { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string } | undefined {
  const conds = (
    obj.status as
      { conditions?: Array<{ type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }> } | undefined
  )?.conditions;
  return conds?.find((c) => c.type === type);
}

export function isTrue(obj: { status?: unknown }, type: string): boolean {
  return condition(obj, type)?.status === 'True';
}

/** Escapes text for a Markdown tooltip. */
export function md(text: string | number | undefined): string {
  return String(text ?? '').replace(/([\\`*_{}[\]()#+\-.!|<>])/g, '\\$1');
}

export function tooltipTable(title: string, rows: Array<[string, string | number | undefined]>): string {
  const lines = rows.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `| ${md(k)} | ${md(v)} |`);
  return `**${md(title)}**\n\n| | |\n|---|---|\n${lines.join('\n')}`;
}

/** Case-insensitive substring filter on a name ("" matches everything). */
export function matchesFilter(name: string, filter: string | undefined): boolean {
  return !filter || name.toLowerCase().includes(filter.toLowerCase());
}

/** Every PVC claim name referenced anywhere below `value` (pod specs, job templates, CRD replica specs). */
export function claimNamesIn(value: unknown, out = new Set<string>(), depth = 0): Set<string> {
  if (depth > 12 || value === null || typeof value !== 'object') return out;
  if (Array.isArray(value)) {
    for (const v of value) claimNamesIn(v, out, depth + 1);
    return out;
  }
  const rec = value as Record<string, unknown>;
  const pvc = rec.persistentVolumeClaim as { claimName?: unknown } | undefined;
  if (pvc && typeof pvc.claimName === 'string') out.add(pvc.claimName);
  for (const [k, v] of Object.entries(rec)) {
    if (k !== 'persistentVolumeClaim' && k !== 'status' && k !== 'metadata') claimNamesIn(v, out, depth + 1);
  }
  return out;
}

/** Pods that are done no longer hold resources. */
export function podTerminated(pod: KubeObject): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}
