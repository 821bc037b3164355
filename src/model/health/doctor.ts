/**
 * The doctor of distributed training (issue #16, item 4): from what the health feature gathered of a job's ranks
 * (pods, their logs and ends), findings with evidence — a hung or straggling rank, collective errors with the rank
 * that reported first, OOMKilled / evicted / restarting / crashed ranks, ranks on different GPUs or drivers, ranks
 * never scheduled. Pure: JobInput in, findings out, sorted by severity then time.
 */
import { COLLECTIVE_CATEGORIES, recogniseLog, type LogCategory, type RecognisedAt } from './logRecognisers';
import { analyseProgress, type RankProgressInput } from './progress';
import { endFindings, rankLabelOrder, since, span, type Dated } from './rankEnds';
import { latestStepFromLog } from './rankLog';
import type { DoctorOptions, Evidence, Finding, JobInput, RankInput, RankLogLine, Severity } from './types';

interface Hits {
  readonly prev: RecognisedAt[];
  readonly cur: RecognisedAt[];
  readonly all: RecognisedAt[];
}

export { parseTimestampedLog, stepsFromLog } from './rankLog';
export { span } from './rankEnds';

const ago = since;

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
const MAX_EVIDENCE = 8;
/** How much later than the start of the timed-out collective a silent rank's last progress may be (clock and print order). */
const LOCKSTEP_SLACK_MS = 2000;

/** Findings of a job, most severe first, then the earliest first (the first failure is most often the cause). */
export function diagnose(job: JobInput, opts: DoctorOptions = {}): Finding[] {
  const ranks = [...job.ranks].sort(rankLabelOrder);
  const order = new Map(ranks.map((r, i) => [r.rank, i]));
  const hits = new Map<string, Hits>();
  for (const r of ranks) {
    const prev = recogniseLog(r.previousLog ?? []);
    const cur = recogniseLog(r.log);
    hits.set(r.rank, { prev, cur, all: prev.length ? [...prev, ...cur] : cur });
  }
  const dated: Dated[] = [...unscheduled(job, ranks).map((finding) => ({ finding }))];
  for (const r of ranks) dated.push(...endFindings(r, job.now, hits.get(r.rank)!.prev, hits.get(r.rank)!.cur));
  dated.push(...collective(ranks, hits, job.now));
  const stopped = stoppedRanks(ranks, job.now);
  dated.push(...stopped);
  const stoppedNames = new Set(stopped.map((d) => d.finding.rank));
  // A rank whose process is stopped is the hung one: the progress model's view of the same rank adds nothing.
  dated.push(...progressFindings(job, ranks, hits, opts).filter((d) => !(d.finding.kind === 'hung' && stoppedNames.has(d.finding.rank))));
  dated.push(...mixedGpus(ranks).map((finding) => ({ finding })));

  return dated
    .map((d, i) => ({ f: d.finding, i, t: d.at ?? Infinity, o: d.finding.rank !== undefined ? (order.get(d.finding.rank) ?? 1e9) : 1e9 }))
    .sort((a, b) => SEVERITY_ORDER[a.f.severity] - SEVERITY_ORDER[b.f.severity] || a.t - b.t || a.o - b.o || a.i - b.i)
    .map((x) => x.f);
}

function unscheduled(job: JobInput, ranks: readonly RankInput[]): Finding[] {
  const waiting = ranks.filter((r) => !r.scheduled && r.phase === 'Pending');
  if (!waiting.length) return [];
  const why = waiting.find((r) => r.unschedulable)?.unschedulable ?? job.pending;
  const names = waiting.map((r) => r.rank);
  const who =
    waiting.length === 1
      ? `${names[0]} is not scheduled`
      : `${waiting.length} ranks are not scheduled (${names.slice(0, 4).join(', ')}${names.length > 4 ? ', …' : ''})`;
  const others = ranks.filter((r) => r.scheduled && r.phase === 'Running').length; // waiting for them at the rendezvous
  return [
    {
      kind: 'unscheduled',
      severity: 'warning',
      title: `${who}${why ? `: ${why}` : ''}`,
      advice:
        others > 0
          ? `The ${others} running rank${others > 1 ? 's wait' : ' waits'} for ${waiting.length > 1 ? 'them' : 'it'} at the rendezvous and hold${others > 1 ? ' their' : 's its'} resources meanwhile: free the resources it needs, lower the request, or delete the job.`
          : 'Free the resources it needs, lower the request, or delete the job.',
      rank: waiting[0]!.rank,
      pod: waiting[0]!.pod,
      evidence: waiting.slice(0, MAX_EVIDENCE).map((r) => ({ rank: r.rank, pod: r.pod, line: r.unschedulable ?? job.pending })),
    },
  ];
}

const COLLECTIVE_ADVICE: Partial<Record<LogCategory, string>> = {
  'nccl-timeout':
    'A collective waited for a rank that never joined it: look at the rank that reported no timeout or stopped first (hung, crashed, restarted), not at the ones that timed out. TORCH_NCCL_TRACE_BUFFER_SIZE and the flight recorder show what each rank was doing.',
  'gloo-timeout':
    'A collective waited for a rank that never joined it: look at the rank that reported no timeout or stopped first (hung, crashed, restarted), not at the ones that timed out.',
  'peer-connection':
    'A peer closed its connection: most often the process of another rank exited or was killed; look for a crashed, OOMKilled or restarted rank at the same time.',
  rendezvous:
    'The ranks did not meet: check MASTER_ADDR and MASTER_PORT, that the master pod runs, and that its port is reachable from the others (Service, DNS, network policy).',
  'store-lost':
    'The rank that hosts the rendezvous store (rank 0, the master) exited or crashed, and the others lost it: look at how that rank ended first.',
  'nccl-error':
    'NCCL failed: "remote process exited" points at another rank that crashed; else run with NCCL_DEBUG=INFO to see the network or GPU error.',
};

function collective(ranks: readonly RankInput[], hits: Map<string, Hits>, now: number): Dated[] {
  const byCategory = new Map<LogCategory, Array<{ r: RankInput; h: RecognisedAt }>>();
  for (const r of ranks) {
    const seen = new Set<LogCategory>();
    for (const h of hits.get(r.rank)!.all) {
      if (!COLLECTIVE_CATEGORIES.has(h.category) || seen.has(h.category)) continue;
      seen.add(h.category); // the first line of each kind per rank
      const list = byCategory.get(h.category) ?? [];
      list.push({ r, h });
      byCategory.set(h.category, list);
    }
  }
  const out: Dated[] = [];
  for (const [category, list] of byCategory) {
    // The first reporter by time; lines without a time after those with one, in rank order (the list's order).
    const sorted = [...list].sort((a, b) => (a.h.time ?? Infinity) - (b.h.time ?? Infinity));
    const first = sorted[0]!;
    const more = list.length > 1 ? ` (${list.length} ranks reported it)` : '';
    out.push({
      at: first.h.time,
      finding: {
        kind: 'collective',
        severity: 'error',
        title: `${capital(first.h.summary)}: ${first.r.rank} reported it first${ago(now, first.h.time)}${more}`,
        advice: COLLECTIVE_ADVICE[category],
        rank: first.r.rank,
        pod: first.r.pod,
        evidence: sorted.slice(0, MAX_EVIDENCE).map(({ r, h }) => ({ rank: r.rank, pod: r.pod, line: h.line, time: h.time })),
      },
    });
  }
  return out;
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function progressFindings(job: JobInput, ranks: readonly RankInput[], hits: Map<string, Hits>, opts: DoctorOptions): Dated[] {
  const running = ranks.filter((r) => r.phase === 'Running');
  const inputs: RankProgressInput[] = running.map((r) => {
    let first: RankLogLine | undefined;
    let last: RankLogLine | undefined;
    let count = 0;
    for (const l of r.log)
      if (l.time !== undefined) {
        first ??= l;
        last = l;
        count++;
      }
    const latest = r.steps ? undefined : latestStepFromLog(r.log);
    return {
      rank: r.rank,
      pod: r.pod,
      points: r.steps ?? (latest ? [latest] : []),
      firstLineTime: first?.time,
      lastLineTime: last?.time,
      lastLine: last?.text,
      lineCount: count,
      started: r.started,
    };
  });
  const report = analyseProgress(inputs, job.now, opts);
  const out: Dated[] = [];
  const named = new Set<string>();
  const byRank = new Map(running.map((r) => [r.rank, r]));
  for (const h of report.hung) {
    named.add(h.rank);
    const top = Math.max(...h.others.map((o) => o.step ?? -Infinity));
    const title =
      h.basis === 'steps' && h.step !== undefined
        ? `${h.rank} stopped at step ${h.step} while the ${h.others.length > 1 ? 'others' : `other rank`} reached ${Number.isFinite(top) ? top : 'further'}${ago(job.now, h.since)}`
        : `${h.rank} has logged nothing for ${span(h.stalledMs)} while the others go on`;
    out.push({
      at: h.since,
      finding: {
        kind: 'hung',
        severity: 'error',
        title,
        advice: hungAdvice(h.rank),
        rank: h.rank,
        pod: h.pod,
        evidence: [
          { rank: h.rank, pod: h.pod, line: h.lastLine, time: h.lastLineTime ?? h.since },
          ...h.others
            .slice(0, MAX_EVIDENCE - 1)
            .map((o) => ({ rank: o.rank, pod: o.pod, line: o.step !== undefined ? `step ${o.step}` : o.lastLine, time: o.since })),
        ],
      },
    });
  }
  for (const s of report.stragglers) {
    out.push({
      at: s.since,
      finding: {
        kind: 'straggler',
        severity: 'warning',
        title: `${s.rank} is at step ${s.step} while the median rank is at ${s.median} (${Math.round(s.behind)} steps behind)`,
        advice: `Compare ${s.rank}'s node and GPU with the others' (a slower or throttled GPU, a busy node, a slow data shard): ranks in lockstep all wait for it.`,
        rank: s.rank,
        pod: s.pod,
        evidence: [
          { rank: s.rank, pod: s.pod, line: s.lastLine ?? `step ${s.step}`, time: s.since },
          ...s.others.slice(0, MAX_EVIDENCE - 1).map((o) => ({ rank: o.rank, pod: o.pod, line: `step ${o.step}`, time: o.since })),
        ],
      },
    });
  }
  // Lockstep: the others timed out in a collective while a running rank stayed silent since before that collective
  // began (the timeout's time minus how long it waited): it is the rank they waited for.
  const timeouts: Array<{ r: RankInput; h: RecognisedAt }> = [];
  for (const r of ranks)
    for (const h of hits.get(r.rank)!.all)
      if ((h.category === 'gloo-timeout' || h.category === 'nccl-timeout') && h.time !== undefined && h.waitedMs !== undefined)
        timeouts.push({ r, h });
  if (timeouts.length) {
    const collectiveStart = Math.min(...timeouts.map((t) => t.h.time! - t.h.waitedMs!));
    for (const p of report.ranks) {
      const r = byRank.get(p.rank)!;
      if (named.has(p.rank) || hits.get(p.rank)!.all.some((h) => COLLECTIVE_CATEGORIES.has(h.category))) continue;
      if (p.since === undefined && p.lastLineTime === undefined) continue;
      const since = p.since ?? p.lastLineTime!;
      if (since > collectiveStart + LOCKSTEP_SLACK_MS) continue; // it went on after the collective began
      const waiting = [...new Set(timeouts.map((t) => t.r.rank))];
      const waiters = waiting.length === 1 ? waiting[0]! : `${waiting.length} ranks`;
      out.push({
        at: since,
        finding: {
          kind: 'hung',
          severity: 'error',
          title: `${p.rank} went silent${p.step !== undefined ? ` at step ${p.step}` : ''}${ago(job.now, since)}, and ${waiters} timed out waiting in a collective`,
          advice: hungAdvice(p.rank),
          rank: p.rank,
          pod: r.pod,
          evidence: [
            { rank: p.rank, pod: r.pod, line: p.lastLine, time: p.lastLineTime ?? since },
            ...timeouts.slice(0, MAX_EVIDENCE - 1).map((t) => ({ rank: t.r.rank, pod: t.r.pod, line: t.h.line, time: t.h.time })),
          ],
        },
      });
    }
  }
  return out;
}

/**
 * Ranks whose processes (read through exec when a rank stalled, src/health/source.ts) are stopped: state T (a
 * SIGSTOP, a job-control stop) or t (held by a debugger or tracer). In synchronous data parallelism every other
 * rank waits for such a rank in the next collective and goes quiet at the same step, so the logs alone cannot
 * tell which one holds the others until the collective times out; the process state can.
 */
function stoppedRanks(ranks: readonly RankInput[], now: number): Dated[] {
  const out: Dated[] = [];
  for (const r of ranks) {
    if (r.phase !== 'Running') continue;
    const held = (r.processes ?? []).filter((p) => p.state === 'T' || p.state === 't');
    if (!held.length) continue;
    const main = held.find((p) => p.pid === 1) ?? held[0]!;
    // The evidence is the last line a person reads (not a KUBEML_RESULT record); silence counts from the last of any.
    const lastAny = [...r.log].reverse().find((l) => l.text.trim());
    const lastLine = [...r.log].reverse().find((l) => l.text.trim() && !l.text.startsWith('KUBEML_RESULT ')) ?? lastAny;
    const step = r.steps?.at(-1)?.step ?? latestStepFromLog(r.log)?.step;
    const others = ranks.filter((o) => o !== r && o.phase === 'Running');
    out.push({
      at: lastAny?.time,
      finding: {
        kind: 'hung',
        severity: 'error',
        title:
          `${r.rank} is stopped: its process ${main.command} (pid ${main.pid}) is in state ${main.state === 't' ? 't, held by a debugger or tracer' : 'T, stopped by a signal'}` +
          `${step !== undefined ? ` at step ${step}` : ''}${lastAny?.time !== undefined ? `, silent for ${span(Math.max(0, now - lastAny.time))}` : ''}` +
          (others.length ? `; ${others.length === 1 ? `${others[0]!.rank} waits` : `the ${others.length} other ranks wait`} for it` : ''),
        advice: `Resume it (kill -CONT from the node, or detach the debugger) or delete ${r.pod}: every other rank waits for it at the next collective, and times out there.`,
        rank: r.rank,
        pod: r.pod,
        evidence: [
          { rank: r.rank, pod: r.pod, line: lastLine?.text, time: lastLine?.time },
          ...held.slice(0, 3).map((p) => ({ rank: r.rank, pod: r.pod, line: `pid ${p.pid} (${p.command}) state ${p.state}` })),
        ],
      },
    });
  }
  return out;
}

const hungAdvice = (rank: string) =>
  `See what ${rank}'s process is doing (py-spy dump --pid 1 in its container, its node's load): a rank that is stopped, deadlocked or blocked on I/O holds every other rank at the next collective.`;

function mixedGpus(ranks: readonly RankInput[]): Finding[] {
  const out: Finding[] = [];
  const group = (key: (r: RankInput) => string | undefined) => {
    const m = new Map<string, RankInput[]>();
    for (const r of ranks) {
      const k = key(r);
      if (k) m.set(k, [...(m.get(k) ?? []), r]);
    }
    return m;
  };
  const describe = (m: Map<string, RankInput[]>) =>
    [...m].map(([k, rs]) => `${k} (${rs.length > 3 ? `${rs.length} ranks` : rs.map((r) => r.rank).join(', ')})`).join(', ');
  const evidence = (m: Map<string, RankInput[]>, what: string): Evidence[] =>
    [...m]
      .slice(0, MAX_EVIDENCE)
      .map(([k, rs]) => ({ rank: rs[0]!.rank, pod: rs[0]!.pod, line: `${what} ${k} on ${rs[0]!.node ?? 'its node'}` }));
  const products = group((r) => r.gpuProduct);
  if (products.size > 1)
    out.push({
      kind: 'mixed-gpus',
      severity: 'warning',
      title: `Ranks run on different GPUs: ${describe(products)}`,
      advice:
        'Ranks in lockstep run at the speed of the slowest GPU: pin the job to one product with a nodeSelector on nvidia.com/gpu.product.',
      evidence: evidence(products, 'GPU'),
    });
  const drivers = group((r) => r.driver);
  if (drivers.size > 1)
    out.push({
      kind: 'mixed-gpus',
      severity: 'warning',
      title: `Ranks run on nodes with different NVIDIA drivers: ${describe(drivers)}`,
      advice: 'Different drivers can make NCCL fail or hang between ranks: run the job on nodes with the same driver version.',
      evidence: evidence(drivers, 'driver'),
    });
  return out;
}
