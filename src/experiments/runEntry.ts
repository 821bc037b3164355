/**
 * What the Runs view and the experiments panel read of a run record: its kind (training, validation,
 * sweep trial), start and duration, key parameters, headline metric and status. Pure: records in,
 * entries out; the status of a live run that this window does not follow comes from the cluster
 * (clusterStatus.ts) and is passed in.
 */
import { isTerminal, type RunRecord } from '../model/runRecords';
import type { ParamValue } from '../model/runSpec';

export type EntryKind = 'training' | 'validation' | 'trial';

/**
 * The status shown for a run. 'gone': the record says it was not finished but its objects are no
 * longer on the cluster (deleted by hand, the window that followed it closed before the end...);
 * 'unknown': not finished and KubeML cannot read its cluster now.
 */
export type RunStatus = 'queued' | 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'gone' | 'unknown';

/** A sweep trial's part of the record (written by the sweep launcher; optional in every record). */
export interface SweepInfo {
  readonly id: string;
  readonly trial: number;
  readonly metric?: string;
  readonly direction?: 'minimize' | 'maximize';
  readonly best?: boolean;
}

/** What the cluster says about a run (clusterStatus.ts), when it was asked. */
export type ClusterView =
  | { readonly state: 'found'; readonly status: RunStatus; readonly detail?: string }
  /** Synced, and none of the run's objects is there. */
  | { readonly state: 'gone' }
  /** Not readable now (no connection, another cluster, the watch not synced yet, or failing). */
  | { readonly state: 'unknown'; readonly detail?: string };

export interface RunEntry {
  /** The workspace folder whose .kubeml/runs/ holds the record. */
  readonly folder: string;
  readonly record: RunRecord;
  readonly id: string;
  readonly kind: EntryKind;
  readonly sweep?: SweepInfo;
  readonly startedAt: string;
  /** Until now for a run that has not finished; undefined when its end is not known (it ended outside KubeML). */
  readonly durationMs?: number;
  readonly status: RunStatus;
  readonly statusDetail?: string;
  readonly headline?: { readonly name: string; readonly value: number | null };
  /** Whether a launcher or the cluster may still change it (the view keeps its duration ticking). */
  readonly live: boolean;
}

export function sweepOf(record: RunRecord): SweepInfo | undefined {
  const s = (record as { sweep?: unknown }).sweep;
  if (typeof s !== 'object' || s === null) return undefined;
  const o = s as Record<string, unknown>;
  if (typeof o.id !== 'string' || typeof o.trial !== 'number') return undefined;
  return {
    id: o.id,
    trial: o.trial,
    ...(typeof o.metric === 'string' ? { metric: o.metric } : {}),
    ...(o.direction === 'minimize' || o.direction === 'maximize' ? { direction: o.direction } : {}),
    ...(o.best === true ? { best: true } : {}),
  };
}

export function kindOf(record: RunRecord): EntryKind {
  if (sweepOf(record)) return 'trial';
  return record.purpose === 'validate' ? 'validation' : 'training';
}

/** The headline metric: the sweep's metric for a trial, else the first metric the run printed (its last value). */
export function headlineOf(record: RunRecord): { name: string; value: number | null } | undefined {
  const metrics = record.metrics ?? {};
  const sweepMetric = sweepOf(record)?.metric;
  if (sweepMetric && sweepMetric in metrics) return { name: sweepMetric, value: metrics[sweepMetric] ?? null };
  const first = Object.keys(metrics)[0];
  return first === undefined ? undefined : { name: first, value: metrics[first] ?? null };
}

/** The status a record itself gives (what its launcher wrote). */
export function phaseStatus(record: RunRecord): RunStatus {
  switch (record.phase) {
    case 'pending':
      return record.queued ? 'queued' : 'pending';
    case 'launching':
    case 'uploading':
      return 'pending';
    case 'running':
      return 'running';
    case 'succeeded':
    case 'failed':
    case 'cancelled':
      return record.phase;
    default:
      return 'unknown';
  }
}

/** A record still launching is not "gone" for this long: its objects may not be applied yet. */
export const LAUNCH_GRACE_MS = 120_000;

/**
 * The entry of one record. `followedHere`: a launcher of this window follows the run (its record
 * is current); otherwise a record that is not finished takes its status from `cluster`.
 */
export function toEntry(folder: string, record: RunRecord, now: number, followedHere: boolean, cluster?: ClusterView): RunEntry {
  const sweep = sweepOf(record);
  const startedAt = record.startedAt ?? record.createdAt;
  const terminal = isTerminal(record.phase);
  let status = phaseStatus(record);
  let statusDetail: string | undefined = record.failure?.message;
  let live = !terminal;
  if (!terminal && !followedHere) {
    const young = now - Date.parse(record.createdAt) < LAUNCH_GRACE_MS && record.phase === 'launching';
    if (cluster?.state === 'found') {
      status = cluster.status;
      statusDetail = cluster.detail;
      live = !['succeeded', 'failed', 'cancelled'].includes(status);
    } else if (cluster?.state === 'gone' && !young) {
      status = 'gone';
      statusDetail = `Its objects are no longer on the cluster; the run ended outside KubeML (the record was last written as ${record.phase}).`;
      live = false;
    } else if (!young) {
      status = 'unknown';
      statusDetail =
        cluster?.state === 'unknown' && cluster.detail
          ? cluster.detail
          : `The record says ${record.phase}; its cluster cannot be read now.`;
    }
  }
  const end = record.finishedAt ? Date.parse(record.finishedAt) : live ? now : undefined;
  return {
    folder,
    record,
    id: record.id,
    kind: kindOf(record),
    ...(sweep ? { sweep } : {}),
    startedAt,
    ...(end !== undefined ? { durationMs: Math.max(0, end - Date.parse(startedAt)) } : {}),
    status,
    ...(statusDetail ? { statusDetail } : {}),
    ...(headlineOf(record) ? { headline: headlineOf(record) } : {}),
    live,
  };
}

export interface KeyParams {
  /** Every parameter, those that differ between runs first. */
  readonly params: ReadonlyArray<readonly [string, ParamValue]>;
  /** How many of `params` (the first ones) differ between the runs. */
  readonly differing: number;
}

/**
 * The parameters of each run in the order to show them: those whose values differ between the runs
 * of the same spec name first, then the others, each group in the order of the record.
 */
export function keyParams(records: readonly RunRecord[]): Map<string, KeyParams> {
  const byName = new Map<string, RunRecord[]>();
  for (const r of records) {
    const g = byName.get(r.name);
    if (g) g.push(r);
    else byName.set(r.name, [r]);
  }
  const out = new Map<string, KeyParams>();
  for (const group of byName.values()) {
    const values = new Map<string, Set<string>>();
    const counts = new Map<string, number>();
    for (const r of group)
      for (const [k, v] of Object.entries(r.params ?? {})) {
        const s = values.get(k) ?? new Set<string>();
        s.add(JSON.stringify(v));
        values.set(k, s);
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
    const differs = (k: string) => (values.get(k)?.size ?? 0) > 1 || counts.get(k) !== group.length;
    for (const r of group) {
      const entries = Object.entries(r.params ?? {});
      const first = entries.filter(([k]) => differs(k));
      out.set(r.id, { params: [...first, ...entries.filter(([k]) => !differs(k))], differing: first.length });
    }
  }
  return out;
}
