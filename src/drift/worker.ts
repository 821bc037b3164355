/**
 * The drift engine in a worker thread (see parallel.ts): summarises its share of the reference
 * columns and compares them with the current ones, whole and per window. Bundled as
 * dist/driftWorker.js; run from source through tsx in tests and benchmarks.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { comparePair, summarizeColumn, type Cut, type PairResult } from './engine';
import type { DriftThresholds } from '../model/driftReport';
import type { Column } from './table';

export interface WorkerJob {
  readonly id: number;
  readonly pairs: ReadonlyArray<{ readonly ref: Column; readonly cur: Column }>;
  readonly thresholds: DriftThresholds;
  readonly rows: number;
  readonly cuts: readonly Cut[];
}

export type WorkerReply =
  | { readonly id: number; readonly results: PairResult[] }
  | { readonly id: number; readonly error: { message: string; kind?: string; hint?: string } };

export function runJob(job: Omit<WorkerJob, 'id'>): PairResult[] {
  return job.pairs.map(({ ref, cur }) => comparePair(summarizeColumn(ref, job.thresholds.bins)!, cur, job.thresholds, job.rows, job.cuts));
}

/** Set in the workerData of the threads parallel.ts starts, so importing this module elsewhere does nothing. */
export const WORKER_MARK = 'kubeml-drift-worker';

if ((workerData as { mark?: string } | undefined)?.mark === WORKER_MARK)
  parentPort?.on('message', (job: WorkerJob) => {
    let reply: WorkerReply;
    try {
      reply = { id: job.id, results: runJob(job) };
    } catch (e) {
      const err = e as { message?: string; kind?: string; hint?: string };
      reply = { id: job.id, error: { message: String(err?.message ?? e), kind: err?.kind, hint: err?.hint } };
    }
    parentPort!.postMessage(reply);
  });
