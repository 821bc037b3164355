/**
 * The Queues view's rows (kubeml.queues), pure: Kueue's ClusterQueues with their quota, usage and borrowing
 * per flavor and resource (GPUs first), their pending workloads in admission order and the admitted ones,
 * and the LocalQueues of the selected namespaces. The skin (views.ts) turns rows into tree items; the source
 * (source.ts) gathers the objects from informers and the visibility API.
 */
import { age, amount, ordinal, show } from '../model/pending/quantity';
import type { ClusterQueueLike, Quantity, WorkloadLike } from '../model/pending/types';
import {
  formatRequests,
  isAdmitted,
  isFinished,
  orderResources,
  ownerOf,
  type PendingWorkloadItem,
  workloadRequests,
} from '../model/queues/workload';

export interface LocalQueueLike {
  metadata: { name: string; namespace?: string };
  spec?: { clusterQueue?: string };
  status?: { pendingWorkloads?: number; admittedWorkloads?: number; reservingWorkloads?: number };
}

export interface QueuesInput {
  /** Whether the cluster serves Kueue's API: undefined while discovery has not answered. */
  kueue: boolean | undefined;
  /** The ClusterQueues; or why they cannot be listed (forbidden: the user may still see LocalQueues). */
  clusterQueues: ClusterQueueLike[] | { hidden: string };
  localQueues: LocalQueueLike[];
  /** Workloads of the selected namespaces. */
  workloads: WorkloadLike[];
  /** Per ClusterQueue: the visibility API's pending workloads in admission order; a string says why they are unknown. */
  pending: ReadonlyMap<string, PendingWorkloadItem[] | string>;
  /** Namespaces shown (undefined: all). */
  namespaces: readonly string[] | undefined;
  now: number;
  /** Kueue is served but its queues have not been listed yet: no empty state may be shown. */
  loading?: boolean;
  /** The Workloads have not been listed yet (or why they cannot be): the admitted lists are not known (the pending order is). */
  workloadsLoading?: true | string;
}

export type QueuesRowKind =
  'clusterQueue' | 'quota' | 'pendingGroup' | 'pending' | 'admittedGroup' | 'admitted' | 'localQueues' | 'localQueue' | 'message';

export interface QueuesRow {
  key: string;
  kind: QueuesRowKind;
  label: string;
  description?: string;
  /** Markdown. */
  tooltip?: string;
  icon: { id: string; color?: string };
  contextValue: string;
  children: QueuesRow[];
  /** Shown open. */
  expanded?: boolean;
  /** The pending and admitted workload rows: the workload. */
  workload?: { namespace: string; name: string };
}

type RowInit = Omit<QueuesRow, 'children' | 'contextValue'> & Partial<Pick<QueuesRow, 'children' | 'contextValue'>>;
const row = (r: RowInit): QueuesRow => ({ children: [], contextValue: `kubeml.queues.${r.kind}`, ...r });

/** What the view shows, for its empty states. */
export const WHAT_IT_SHOWS =
  'Kueue ClusterQueues with their quota, usage and borrowing per flavor and resource, their pending workloads in admission order, the admitted ones, and the LocalQueues of the selected namespaces.';

export function buildQueuesTree(input: QueuesInput): QueuesRow[] {
  if (input.kueue === undefined)
    return [row({ key: 'msg:discovering', kind: 'message', label: 'Looking for Kueue on the cluster…', icon: { id: 'loading~spin' } })];
  if (!input.kueue)
    return [
      row({
        key: 'msg:no-kueue',
        kind: 'message',
        label: 'Kueue is not installed on this cluster',
        description: 'kueue.x-k8s.io is not served',
        tooltip: `With Kueue, this view shows ${WHAT_IT_SHOWS}\n\nInstall Kueue (https://kueue.sigs.k8s.io/docs/installation/), then Refresh.`,
        icon: { id: 'info' },
      }),
    ];
  if (input.loading) return [row({ key: 'msg:loading', kind: 'message', label: 'Reading the queues…', icon: { id: 'loading~spin' } })];
  const out: QueuesRow[] = [];
  const inScope = (ns: string | undefined) => !input.namespaces || (ns !== undefined && input.namespaces.includes(ns));
  const workloads = input.workloads.filter((w) => inScope(w.metadata.namespace) && !isFinished(w));
  if ('hidden' in input.clusterQueues) {
    out.push(
      row({
        key: 'msg:cq-hidden',
        kind: 'message',
        label: 'ClusterQueues hidden',
        description: input.clusterQueues.hidden,
        tooltip: `${input.clusterQueues.hidden}\n\nQuotas, usage and the pending workloads of each ClusterQueue need permission to list clusterqueues.kueue.x-k8s.io: ask an administrator for a ClusterRole that grants it.`,
        icon: { id: 'lock', color: 'charts.yellow' },
      }),
    );
  } else {
    const cqs = [...input.clusterQueues].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    if (!cqs.length)
      out.push(
        row({
          key: 'msg:no-cq',
          kind: 'message',
          label: 'No ClusterQueues',
          description: 'Kueue is installed; no ClusterQueue is defined',
          icon: { id: 'info' },
        }),
      );
    // Indexed once for all queues: per queue, a scan of every workload cost 20 x 4,000 visits.
    const byName = new Map(workloads.map((w) => [`${w.metadata.namespace}/${w.metadata.name}`, w]));
    const admittedIn = new Map<string, WorkloadLike[]>();
    for (const w of workloads) {
      const q = w.status?.admission?.clusterQueue;
      if (q && isAdmitted(w)) admittedIn.set(q, [...(admittedIn.get(q) ?? []), w]);
    }
    for (const cq of cqs)
      out.push(
        clusterQueueRow(
          cq,
          byName,
          input.workloadsLoading ? undefined : (admittedIn.get(cq.metadata.name) ?? []),
          input.pending.get(cq.metadata.name),
          input.now,
        ),
      );
  }
  out.push(
    localQueuesRow(
      input.localQueues.filter((q) => inScope(q.metadata.namespace)),
      input.namespaces,
    ),
  );
  return out;
}

export interface QuotaCell {
  flavor: string;
  resource: string;
  nominal: number;
  borrowingLimit?: number;
  used: number;
  borrowed: number;
}

/** Quota per flavor and resource with its usage (the reservation when Kueue reports one, else the usage); GPUs first. */
export function quotaCells(cq: ClusterQueueLike): QuotaCell[] {
  const usage = cq.status?.flavorsReservation ?? cq.status?.flavorsUsage ?? [];
  const usedOf = (flavor: string, resource: string) => usage.find((f) => f.name === flavor)?.resources?.find((r) => r.name === resource);
  const cells: QuotaCell[] = [];
  for (const g of cq.spec?.resourceGroups ?? [])
    for (const f of g.flavors ?? [])
      for (const r of f.resources ?? []) {
        const u = usedOf(f.name, r.name);
        cells.push({
          flavor: f.name,
          resource: r.name,
          nominal: amount(r.nominalQuota),
          ...(r.borrowingLimit !== undefined ? { borrowingLimit: amount(r.borrowingLimit) } : {}),
          used: amount(u?.total as Quantity | undefined),
          borrowed: amount(u?.borrowed as Quantity | undefined),
        });
      }
  const order = orderResources(cells.map((c) => c.resource));
  return cells.sort((a, b) => order.indexOf(a.resource) - order.indexOf(b.resource) || a.flavor.localeCompare(b.flavor));
}

function quotaRow(cq: string, cohort: string | undefined, c: QuotaCell): QueuesRow {
  const s = (n: number) => show(c.resource, n);
  const full = c.nominal > 0 && c.used >= c.nominal;
  const limit =
    c.borrowingLimit !== undefined
      ? ` It may borrow up to ${s(c.borrowingLimit)} more.`
      : cohort
        ? ` It may borrow what cohort ${cohort} does not use.`
        : ' It is in no cohort: it cannot borrow.';
  return row({
    key: `cq:${cq}:quota:${c.flavor}:${c.resource}`,
    kind: 'quota',
    label: `${c.resource} · ${c.flavor}`,
    description: `${s(c.used)} / ${s(c.nominal)} used${c.borrowed > 0 ? ` · ${s(c.borrowed)} borrowed` : ''}`,
    tooltip: `Flavor **${c.flavor}**, ${c.resource}: quota ${s(c.nominal)}, in use ${s(c.used)}${c.borrowed > 0 ? ` (${s(c.borrowed)} of it borrowed)` : ''}.${limit}`,
    icon: { id: c.borrowed > 0 ? 'arrow-swap' : full ? 'circle-filled' : 'circle-outline', ...(full ? { color: 'charts.yellow' } : {}) },
  });
}

/** A workload's requests as text, once per object (the informers keep an unchanged object's identity). */
const requestsText = new WeakMap<WorkloadLike, string>();
function requestsOf(w: WorkloadLike): string {
  let t = requestsText.get(w);
  if (t === undefined) requestsText.set(w, (t = formatRequests(workloadRequests(w))));
  return t;
}

function pendingRow(cq: string, p: PendingWorkloadItem, i: number, w: WorkloadLike | undefined, now: number): QueuesRow {
  const req = w ? requestsOf(w) : '';
  const waited = age(p.metadata.creationTimestamp, now);
  const owner = ownerOf(p) ?? p.metadata.name;
  const pos = (p.positionInClusterQueue ?? i) + 1;
  return row({
    key: `cq:${cq}:pending:${p.metadata.namespace}/${p.metadata.name}`,
    kind: 'pending',
    label: `${pos}. ${owner}`,
    description: [p.metadata.namespace, req && `needs ${req}`, waited && `waiting ${waited}`].filter(Boolean).join(' · '),
    tooltip:
      `Workload ${p.metadata.namespace}/${p.metadata.name} of ${owner}: ${ordinal(pos)} in ClusterQueue ${cq}` +
      (p.localQueueName ? `, ${ordinal((p.positionInLocalQueue ?? 0) + 1)} in LocalQueue ${p.localQueueName}` : '') +
      (p.priority !== undefined ? `, priority ${p.priority}` : '') +
      `.${req ? ` Needs ${req}.` : ''}`,
    icon: { id: 'clock', color: 'charts.yellow' },
    workload: { namespace: p.metadata.namespace, name: p.metadata.name },
  });
}

function clusterQueueRow(
  cq: ClusterQueueLike,
  byName: ReadonlyMap<string, WorkloadLike>,
  /** Undefined while the Workloads are being listed. */
  admittedOrNot: WorkloadLike[] | undefined,
  pending: PendingWorkloadItem[] | string | undefined,
  now: number,
  workloadsError?: string,
): QueuesRow {
  const name = cq.metadata.name;
  const cohort = cq.spec?.cohortName ?? cq.spec?.cohort;
  const admitted = admittedOrNot ?? [];
  const pendingCount = Array.isArray(pending) ? pending.length : (cq.status?.pendingWorkloads ?? 0);
  const cells = quotaCells(cq);
  const children = cells.map((c) => quotaRow(name, cohort, c));
  const list = Array.isArray(pending) ? pending : [];
  children.push(
    row({
      key: `cq:${name}:pending`,
      kind: 'pendingGroup',
      label: `Pending (${pendingCount})`,
      description: Array.isArray(pending)
        ? pending.length
          ? 'in admission order'
          : undefined
        : `order unknown: ${pending ?? 'not read yet'}`,
      icon: { id: 'clock', ...(pendingCount ? { color: 'charts.yellow' } : {}) },
      expanded: list.length > 0,
      children: list.map((p, i) => pendingRow(name, p, i, byName.get(`${p.metadata.namespace}/${p.metadata.name}`), now)),
    }),
  );
  children.push(
    row({
      key: `cq:${name}:admitted`,
      kind: 'admittedGroup',
      label: admittedOrNot ? `Admitted (${admitted.length})` : 'Admitted',
      ...(admittedOrNot ? {} : { description: workloadsError ?? 'reading the workloads…' }),
      icon: { id: 'pass', ...(admitted.length ? { color: 'charts.green' } : {}) },
      children: admitted.map((w) =>
        row({
          key: `cq:${name}:admitted:${w.metadata.namespace}/${w.metadata.name}`,
          kind: 'admitted',
          label: ownerOf(w) ?? w.metadata.name,
          description: [w.metadata.namespace, requestsOf(w), age(w.metadata.creationTimestamp, now)].filter(Boolean).join(' · '),
          icon: { id: 'pass', color: 'charts.green' },
          workload: { namespace: w.metadata.namespace ?? '', name: w.metadata.name },
        }),
      ),
    }),
  );
  const gpus = cells.filter((c) => /gpu/i.test(c.resource));
  const gpuText = gpus.length ? `${gpus.reduce((n, c) => n + c.used, 0)}/${gpus.reduce((n, c) => n + c.nominal, 0)} GPUs` : '';
  return row({
    key: `cq:${name}`,
    kind: 'clusterQueue',
    label: name,
    description: [gpuText, `${pendingCount} pending`, admittedOrNot ? `${admitted.length} admitted` : '', cohort ? `cohort ${cohort}` : '']
      .filter(Boolean)
      .join(' · '),
    tooltip: `ClusterQueue **${name}**${cohort ? ` in cohort ${cohort}` : ' (no cohort)'}: ${cq.status?.pendingWorkloads ?? pendingCount} pending, ${cq.status?.admittedWorkloads ?? admitted.length} admitted (Kueue's counts, all namespaces).`,
    icon: { id: 'layers' },
    expanded: true,
    children,
  });
}

function localQueuesRow(queues: LocalQueueLike[], namespaces: readonly string[] | undefined): QueuesRow {
  const many = !namespaces || namespaces.length > 1;
  const sorted = [...queues].sort((a, b) =>
    `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`),
  );
  return row({
    key: 'lq',
    kind: 'localQueues',
    label: `LocalQueues (${sorted.length})`,
    description: namespaces ? namespaces.join(', ') : 'all namespaces',
    icon: { id: 'list-ordered' },
    expanded: true,
    children: sorted.length
      ? sorted.map((q) =>
          row({
            key: `lq:${q.metadata.namespace}/${q.metadata.name}`,
            kind: 'localQueue',
            label: many ? `${q.metadata.namespace}/${q.metadata.name}` : q.metadata.name,
            description: [
              `→ ${q.spec?.clusterQueue ?? '?'}`,
              `${q.status?.pendingWorkloads ?? 0} pending`,
              `${q.status?.admittedWorkloads ?? 0} admitted`,
            ].join(' · '),
            tooltip: `LocalQueue ${q.metadata.namespace}/${q.metadata.name} submits to ClusterQueue ${q.spec?.clusterQueue ?? '(none)'}. A run uses it with \`queue: ${q.metadata.name}\` in kubeml.yaml.`,
            icon: { id: 'inbox' },
          }),
        )
      : [
          row({
            key: 'lq:none',
            kind: 'message',
            label: 'No LocalQueue in these namespaces',
            description: 'a run needs one for queue:',
            icon: { id: 'info' },
          }),
        ],
  });
}

const sameRow = (a: QueuesRow, b: QueuesRow) =>
  a.label === b.label &&
  a.description === b.description &&
  a.tooltip === b.tooltip &&
  a.icon.id === b.icon.id &&
  a.icon.color === b.icon.color &&
  a.contextValue === b.contextValue &&
  a.expanded === b.expanded;
const sameKeys = (a: readonly QueuesRow[], b: readonly QueuesRow[]) => a.length === b.length && a.every((r, i) => r.key === b[i]!.key);

/**
 * The keys of the rows a tree must refresh to go from `before` to `after`: a row whose own text changed, or
 * whose children changed in number or order (that refresh covers its subtree); 'all' when the top rows did.
 */
export function changedRows(before: readonly QueuesRow[], after: readonly QueuesRow[]): string[] | 'all' {
  if (!sameKeys(before, after)) return 'all';
  const out: string[] = [];
  const walk = (a: readonly QueuesRow[], b: readonly QueuesRow[]) => {
    for (let i = 0; i < b.length; i++) {
      const x = a[i]!;
      const y = b[i]!;
      if (!sameKeys(x.children, y.children)) out.push(y.key);
      else {
        if (!sameRow(x, y)) out.push(y.key);
        walk(x.children, y.children);
      }
    }
  };
  walk(before, after);
  return out;
}
