/**
 * The one HTTP stack of KubeML: node-fetch, loaded with the first request rather than at
 * activation. The API server client (client.ts) sends through it with the kubeconfig's agent
 * (client certificates, CA); Prometheus, DCGM and model endpoints go through `httpFetch`. No
 * other module imports node-fetch or calls the global fetch (ESLint says so). Plain Node.
 */
import type * as NodeFetch from 'node-fetch';

export type { RequestInit, Response } from 'node-fetch';

/** node-fetch itself, for the API server client that passes the kubeconfig's agent. */
export function nodeFetch(): typeof NodeFetch.default {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberate lazy load
  return (require('node-fetch') as typeof NodeFetch).default;
}

export interface HttpInit {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly signal?: AbortSignal;
}

/** What KubeML reads of a response (a subset that node-fetch and WHATWG fetch both give). */
export interface HttpResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
}

export type HttpFetch = (url: string | URL, init?: HttpInit) => Promise<HttpResponse>;

/** A request to a server that is not the API server (Prometheus, a model's endpoint). */
export const httpFetch: HttpFetch = (url, init = {}) => nodeFetch()(String(url), { ...init, signal: init.signal as never });

/** Any header container (Headers, [k, v][] or a record) as a plain record. */
export function headersToRecord(h: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  if (typeof (h as { forEach?: unknown }).forEach === 'function' && !Array.isArray(h)) {
    (h as { forEach(cb: (v: string, k: string) => void): void }).forEach((v, k) => (out[k] = v));
  } else if (Array.isArray(h)) {
    for (const [k, v] of h as Array<[string, string]>) out[k] = v;
  } else {
    for (const [k, v] of Object.entries(h as Record<string, unknown>)) if (v !== undefined) out[k] = String(v);
  }
  return out;
}

/** The reason a request failed at the network level, as short as the platform says it ("ECONNREFUSED"). */
export function networkReason(e: unknown): string {
  const err = e as { name?: string; code?: string; errno?: string; message?: string; cause?: { code?: string; message?: string } };
  return err.code ?? err.errno ?? err.cause?.code ?? err.cause?.message ?? err.message ?? String(e);
}
