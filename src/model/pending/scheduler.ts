/**
 * The scheduler's side of a pending pod: its FailedScheduling message parsed the way kube-scheduler
 * assembles it (k8s.io/kubernetes v1.33 pkg/scheduler/framework/types.go FitError.Error:
 * "0/N nodes are available: <PreFilter message>. | <count reason, ...>. preemption: ..."), each reason
 * classified by the plugin that writes it, and compared with the nodes to say what to change.
 */
import { amount, GPU_RESOURCES, podRequests, show } from './quantity';
import type { ClaimLike, NodeLike, NodeSelectorRequirement, PendingAction, PodLike, ResourceMap, Taint, Toleration } from './types';

export type SchedulerReason =
  | { kind: 'insufficient'; nodes: number; text: string; resource: string }
  | { kind: 'taint'; nodes: number; text: string; key: string; value: string }
  | { kind: 'selector'; nodes: number; text: string }
  | { kind: 'unboundClaims'; nodes: number; text: string }
  | { kind: 'claimMissing'; nodes: number; text: string; claim: string }
  | { kind: 'unschedulable'; nodes: number; text: string }
  | { kind: 'other'; nodes: number; text: string };

export interface FitMessage {
  total: number;
  reasons: SchedulerReason[];
  /** The PostFilter part ("preemption: ..."), kept as the scheduler wrote it. */
  preemption?: string;
}

function classify(nodes: number, text: string): SchedulerReason {
  let m: RegExpExecArray | null;
  if ((m = /^Insufficient (\S+)$/.exec(text))) return { kind: 'insufficient', nodes, text, resource: m[1]! };
  if ((m = /^node\(s\) had untolerated taint \{(.*?): (.*)\}$/.exec(text))) return { kind: 'taint', nodes, text, key: m[1]!, value: m[2]! };
  if (text === "node(s) didn't match Pod's node affinity/selector") return { kind: 'selector', nodes, text };
  if (text === 'pod has unbound immediate PersistentVolumeClaims') return { kind: 'unboundClaims', nodes, text };
  if ((m = /^persistentvolumeclaim "([^"]+)" not found$/.exec(text))) return { kind: 'claimMissing', nodes, text, claim: m[1]! };
  if (text === 'node(s) were unschedulable') return { kind: 'unschedulable', nodes, text };
  return { kind: 'other', nodes, text };
}

/** Parses a FailedScheduling message; undefined when it is not in the scheduler's "0/N nodes are available" form. */
export function parseFitMessage(message: string): FitMessage | undefined {
  const head = /^0\/(\d+) nodes are available:\s*/.exec(message);
  if (!head) return undefined;
  const total = Number(head[1]);
  let rest = message.slice(head[0].length);
  let preemption: string | undefined;
  const p = rest.indexOf(' preemption: ');
  if (p >= 0) {
    preemption = rest.slice(p + 1);
    rest = rest.slice(0, p);
  }
  rest = rest.replace(/\.\s*$/, '');
  const reasons: SchedulerReason[] = [];
  // Filter reasons are "<count> <reason>" joined by ", " (sorted as strings); a PreFilter message has no count
  // and stands for every node.
  if (!/^\d+ /.test(rest)) reasons.push(classify(total, rest));
  else
    for (const part of rest.split(/, (?=\d+ )/)) {
      const m = /^(\d+) ([^]*)$/.exec(part.trim());
      if (m) reasons.push(classify(Number(m[1]), m[2]!));
    }
  return { total, reasons, ...(preemption ? { preemption } : {}) };
}

function tolerates(tolerations: Toleration[] | undefined, t: Taint): boolean {
  return (tolerations ?? []).some(
    (tol) =>
      (tol.key === undefined || tol.key === '' ? tol.operator === 'Exists' : tol.key === t.key) &&
      (tol.operator === 'Exists' || (tol.value ?? '') === (t.value ?? '')) &&
      (!tol.effect || tol.effect === t.effect),
  );
}

function blockingTaint(node: NodeLike, tolerations: Toleration[] | undefined): Taint | undefined {
  return (node.spec?.taints ?? []).find((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(tolerations, t));
}

function requirementMatches(labels: Record<string, string>, r: NodeSelectorRequirement): boolean {
  const v = labels[r.key];
  switch (r.operator) {
    case 'In':
      return v !== undefined && (r.values ?? []).includes(v);
    case 'NotIn':
      return v === undefined || !(r.values ?? []).includes(v);
    case 'Exists':
      return v !== undefined;
    case 'DoesNotExist':
      return v === undefined;
    case 'Gt':
    case 'Lt': {
      const n = Number(v);
      const w = Number(r.values?.[0]);
      return v !== undefined && (r.operator === 'Gt' ? n > w : n < w);
    }
    default:
      return false;
  }
}

type PodSpec = NonNullable<PodLike['spec']>;

function selectorMatches(spec: PodSpec | undefined, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const terms = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && terms.length > 0) return terms.some((t) => (t.matchExpressions ?? []).every((r) => requirementMatches(labels, r)));
  return true;
}

function free(node: NodeLike, resource: string, nodeRequests: Record<string, ResourceMap> | undefined): number {
  return amount(node.status?.allocatable?.[resource]) - amount(nodeRequests?.[node.metadata.name]?.[resource]);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export interface SchedulerContext {
  pod?: PodLike;
  nodes?: NodeLike[];
  nodeRequests?: Record<string, ResourceMap>;
  claims?: ClaimLike[];
}

export interface Finding {
  /** Lower comes first in the sentence. */
  rank: number;
  sentence: string;
  detail: string;
  actions: PendingAction[];
}

function valuesOf(nodes: NodeLike[], key: string): string {
  const counts = new Map<string, number>();
  for (const n of nodes) {
    const v = n.metadata.labels?.[key];
    if (v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([v, c]) => `${v} (${plural(c, 'node')})`)
    .join(', ');
}

/** The label value that exists and is closest to the one asked for (a typo, a missing suffix), if any. */
function closestValue(nodes: NodeLike[], key: string, wanted: string): { value: string; nodes: number } | undefined {
  const counts = new Map<string, number>();
  for (const n of nodes) {
    const v = n.metadata.labels?.[key];
    if (v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const lower = wanted.toLowerCase();
  const near = [...counts].filter(([v]) => v.toLowerCase().includes(lower) || lower.includes(v.toLowerCase()));
  const pick = (near.length ? near : [...counts]).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
  return pick ? { value: pick[0], nodes: pick[1] } : undefined;
}

function selectorFinding(r: SchedulerReason, ctx: SchedulerContext): Finding {
  const nodes = ctx.nodes ?? [];
  const spec = ctx.pod?.spec;
  const parts: string[] = [];
  const actions: PendingAction[] = [];
  for (const [k, v] of Object.entries(spec?.nodeSelector ?? {})) {
    if (nodes.length === 0 || nodes.some((n) => n.metadata.labels?.[k] === v)) continue;
    const exists = valuesOf(nodes, k);
    parts.push(
      exists
        ? `nodeSelector ${k}=${v} matches no node; the nodes have ${exists}`
        : `nodeSelector ${k}=${v} matches no node; no node has the label ${k}`,
    );
    const to = closestValue(nodes, k, v);
    if (to) actions.push({ kind: 'setNodeSelector', key: k, from: v, to: to.value, nodes: to.nodes });
  }
  const terms = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const t of terms)
    for (const req of t.matchExpressions ?? []) {
      if (nodes.length === 0 || nodes.some((n) => requirementMatches(n.metadata.labels ?? {}, req))) continue;
      const exists = valuesOf(nodes, req.key);
      parts.push(
        `node affinity ${req.key} ${req.operator} ${(req.values ?? []).join(',')} matches no node; ${exists ? `the nodes have ${exists}` : `no node has the label ${req.key}`}`,
      );
    }
  const first = parts[0];
  return {
    rank: 1,
    sentence: first
      ? `Its ${first}.`
      : `${plural(r.nodes, 'node')} ${r.nodes === 1 ? 'does' : 'do'} not match its node selector or affinity.`,
    detail: parts.length ? parts.join('; ') : `${plural(r.nodes, 'node')}: ${r.text}`,
    actions,
  };
}

function taintFinding(r: Extract<SchedulerReason, { kind: 'taint' }>, ctx: SchedulerContext, need: Record<string, number>): Finding {
  const nodes = (ctx.nodes ?? []).filter((n) => (n.spec?.taints ?? []).some((t) => t.key === r.key && (t.value ?? '') === r.value));
  const taint = nodes.flatMap((n) => n.spec?.taints ?? []).find((t) => t.key === r.key && (t.value ?? '') === r.value);
  const gpuNodes = nodes.filter((n) =>
    Object.keys(n.status?.allocatable ?? {}).some((k) => GPU_RESOURCES.test(k) && amount(n.status?.allocatable?.[k]) > 0),
  );
  const what = nodes.length > 0 && gpuNodes.length === nodes.length ? 'GPU node' : 'node';
  const shown = r.value ? `${r.key}=${r.value}` : r.key;
  let detail = `${plural(r.nodes, what)} carry the taint ${shown}${taint ? `:${taint.effect}` : ''}, which the job does not tolerate`;
  // Would the job fit there once it tolerates the taint?
  const gpu = Object.keys(need).find((k) => GPU_RESOURCES.test(k) && need[k]! > 0);
  if (gpu && nodes.length > 0) {
    const best = Math.max(...nodes.map((n) => free(n, gpu, ctx.nodeRequests)));
    if (best < need[gpu]!)
      detail += `; even then, the most free ${gpu} on one of them is ${show(gpu, best)} of the ${show(gpu, need[gpu]!)} it needs`;
  }
  return {
    // A job without GPUs has no business on GPU nodes: their taint is then a detail, not the answer.
    rank: what === 'GPU node' && !gpu ? 5 : 2,
    sentence: `${plural(r.nodes, what)} need a toleration for ${shown}.`,
    detail: `${detail}.`,
    actions: [
      {
        kind: 'addToleration',
        key: r.key,
        ...(r.value ? { value: r.value } : {}),
        ...(taint ? { effect: taint.effect } : {}),
        nodes: r.nodes,
      },
    ],
  };
}

function insufficientFinding(
  r: Extract<SchedulerReason, { kind: 'insufficient' }>,
  ctx: SchedulerContext,
  need: Record<string, number>,
): Finding {
  const res = r.resource;
  const want = need[res];
  const nodes = (ctx.nodes ?? []).filter((n) => amount(n.status?.allocatable?.[res]) > 0);
  const base = `${plural(r.nodes, 'node')}: not enough free ${res}`;
  if (want === undefined || nodes.length === 0)
    return { rank: 3, sentence: `${plural(r.nodes, 'node')} lack free ${res}.`, detail: `${base}.`, actions: [] };
  // Where it could go: the nodes whose taints it tolerates and whose labels its selector matches.
  const eligible = nodes.filter(
    (n) =>
      !n.spec?.unschedulable && !blockingTaint(n, ctx.pod?.spec?.tolerations) && selectorMatches(ctx.pod?.spec, n.metadata.labels ?? {}),
  );
  const pool = eligible.length ? eligible : nodes;
  const best = pool
    .map((n) => ({ n, free: Math.max(0, free(n, res, ctx.nodeRequests)) }))
    .sort((a, b) => b.free - a.free || a.n.metadata.name.localeCompare(b.n.metadata.name))[0]!;
  const biggest = Math.max(...pool.map((n) => amount(n.status?.allocatable?.[res])));
  const gpu = GPU_RESOURCES.test(res);
  const needs = `needs ${show(res, want)} ${res} on one node`;
  const actions: PendingAction[] = [];
  let sentence: string;
  if (biggest < want) {
    sentence = `It ${needs}; no node ${eligible.length ? 'it can use ' : ''}has that many (the largest has ${show(res, biggest)}).`;
    if (gpu) actions.push({ kind: 'setGpus', gpus: biggest, resource: res, why: 'largestNode' });
  } else {
    sentence = `It ${needs}; the largest free block is ${show(res, best.free)} on ${best.n.metadata.name}.`;
    if (gpu && best.free > 0) actions.push({ kind: 'setGpus', gpus: best.free, resource: res, why: 'largestFreeBlock' });
  }
  return { rank: gpu ? 3 : 4, sentence, detail: `${base}: ${sentence.charAt(0).toLowerCase()}${sentence.slice(1)}`, actions };
}

function claimFindings(r: SchedulerReason, ctx: SchedulerContext): Finding[] {
  const ns = ctx.pod?.metadata.namespace;
  const names = (ctx.pod?.spec?.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : []));
  if (r.kind === 'claimMissing') {
    return [
      {
        rank: 0,
        sentence: `Its claim ${r.claim} does not exist.`,
        detail: `The pod mounts the PersistentVolumeClaim ${r.claim}${ns ? ` in ${ns}` : ''}, which does not exist: create it (or fix the name).`,
        actions: [{ kind: 'createClaim', name: r.claim, ...(ns ? { namespace: ns } : {}) }],
      },
    ];
  }
  const out: Finding[] = [];
  for (const name of names) {
    const c = (ctx.claims ?? []).find((x) => x.metadata.name === name);
    if (!c) {
      out.push({
        rank: 0,
        sentence: `Its claim ${name} does not exist.`,
        detail: `The PersistentVolumeClaim ${name} is missing: create it.`,
        actions: [{ kind: 'createClaim', name, ...(ns ? { namespace: ns } : {}) }],
      });
      continue;
    }
    const phase = c.status?.phase ?? 'Pending';
    if (phase === 'Bound') continue;
    const sc = c.spec?.storageClassName;
    out.push({
      rank: 0,
      sentence: `Its claim ${name} is ${phase}, not bound${sc ? ` (storage class ${sc})` : ' (no storage class)'}.`,
      detail: `PersistentVolumeClaim ${name}: phase ${phase}, storage class ${sc ?? 'none'}: no volume is bound to it yet; check that the storage class exists and can provision, or that a matching PersistentVolume exists.`,
      actions: [],
    });
  }
  if (out.length === 0)
    out.push({
      rank: 0,
      sentence: 'A claim it mounts is not bound yet.',
      detail: `${r.text}: a PersistentVolumeClaim it mounts is not bound.`,
      actions: [],
    });
  return out;
}

/** Each reason of a FailedScheduling message turned into a finding, against the nodes and claims. */
export function schedulerFindings(fit: FitMessage, ctx: SchedulerContext): Finding[] {
  const need = podRequests(ctx.pod?.spec);
  const out: Finding[] = [];
  for (const r of fit.reasons) {
    switch (r.kind) {
      case 'taint':
        out.push(taintFinding(r, ctx, need));
        break;
      case 'selector':
        out.push(selectorFinding(r, ctx));
        break;
      case 'insufficient':
        out.push(insufficientFinding(r, ctx, need));
        break;
      case 'unboundClaims':
      case 'claimMissing':
        out.push(...claimFindings(r, ctx));
        break;
      case 'unschedulable':
        out.push({
          rank: 5,
          sentence: `${plural(r.nodes, 'node')} are cordoned.`,
          detail: `${plural(r.nodes, 'node')} are cordoned (unschedulable).`,
          actions: [],
        });
        break;
      default:
        // Not one KubeML knows: the scheduler's own words, never dropped.
        out.push({
          rank: 4,
          sentence: `${plural(r.nodes, 'node')}: ${r.text}.`,
          detail: `${plural(r.nodes, 'node')}: ${r.text}`,
          actions: [],
        });
    }
  }
  return out.sort((a, b) => a.rank - b.rank);
}

/** What the pods bound to each node request (finished pods hold nothing): PendingInput.nodeRequests from a pod list. */
export function nodeRequestsFrom(pods: readonly PodLike[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const p of pods) {
    const node = p.spec?.nodeName;
    if (!node || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
    const sum = (out[node] ??= {});
    for (const [k, v] of Object.entries(podRequests(p.spec))) sum[k] = (sum[k] ?? 0) + v;
  }
  return out;
}
