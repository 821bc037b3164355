/**
 * The progress model of the doctor (issue #16): per rank, when it last made progress — the time it first reached
 * its latest step (KUBEML_RESULT step metrics), or else the time of its last log line — and from that the hung
 * ranks (no progress for longer than hungAfterMs while another rank progressed in that time) and the stragglers
 * (far behind the median step). Pure.
 *
 * What it cannot see on its own: in synchronous data parallelism (DDP) every rank waits for the slowest in each
 * all-reduce, so a rank that stops (SIGSTOP, a deadlock) stops all of them within one step: every rank looks
 * stalled at the same step (`allStalled`). The doctor then names the culprit from the collective errors of the
 * others (doctor.ts); the progress model only says that all stopped, which is also what a finished or paused job
 * looks like, and so is never a finding by itself.
 */

export interface ProgressPoint {
  readonly time: number;
  readonly step: number;
}

export interface RankProgressInput {
  readonly rank: string;
  readonly pod?: string;
  /** Step points, oldest first (any order is accepted). */
  readonly points?: readonly ProgressPoint[];
  /** The log lines' times: the first and the last stamped line, and how many lines there are. */
  readonly firstLineTime?: number;
  readonly lastLineTime?: number;
  readonly lastLine?: string;
  readonly lineCount?: number;
  /** When the pod started; a rank is not judged before it has run for hungAfterMs. */
  readonly started?: number;
}

export interface RankProgress {
  readonly rank: string;
  readonly pod?: string;
  /** Where its progress time comes from: its steps, its log lines, or nothing that can be judged. */
  readonly basis: 'steps' | 'log' | 'none';
  /** Its latest step (steps basis). */
  readonly step?: number;
  /** When it last progressed: first reached `step`, or its last log line. */
  readonly since?: number;
  readonly lastLine?: string;
  readonly lastLineTime?: number;
}

export interface HungRank extends RankProgress {
  readonly since: number;
  readonly stalledMs: number;
  /** The ranks that progressed while this one did not (their latest step and when they reached it). */
  readonly others: readonly RankProgress[];
}

export interface Straggler extends RankProgress {
  readonly step: number;
  readonly median: number;
  readonly behind: number;
  readonly others: readonly RankProgress[];
}

export interface ProgressReport {
  readonly ranks: readonly RankProgress[];
  readonly hung: readonly HungRank[];
  readonly stragglers: readonly Straggler[];
  /** Every judged rank (two or more) has made no progress for hungAfterMs: finished, paused, or a lockstep hang. */
  readonly allStalled: boolean;
}

export interface ProgressOptions {
  readonly hungAfterMs?: number;
  readonly stragglerFraction?: number;
}

export const DEFAULT_HUNG_AFTER_MS = 60_000;
export const DEFAULT_STRAGGLER_FRACTION = 0.25;
/** Below this median step, differences are start-up noise and nobody is a straggler. */
export const MIN_STRAGGLER_MEDIAN = 8;
/** A rank judged by its log must have logged this many lines... */
const MIN_LOG_LINES = 3;

/** The latest step and the time it was first reached (later points at the same step are not progress). */
export function latestStep(points: readonly ProgressPoint[]): ProgressPoint | undefined {
  let best: ProgressPoint | undefined;
  for (const p of points) {
    if (!Number.isFinite(p.step) || !Number.isFinite(p.time)) continue;
    if (!best || p.step > best.step || (p.step === best.step && p.time < best.time)) best = p;
  }
  return best;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};

function progressOf(r: RankProgressInput, hungAfterMs: number): RankProgress {
  const base = { rank: r.rank, pod: r.pod, lastLine: r.lastLine, lastLineTime: r.lastLineTime };
  const latest = r.points?.length ? latestStep(r.points) : undefined;
  if (latest) return { ...base, basis: 'steps', step: latest.step, since: latest.time };
  // A rank that logged only a few lines, or only in a short burst (start-up), says nothing about its progress:
  // many jobs log from rank 0 alone.
  if (
    r.lastLineTime !== undefined &&
    r.firstLineTime !== undefined &&
    (r.lineCount ?? 0) >= MIN_LOG_LINES &&
    r.lastLineTime - r.firstLineTime >= hungAfterMs
  )
    return { ...base, basis: 'log', since: r.lastLineTime };
  return { ...base, basis: 'none' };
}

/** Hung ranks, stragglers and whether all stalled, at `now`. Only pass the ranks that are running. */
export function analyseProgress(input: readonly RankProgressInput[], now: number, opts: ProgressOptions = {}): ProgressReport {
  const hungAfterMs = opts.hungAfterMs ?? DEFAULT_HUNG_AFTER_MS;
  const fraction = opts.stragglerFraction ?? DEFAULT_STRAGGLER_FRACTION;
  const ranks = input.map((r) => progressOf(r, hungAfterMs));
  const startedOf = new Map(input.map((r) => [r.rank, r.started]));
  const judged = ranks.filter((r) => r.basis !== 'none' && r.since !== undefined);
  // Stalled: no progress for hungAfterMs, counted from its start when it started later than its last progress says.
  const stalledMs = (r: RankProgress) => now - Math.max(r.since!, startedOf.get(r.rank) ?? -Infinity);
  const alive = judged.filter((r) => stalledMs(r) <= hungAfterMs);
  const hung: HungRank[] = [];
  if (alive.length) {
    for (const r of judged) {
      const stalled = stalledMs(r);
      if (stalled <= hungAfterMs) continue;
      // Another rank progressed after this one stopped (alive now, and its progress is later than this one's).
      const others = alive.filter((o) => o.rank !== r.rank && o.since! > r.since!);
      if (others.length) hung.push({ ...r, since: r.since!, stalledMs: stalled, others });
    }
  }
  const stepped = ranks.filter((r) => r.basis === 'steps');
  const stragglers: Straggler[] = [];
  if (stepped.length >= 2) {
    const med = median(stepped.map((r) => r.step!));
    if (med >= MIN_STRAGGLER_MEDIAN) {
      for (const r of stepped) {
        const behind = med - r.step!;
        if (behind >= fraction * med && !hung.some((h) => h.rank === r.rank))
          stragglers.push({ ...r, step: r.step!, median: med, behind, others: stepped.filter((o) => o.rank !== r.rank) });
      }
    }
  }
  return { ranks, hung, stragglers, allStalled: judged.length >= 2 && alive.length === 0 };
}
