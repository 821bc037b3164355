/**
 * Why a job is pending, in one plain sentence with numbers, details below and typed actions, from what the
 * cluster says: Kueue's Workload (when a queue holds the job), the namespace's ResourceQuota refusals (the
 * Job's FailedCreate events) and the scheduler's FailedScheduling reasons read against the nodes and claims.
 * Pure: the reader (explorer rows, the run launcher, the Queues view) gathers the objects.
 */
import { kueueFindings } from './kueue';
import { parseQuotaRefusal, quotaFinding } from './quota';
import { parseFitMessage, schedulerFindings, type Finding } from './scheduler';
import type { EventLike, PendingAction, PendingExplanation, PendingInput, PodLike } from './types';

function when(e: EventLike): number {
  const t = Date.parse(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? '');
  return Number.isFinite(t) ? t : 0;
}

function latest(events: EventLike[], reason: string, name?: (n: string | undefined) => boolean): EventLike | undefined {
  return events
    .filter((e) => e.reason === reason && (!name || name(e.involvedObject?.name)))
    .reduce<EventLike | undefined>((best, e) => (!best || when(e) >= when(best) ? e : best), undefined);
}

/** The pod the scheduler refuses, and its newest reason (the PodScheduled condition, else the newest event). */
function schedulerMessage(input: PendingInput): { pod?: PodLike; message?: string } {
  const pods = (input.pods ?? []).filter((p) => !p.spec?.nodeName);
  for (const pod of pods) {
    const c = pod.status?.conditions?.find((x) => x.type === 'PodScheduled' && x.status === 'False');
    if (c?.message) return { pod, message: c.message };
  }
  const e = latest(input.events ?? [], 'FailedScheduling', (n) => !pods.length || pods.some((p) => p.metadata.name === n));
  const pod = pods.find((p) => p.metadata.name === e?.involvedObject?.name) ?? pods[0] ?? input.pods?.[0];
  return { ...(pod ? { pod } : {}), ...(e?.message ? { message: e.message } : {}) };
}

function sameAction(a: PendingAction, b: PendingAction): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function explainPending(input: PendingInput): PendingExplanation {
  const now = typeof input.now === 'number' ? input.now : input.now ? Date.parse(input.now) : Date.now();
  const findings: Array<Finding & { source: PendingExplanation['source'] }> = [];
  const details: string[] = [];
  const said: string[] = [];
  const actions: PendingAction[] = [];
  let queue: PendingExplanation['queue'];

  const k = input.kueue ? kueueFindings(input.kueue, now) : undefined;
  if (k) {
    findings.push(...k.findings.map((f) => ({ ...f, source: 'kueue' as const })));
    said.push(...k.said);
    actions.push(...k.actions);
    if (k.position) {
      const { detail, ...rest } = k.position;
      queue = rest;
      details.push(detail);
    }
  }

  const created = (input.events ?? []).filter((e) => e.reason === 'FailedCreate' && e.message);
  const refusal = created.sort((a, b) => when(b) - when(a)).find((e) => parseQuotaRefusal(e.message!));
  if (refusal) {
    findings.push({ ...quotaFinding(parseQuotaRefusal(refusal.message!)!, input.resourceQuotas), source: 'quota' });
    said.push(`Job controller: ${refusal.message}`);
  }

  const { pod, message } = schedulerMessage(input);
  if (message) {
    said.push(`Scheduler: ${message}`);
    const fit = parseFitMessage(message);
    if (fit)
      findings.push(
        ...schedulerFindings(fit, {
          ...(pod ? { pod } : {}),
          nodes: input.nodes ?? [],
          nodeRequests: input.nodeRequests ?? {},
          claims: input.claims ?? [],
        }).map((f) => ({ ...f, source: 'scheduler' as const })),
      );
    else
      findings.push({
        rank: 7,
        sentence: `The scheduler cannot place it: ${message.replace(/\.?$/, '.')}`,
        detail: message,
        actions: [],
        source: 'scheduler',
      });
  }

  findings.sort((a, b) => a.rank - b.rank);
  for (const f of findings) {
    details.push(f.detail);
    for (const a of f.actions) if (!actions.some((x) => sameAction(x, a))) actions.push(a);
  }
  // Actions of the first finding first: they answer the sentence.
  const first = findings[0];
  if (first)
    actions.sort((a, b) => Number(first.actions.some((x) => sameAction(x, b))) - Number(first.actions.some((x) => sameAction(x, a))));
  details.push(...said);
  return {
    sentence: first?.sentence ?? 'Nothing explains the wait yet: no scheduler, quota or Kueue reason has been reported.',
    details,
    actions,
    source: first?.source ?? 'none',
    ...(queue ? { queue } : {}),
  };
}
