/**
 * Sweep records: .kubeml/sweeps/<id>.json holds a sweep's spec, its trials (parameters, run id,
 * state, metric) and the best trial so far; each trial's own run is a normal run record
 * (.kubeml/runs/<id>/) whose `sweep` field points back here. Plain Node (fs); no `vscode`.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { RunPhase } from './runRecords';
import type { ParamValue } from './runSpec';
import type { SweepDirection, SweepSpec } from './sweepSpec';

export const SWEEPS_DIR = join('.kubeml', 'sweeps');

/** queued: not started; waiting: its turn came but the GPUs it needs are not free; then its run's phase. */
export type TrialPhase = 'queued' | 'waiting' | RunPhase;
export type SweepState = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface SweepTrialRecord {
  readonly index: number;
  readonly params: Readonly<Record<string, ParamValue>>;
  runId?: string;
  phase: TrialPhase;
  /** The sweep's metric as the run last reported it. */
  metric?: number | null;
  /** Why it waits (free GPUs), or why it failed. */
  detail?: string;
}

export interface SweepRecord {
  readonly version: 1;
  readonly id: string;
  readonly name: string;
  readonly namespace: string;
  readonly context?: string;
  readonly createdAt: string;
  finishedAt?: string;
  state: SweepState;
  readonly spec: SweepSpec;
  /** Why the plan has fewer trials than asked. */
  readonly note?: string;
  readonly trials: SweepTrialRecord[];
  best?: { trial: number; runId: string; value: number };
}

/** The best succeeded trial by the sweep's metric and direction (ties: the earlier trial). */
export function bestTrial(trials: readonly SweepTrialRecord[], direction: SweepDirection): SweepRecord['best'] {
  let best: SweepRecord['best'];
  for (const t of trials) {
    if (t.phase !== 'succeeded' || typeof t.metric !== 'number' || !Number.isFinite(t.metric) || !t.runId) continue;
    if (!best || (direction === 'maximize' ? t.metric > best.value : t.metric < best.value))
      best = { trial: t.index, runId: t.runId, value: t.metric };
  }
  return best;
}

/** The sweep's state once no trial is queued or running. */
export function finalState(trials: readonly SweepTrialRecord[], cancelled: boolean): SweepState {
  if (cancelled) return 'cancelled';
  return trials.some((t) => t.phase === 'succeeded') ? 'succeeded' : 'failed';
}

export class SweepStore {
  readonly root: string;
  constructor(readonly workspace: string) {
    this.root = join(workspace, SWEEPS_DIR);
  }

  file(id: string): string {
    if (!/^[a-z0-9][-a-z0-9]*$/.test(id)) throw new Error(`Not a sweep id: ${id}`);
    return join(this.root, `${id}.json`);
  }

  async save(record: SweepRecord): Promise<void> {
    await fs.mkdir(this.root, { recursive: true });
    await fs.writeFile(join(this.workspace, '.kubeml', '.gitignore'), '*\n', { flag: 'wx' }).catch(() => undefined);
    const file = this.file(record.id);
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(record, null, 2) + '\n', 'utf8');
    await fs.rename(tmp, file);
  }

  async get(id: string): Promise<SweepRecord | undefined> {
    try {
      const r = JSON.parse(await fs.readFile(this.file(id), 'utf8')) as SweepRecord;
      return r?.version === 1 && r.id === id ? r : undefined;
    } catch {
      return undefined;
    }
  }

  /** Every readable sweep, newest first. */
  async list(): Promise<SweepRecord[]> {
    const names = await fs.readdir(this.root).catch(() => [] as string[]);
    const records = await Promise.all(names.filter((n) => /^[a-z0-9][-a-z0-9]*\.json$/.test(n)).map((n) => this.get(n.slice(0, -5))));
    return records.filter((r): r is SweepRecord => !!r).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }
}
