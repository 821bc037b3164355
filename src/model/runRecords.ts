/**
 * Run records in the workspace: .kubeml/runs/<id>/ holds
 *   run.json       the record (what ran, where, parameters, phase, failure, latest metrics)
 *   manifest.yaml  the objects that were applied
 *   logs.txt       the run's output as KubeML read it
 *   metrics.jsonl  every metric result, in order
 *   metrics.tensorboard.jsonl  scalars read from the run's TensorBoard event files (source: 'tensorboard')
 *   drift.json     the validation's drift report (what Open Drift Report reads)
 * Plain Node (fs); no `vscode`.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { ResourceRef } from '../cluster/resources';
import type { DriftReport } from './driftReport';
import type { MetricResult } from './runResults';
import type { ParamValue, RunKindName } from './runSpec';

export type RunPurpose = 'train' | 'validate';

/** Where a validation finds the model. */
export type ModelSource =
  /** Artifacts of a finished training run, in the spec's artifacts claim. */
  | { readonly kind: 'run'; readonly runId: string }
  /** A deployed model's storage URI: pvc://claim/path is mounted; other URIs are passed on as KUBEML_MODEL. */
  | { readonly kind: 'uri'; readonly uri: string };

/** Why a run failed, as the launcher classifies it. */
export type FailureReason =
  | 'image'
  | 'unschedulable'
  | 'oom'
  | 'exit'
  | 'config'
  | 'upload'
  | 'evicted'
  | 'deadline'
  | 'deleted'
  | 'cluster-gone'
  | 'cancelled'
  | 'apply';

export const RUNS_DIR = join('.kubeml', 'runs');
/** Scalars of a run's TensorBoard event files, next to metrics.jsonl. */
export const TENSORBOARD_METRICS = 'metrics.tensorboard.jsonl';

export type RunPhase = 'launching' | 'pending' | 'uploading' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'detached';

/** Labels of every object of a run (src/runs/generate.ts): its id, and its purpose (train or validate). */
export const LABEL_RUN = 'kubeml.io/run';
export const LABEL_KIND = 'kubeml.io/kind';

export interface RunRecord {
  readonly version: 1;
  readonly id: string;
  readonly purpose: RunPurpose;
  readonly name: string;
  readonly namespace: string;
  readonly context?: string;
  readonly server?: string;
  readonly kind: RunKindName;
  readonly primary: ResourceRef;
  readonly podSelector: string;
  readonly container: string;
  readonly image: string;
  readonly command: string[];
  readonly params: Record<string, ParamValue>;
  /** Validation: the training run whose model it validated. */
  readonly parent?: string;
  readonly model?: ModelSource;
  readonly createdAt: string;
  phase: RunPhase;
  startedAt?: string;
  finishedAt?: string;
  pods?: string[];
  failure?: {
    reason: FailureReason;
    message: string;
    hint?: string;
    exitCode?: number;
    /** reason 'config': the PersistentVolumeClaims the run needs that do not exist (Create Claim offers them). */
    missingClaims?: string[];
  };
  metrics: Record<string, number | null>;
  hasDrift?: boolean;
  datasetDrift?: boolean;
  upload?: { files: number; ms: number };
  /** While Kueue holds the run (its job suspended): "queued: 3rd in team-a, needs 8 nvidia.com/gpu". */
  queued?: string;
  warnings?: string[];
  /** A sweep trial: its sweep (.kubeml/sweeps/<id>.json), its 0-based index, and how the sweep ranks trials. */
  readonly sweep?: SweepRef;
}

export interface SweepRef {
  readonly id: string;
  readonly trial: number;
  readonly metric: string;
  readonly direction: 'maximize' | 'minimize';
}

export function isTerminal(phase: RunPhase): boolean {
  return phase === 'succeeded' || phase === 'failed' || phase === 'cancelled';
}

async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await fs.writeFile(tmp, text, 'utf8');
  await fs.rename(tmp, file);
}

/** The run folders of one workspace folder. */
export class RunStore {
  readonly root: string;
  constructor(readonly workspace: string) {
    this.root = join(workspace, RUNS_DIR);
  }

  dir(id: string): string {
    if (!/^[a-z0-9][-a-z0-9]*$/.test(id)) throw new Error(`Not a run id: ${id}`);
    return join(this.root, id);
  }

  async create(record: RunRecord, manifestYaml: string): Promise<void> {
    const dir = this.dir(record.id);
    await fs.mkdir(dir, { recursive: true });
    // Keep run folders out of git and out of the code that is shipped.
    await fs.writeFile(join(this.workspace, '.kubeml', '.gitignore'), '*\n', { flag: 'wx' }).catch(() => undefined);
    await Promise.all([writeAtomic(join(dir, 'manifest.yaml'), manifestYaml), this.save(record), fs.writeFile(join(dir, 'logs.txt'), '')]);
  }

  save(record: RunRecord): Promise<void> {
    return writeAtomic(join(this.dir(record.id), 'run.json'), JSON.stringify(record, null, 2) + '\n');
  }

  async get(id: string): Promise<RunRecord | undefined> {
    try {
      const r = JSON.parse(await fs.readFile(join(this.dir(id), 'run.json'), 'utf8')) as RunRecord;
      return r?.version === 1 && r.id === id ? r : undefined;
    } catch {
      return undefined;
    }
  }

  /** Every readable record, newest first. */
  async list(): Promise<RunRecord[]> {
    const names = await fs.readdir(this.root).catch(() => [] as string[]);
    const records = await Promise.all(names.filter((n) => /^[a-z0-9][-a-z0-9]*$/.test(n)).map((n) => this.get(n)));
    return records.filter((r): r is RunRecord => !!r).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  appendLog(id: string, text: string): Promise<void> {
    return fs.appendFile(join(this.dir(id), 'logs.txt'), text);
  }

  async appendMetrics(id: string, metrics: readonly MetricResult[]): Promise<void> {
    if (metrics.length) await fs.appendFile(join(this.dir(id), 'metrics.jsonl'), metrics.map((m) => JSON.stringify(m)).join('\n') + '\n');
  }

  /** Scalars read from the run's TensorBoard event files (src/experiments/tfevents), kept apart from the log's metrics. */
  async appendTensorBoardMetrics(id: string, metrics: readonly MetricResult[]): Promise<void> {
    if (metrics.length)
      await fs.appendFile(
        join(this.dir(id), TENSORBOARD_METRICS),
        metrics.map((m) => JSON.stringify({ ...m, source: 'tensorboard' })).join('\n') + '\n',
      );
  }

  /** Replaces the run's TensorBoard scalars (a follower that reads the event files again from their start). */
  writeTensorBoardMetrics(id: string, metrics: readonly MetricResult[]): Promise<void> {
    return writeAtomic(
      join(this.dir(id), TENSORBOARD_METRICS),
      metrics.map((m) => JSON.stringify({ ...m, source: 'tensorboard' }) + '\n').join(''),
    );
  }

  writeDrift(id: string, report: DriftReport): Promise<void> {
    return writeAtomic(join(this.dir(id), 'drift.json'), JSON.stringify(report, null, 1) + '\n');
  }

  /** The log's metrics (KUBEML_RESULT lines), then those of the run's TensorBoard files (each with source: 'tensorboard'). */
  async readMetrics(id: string): Promise<MetricResult[]> {
    const read = async (file: string, source?: 'tensorboard') =>
      parseJsonLines<MetricResult>(await fs.readFile(join(this.dir(id), file), 'utf8').catch(() => '')).map((m) =>
        source ? Object.assign(m, { source }) : m,
      );
    const [log, tensorboard] = await Promise.all([read('metrics.jsonl'), read(TENSORBOARD_METRICS, 'tensorboard')]);
    return [...log, ...tensorboard];
  }

  readLogs(id: string): Promise<string> {
    return fs.readFile(join(this.dir(id), 'logs.txt'), 'utf8').catch(() => '');
  }
}

/**
 * The objects of a JSON Lines text, skipping lines that do not parse (a line being written, a broken one).
 * One JSON.parse of the whole text as an array first (a run of 50,000 metric lines parses about 3x faster
 * that way); line by line when that fails.
 */
export function parseJsonLines<T>(text: string): T[] {
  const lines = text.split('\n').filter((l) => l.trim());
  if (!lines.length) return [];
  try {
    const all = JSON.parse(`[${lines.join(',')}]`) as unknown[];
    // A line holding two values ("1,2") would parse inside the array: only one value per line counts.
    if (all.length === lines.length && all.every((o) => o !== null && typeof o === 'object' && !Array.isArray(o))) return all as T[];
  } catch {
    // a broken line somewhere: line by line below
  }
  const out: T[] = [];
  for (const l of lines) {
    try {
      const o = JSON.parse(l) as unknown;
      if (o !== null && typeof o === 'object' && !Array.isArray(o)) out.push(o as T);
    } catch {
      // skipped
    }
  }
  return out;
}
