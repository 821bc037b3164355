import { Disposable, Emitter } from '../common/lifecycle';
import { KubeMLError } from '../common/errors';
import { type GpuDevice, type GpuMetrics } from './rows/gpuUsage';
import { type HttpFetch, httpFetch, type HttpResponse, networkReason } from '../cluster/http';

/**
 * Per-device series (one per GPU or MIG instance, labelled Hostname, gpu, GPU_I_PROFILE/GPU_I_ID and,
 * with dcgm-exporter's Kubernetes pod mapping, namespace/pod): the view averages them per node and
 * per product itself, so both use the same numbers, and reads which GPU a pod holds.
 */
export const UTIL_QUERY = 'DCGM_FI_DEV_GPU_UTIL';
export const FB_USED_QUERY = 'DCGM_FI_DEV_FB_USED';
export const FB_FREE_QUERY = 'DCGM_FI_DEV_FB_FREE';

export interface QueryOptions {
  timeoutMs?: number;
  fetch?: HttpFetch;
}

interface PromVector {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: Array<{ metric?: Record<string, string>; value?: [number, string] }> };
}

function where(baseUrl: string): string {
  return `Check the kubeml.prometheus.url setting (${baseUrl}) and that Prometheus is running.`;
}

type Sample = { metric: Record<string, string>; value: number };

/**
 * Runs an instant query (`/api/v1/query`) and returns its samples (NaN and infinite values dropped).
 * Throws a KubeMLError when Prometheus cannot be reached, times out, or answers with an error.
 */
export async function instantSamples(baseUrl: string, query: string, opts: QueryOptions = {}): Promise<Sample[]> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const doFetch = opts.fetch ?? httpFetch;
  let url: URL;
  try {
    url = new URL('api/v1/query', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  } catch (e) {
    throw new KubeMLError(
      'bad-config',
      `Prometheus URL "${baseUrl}" is not a valid URL.`,
      'Set kubeml.prometheus.url to e.g. http://127.0.0.1:9090.',
      undefined,
      { cause: e },
    );
  }
  url.searchParams.set('query', query);
  let res: HttpResponse;
  try {
    res = await doFetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
  } catch (e) {
    const timedOut = (e as { name?: string }).name === 'TimeoutError' || (e as { name?: string }).name === 'AbortError';
    throw new KubeMLError(
      timedOut ? 'timeout' : 'unreachable',
      timedOut ? `Prometheus did not answer within ${timeoutMs} ms.` : `Cannot reach Prometheus: ${networkReason(e)}.`,
      where(baseUrl),
      undefined,
      { cause: e },
    );
  }
  let body: PromVector;
  try {
    body = (await res.json()) as PromVector;
  } catch (e) {
    throw new KubeMLError('server', `Prometheus answered HTTP ${res.status} with a body that is not JSON.`, where(baseUrl), res.status, {
      cause: e,
    });
  }
  if (!res.ok || body.status !== 'success') {
    throw new KubeMLError(
      'server',
      `Prometheus query failed (HTTP ${res.status}): ${body.error ?? 'no error message'}.`,
      where(baseUrl),
      res.status,
    );
  }
  const out: Sample[] = [];
  for (const r of body.data?.result ?? []) {
    const v = r.value ? Number(r.value[1]) : NaN;
    if (Number.isFinite(v)) out.push({ metric: r.metric ?? {}, value: v });
  }
  return out;
}

/** Runs an instant query and returns value by the given label (samples without it are dropped). */
export async function instantQuery(baseUrl: string, query: string, byLabel: string, opts: QueryOptions = {}): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const s of await instantSamples(baseUrl, query, opts)) {
    const key = s.metric[byLabel];
    if (key !== undefined) out.set(key, s.value);
  }
  return out;
}

/**
 * The devices of each node (by DCGM Hostname) with their utilisation, memory and pod, from the
 * three per-device queries. A device is Hostname + gpu (+ GPU_I_ID for a MIG instance); the pod
 * comes from the `namespace`/`pod` labels (`pod_namespace`/`pod_name` in older exporters).
 */
export async function fetchDcgm(baseUrl: string, opts: QueryOptions = {}): Promise<Map<string, GpuMetrics>> {
  const [util, used, free] = await Promise.all([UTIL_QUERY, FB_USED_QUERY, FB_FREE_QUERY].map((q) => instantSamples(baseUrl, q, opts)));
  const devices = new Map<string, { host: string; device: GpuDevice }>();
  const put = (samples: Sample[], field: 'utilPercent' | 'fbUsedMiB' | 'fbFreeMiB') => {
    for (const { metric: m, value } of samples) {
      const host = m.Hostname;
      const gpu = m.gpu;
      if (host === undefined || gpu === undefined) continue;
      const key = `${host}\0${gpu}\0${m.GPU_I_ID ?? ''}`;
      let d = devices.get(key);
      if (!d) {
        const device: GpuDevice = { gpu };
        if (m.GPU_I_ID !== undefined) device.mig = `${m.GPU_I_PROFILE ?? 'instance'} #${m.GPU_I_ID}`;
        devices.set(key, (d = { host, device }));
      }
      d.device[field] = value;
      const pod = m.pod || m.pod_name;
      const namespace = m.namespace || m.pod_namespace;
      if (pod && namespace) Object.assign(d.device, { pod, namespace });
    }
  };
  put(util, 'utilPercent');
  put(used, 'fbUsedMiB');
  put(free, 'fbFreeMiB');
  const out = new Map<string, GpuMetrics>();
  for (const { host, device } of devices.values()) {
    const m = out.get(host) ?? { devices: [] };
    m.devices.push(device);
    out.set(host, m);
  }
  for (const m of out.values())
    m.devices.sort((a, b) => a.gpu.localeCompare(b.gpu, undefined, { numeric: true }) || (a.mig ?? '').localeCompare(b.mig ?? ''));
  return out;
}

export interface DcgmPollerOptions extends QueryOptions {
  intervalMs?: number;
}

/**
 * Polls DCGM metrics while active (the GPUs view is visible and a URL is set). Keeps the last
 * good values; `error` holds the last failure (cleared by the next success). Fires after each poll.
 */
export class DcgmPoller extends Disposable {
  private readonly _onDidUpdate = this._register(new Emitter<void>());
  readonly onDidUpdate = this._onDidUpdate.event;
  private values = new Map<string, GpuMetrics>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private active = false;
  private url: string | undefined;
  private generation = 0;
  error: KubeMLError | undefined;

  constructor(private readonly opts: DcgmPollerOptions = {}) {
    super();
    this._register({ dispose: () => this.stop() });
  }

  get(node: string): GpuMetrics | undefined {
    return this.values.get(node);
  }

  /** Sets the Prometheus URL (undefined: no metrics) and whether polling is wanted. */
  configure(url: string | undefined, active: boolean): void {
    const changed = url !== this.url;
    this.url = url;
    if (changed) {
      this.values.clear();
      this.error = undefined;
      this.stop();
      this._onDidUpdate.fire();
    }
    const want = active && !!url;
    if (want && (!this.active || changed)) {
      this.active = true;
      void this.poll();
    } else if (!want && this.active) {
      this.stop();
    }
  }

  private stop(): void {
    this.active = false;
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One poll now (also used by tests); schedules the next while active. */
  async poll(): Promise<void> {
    const url = this.url;
    if (!url) return;
    const gen = this.generation;
    try {
      const values = await fetchDcgm(url, this.opts);
      if (gen !== this.generation) return;
      this.values = values;
      this.error = undefined;
    } catch (e) {
      if (gen !== this.generation) return;
      this.error = KubeMLError.is(e) ? e : new KubeMLError('unknown', `Reading DCGM metrics failed: ${String(e)}.`, where(url));
    }
    this._onDidUpdate.fire();
    if (this.active && gen === this.generation) {
      this.timer = setTimeout(() => void this.poll(), this.opts.intervalMs ?? 15_000);
      this.timer.unref?.();
    }
  }
}
