/**
 * Kueue's side of a pending job: the Workload's conditions and the per-flavor reasons the scheduler wrote
 * into them (sigs.k8s.io/kueue v0.17.0 pkg/scheduler/flavorassigner/flavorassigner.go: Assignment.Message
 * "couldn't assign flavors to pod set <ps>: <reasons sorted, joined by ', '>", pod sets joined by "; ";
 * fitsResourceQuota "insufficient unused quota for <r> in flavor <f>, <q> more needed" and "insufficient quota
 * for <r> in flavor <f>, previously considered podsets requests (<a>) + current podset request (<q>) > maximum
 * capacity (<m>)"; checkFlavorForPodSets "untolerated taint <t> in flavor <f>", "flavor <f> doesn't match node
 * affinity", "flavor <f> not found"), read against the ClusterQueue's quotas, its cohort and the queue order.
 */
import { age, amount, GPU_RESOURCES, ordinal, show, sumMaps } from './quantity';
import type { Finding } from './scheduler';
import type { ClusterQueueLike, Condition, KueueInput, PendingAction, QueuedWorkload } from './types';

export type KueueReason =
  | { kind: 'unused'; resource: string; flavor: string; more: number; text: string }
  | { kind: 'max'; resource: string; flavor: string; assumed: number; request: number; max: number; text: string }
  | { kind: 'taint'; flavor: string; taint: string; text: string }
  | { kind: 'affinity'; flavor: string; text: string }
  | { kind: 'flavorNotFound'; flavor: string; text: string }
  | { kind: 'other'; text: string };

const REASON_START =
  /, (?=insufficient (?:unused )?quota for |untolerated taint |flavor \S+ (?:not found|doesn't match)|could not assign |Flavor ")/;

function classify(text: string): KueueReason {
  let m: RegExpExecArray | null;
  if ((m = /^insufficient unused quota for (\S+) in flavor (\S+), (\S+) more needed$/.exec(text)))
    return { kind: 'unused', resource: m[1]!, flavor: m[2]!, more: amount(m[3]), text };
  if (
    (m =
      /^insufficient quota for (\S+) in flavor (\S+), previously considered podsets requests \((\S+)\) \+ current podset request \((\S+)\) > maximum capacity \((\S+)\)$/.exec(
        text,
      ))
  )
    return { kind: 'max', resource: m[1]!, flavor: m[2]!, assumed: amount(m[3]), request: amount(m[4]), max: amount(m[5]), text };
  if ((m = /^untolerated taint (.+) in flavor (\S+)$/.exec(text))) return { kind: 'taint', flavor: m[2]!, taint: m[1]!, text };
  if ((m = /^flavor (\S+) doesn't match node affinity$/.exec(text))) return { kind: 'affinity', flavor: m[1]!, text };
  if ((m = /^flavor (\S+) not found$/.exec(text))) return { kind: 'flavorNotFound', flavor: m[1]!, text };
  return { kind: 'other', text };
}

/** The reasons of a QuotaReserved=False message, pod set by pod set; other messages become one 'other' reason. */
export function parseKueueMessage(message: string): Array<{ podSet?: string; reasons: KueueReason[] }> {
  const parts = message.split(/;\s*(?=couldn't assign flavors to pod set )/);
  const out: Array<{ podSet?: string; reasons: KueueReason[] }> = [];
  for (const part of parts) {
    const m =
      /^couldn't assign flavors to pod set (\S+): ([^]*?)(?:\. Pending the preemption of \d+ workload\(s\)|\. Preempting \d+ workload\(s\) failed, will retry\.)?$/.exec(
        part,
      );
    if (m) out.push({ podSet: m[1]!, reasons: m[2]!.split(REASON_START).map(classify) });
    else out.push({ reasons: [{ kind: 'other', text: part }] });
  }
  return out;
}

interface FlavorQuota {
  nominal: number;
  borrowingLimit?: number;
  reserved: number;
}

function quotaOf(cq: ClusterQueueLike | undefined, flavor: string, resource: string): FlavorQuota | undefined {
  for (const g of cq?.spec?.resourceGroups ?? [])
    for (const f of g.flavors ?? []) {
      if (f.name !== flavor) continue;
      const r = (f.resources ?? []).find((x) => x.name === resource);
      if (!r) continue;
      const usage = cq?.status?.flavorsReservation ?? cq?.status?.flavorsUsage ?? [];
      const used = usage.find((x) => x.name === flavor)?.resources?.find((x) => x.name === resource);
      return {
        nominal: amount(r.nominalQuota),
        ...(r.borrowingLimit !== undefined ? { borrowingLimit: amount(r.borrowingLimit) } : {}),
        reserved: amount(used?.total),
      };
    }
  return undefined;
}

const cohortOf = (cq: ClusterQueueLike | undefined): string | undefined => cq?.spec?.cohortName ?? cq?.spec?.cohort ?? undefined;

/**
 * What the queue could borrow from its cohort now: the cohort's nominal quota minus all its reservations,
 * beyond the queue's own free quota, within its borrowingLimit (Kueue's classical borrowing, no lending limits).
 */
function borrowable(cq: ClusterQueueLike, all: ClusterQueueLike[], flavor: string, resource: string): { can: number; why?: string } {
  const own = quotaOf(cq, flavor, resource)!;
  const cohort = cohortOf(cq);
  if (!cohort) return { can: 0, why: 'it is in no cohort' };
  if (own.borrowingLimit === 0) return { can: 0, why: 'its borrowingLimit is 0' };
  const members = [cq, ...all.filter((x) => x.metadata.name !== cq.metadata.name && cohortOf(x) === cohort)];
  if (members.length === 1) return { can: 0, why: `no other queue of cohort ${cohort} is visible` };
  let nominal = 0;
  let reserved = 0;
  for (const m of members) {
    const q = quotaOf(m, flavor, resource);
    if (q) {
      nominal += q.nominal;
      reserved += q.reserved;
    }
  }
  const ownFree = Math.max(0, own.nominal - own.reserved);
  const room = own.borrowingLimit === undefined ? Infinity : Math.max(0, own.borrowingLimit - Math.max(0, own.reserved - own.nominal));
  const can = Math.min(room, Math.max(0, nominal - reserved - ownFree));
  return can > 0 ? { can } : { can: 0, why: room === 0 ? 'it has borrowed up to its borrowingLimit' : 'the cohort is full' };
}

function isTrue(c: Condition | undefined): boolean {
  return c?.status === 'True';
}

const label = (resource: string, n: number): string =>
  resource === 'nvidia.com/gpu' ? `${show(resource, n)} GPU${n === 1 ? '' : 's'}` : `${show(resource, n)} ${resource}`;

function aheadText(w: QueuedWorkload, now: number): string {
  const bits = [
    ...(w.owner ? [w.owner] : []),
    ...Object.entries(sumMaps([w.requests]))
      .filter(([k, v]) => GPU_RESOURCES.test(k) && v > 0)
      .map(([k, v]) => label(k, v)),
    ...(age(w.creationTimestamp, now) ? [age(w.creationTimestamp, now)!] : []),
  ];
  return `${w.namespace}/${w.name}${bits.length ? ` (${bits.join(', ')})` : ''}`;
}

export interface KueueResult {
  findings: Finding[];
  position?: { localQueue?: string; clusterQueue?: string; position?: number; positionInClusterQueue?: number; detail: string };
  /** Kueue's own words, for the details. */
  said: string[];
  actions: PendingAction[];
}

/** Undefined when Kueue has admitted the workload: then the scheduler (or a quota) holds the pods back. */
export function kueueFindings(k: KueueInput, now: number): KueueResult | undefined {
  const wl = k.workload;
  const conds = wl.status?.conditions ?? [];
  const cond = (t: string): Condition | undefined => conds.find((c) => c.type === t);
  if (isTrue(cond('Admitted'))) return undefined;
  const cq = k.clusterQueue;
  const cqName = cq?.metadata.name ?? wl.status?.admission?.clusterQueue;
  const lq = k.position?.localQueueName ?? wl.spec?.queueName;
  const queueName = lq ?? cqName ?? 'its queue';
  const request = sumMaps((wl.status?.resourceRequests ?? []).map((r) => r.resources));
  const podCount = (wl.spec?.podSets ?? []).reduce((n, p) => n + (p.count ?? 1), 0) || 1;
  const findings: Finding[] = [];
  const said: string[] = [];
  /** Actions about the queue as a whole (switch queue, show what is ahead). */
  const actions: PendingAction[] = [];

  const evicted = cond('Evicted');
  if (isTrue(evicted)) {
    said.push(`Kueue: Evicted (${evicted!.reason ?? ''}): ${evicted!.message ?? ''}`);
    const m = /due to (.+?); preemptor path: (\S+);/.exec(evicted!.message ?? '');
    findings.push({
      rank: -3,
      sentence: m
        ? `Kueue preempted it for a workload of ${m[2]} (${m[1]}); it waits to be admitted again.`
        : `Kueue evicted it (${evicted!.reason ?? 'no reason given'}); it waits to be admitted again.`,
      detail: `Evicted: ${evicted!.message ?? evicted!.reason ?? ''}`,
      actions: [],
    });
  }

  const reserved = cond('QuotaReserved');
  if (isTrue(reserved)) {
    const waiting = (wl.status?.admissionChecks ?? []).filter((c) => c.state !== 'Ready');
    for (const c of waiting) said.push(`Kueue: admission check ${c.name}: ${c.state ?? 'Pending'}${c.message ? `: ${c.message}` : ''}`);
    findings.push({
      rank: -4,
      sentence: waiting.length
        ? `Quota is reserved in ${cqName ?? queueName}; it waits for admission check ${waiting.map((c) => `${c.name} (${c.state ?? 'Pending'})`).join(', ')}.`
        : `Quota is reserved in ${cqName ?? queueName}; it waits for Kueue to admit it.`,
      detail: waiting.length
        ? waiting.map((c) => `admission check ${c.name}: ${c.state ?? 'Pending'}${c.message ? `: ${c.message}` : ''}`).join('; ')
        : 'quota reserved, not admitted yet',
      actions: [],
    });
  } else {
    const message = reserved?.message ?? '';
    if (message) said.push(`Kueue: ${reserved?.reason ?? 'Pending'}: ${message}`);
    const parsed = message ? parseKueueMessage(message) : [];
    const reasons = parsed.flatMap((p) => p.reasons);
    const short: Array<{ flavor: string; resource: string; free: number; sentence: string; detail: string; max?: true }> = [];
    for (const r of reasons) {
      if (r.kind === 'unused' || r.kind === 'max') {
        const q = quotaOf(cq, r.flavor, r.resource);
        const need = request[r.resource] ?? (r.kind === 'max' ? r.request + r.assumed : undefined);
        const needs =
          need !== undefined
            ? `It needs ${show(r.resource, need)} ${r.resource} in flavor ${r.flavor}`
            : `It needs ${show(r.resource, r.kind === 'unused' ? r.more : r.request)} more ${r.resource} in flavor ${r.flavor}`;
        if (r.kind === 'max') {
          const s = `${needs}, more than ${cqName ?? queueName} can ever hold (${show(r.resource, r.max)}).`;
          short.push({
            flavor: r.flavor,
            resource: r.resource,
            free: r.max,
            sentence: s,
            detail: `flavor ${r.flavor}: ${r.text}`,
            max: true,
          });
          continue;
        }
        let s: string;
        let free = 0;
        if (q && cq) {
          free = Math.max(0, q.nominal - q.reserved);
          const b = borrowable(cq, k.clusterQueues ?? [], r.flavor, r.resource);
          // The ClusterQueue's status lags Kueue's cache (it is written after the reservation): when it shows more
          // room than Kueue saw, Kueue's "N more needed" is the truth about what was free.
          if (need !== undefined && free + b.can > need - r.more) free = Math.max(0, need - r.more - b.can);
          const has = `${cq.metadata.name} has ${show(r.resource, free)} free of ${show(r.resource, q.nominal)}`;
          s =
            b.can > 0
              ? `${needs}; ${has} and can borrow ${show(r.resource, b.can)} from cohort ${cohortOf(cq)}: ${show(r.resource, r.more)} short.`
              : `${needs}; ${has} and cannot borrow: ${b.why}.`;
          free += b.can;
        } else s = `${needs}; ${cqName ?? queueName} is ${show(r.resource, r.more)} short.`;
        short.push({
          flavor: r.flavor,
          resource: r.resource,
          free,
          sentence: s,
          detail: `flavor ${r.flavor}: ${s.replace(/^It /, 'it ')}`,
        });
      } else if (r.kind === 'taint') {
        findings.push({
          rank: -2,
          sentence: `Flavor ${r.flavor} has a node taint the job does not tolerate (${r.taint}).`,
          detail: `flavor ${r.flavor}: ${r.text}`,
          actions: [],
        });
      } else if (r.kind === 'affinity') {
        findings.push({
          rank: -2,
          sentence: `Its node selector rules out flavor ${r.flavor}.`,
          detail: `flavor ${r.flavor}: ${r.text}`,
          actions: [],
        });
      } else if (r.kind === 'flavorNotFound') {
        findings.push({ rank: -2, sentence: `Flavor ${r.flavor} of ${cqName ?? queueName} does not exist.`, detail: r.text, actions: [] });
      } else {
        const m = /^LocalQueue (\S+) doesn't exist$/.exec(r.text);
        findings.push({
          rank: -2,
          sentence: m ? `Its queue ${m[1]} does not exist.` : `Kueue: ${r.text}`,
          detail: `Kueue: ${r.text}`,
          actions: [],
        });
      }
    }
    if (short.length) {
      const best = [...short].sort((a, b) => b.free - a.free)[0]!;
      const own: PendingAction[] = [];
      const res = best.resource;
      const perPod = Math.floor(best.free / podCount);
      if (GPU_RESOURCES.test(res) && perPod > 0 && (request[res] ?? Infinity) > best.free)
        own.push({ kind: 'setGpus', gpus: perPod, resource: res, why: best.max ? 'queueMax' : 'queueFree' });
      const sentence =
        short.length === 1
          ? short[0]!.sentence
          : `It needs ${request[res] !== undefined ? `${show(res, request[res]!)} ` : ''}${res} and no flavor of ${cqName ?? queueName} has room: ${short.map((x) => `${x.flavor} is ${x.free > 0 ? `${show(res, x.free)} free` : 'full'}`).join(', ')}.`;
      findings.push({ rank: -2, sentence, detail: short.map((x) => x.detail).join('; '), actions: own });
    }
    if (!message && findings.length === 0)
      findings.push({
        rank: -2,
        sentence: `It waits in ${queueName} for Kueue to reserve quota.`,
        detail: 'Kueue has not written a reason yet.',
        actions: [],
      });
  }

  // Queues with room for it now.
  const needRes = Object.keys(request).find((r) => GPU_RESOURCES.test(r) && request[r]! > 0);
  if (needRes && !isTrue(reserved))
    for (const other of k.localQueues ?? []) {
      if (other.name === lq || other.clusterQueue === cqName) continue;
      const ocq = (k.clusterQueues ?? []).find((x) => x.metadata.name === other.clusterQueue);
      for (const g of ocq?.spec?.resourceGroups ?? [])
        for (const f of g.flavors ?? []) {
          const q = quotaOf(ocq, f.name, needRes);
          if (!q || !ocq) continue;
          const free = Math.max(0, q.nominal - q.reserved) + borrowable(ocq, k.clusterQueues ?? [], f.name, needRes).can;
          if (free >= request[needRes]!) {
            actions.push({
              kind: 'switchQueue',
              queue: other.name,
              clusterQueue: other.clusterQueue,
              flavor: f.name,
              resource: needRes,
              free,
            });
            break;
          }
        }
    }

  let position: KueueResult['position'];
  const pos = k.position;
  if (pos && (pos.positionInLocalQueue !== undefined || pos.positionInClusterQueue !== undefined)) {
    const inLq = pos.positionInLocalQueue !== undefined ? pos.positionInLocalQueue + 1 : undefined;
    const inCq = pos.positionInClusterQueue !== undefined ? pos.positionInClusterQueue + 1 : undefined;
    const ahead = k.ahead ?? [];
    const where = inLq !== undefined ? `${ordinal(inLq)} in ${lq ?? queueName}` : `${ordinal(inCq!)} in ${cqName ?? queueName}`;
    const also = inLq !== undefined && inCq !== undefined && cqName ? ` (${ordinal(inCq)} in ClusterQueue ${cqName})` : '';
    const shown = ahead.slice(0, 3).map((w) => aheadText(w, now));
    const more = ahead.length > 3 ? `, and ${ahead.length - 3} more` : '';
    position = {
      ...(lq ? { localQueue: lq } : {}),
      ...(cqName ? { clusterQueue: cqName } : {}),
      ...(inLq !== undefined ? { position: inLq } : {}),
      ...(inCq !== undefined ? { positionInClusterQueue: inCq } : {}),
      detail: `${where}${also}${shown.length ? `; ahead: ${shown.join(', ')}${more}` : ''}`,
    };
    if (ahead.length)
      actions.push({
        kind: 'showBlockingWorkloads',
        ...(cqName ? { clusterQueue: cqName } : {}),
        workloads: ahead.map((w) => ({ namespace: w.namespace, name: w.name })),
      });
  }
  const queued = cq?.status?.pendingWorkloads;
  if (!position && cqName && queued !== undefined && !isTrue(reserved))
    position = { clusterQueue: cqName, ...(lq ? { localQueue: lq } : {}), detail: `${queued} workload(s) wait in ClusterQueue ${cqName}` };
  return { findings: findings.sort((a, b) => a.rank - b.rank), ...(position ? { position } : {}), said, actions };
}
