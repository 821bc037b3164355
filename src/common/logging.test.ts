import { strict as assert } from 'node:assert';
import { inspect } from 'node:util';
import { type LogSink, Logger } from './logging';
import { KubeMLError, messageOf } from './errors';

/** A sink that keeps every line it is given, as the Output channel would show it. */
function capture(): { sink: LogSink; lines: string[] } {
  const lines: string[] = [];
  const keep = (m: string): void => void lines.push(m);
  return { sink: { trace: keep, debug: keep, info: keep, warn: keep, error: keep }, lines };
}

const TOKEN = 'kubeconfig-token-9f8e7d6c5b4a3210';
const KEY_DATA = 'LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlFb3dJQkFBS0NBUUVB';
const CERT_DATA = 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSURCVENDQWUyZ0F3SUJBZ0lJ';
const BEARER = 'sha256~Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5';
const PROM = 'http://admin:s3cretPass@prom.internal:9090';

const kubeconfig = {
  apiVersion: 'v1',
  kind: 'Config',
  clusters: [{ name: 'dev', cluster: { server: 'https://deploy:apiPass99@10.0.0.1:6443', 'certificate-authority-data': CERT_DATA } }],
  users: [
    { name: 'admin', user: { 'client-certificate-data': CERT_DATA, 'client-key-data': KEY_DATA } },
    { name: 'sa', user: { token: TOKEN } },
    {
      name: 'oidc',
      user: { 'auth-provider': { name: 'oidc', config: { 'id-token': 'idtok-1234567890', 'client-secret': 'cs-0987654321' } } },
    },
  ],
  contexts: [{ name: 'dev', context: { cluster: 'dev', user: 'admin', namespace: 'ml' } }],
};
const kubeconfigSecrets = [TOKEN, KEY_DATA, CERT_DATA, 'apiPass99', 'idtok-1234567890', 'cs-0987654321'];

function assertClean(lines: readonly string[], secrets: readonly string[]): void {
  const all = lines.join('\n');
  for (const s of secrets) assert.ok(!all.includes(s), `${JSON.stringify(s)} reached the sink:\n${all}`);
}

describe('Logger: tokens never reach the sink', () => {
  it('redacts a kubeconfig-like object logged as JSON, as util.inspect shows it, and as YAML-ish text', () => {
    const { sink, lines } = capture();
    const log = new Logger(sink).child('cluster');
    log.debug(`loaded kubeconfig ${JSON.stringify(kubeconfig)}`);
    log.debug(`loaded kubeconfig ${inspect(kubeconfig, { depth: 10, breakLength: Infinity })}`);
    log.info(`loaded kubeconfig\n${JSON.stringify(kubeconfig, null, 2)}`);
    assertClean(lines, kubeconfigSecrets);
    for (const line of lines) {
      assert.ok(line.startsWith('[cluster] loaded kubeconfig'), line);
      assert.ok(line.includes('10.0.0.1:6443') && line.includes('namespace'), `the rest of the line stays readable: ${line}`);
    }
  });

  it('redacts a request with an Authorization header and credentials in its URL', () => {
    const { sink, lines } = capture();
    const log = new Logger(sink);
    const request = {
      method: 'GET',
      url: `${PROM}/api/v1/query?query=up`,
      headers: { Authorization: `Bearer ${BEARER}`, 'X-Api-Key': 'xk-5566778899', accept: 'application/json' },
    };
    log.trace(`request ${JSON.stringify(request)}`);
    log.trace(`request ${inspect(request, { breakLength: Infinity })}`);
    log.trace(`GET ${request.url}\nAuthorization: Bearer ${BEARER}\nAccept: application/json`);
    assertClean(lines, [BEARER, 's3cretPass', 'admin:', 'xk-5566778899']);
    for (const line of lines)
      assert.ok(line.includes('prom.internal:9090/api/v1/query?query=up') && line.includes('application/json'), line);
  });

  it('redacts the error given to error(), and a URL that appears three times in one line', () => {
    const { sink, lines } = capture();
    const log = new Logger(sink);
    log.error(
      `drift gauges from ${PROM} failed`,
      new Error(`Cannot reach Prometheus at ${PROM}: fetch failed. Check kubeml.prometheus.url (${PROM}).`),
    );
    assert.equal(lines.length, 1);
    assertClean(lines, ['s3cretPass', 'admin:']);
    assert.equal(lines[0]!.split('prom.internal:9090').length - 1, 3, lines[0]);
  });
});

describe('errors shown to the user carry no secrets', () => {
  it('KubeMLError redacts its message and hint, so userMessage and messageOf are clean', () => {
    const e = new KubeMLError(
      'unreachable',
      `Cannot reach Prometheus at ${PROM}: fetch failed.`,
      `Check the kubeml.prometheus.url setting (${PROM}) and that Prometheus is running.`,
    );
    for (const text of [e.message, e.hint!, e.userMessage, messageOf(e), String(e)]) {
      assert.ok(!text.includes('s3cretPass') && !text.includes('admin:'), text);
      assert.ok(text.includes('prom.internal:9090'), text);
    }
  });

  it('messageOf redacts plain errors, look-alike error objects and thrown strings', () => {
    const lookAlike = { tag: 'KubeMLError', userMessage: `token: ${TOKEN}` };
    for (const thrown of [new Error(`GET ${PROM}/x failed`), `Authorization: Bearer ${BEARER}`, lookAlike]) {
      const text = messageOf(thrown);
      for (const s of ['s3cretPass', BEARER, TOKEN]) assert.ok(!text.includes(s), text);
    }
  });
});
