import { type KubeClient } from '../cluster/client';
import type { KubeStatus } from '../cluster/errors';
import { classifyError } from '../cluster/errors';
import { KubeMLError } from '../common/errors';
import { parseChunk, spanOf, splitDocuments, isBlankChunk, attachSource, LineTable } from './document';
import { parseFieldPath } from './fieldPath';
import type { Finding, Path } from './types';
import { headOf, type ResourceHead } from './workload';

/**
 * "Validate Against Cluster": a server-side dry run of every object in a file (POST with
 * dryRun=All and strict field validation; PUT when the object already exists), with the API
 * server's answer mapped back onto the YAML: each Status cause's `field` becomes a range.
 */
export interface DryRunOutcome {
  docIndex: number;
  head?: ResourceHead;
  ok: boolean;
  /** created / updated (would be) on success; the server's message otherwise. */
  summary: string;
}

export interface DryRunResult {
  findings: Finding[];
  outcomes: DryRunOutcome[];
}

interface ApiResource {
  name: string;
  namespaced: boolean;
  kind: string;
}

/** Field paths named in a Status: its causes, or (strict decoding) `unknown field "x.y"` in the message. */
export function statusProblems(status: KubeStatus): Array<{ field?: string; message: string }> {
  const causes = status.details?.causes ?? [];
  const out: Array<{ field?: string; message: string }> = [];
  for (const c of causes) {
    const field = c.field?.replace(/^\./, '');
    out.push({ field: field || undefined, message: c.message ?? c.reason ?? status.message ?? 'Rejected by the API server.' });
  }
  for (const m of (status.message ?? '').matchAll(/unknown field "([^"]+)"/g))
    out.push({ field: m[1]!.replace(/^\./, ''), message: `Unknown field "${m[1]}" (the API server's strict field validation).` });
  for (const m of (status.message ?? '').matchAll(/\.?([\w.[\]/-]+): field not declared in schema/g))
    out.push({ field: m[1], message: `Field not declared in the schema: ${m[1]}.` });
  if (out.length === 0)
    out.push({ message: status.message ?? `The API server answered ${status.code ?? '?'} (${status.reason ?? 'unknown reason'}).` });
  return out;
}

export { parseFieldPath };

export class DryRunner {
  private readonly discovery = new Map<string, Map<string, ApiResource>>();

  constructor(
    private readonly client: KubeClient,
    private readonly defaultNamespace: string,
  ) {}

  private async resourceFor(head: ResourceHead): Promise<ApiResource> {
    const gv = head.group ? `/apis/${head.group}/${head.version}` : `/api/${head.version}`;
    let kinds = this.discovery.get(gv);
    if (!kinds) {
      const list = await this.client
        .json<{ resources?: ApiResource[] }>(gv, { what: `discover ${head.apiVersion}`, timeoutMs: 10000 })
        .catch((e: unknown) => {
          if (KubeMLError.is(e) && e.kind === 'not-found')
            throw new KubeMLError(
              'not-found',
              `The cluster does not serve ${head.apiVersion}.`,
              'Install the CRD or operator that provides it, or fix apiVersion.',
            );
          throw e;
        });
      kinds = new Map((list.resources ?? []).filter((r) => !r.name.includes('/')).map((r) => [r.kind, r]));
      this.discovery.set(gv, kinds);
    }
    const r = kinds.get(head.kind);
    if (!r)
      throw new KubeMLError(
        'not-found',
        `The cluster serves ${head.apiVersion} but has no kind ${head.kind} in it.`,
        'Check the kind, or the operator version installed.',
      );
    return r;
  }

  /** One request that returns the Status body on failure instead of throwing. */
  private async send(
    method: 'POST' | 'PUT',
    path: string,
    body: unknown,
    signal?: AbortSignal,
  ): Promise<{ status: number; body: KubeStatus & { metadata?: { name?: string } } }> {
    try {
      const { status, text } = await this.client.request(path, {
        method,
        body,
        query: { dryRun: 'All', fieldValidation: 'Strict', fieldManager: 'kubeml' },
        signal,
        timeoutMs: 20_000,
        what: `dry-run ${method} ${path}`,
      });
      let parsed: KubeStatus = {};
      try {
        parsed = JSON.parse(text) as KubeStatus;
      } catch {
        parsed = { message: text.slice(0, 300) };
      }
      return { status, body: parsed };
    } catch (e) {
      if (KubeMLError.is(e)) throw e;
      throw classifyError(e, this.client.server, `dry-run ${method} ${path}`);
    }
  }

  async run(text: string, signal?: AbortSignal): Promise<DryRunResult> {
    const findings: Finding[] = [];
    const outcomes: DryRunOutcome[] = [];
    const lines = new LineTable(text);
    let docIndex = -1;
    for (const chunk of splitDocuments(text)) {
      if (isBlankChunk(chunk.text)) continue;
      docIndex++;
      const parsed = parseChunk(chunk.text);
      attachSource(parsed.doc, chunk.text);
      const head = headOf(parsed.value);
      const at = (path: Path): { start: number; end: number } => {
        const [s, e] = spanOf(parsed.doc, path);
        return { start: chunk.start + s, end: chunk.start + e };
      };
      const add = (span: { start: number; end: number }, message: string, severity: Finding['severity'] = 'error') =>
        findings.push({
          ruleId: 'cluster-dry-run',
          severity,
          message,
          ...span,
          startPos: lines.position(span.start),
          endPos: lines.position(span.end),
          docIndex,
        });
      if (!head || parsed.doc.errors.length || parsed.value === undefined) {
        outcomes.push({ docIndex, ok: false, summary: 'Not a Kubernetes object (or invalid YAML): skipped.' });
        continue;
      }
      try {
        const res = await this.resourceFor(head);
        const ns = head.namespace ?? this.defaultNamespace;
        const base =
          (head.group ? `/apis/${head.group}/${head.version}` : `/api/${head.version}`) +
          (res.namespaced ? `/namespaces/${encodeURIComponent(ns)}` : '') +
          `/${res.name}`;
        const obj = parsed.value as { metadata?: Record<string, unknown> };
        let reply = await this.send('POST', base, obj, signal);
        let verb = 'create';
        if (reply.status === 409 && head.name) {
          verb = 'update';
          // Replace needs the live resourceVersion; the dry run does not change it.
          const live = await this.client.json<{ metadata?: { resourceVersion?: string } }>(`${base}/${encodeURIComponent(head.name)}`, {
            what: `read ${head.kind} ${head.name}`,
            timeoutMs: 10000,
          });
          const withVersion = { ...obj, metadata: { ...(obj.metadata ?? {}), resourceVersion: live.metadata?.resourceVersion } };
          reply = await this.send('PUT', `${base}/${encodeURIComponent(head.name)}`, withVersion, signal);
        }
        if (reply.status >= 200 && reply.status < 300) {
          outcomes.push({ docIndex, head, ok: true, summary: `${head.kind} ${head.name ?? ''}: the API server would ${verb} it.` });
          continue;
        }
        for (const p of statusProblems(reply.body))
          add(
            p.field ? at(withMetadataPath(parseFieldPath(p.field))) : at(['kind']),
            `${p.message}${p.field ? ` (${p.field})` : ''} [${reply.body.reason ?? reply.status}]`,
          );
        outcomes.push({ docIndex, head, ok: false, summary: `${head.kind} ${head.name ?? ''}: ${reply.body.message ?? reply.status}` });
      } catch (e) {
        const message = KubeMLError.is(e) ? e.userMessage : e instanceof Error ? e.message : String(e);
        add(
          at(['apiVersion']),
          message,
          KubeMLError.is(e) && (e.kind === 'unreachable' || e.kind === 'timeout' || e.kind === 'unauthorized') ? 'warning' : 'error',
        );
        outcomes.push({ docIndex, head, ok: false, summary: `${head.kind} ${head.name ?? ''}: ${message}` });
      }
    }
    return { findings, outcomes };
  }
}

/** `metadata.name` in causes is relative to the object already; some servers prefix the kind's JSON path. */
function withMetadataPath(p: Path): Path {
  return p[0] === '' ? p.slice(1) : p;
}
