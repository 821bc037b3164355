import { type KubeConfig } from '@kubernetes/client-node';
import { KubeMLError } from '../common/errors';
import { classifyError, errorFromResponse, type KubeStatus } from './errors';
import { headersToRecord, nodeFetch, type RequestInit, type Response } from './http';

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Names the operation in error messages: "list jobs in team-a". */
  what: string;
}

/**
 * Reads and writes the Kubernetes REST API through the user's kubeconfig (any auth that
 * @kubernetes/client-node supports: exec plugins, tokens, client certificates).
 * No `vscode` import; used by the cache, the writers and the commands alike.
 */
export class KubeClient {
  constructor(readonly kc: KubeConfig) {}

  get server(): string {
    return this.kc.getCurrentCluster()?.server ?? '(no server)';
  }

  url(path: string, query?: RequestOptions['query']): string {
    const u = new URL(this.server.replace(/\/+$/, '') + path);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v !== undefined) u.searchParams.set(k, String(v));
    }
    return u.toString();
  }

  /**
   * The agent (TLS, client certificates) and headers (bearer tokens from tokens, exec plugins,
   * OIDC) for a request, as a plain object. client-node returns a `Headers` instance, which
   * object spread would silently empty: that would send token users' requests anonymously.
   */
  async fetchInit(method: string): Promise<RequestInit & { headers: Record<string, string> }> {
    const init = (await this.kc.applyToFetchOptions({ method } as never)) as RequestInit;
    return { ...init, method, headers: headersToRecord(init.headers) };
  }

  /**
   * One request: the kubeconfig's credentials and agent, the body, the timeout and the caller's
   * abort signal; `handle` reads the response while the request is still bounded. Network
   * failures become classified KubeMLErrors.
   */
  private async send<T>(
    path: string,
    opts: RequestOptions,
    handle: (res: Response, controller: AbortController) => Promise<T>,
  ): Promise<T> {
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    opts.signal?.addEventListener('abort', onAbort);
    const timer = opts.timeoutMs ? setTimeout(() => controller.abort(), opts.timeoutMs) : undefined;
    try {
      const init = await this.fetchInit(opts.method ?? 'GET');
      const headers = init.headers;
      let body: string | undefined;
      if (opts.body !== undefined) {
        body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
        headers['Content-Type'] = opts.contentType ?? 'application/json';
      }
      headers['Accept'] = headers['Accept'] ?? 'application/json';
      const res = await nodeFetch()(this.url(path, opts.query), {
        ...init,
        method: opts.method ?? 'GET',
        headers,
        body,
        signal: controller.signal as never,
      });
      return await handle(res, controller);
    } catch (e) {
      if (KubeMLError.is(e)) throw e;
      throw classifyError(e, this.server, opts.what);
    } finally {
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Sends a request; resolves with the Response for 2xx, throws a classified KubeMLError otherwise. */
  raw(path: string, opts: RequestOptions): Promise<Response> {
    return this.send(path, opts, async (res, controller) => {
      if (res.status >= 200 && res.status < 300) {
        // A body dropped before its end (a watch or a followed log that is stopped) aborts the
        // request, so that its socket is closed instead of staying open until the server ends it.
        const stream = res.body as unknown as NodeJS.ReadableStream & {
          on(e: string, f: () => void): void;
          once(e: string, f: () => void): void;
        };
        let ended = false;
        stream.once('end', () => (ended = true));
        stream.once('close', () => {
          if (ended) return;
          stream.on('error', () => undefined); // node-fetch reports the abort on the dropped body
          controller.abort();
        });
        return res;
      }
      let status: KubeStatus | undefined;
      const text = await res.text().catch(() => '');
      try {
        status = JSON.parse(text) as KubeStatus;
      } catch {
        status = text ? { message: text.slice(0, 300) } : undefined;
      }
      throw errorFromResponse(res.status, status, this.server, opts.what);
    });
  }

  /**
   * Sends a request and resolves with the status and body whatever the status (a dry run reads the
   * Status of a refusal); network failures still throw a classified KubeMLError.
   */
  request(path: string, opts: RequestOptions): Promise<{ status: number; text: string }> {
    return this.send(path, opts, async (res) => ({ status: res.status, text: await res.text() }));
  }

  async json<T>(path: string, opts: RequestOptions): Promise<T> {
    const res = await this.raw(path, opts);
    return (await res.json()) as T;
  }

  /** GET /version: proves the server answers and the credentials work. */
  async version(timeoutMs = 5000, signal?: AbortSignal): Promise<{ gitVersion: string; major: string; minor: string }> {
    return this.json('/version', { what: 'read the server version', timeoutMs, signal });
  }
}
