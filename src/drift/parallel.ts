/**
 * A full drift report from two tables, with the features shared between this thread and
 * worker threads when the data is large: each feature is summarised and compared where it is
 * sent (its reference is sorted once there and reused for every window), and the results are
 * put together in the order a single thread would give. Same numbers as computeDrift, which it
 * falls back to for small data or where workers cannot start.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { KubeMLError, type ClusterErrorKind } from '../common/errors';
import { assembleReport, computeDrift, cuts, pairColumns, summarizeReference, type DriftOptions, type PairResult } from './engine';
import { runJob, WORKER_MARK, type WorkerJob, type WorkerReply } from './worker';
import { DEFAULT_THRESHOLDS, type DriftReport, type DriftThresholds } from '../model/driftReport';
import type { Column, Table } from './table';

export interface ReportOptions extends DriftOptions {
  readonly thresholds?: Partial<DriftThresholds>;
  /** Worker threads to use besides this one (default: cores - 1, at most 3; 0: none). */
  readonly workers?: number;
}

/** Below this many values (reference + current, all features) one thread is faster than starting work elsewhere. */
const PARALLEL_MIN_VALUES = 2_000_000;

/** The worker's code: the bundled dist/driftWorker.js next to this bundle, or the TypeScript source under tsx. */
function workerEntry(): { file: string; execArgv: string[] } | undefined {
  const js = join(__dirname, 'driftWorker.js');
  if (existsSync(js)) return { file: js, execArgv: [] };
  const ts = join(__dirname, 'worker.ts');
  if (existsSync(ts)) return { file: ts, execArgv: ['--require', 'tsx/cjs'] };
  return undefined;
}

class Pool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, { resolve: (r: PairResult[]) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  broken = false;

  constructor(private readonly entry: { file: string; execArgv: string[] }) {}

  private spawn(): Worker {
    const w = new Worker(this.entry.file, { execArgv: this.entry.execArgv, workerData: { mark: WORKER_MARK } });
    w.on('message', (m: WorkerReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) for (const x of this.workers) x.unref();
      if ('error' in m) p.reject(new KubeMLError((m.error.kind as ClusterErrorKind) ?? 'unknown', m.error.message, m.error.hint));
      else {
        workerStats.jobs++;
        workerStats.pairs += m.results.length;
        p.resolve(m.results);
      }
    });
    const fail = (e: Error) => {
      this.broken = true;
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(e);
      }
    };
    w.on('error', fail);
    w.on('exit', (code) => {
      const i = this.workers.indexOf(w);
      if (i >= 0) this.workers.splice(i, 1);
      if (code !== 0) fail(new Error(`the drift worker stopped (exit ${code})`));
    });
    w.unref();
    return w;
  }

  run(index: number, job: Omit<WorkerJob, 'id'>): Promise<PairResult[]> {
    while (this.workers.length <= index) this.workers.push(this.spawn());
    const w = this.workers[index];
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.ref();
      w.postMessage({ ...job, id } satisfies WorkerJob);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((w) => w.terminate()));
  }
}

let pool: Pool | undefined;
/** Feature comparisons done on worker threads since start (for tests and benchmarks). */
export const workerStats = { jobs: 0, pairs: 0 };

/** Stops the worker threads (they also let the process exit while idle). */
export async function closeDriftWorkers(): Promise<void> {
  const p = pool;
  pool = undefined;
  await p?.close();
}

function cost(ref: Column, cur: Column): number {
  return ('values' in ref ? ref.values.length : ref.codes.length) + ('values' in cur ? cur.values.length : cur.codes.length);
}

/**
 * Splits the pairs into `parts` groups of about equal cost (largest first, each to the lightest
 * group); returns the group of each pair.
 */
export function balance(costs: readonly number[], parts: number): number[] {
  const load = new Array<number>(parts).fill(0);
  const group = new Array<number>(costs.length).fill(0);
  for (const i of costs.map((_, k) => k).sort((a, b) => costs[b] - costs[a])) {
    let g = 0;
    for (let k = 1; k < parts; k++) if (load[k] < load[g]) g = k;
    group[i] = g;
    load[g] += costs[i];
  }
  return group;
}

/** summarizeReference + computeDrift, on several threads when it pays. */
export async function driftReport(reference: Table, current: Table, options: ReportOptions = {}): Promise<DriftReport> {
  const t: DriftThresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
  const extra = Math.max(0, Math.min(options.workers ?? Math.min(3, availableParallelism() - 1), 8));
  const refCols = new Map(reference.columns.filter((c) => c.kind !== 'time').map((c) => [c.name, c]));
  const paired = pairColumns(refCols, reference.source, current, options);
  const curCols = new Map(current.columns.map((c) => [c.name, c]));
  const pairs = paired.names.map((name) => ({ ref: refCols.get(name)!, cur: curCols.get(name)! }));
  const costs = pairs.map((p) => cost(p.ref, p.cur));
  const total = costs.reduce((a, b) => a + b, 0);
  const entry = extra > 0 && pairs.length > 1 && total >= PARALLEL_MIN_VALUES ? workerEntry() : undefined;
  if (!entry || pool?.broken) return computeDrift(summarizeReference(reference, t), current, options);
  pool ??= new Pool(entry);
  const parts = Math.min(extra + 1, pairs.length);
  const group = balance(costs, parts);
  const cutList = options.windows ? cuts(current, options.windows) : [];
  const jobFor = (g: number) => ({ pairs: pairs.filter((_, i) => group[i] === g), thresholds: t, rows: current.rows, cuts: cutList });
  // Group 0 stays on this thread; the others go to workers first, so that all run at once.
  const remote = Array.from({ length: parts - 1 }, (_, k) => pool!.run(k, jobFor(k + 1)));
  const local = runJob(jobFor(0));
  let done: PairResult[][];
  try {
    done = [local, ...(await Promise.all(remote))];
  } catch (e) {
    if (KubeMLError.is(e)) throw e;
    // A worker that cannot run (no tsx, a broken bundle): the same report on this thread.
    return computeDrift(summarizeReference(reference, t), current, options);
  }
  const next = done.map(() => 0);
  const results = pairs.map((_, i) => done[group[i]][next[group[i]]++]);
  const warnings = [
    ...reference.warnings.map((w) => `reference: ${w}`),
    ...current.warnings.map((w) => `current: ${w}`),
    ...paired.warnings,
  ];
  return assembleReport({ source: reference.source, rows: reference.rows }, t, current, warnings, results, cutList);
}
