import { strict as assert } from 'node:assert';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { DcgmPoller, fetchDcgm, FB_USED_QUERY, instantQuery, UTIL_QUERY } from './dcgm';

type Handler = (query: string, req: IncomingMessage, res: ServerResponse) => void;

function vector(rows: Array<[string, string]>): string {
  return JSON.stringify({
    status: 'success',
    data: { resultType: 'vector', result: rows.map(([h, v]) => ({ metric: { Hostname: h }, value: [1700000000.1, v] })) },
  });
}

describe('DCGM metrics from Prometheus', function () {
  let server: Server;
  let base: string;
  let handler: Handler;
  const seen: string[] = [];

  before(async function () {
    server = createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      if (u.pathname !== '/prom/api/v1/query') {
        res.writeHead(404).end('not found');
        return;
      }
      const q = u.searchParams.get('query') ?? '';
      seen.push(q);
      handler(q, req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prom`;
  });

  after(async function () {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  beforeEach(function () {
    seen.length = 0;
  });

  it('joins utilisation and memory by Hostname from the two instant queries', async function () {
    handler = (q, _req, res) => {
      res.setHeader('content-type', 'application/json');
      if (q === UTIL_QUERY)
        res.end(
          vector([
            ['kwok-h100-0000', '46.7'],
            ['kubeml-node', '0'],
          ]),
        );
      else if (q === FB_USED_QUERY)
        res.end(
          vector([
            ['kwok-h100-0000', '311663'],
            ['kwok-l4-0003', 'NaN'],
          ]),
        );
      else res.writeHead(400).end(JSON.stringify({ status: 'error', error: 'unexpected query' }));
    };
    const m = await fetchDcgm(base);
    assert.deepEqual(seen.sort(), [FB_USED_QUERY, UTIL_QUERY].sort());
    assert.deepEqual(m.get('kwok-h100-0000'), { utilPercent: 46.7, fbUsedMiB: 311663 });
    assert.deepEqual(m.get('kubeml-node'), { utilPercent: 0 });
    assert.equal(m.has('kwok-l4-0003'), false, 'NaN values are dropped');
  });

  it('reports a Prometheus error answer as a KubeMLError with its message', async function () {
    handler = (_q, _req, res) =>
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error at char 3' }));
    await assert.rejects(
      instantQuery(base, 'x{', 'Hostname'),
      (e: Error & { kind?: string }) => e.name === 'KubeMLError' && e.kind === 'server' && /parse error at char 3/.test(e.message),
    );
  });

  it('times out when Prometheus does not answer', async function () {
    handler = () => undefined; // never answers
    await assert.rejects(
      instantQuery(base, UTIL_QUERY, 'Hostname', { timeoutMs: 200 }),
      (e: Error & { kind?: string }) => e.kind === 'timeout' && /did not answer within 200 ms/.test(e.message),
    );
  });

  it('reports an unreachable server and a bad URL', async function () {
    await assert.rejects(
      instantQuery('http://127.0.0.1:1', UTIL_QUERY, 'Hostname', { timeoutMs: 2000 }),
      (e: Error & { kind?: string }) => e.kind === 'unreachable',
    );
    await assert.rejects(instantQuery('not a url', UTIL_QUERY, 'Hostname'), (e: Error & { kind?: string }) => e.kind === 'bad-config');
  });

  it('poller: keeps the last values, records an error without throwing, and clears it on success', async function () {
    let fail = false;
    handler = (q, _req, res) => {
      if (fail) return void res.writeHead(503).end('down');
      res.setHeader('content-type', 'application/json');
      res.end(q === UTIL_QUERY ? vector([['n1', '50']]) : vector([['n1', '2048']]));
    };
    const p = new DcgmPoller({ intervalMs: 3_600_000 });
    try {
      let updates = 0;
      p.onDidUpdate(() => updates++);
      p.configure(base, false); // a URL but not visible: no polling
      assert.equal(seen.length, 0);
      await p.poll();
      assert.deepEqual(p.get('n1'), { utilPercent: 50, fbUsedMiB: 2048 });
      assert.equal(p.error, undefined);
      fail = true;
      await p.poll();
      assert.equal((p as DcgmPoller).error?.kind, 'server');
      assert.deepEqual(p.get('n1'), { utilPercent: 50, fbUsedMiB: 2048 }, 'last good values are kept');
      fail = false;
      await p.poll();
      assert.equal(p.error, undefined);
      assert.ok(updates >= 3);
      p.configure(undefined, true);
      assert.equal(p.get('n1'), undefined, 'clearing the URL forgets the values');
    } finally {
      p.dispose();
    }
  });
});
