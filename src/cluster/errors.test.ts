import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import fetch from 'node-fetch';
import { KubeMLError } from '../common/errors';
import { classifyError, errorFromResponse, type KubeStatus } from './errors';

const SERVER = 'https://10.0.0.1:6443';
const WHAT = 'list jobs in team-a';

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  assert.fail('expected the request to fail');
}

/** A Kubernetes Status body as the API server sends it with an error. */
const status = (code: number, reason: string, message: string, details?: KubeStatus['details']): KubeStatus => ({
  kind: 'Status',
  status: 'Failure',
  message,
  reason,
  code,
  details,
});

describe('cluster errors: classifyError (what a request throws)', () => {
  it('returns a KubeMLError unchanged', () => {
    const e = new KubeMLError('forbidden', 'no');
    assert.equal(classifyError(e, SERVER, WHAT), e);
  });

  it('a refused connection (node-fetch, the client the extension uses) is "unreachable", naming the server and the code', async () => {
    const e = await rejection(fetch(`http://127.0.0.1:${await closedPort()}/api`));
    const k = classifyError(e, SERVER, WHAT);
    assert.equal(k.kind, 'unreachable');
    assert.match(k.message, /^The cluster at https:\/\/10\.0\.0\.1:6443 refused the connection \(ECONNREFUSED\)\.$/);
    assert.match(k.hint ?? '', /reachable, or select another context/);
    assert.equal(k.cause, e);
  });

  it('reads the code from the cause of a WHATWG fetch error ("fetch failed")', async () => {
    const e = await rejection(globalThis.fetch(`http://127.0.0.1:${await closedPort()}/api`));
    assert.equal((e as Error).message, 'fetch failed');
    assert.equal(classifyError(e, SERVER, WHAT).kind, 'unreachable');
  });

  it('an aborted request (our timeout or the caller) is "timeout", saying which operation', async () => {
    const hang: Server = createServer(() => undefined);
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    try {
      const ac = new AbortController();
      const p = rejection(fetch(`http://127.0.0.1:${(hang.address() as AddressInfo).port}/api`, { signal: ac.signal as never }));
      setImmediate(() => ac.abort());
      const k = classifyError(await p, SERVER, WHAT);
      assert.equal(k.kind, 'timeout');
      assert.equal(k.message, `The cluster at ${SERVER} did not answer in time (${WHAT}).`);
      assert.match(k.hint ?? '', /VPN/);
    } finally {
      hang.closeAllConnections();
      await new Promise((r) => hang.close(r));
    }
  });

  it('maps every network code it knows to a readable phrase', () => {
    const phrases: Record<string, RegExp> = {
      ENOTFOUND: /has a host name that does not resolve \(ENOTFOUND\)/,
      EAI_AGAIN: /does not resolve right now/,
      ETIMEDOUT: /did not answer in time \(ETIMEDOUT\)/,
      ECONNRESET: /closed the connection/,
      EHOSTUNREACH: /is not reachable/,
      ENETUNREACH: /is not reachable/,
    };
    for (const [code, re] of Object.entries(phrases)) {
      // The shape node-fetch gives a system error: FetchError with `code` and `errno`.
      const e = Object.assign(new Error(`request to ${SERVER}/api failed, reason: connect ${code}`), {
        name: 'FetchError',
        type: 'system',
        code,
        errno: code,
      });
      const k = classifyError(e, SERVER, WHAT);
      assert.equal(k.kind, 'unreachable', code);
      assert.match(k.message, re, code);
    }
  });

  it('a rejected TLS certificate is "unreachable" and points at certificate-authority', () => {
    for (const code of [
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'CERT_HAS_EXPIRED',
      'ERR_TLS_CERT_ALTNAME_INVALID',
    ]) {
      const e = Object.assign(new Error(`request to ${SERVER}/api failed, reason: ${code}`), { name: 'FetchError', type: 'system', code });
      const k = classifyError(e, SERVER, WHAT);
      assert.equal(k.kind, 'unreachable', code);
      assert.match(k.message, new RegExp(`TLS certificate of ${SERVER.replace(/\./g, '\\.')} was rejected \\(${code}\\)`));
      assert.match(k.hint ?? '', /certificate-authority/);
    }
  });

  it('credentials an auth plugin cannot refresh are "unauthorized" with a log-in hint', () => {
    const said = [
      'Token is expired!', // @kubernetes/client-node, gcp and azure auth providers
      'Failed to refresh token: invalid_grant', // same, when the refresh fails
      'Error when retrieving token from sso: Token has expired and refresh failed', // aws eks get-token, stderr of the exec plugin
      'error: get-token: failed to get a token: AADSTS700082: The refresh token has expired due to inactivity.', // kubelogin
    ];
    for (const m of said) {
      const k = classifyError(new Error(m), SERVER, WHAT);
      assert.equal(k.kind, 'unauthorized', m);
      assert.match(k.message, new RegExp(`^Your credentials for ${SERVER.replace(/\./g, '\\.')} could not be obtained`), m);
      assert.match(k.hint ?? '', /Log in again/);
    }
  });

  it('anything else is "unknown" and says which operation failed with the original message', () => {
    const k = classifyError(new Error('socket hang up'), SERVER, WHAT);
    assert.equal(k.kind, 'unknown');
    assert.equal(k.message, `${WHAT} failed: socket hang up`);
    assert.equal(classifyError('a string', SERVER, WHAT).message, `${WHAT} failed: a string`);
  });
});

describe('cluster errors: errorFromResponse (an HTTP error with a Status body)', () => {
  it('401: unauthorized, the server said so, log in again', () => {
    const k = errorFromResponse(401, status(401, 'Unauthorized', 'Unauthorized'), SERVER, WHAT);
    assert.deepEqual([k.kind, k.status], ['unauthorized', 401]);
    assert.equal(k.message, `The cluster at ${SERVER} rejected your credentials (401 Unauthorized): Unauthorized.`);
    assert.match(k.hint ?? '', /expired: log in again/);
  });

  it('403 (RBAC): forbidden, quotes the API server and asks for access or another namespace', () => {
    const body = status(
      403,
      'Forbidden',
      'jobs.batch is forbidden: User "system:serviceaccount:team-a:default" cannot list resource "jobs" in API group "batch" in the namespace "team-b"',
      { kind: 'jobs' },
    );
    const k = errorFromResponse(403, body, SERVER, 'list jobs in team-b');
    assert.deepEqual([k.kind, k.status], ['forbidden', 403]);
    assert.equal(k.message, `You may not list jobs in team-b (403 Forbidden): ${body.message}.`);
    assert.match(k.hint ?? '', /RBAC access, or choose a namespace you can read/);
    assert.match(k.userMessage, /cannot list resource "jobs".*Ask for RBAC access/);
  });

  it('410 Gone (an expired resource version or continue token) is "gone", which the informer relists on', () => {
    const k = errorFromResponse(
      410,
      status(
        410,
        'Expired',
        'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
      ),
      SERVER,
      WHAT,
    );
    assert.deepEqual([k.kind, k.status], ['gone', 410]);
    assert.match(k.message, /\(410 Gone\): The provided continue parameter is too old/);
  });

  it('404, 409, 400 and 422 are not-found, conflict and invalid, with the server message', () => {
    const nf = errorFromResponse(
      404,
      status(404, 'NotFound', 'jobs.batch "train-a" not found', { name: 'train-a', kind: 'jobs' }),
      SERVER,
      'read job train-a',
    );
    assert.deepEqual([nf.kind, nf.message], ['not-found', 'Not found while trying to read job train-a: jobs.batch "train-a" not found.']);
    const cf = errorFromResponse(409, status(409, 'AlreadyExists', 'jobs.batch "train-a" already exists'), SERVER, 'create job train-a');
    assert.deepEqual([cf.kind, cf.status], ['conflict', 409]);
    for (const code of [400, 422]) {
      const inv = errorFromResponse(
        code,
        status(code, 'Invalid', 'Job.batch "x" is invalid: spec.template.spec.containers: Required value'),
        SERVER,
        'create job x',
      );
      assert.equal(inv.kind, 'invalid');
      assert.match(inv.message, /rejected the request to create job x: Job\.batch "x" is invalid/);
    }
  });

  it('429 and 5xx are "server" errors that KubeML retries', () => {
    for (const code of [429, 500, 502, 503, 504]) {
      const k = errorFromResponse(
        code,
        status(code, 'ServiceUnavailable', 'the server is currently unable to handle the request'),
        SERVER,
        WHAT,
      );
      assert.deepEqual([k.kind, k.status], ['server', code]);
      assert.match(k.message, new RegExp(`could not ${WHAT} \\(${code}\\): the server is currently unable`));
      assert.match(k.hint ?? '', /retries/);
    }
  });

  it('without a body it still names the status; an unexpected status is "unknown" with its number', () => {
    assert.equal(errorFromResponse(403, undefined, SERVER, WHAT).message, `You may not ${WHAT} (403 Forbidden).`);
    const k = errorFromResponse(418, undefined, SERVER, WHAT);
    assert.deepEqual([k.kind, k.status, k.message], ['unknown', 418, `The API server answered 418 to ${WHAT}.`]);
  });
});
