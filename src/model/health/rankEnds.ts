/**
 * The doctor's findings about how a rank's containers ended (issue #16): OOMKilled, evicted, crashed, restarted,
 * each with its exit code or signal and the last lines before it. Pure.
 */
import type { RecognisedAt } from './logRecognisers';
import type { ContainerEnd, Evidence, Finding, RankInput, RankLogLine } from './types';

/** A finding and the time it is about (for sorting; undefined sorts last). */
export interface Dated {
  readonly finding: Finding;
  readonly at?: number;
}

const SIGNALS: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 6: 'SIGABRT', 7: 'SIGBUS', 9: 'SIGKILL', 11: 'SIGSEGV', 15: 'SIGTERM' };
const LAST_LINES = 5;

/** Ranks in the order people read them: by numeric rank, else master/chief/launcher/head before workers, then by index. */
export function rankLabelOrder(a: RankInput, b: RankInput): number {
  if (a.index !== undefined && b.index !== undefined && a.index !== b.index) return a.index - b.index;
  const role = (r: RankInput) => (/^(master|chief|launcher|head)\b/i.test(r.rank) ? 0 : 1);
  const num = (r: RankInput) => Number(/(\d+)(?!.*\d)/.exec(r.rank)?.[1] ?? Infinity);
  return role(a) - role(b) || a.rank.replace(/\d+/g, '').localeCompare(b.rank.replace(/\d+/g, '')) || num(a) - num(b);
}

/** The last `n` lines of a log as evidence, oldest first, plus `also` (an error line) when it is older than those. */
export function lastLines(r: RankInput, lines: readonly RankLogLine[], also?: RecognisedAt, n = LAST_LINES): Evidence[] {
  const from = Math.max(0, lines.length - n);
  const out: Evidence[] = lines.slice(from).map((l) => ({ rank: r.rank, pod: r.pod, line: trim(l.text), time: l.time }));
  if (also && also.index < from) out.unshift({ rank: r.rank, pod: r.pod, line: also.line, time: also.time });
  return out;
}

const trim = (s: string) => (s.length > 400 ? s.slice(0, 399) + '…' : s);

/** "exit code 137 (SIGKILL)", "signal 9 (SIGKILL)", "exit code 1". */
export function exitText(end: ContainerEnd): string {
  if (end.signal) return `signal ${end.signal}${SIGNALS[end.signal] ? ` (${SIGNALS[end.signal]})` : ''}`;
  if (end.exitCode === undefined) return end.reason ?? 'an unknown end';
  const sig = end.exitCode > 128 ? SIGNALS[end.exitCode - 128] : undefined;
  return `exit code ${end.exitCode}${sig ? ` (${sig})` : ''}`;
}

/** The error a log ends with: its last collective error or Python exception line. */
function lastError(hits: readonly RecognisedAt[]): RecognisedAt | undefined {
  for (let i = hits.length - 1; i >= 0; i--) if (hits[i]!.category !== 'nccl-warn') return hits[i];
  return undefined;
}

/** "45 s", "3 min", "2 h" (rounded), for titles. */
export function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} min`;
  return `${Math.round(m / 60)} h`;
}
/** ", 3 min ago" after a title's sentence, or nothing when the time is not known. */
export const since = (now: number, t: number | undefined) => (t === undefined ? '' : `, ${span(now - t)} ago`);
const lastTime = (lines: readonly RankLogLine[]) => {
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i]!.time !== undefined) return lines[i]!.time;
  return undefined;
};

/**
 * Findings about a rank's ends: `prevHits` and `curHits` are the recognised lines of its previous and current
 * container's logs (logRecognisers.ts).
 */
export function endFindings(r: RankInput, now: number, prevHits: readonly RecognisedAt[], curHits: readonly RecognisedAt[]): Dated[] {
  const out: Dated[] = [];
  const base = { rank: r.rank, pod: r.pod };
  if (r.phase === 'Evicted' || r.reason === 'Evicted') {
    const at = r.currentEnd?.finishedAt ?? lastTime(r.log);
    out.push({
      at,
      finding: {
        ...base,
        kind: 'evicted',
        severity: 'error',
        title: `${r.rank} was evicted from ${r.node ?? 'its node'}${r.message ? `: ${r.message}` : ''}${since(now, at)}`,
        advice:
          'The kubelet evicted the pod under node pressure (memory, disk) or for its ephemeral storage: set requests equal to limits (Guaranteed), or lower the pod’s disk use; the job needs all its ranks back.',
        evidence: [{ ...base, line: r.message ?? r.reason, time: at }, ...lastLines(r, r.log)],
      },
    });
    return out;
  }
  const current = r.currentEnd;
  const oomNow = current?.reason === 'OOMKilled';
  const oomBefore = !oomNow && r.lastEnd?.reason === 'OOMKilled';
  if (oomNow || oomBefore) {
    const end = oomNow ? current! : r.lastEnd!;
    const lines = oomNow ? r.log : (r.previousLog ?? []);
    const at = end.finishedAt ?? lastTime(lines);
    const restarted = r.restarts > 0 ? ` (restarted ${r.restarts} time${r.restarts > 1 ? 's' : ''})` : '';
    out.push({
      at,
      finding: {
        ...base,
        kind: 'oom',
        severity: 'error',
        title: `${r.rank} was killed for using more memory than its limit (OOMKilled, ${exitText(end)})${restarted}${since(now, at)}`,
        advice:
          'Raise the container’s memory limit, or use less: a smaller batch, fewer data-loader workers, no copies of the dataset per rank. GPU memory errors show as CUDA out of memory in the log instead.',
        evidence: lastLines(r, lines),
      },
    });
  }
  if (current && !oomNow && ((current.exitCode ?? 0) !== 0 || current.signal)) {
    const err = lastError(curHits);
    const at = current.finishedAt ?? lastTime(r.log);
    out.push({
      at,
      finding: {
        ...base,
        kind: 'crashed',
        severity: 'error',
        title: `${r.rank} failed with ${exitText(current)}${since(now, at)}${err ? `: ${err.summary}` : ''}`,
        advice: crashAdvice(current, err),
        evidence: lastLines(r, r.log, err),
      },
    });
  } else if (!current && r.phase === 'Failed') {
    const err = lastError(curHits);
    const at = lastTime(r.log);
    out.push({
      at,
      finding: {
        ...base,
        kind: 'crashed',
        severity: 'error',
        title: `${r.rank} failed${r.reason ? ` (${r.reason})` : ''}${since(now, at)}${err ? `: ${err.summary}` : ''}`,
        advice: r.message ?? crashAdvice(undefined, err),
        evidence: lastLines(r, r.log, err),
      },
    });
  }
  if (r.restarts > 0 && r.lastEnd && !oomBefore) {
    const err = lastError(prevHits);
    const prev = r.previousLog ?? [];
    const at = r.lastEnd.finishedAt ?? lastTime(prev);
    out.push({
      at,
      finding: {
        ...base,
        kind: 'restarts',
        severity: 'warning',
        title: `${r.rank} restarted ${r.restarts} time${r.restarts > 1 ? 's' : ''}; the last run ended with ${exitText(r.lastEnd)}${since(now, at)}${err ? `: ${err.summary}` : ''}`,
        advice:
          'A restarted rank rejoins a group the others may have left: with a static world size (env:// rendezvous) the job needs all ranks restarted together (torchrun --max-restarts, or the job’s restart policy); fix the error of the first run first.',
        evidence: prev.length ? lastLines(r, prev, err) : [{ ...base, line: r.lastEnd.message ?? r.lastEnd.reason, time: at }],
      },
    });
  }
  return out;
}

function crashAdvice(end: ContainerEnd | undefined, err: RecognisedAt | undefined): string {
  const code = end?.signal ? end.signal + 128 : end?.exitCode;
  if (code === 137)
    return 'Killed by SIGKILL without OOMKilled: something outside the process killed it (the node, a kill -9, a preemption). When the other ranks fail next with connection errors, this is where it started.';
  if (code === 139)
    return 'A segmentation fault: often a native extension, a CUDA/driver mismatch or a corrupted input; run it again with faulthandler (python -X faulthandler).';
  if (err && (err.category === 'peer-connection' || err.category === 'gloo-timeout' || err.category === 'nccl-timeout'))
    return 'It failed because another rank went away or stopped answering: look at the rank that failed or stopped first.';
  return 'Read its last lines: the exception the rank ended with is the one to fix; the other ranks usually fail after it with connection errors.';
}
