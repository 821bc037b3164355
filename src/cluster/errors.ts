import { KubeMLError } from '../common/errors';

/** A Kubernetes Status object, as the API server returns on errors. */
export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; kind?: string; causes?: Array<{ reason?: string; message?: string; field?: string }> };
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'refused the connection',
  ENOTFOUND: 'has a host name that does not resolve',
  EAI_AGAIN: 'has a host name that does not resolve right now',
  ETIMEDOUT: 'did not answer in time',
  ECONNRESET: 'closed the connection',
  EHOSTUNREACH: 'is not reachable',
  ENETUNREACH: 'is not reachable',
};

/**
 * Turns anything a request can throw, or an error response, into a KubeMLError that says what
 * happened and what to do. `what` names the operation ("list jobs in team-a").
 */
export function classifyError(e: unknown, server: string, what: string): KubeMLError {
  if (KubeMLError.is(e)) {
    return e;
  }
  const err = e as { code?: string; name?: string; type?: string; message?: string; cause?: { code?: string } };
  const code = err?.code ?? err?.cause?.code;
  if (err?.name === 'AbortError' || err?.type === 'aborted' || code === 'ABORT_ERR') {
    return new KubeMLError(
      'timeout',
      `The cluster at ${server} did not answer in time (${what}).`,
      'Check the network or VPN, then Retry.',
      undefined,
      { cause: e },
    );
  }
  if (code && NETWORK_CODES[code]) {
    return new KubeMLError(
      'unreachable',
      `The cluster at ${server} ${NETWORK_CODES[code]} (${code}).`,
      'Check that the cluster is running and reachable, or select another context.',
      undefined,
      { cause: e },
    );
  }
  if (code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) {
    return new KubeMLError(
      'unreachable',
      `The TLS certificate of ${server} was rejected (${code}).`,
      'Check certificate-authority in your kubeconfig.',
      undefined,
      { cause: e },
    );
  }
  const msg = err?.message ?? String(e);
  if (/exec|credential|token/i.test(msg) && /expired|refresh|plugin|failed/i.test(msg)) {
    return new KubeMLError(
      'unauthorized',
      `Your credentials for ${server} could not be obtained: ${msg}.`,
      'Log in again with your cloud CLI (the kubeconfig exec plugin), then Retry.',
      undefined,
      { cause: e },
    );
  }
  return new KubeMLError('unknown', `${what} failed: ${msg}`, undefined, undefined, { cause: e });
}

/** Maps an HTTP error response (status + optional Status body) to a KubeMLError. */
export function errorFromResponse(status: number, body: KubeStatus | undefined, server: string, what: string): KubeMLError {
  const said = body?.message ? `: ${body.message}` : '';
  switch (status) {
    case 401:
      return new KubeMLError(
        'unauthorized',
        `The cluster at ${server} rejected your credentials (401 Unauthorized)${said}.`,
        'Your token or certificate may have expired: log in again, then Retry.',
        status,
      );
    case 403:
      return new KubeMLError(
        'forbidden',
        `You may not ${what} (403 Forbidden)${said}.`,
        'Ask for RBAC access, or choose a namespace you can read.',
        status,
      );
    case 404:
      return new KubeMLError('not-found', `Not found while trying to ${what}${said}.`, undefined, status);
    case 409:
      return new KubeMLError('conflict', `Conflict while trying to ${what}${said}.`, undefined, status);
    case 410:
      return new KubeMLError('gone', `The watch of ${what} expired (410 Gone)${said}.`, undefined, status);
    case 422:
    case 400:
      return new KubeMLError('invalid', `The API server rejected the request to ${what}${said}.`, undefined, status);
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return new KubeMLError(
        'server',
        `The API server could not ${what} (${status})${said}.`,
        'It may be overloaded or restarting; KubeML retries.',
        status,
      );
    default:
      return new KubeMLError('unknown', `The API server answered ${status} to ${what}${said}.`, undefined, status);
  }
}
