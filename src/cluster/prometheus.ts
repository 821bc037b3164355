/**
 * The Prometheus HTTP API client (kubeml.prometheus.url): range queries (`/api/v1/query_range`), instant
 * queries (`/api/v1/query`) and label values, with errors that say what happened and what to do. Used by
 * drift (its gauges over time) and job health (GPU use per pod). Plain Node.
 */
import { KubeMLError } from '../common/errors';
import { type HttpFetch, httpFetch, type HttpResponse, networkReason } from './http';

export interface PromOptions {
  readonly timeoutMs?: number;
  readonly fetch?: HttpFetch;
  readonly signal?: AbortSignal;
}

export interface RangeSeries {
  readonly metric: Readonly<Record<string, string>>;
  /** [unix seconds, value] ascending; NaN values are kept as NaN. */
  readonly values: ReadonlyArray<readonly [number, number]>;
}

interface PromBody {
  status?: string;
  error?: string;
  data?:
    | {
        resultType?: string;
        result?: Array<{ metric?: Record<string, string>; values?: Array<[number, string]>; value?: [number, string] }>;
      }
    | string[];
}

function hint(baseUrl: string): string {
  return `Check the kubeml.prometheus.url setting (${baseUrl}) and that Prometheus is running.`;
}

async function promGet(baseUrl: string, path: string, params: Record<string, string>, opts: PromOptions): Promise<PromBody> {
  let url: URL;
  try {
    url = new URL(path, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  } catch (e) {
    throw new KubeMLError(
      'bad-config',
      `Prometheus URL "${baseUrl}" is not a valid URL.`,
      'Set kubeml.prometheus.url to e.g. http://127.0.0.1:9090.',
      undefined,
      { cause: e },
    );
  }
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const signal = opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
  let res: HttpResponse;
  try {
    res = await (opts.fetch ?? httpFetch)(url, { signal, headers: { accept: 'application/json' } });
  } catch (e) {
    const name = (e as { name?: string }).name;
    const timedOut = name === 'TimeoutError' || name === 'AbortError';
    throw new KubeMLError(
      timedOut ? 'timeout' : 'unreachable',
      timedOut ? `Prometheus did not answer within ${timeoutMs} ms.` : `Cannot reach Prometheus at ${baseUrl}: ${networkReason(e)}.`,
      hint(baseUrl),
      undefined,
      { cause: e },
    );
  }
  let body: PromBody;
  try {
    body = (await res.json()) as PromBody;
  } catch (e) {
    throw new KubeMLError('server', `Prometheus answered HTTP ${res.status} with a body that is not JSON.`, hint(baseUrl), res.status, {
      cause: e,
    });
  }
  if (!res.ok || body.status !== 'success')
    throw new KubeMLError(
      res.status === 400 ? 'invalid' : 'server',
      `Prometheus query failed (HTTP ${res.status}): ${body.error ?? 'no error message'}.`,
      res.status === 400 ? 'Check the PromQL expression.' : hint(baseUrl),
      res.status,
    );
  return body;
}

/** A PromQL range query: one series per label set, values in time order. Times in unix seconds. */
export async function queryRange(
  baseUrl: string,
  query: string,
  start: number,
  end: number,
  step: number,
  opts: PromOptions = {},
): Promise<RangeSeries[]> {
  if (!(end > start) || !(step > 0)) throw new KubeMLError('invalid', 'A range query needs start < end and a positive step.');
  const body = await promGet(baseUrl, 'api/v1/query_range', { query, start: String(start), end: String(end), step: String(step) }, opts);
  const data = body.data;
  if (Array.isArray(data) || data?.resultType !== 'matrix')
    throw new KubeMLError(
      'invalid',
      `The query ${query} does not give series over time (${Array.isArray(data) ? 'a list' : (data?.resultType ?? 'nothing')}).`,
      'Give an expression that returns an instant vector, such as a gauge.',
    );
  return (data.result ?? []).map((r) => ({
    metric: r.metric ?? {},
    values: (r.values ?? []).map(([t, v]) => [Number(t), Number(v)] as const),
  }));
}

/** Values of one label across the series of a selector (e.g. the models that have drift gauges). */
export async function labelValues(baseUrl: string, label: string, selector: string, opts: PromOptions = {}): Promise<string[]> {
  const now = Math.floor(Date.now() / 1000);
  const body = await promGet(
    baseUrl,
    `api/v1/label/${encodeURIComponent(label)}/values`,
    { 'match[]': selector, start: String(now - 6 * 3600), end: String(now) },
    opts,
  );
  return Array.isArray(body.data) ? body.data.filter((x): x is string => typeof x === 'string').sort() : [];
}

export interface InstantSample {
  readonly metric: Readonly<Record<string, string>>;
  /** Unix seconds of the evaluation. */
  readonly time: number;
  /** NaN values are kept as NaN. */
  readonly value: number;
}

/** A PromQL instant query (`/api/v1/query`) at `time` (unix seconds; default now): one sample per series. */
export async function queryInstant(baseUrl: string, query: string, opts: PromOptions & { time?: number } = {}): Promise<InstantSample[]> {
  const params: Record<string, string> = { query };
  if (opts.time !== undefined) params.time = String(opts.time);
  const body = await promGet(baseUrl, 'api/v1/query', params, opts);
  const data = body.data;
  if (Array.isArray(data) || data?.resultType !== 'vector')
    throw new KubeMLError(
      'invalid',
      `The query ${query} does not give one sample per series (${Array.isArray(data) ? 'a list' : (data?.resultType ?? 'nothing')}).`,
      'Give an expression that returns an instant vector, such as a gauge or an aggregation of one.',
    );
  return (data.result ?? []).map((r) => ({ metric: r.metric ?? {}, time: Number(r.value?.[0]), value: Number(r.value?.[1]) }));
}
