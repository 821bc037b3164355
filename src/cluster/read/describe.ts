import { stringify } from 'yaml';
import { type KubeClient } from '../client';
import { type KubeObject } from './informerState';
import { kind, objectPath, type ResourceKindId } from '../resources';

/** A core/v1 Event, as the explorer's Describe and the run launcher read it. */
export interface KubeEvent {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string;
  eventTime?: string;
  firstTimestamp?: string;
  source?: { component?: string };
  reportingController?: string;
  involvedObject?: { kind?: string; name?: string; uid?: string };
  metadata?: { creationTimestamp?: string };
}

/** A kubectl-describe-like text: the spec and status as YAML, then the object's events, newest last. */
export function formatDescription(o: KubeObject, events: readonly KubeEvent[]): string {
  const head = [
    `Name:         ${o.metadata.name}`,
    o.metadata.namespace ? `Namespace:    ${o.metadata.namespace}` : undefined,
    `Kind:         ${o.kind ?? ''} (${o.apiVersion ?? ''})`,
    `Created:      ${o.metadata.creationTimestamp ?? ''}`,
    o.metadata.labels
      ? `Labels:       ${Object.entries(o.metadata.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join('\n              ')}`
      : undefined,
    o.metadata.ownerReferences?.length
      ? `Controlled By: ${o.metadata.ownerReferences.map((r) => `${r.kind}/${r.name}`).join(', ')}`
      : undefined,
  ].filter((l): l is string => l !== undefined);
  const section = (title: string, v: unknown) => (v === undefined ? '' : `\n${title}:\n${indent(stringify(v, { lineWidth: 0 }))}`);
  const sorted = [...events].sort((a, b) => (when(a) ?? '').localeCompare(when(b) ?? ''));
  const ev =
    sorted.length === 0
      ? '\nEvents:  <none>\n'
      : `\nEvents:\n  ${pad('Type', 8)} ${pad('Reason', 24)} ${pad('Last seen', 22)} ${pad('From', 24)} Message\n` +
        sorted
          .map(
            (e) =>
              `  ${pad(e.type ?? '', 8)} ${pad(e.reason ?? '', 24)} ${pad(when(e) ?? '', 22)} ${pad(e.reportingController ?? e.source?.component ?? '', 24)} ${e.count && e.count > 1 ? `(x${e.count}) ` : ''}${e.message ?? ''}`,
          )
          .join('\n') +
        '\n';
  return `${head.join('\n')}\n${section('Spec', o.spec)}${section('Status', o.status)}${ev}`;
}

function when(e: KubeEvent): string | undefined {
  return e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp;
}
function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}
function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n');
}

/** Reads an object and its events and formats them. */
export async function describe(
  client: KubeClient,
  ref: { kindId: ResourceKindId; namespace?: string; name: string },
  signal?: AbortSignal,
): Promise<string> {
  const k = kind(ref.kindId);
  const o = await client.json<KubeObject>(objectPath(k, ref.name, ref.namespace), {
    what: `read ${k.kind} ${ref.name}`,
    timeoutMs: 15_000,
    signal,
  });
  const selector = [
    `involvedObject.name=${ref.name}`,
    `involvedObject.kind=${k.kind}`,
    o.metadata.uid ? `involvedObject.uid=${o.metadata.uid}` : undefined,
  ]
    .filter(Boolean)
    .join(',');
  const path = ref.namespace ? `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/events` : '/api/v1/events';
  let events: KubeEvent[] = [];
  try {
    events = (
      await client.json<{ items: KubeEvent[] }>(path, {
        what: `list events of ${ref.name}`,
        timeoutMs: 15_000,
        signal,
        query: { fieldSelector: selector },
      })
    ).items;
  } catch {
    // Events may be forbidden: describe the object anyway.
  }
  return formatDescription(o, events);
}
