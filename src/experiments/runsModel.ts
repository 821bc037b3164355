/**
 * The Runs view's rows, computed from the records index by pure functions: a run -> its row
 * (label, description, markdown tooltip, icon by status, contextValue by kind and status), sweeps
 * as one parent row with their trials (the best one marked), and the name/status filter.
 * The skin (views.ts) turns a RunsRow into a vscode.TreeItem one to one.
 */
import type { ParamValue } from '../model/runSpec';
import type { KeyParams, RunEntry, RunStatus } from './runEntry';

export interface RunsRow {
  label: string;
  description?: string;
  /** Markdown. */
  tooltip?: string;
  /** A codicon id and an optional theme color id. */
  icon: { id: string; color?: string };
  /** Drives `view/item/context` menus: `kubeml.run.<kind>.<status>[.live][.drift][.best]`, `kubeml.sweep.<status>`. */
  contextValue: string;
  collapsible: 'none' | 'collapsed' | 'expanded';
}

export const STATUS_LABELS: Record<RunStatus, string> = {
  queued: 'Queued',
  pending: 'Pending',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  gone: 'Ended outside KubeML',
  unknown: 'Unknown',
};

const STATUS_ICONS: Record<RunStatus, { id: string; color?: string }> = {
  queued: { id: 'watch', color: 'charts.yellow' },
  pending: { id: 'clock', color: 'charts.yellow' },
  running: { id: 'sync~spin', color: 'charts.blue' },
  succeeded: { id: 'pass', color: 'testing.iconPassed' },
  failed: { id: 'error', color: 'testing.iconFailed' },
  cancelled: { id: 'circle-slash', color: 'disabledForeground' },
  gone: { id: 'question', color: 'list.warningForeground' },
  unknown: { id: 'circle-large-outline' },
};

const KIND_LABELS = { training: 'Training', validation: 'Validation', trial: 'Sweep trial' } as const;

/** "45s", "12m 3s", "3h 20m", "2d 4h". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** A metric value as the view shows it: 4 significant digits, null as "n/a". */
export function formatMetric(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  if (Number.isInteger(v)) return String(v);
  return Number(v.toPrecision(4)).toString();
}

const formatParam = (v: ParamValue) => (typeof v === 'string' ? v : JSON.stringify(v));
const md = (s: string) => s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);

export interface RunRowOptions {
  /** Key parameters shown in the description (default 3). */
  readonly maxParams?: number;
  /** The best trial of its sweep. */
  readonly best?: boolean;
  /** Shown under its sweep: the label starts with the trial number. */
  readonly inSweep?: boolean;
  /** The workspace folder's name, when there are several. */
  readonly folderName?: string;
}

export function runRow(e: RunEntry, params: KeyParams | undefined, opts: RunRowOptions = {}): RunsRow {
  const r = e.record;
  // The parameters that differ between runs (at least one, to tell runs apart at a glance).
  const paramEntries = params?.params ?? Object.entries(r.params ?? {});
  const shown = paramEntries.slice(0, Math.min(opts.maxParams ?? 3, Math.max(params?.differing ?? 0, 1)));
  const parts = [
    STATUS_LABELS[e.status],
    ...(e.durationMs !== undefined ? [formatDuration(e.durationMs)] : []),
    ...(e.headline ? [`${e.headline.name} ${formatMetric(e.headline.value)}`] : []),
    ...(shown.length ? [shown.map(([k, v]) => `${k}=${formatParam(v)}`).join(' ')] : []),
    ...(opts.folderName ? [opts.folderName] : []),
  ];
  const lines = [
    `**${md(r.id)}**${opts.best ? ' ★ best trial' : ''}`,
    '',
    `${KIND_LABELS[e.kind]}${e.sweep ? ` ${e.sweep.trial} of sweep ${md(e.sweep.id)}` : ''} · ${STATUS_LABELS[e.status]}`,
    ...(e.statusDetail ? ['', md(e.statusDetail)] : []),
    ...(r.failure?.hint ? ['', md(r.failure.hint)] : []),
    '',
    `Started ${md(new Date(e.startedAt).toLocaleString())}${e.durationMs !== undefined ? ` · ${formatDuration(e.durationMs)}${e.live ? ' so far' : ''}` : ''}`,
    '',
    `Namespace \`${r.namespace}\` · ${md(r.kind)} · image \`${r.image}\``,
  ];
  if (paramEntries.length) {
    lines.push('', '| Parameter | Value |', '| --- | --- |');
    for (const [k, v] of paramEntries) lines.push(`| ${md(k)} | ${md(formatParam(v))} |`);
  }
  const metrics = Object.entries(r.metrics ?? {});
  if (metrics.length) {
    lines.push('', '| Metric | Last value |', '| --- | --- |');
    for (const [k, v] of metrics) lines.push(`| ${md(k)} | ${formatMetric(v)} |`);
  }
  return {
    label: opts.inSweep && e.sweep ? `#${e.sweep.trial} ${r.id}` : r.id,
    description: parts.join(' · '),
    tooltip: lines.join('\n'),
    icon: opts.best ? { id: 'star-full', color: 'charts.yellow' } : STATUS_ICONS[e.status],
    contextValue: [
      'kubeml.run',
      e.kind,
      e.status,
      ...(e.live ? ['live'] : []),
      ...(r.hasDrift ? ['drift'] : []),
      ...(opts.best ? ['best'] : []),
    ].join('.'),
    collapsible: 'none',
  };
}

/** The best trial of a sweep: the one its record marks, else by the sweep's metric and direction. */
export function bestTrial(trials: readonly RunEntry[]): RunEntry | undefined {
  const marked = trials.find((t) => t.sweep?.best);
  if (marked) return marked;
  const info = trials.find((t) => t.sweep?.metric)?.sweep;
  if (!info?.metric) return undefined;
  const sign = info.direction === 'maximize' ? -1 : 1;
  let best: RunEntry | undefined;
  let bestValue = Infinity;
  for (const t of trials) {
    const v = t.record.metrics?.[info.metric];
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    if (sign * v < bestValue) {
      bestValue = sign * v;
      best = t;
    }
  }
  return best;
}

/** The status of a sweep: running while any trial lives, else failed if any failed, else the trials' common one. */
export function sweepStatus(trials: readonly RunEntry[]): RunStatus {
  const order: RunStatus[] = ['running', 'pending', 'queued', 'unknown', 'failed', 'gone', 'cancelled', 'succeeded'];
  for (const s of order) if (trials.some((t) => t.status === s)) return s;
  return 'unknown';
}

export function sweepRow(sweepId: string, trials: readonly RunEntry[], best: RunEntry | undefined): RunsRow {
  const status = sweepStatus(trials);
  const counts = new Map<RunStatus, number>();
  for (const t of trials) counts.set(t.status, (counts.get(t.status) ?? 0) + 1);
  const info = trials.find((t) => t.sweep?.metric)?.sweep;
  const bestText =
    best && best.headline ? `best ${best.headline.name} ${formatMetric(best.headline.value)} (#${best.sweep?.trial ?? '?'})` : undefined;
  return {
    label: `Sweep ${sweepId}`,
    description: [
      `${trials.length} trial${trials.length === 1 ? '' : 's'}`,
      [...counts].map(([s, n]) => `${n} ${STATUS_LABELS[s].toLowerCase()}`).join(', '),
      ...(bestText ? [bestText] : []),
    ].join(' · '),
    tooltip: [
      `**Sweep ${md(sweepId)}**`,
      '',
      ...(info?.metric ? [`Metric: ${md(info.metric)} (${info.direction ?? 'minimize'})`, ''] : []),
      ...[...counts].map(([s, n]) => `- ${STATUS_LABELS[s]}: ${n}`),
      ...(best
        ? ['', `Best: ${md(best.id)}${best.headline ? ` (${md(best.headline.name)} ${formatMetric(best.headline.value)})` : ''}`]
        : []),
    ].join('\n'),
    icon: status === 'running' ? STATUS_ICONS.running : { id: 'beaker', color: STATUS_ICONS[status].color },
    contextValue: `kubeml.sweep.${status}${trials.some((t) => t.live) ? '.live' : ''}`,
    collapsible: 'expanded',
  };
}

export interface RunsFilter {
  /** Part of the run id, spec name or sweep id (case-insensitive); empty: all. */
  readonly text: string;
  /** Statuses to show; empty: all. */
  readonly statuses: readonly RunStatus[];
}

export const NO_FILTER: RunsFilter = { text: '', statuses: [] };

export function isFiltered(f: RunsFilter): boolean {
  return f.text.trim() !== '' || f.statuses.length > 0;
}

export function matches(e: RunEntry, f: RunsFilter): boolean {
  if (f.statuses.length && !f.statuses.includes(e.status)) return false;
  const t = f.text.trim().toLowerCase();
  if (!t) return true;
  return e.id.includes(t) || e.record.name.toLowerCase().includes(t) || (e.sweep?.id.toLowerCase().includes(t) ?? false);
}

/** What the view's description says of a filter. */
export function describeFilter(f: RunsFilter): string | undefined {
  if (!isFiltered(f)) return undefined;
  return [f.text.trim() ? `"${f.text.trim()}"` : '', f.statuses.map((s) => STATUS_LABELS[s].toLowerCase()).join(', ')]
    .filter(Boolean)
    .join(' · ');
}

export type RunsItem =
  | { readonly type: 'run'; readonly key: string; readonly entry: RunEntry; readonly best: boolean; readonly inSweep: boolean }
  | {
      readonly type: 'sweep';
      readonly key: string;
      readonly sweepId: string;
      readonly folder: string;
      readonly trials: RunEntry[];
      readonly best?: RunEntry;
    };

/**
 * The top level of the view, newest first: runs, and one item per sweep (placed by its newest
 * trial) whose children are its trials by trial number. The filter keeps the matching runs, and
 * a sweep with any matching trial (showing only those).
 */
export function buildTree(entries: readonly RunEntry[], filter: RunsFilter = NO_FILTER): RunsItem[] {
  const out: RunsItem[] = [];
  const sweeps = new Map<string, { folder: string; all: RunEntry[]; shown: RunEntry[] }>();
  for (const e of entries) {
    if (e.sweep) {
      const key = `${e.folder}\0${e.sweep.id}`;
      let s = sweeps.get(key);
      if (!s) {
        s = { folder: e.folder, all: [], shown: [] };
        sweeps.set(key, s);
        // Placed where its newest trial is (entries are newest first); dropped below if nothing matches.
        out.push({ type: 'sweep', key: `sweep:${key}`, sweepId: e.sweep.id, folder: e.folder, trials: s.shown });
      }
      s.all.push(e);
      if (matches(e, filter)) s.shown.push(e);
    } else if (matches(e, filter)) out.push({ type: 'run', key: `run:${e.folder}\0${e.id}`, entry: e, best: false, inSweep: false });
  }
  return out
    .filter((i) => i.type === 'run' || i.trials.length > 0)
    .map((i) => {
      if (i.type === 'run') return i;
      const s = sweeps.get(i.key.slice('sweep:'.length))!;
      s.shown.sort((a, b) => (a.sweep?.trial ?? 0) - (b.sweep?.trial ?? 0));
      const best = bestTrial(s.all);
      return { ...i, ...(best ? { best } : {}) };
    });
}

/** The children of a sweep item. */
export function trialItems(sweep: Extract<RunsItem, { type: 'sweep' }>): RunsItem[] {
  return sweep.trials.map((e) => ({
    type: 'run',
    key: `run:${e.folder}\0${e.id}`,
    entry: e,
    best: sweep.best?.id === e.id,
    inSweep: true,
  }));
}
