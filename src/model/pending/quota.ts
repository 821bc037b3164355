/**
 * ResourceQuota refusals: the API server's quota admission writes "exceeded quota: <name>, requested: <r>,
 * used: <u>, limited: <l>" (k8s.io/apiserver pkg/admission/plugin/resourcequota/controller.go; each list is
 * "resource=quantity" joined by ","), and the Job controller records it in a FailedCreate event:
 * `Error creating: pods "<name>" is forbidden: exceeded quota: ...` (pkg/controller/controller_utils.go).
 */
import { amount, GPU_RESOURCES, show } from './quantity';
import type { Finding } from './scheduler';
import type { ResourceQuotaLike } from './types';

export interface QuotaRefusal {
  quota: string;
  requested: Record<string, number>;
  used: Record<string, number>;
  limited: Record<string, number>;
}

function list(s: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const kv of s.split(',')) {
    const i = kv.indexOf('=');
    if (i > 0) out[kv.slice(0, i).trim()] = amount(kv.slice(i + 1).trim());
  }
  return out;
}

export function parseQuotaRefusal(message: string): QuotaRefusal | undefined {
  const m = /exceeded quota: ([^,]+), requested: (\S*), used: (\S*), limited: (\S*)/.exec(message);
  return m ? { quota: m[1]!, requested: list(m[2]!), used: list(m[3]!), limited: list(m[4]!) } : undefined;
}

/** The refusal as a finding; the quota's current status (when the reader has it) says what is free now. */
export function quotaFinding(r: QuotaRefusal, quotas: ResourceQuotaLike[] | undefined): Finding {
  const q = quotas?.find((x) => x.metadata.name === r.quota);
  const parts: string[] = [];
  let first = '';
  let gpuFree: { resource: string; free: number } | undefined;
  for (const [res, asked] of Object.entries(r.requested)) {
    const hard = q?.status?.hard?.[res] !== undefined ? amount(q.status.hard[res]) : r.limited[res];
    const used = q?.status?.used?.[res] !== undefined ? amount(q.status.used[res]) : r.used[res];
    if (hard === undefined || used === undefined) continue;
    const text = `asks ${show(res, asked)} ${res} and ${show(res, used)} of ${show(res, hard)} are in use`;
    parts.push(`quota ${r.quota}: a pod ${text}`);
    if (!first) first = text;
    const base = res.replace(/^(requests|limits)\./, '');
    if (GPU_RESOURCES.test(base) && !gpuFree) gpuFree = { resource: base, free: Math.max(0, hard - used) };
  }
  return {
    rank: -1,
    sentence: first
      ? `The namespace quota ${r.quota} refuses its pods: each ${first}.`
      : `The namespace quota ${r.quota} refuses its pods.`,
    detail: parts.length ? `${parts.join('; ')}.` : `quota ${r.quota} refuses the pods.`,
    actions: gpuFree && gpuFree.free > 0 ? [{ kind: 'setGpus', gpus: gpuFree.free, resource: gpuFree.resource, why: 'quotaFree' }] : [],
  };
}
