import { strict as assert } from 'node:assert';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { DcgmPoller, FB_FREE_QUERY, fetchDcgm, FB_USED_QUERY, instantQuery, UTIL_QUERY } from './dcgm';

type Handler = (query: string, req: IncomingMessage, res: ServerResponse) => void;

/** A vector answer; a row is [Hostname, value] (GPU 0) or [labels, value]. */
function vector(rows: Array<[string | Record<string, string>, string]>): string {
  return JSON.stringify({
    status: 'success',
    data: {
      resultType: 'vector',
      result: rows.map(([h, v]) => ({ metric: typeof h === 'string' ? { Hostname: h, gpu: '0' } : h, value: [1700000000.1, v] })),
    },
  });
}

/** dcgm-exporter's labels for a device (as Prometheus returns them, with job and instance). */
const dev = (host: string, gpu: string, extra: Record<string, string> = {}) => ({
  __name__: 'x',
  Hostname: host,
  gpu,
  UUID: `GPU-${host}-${gpu}`,
  device: `nvidia${gpu}`,
  modelName: 'NVIDIA H100 80GB HBM3',
  job: 'dcgm-exporter',
  instance: '127.0.0.1:19400',
  ...extra,
});

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

  it('reads each device of each node (GPU index, MIG instance, pod) from the three per-device queries', async function () {
    const pod = { namespace: 'team', pod: 'train-0' };
    handler = (q, _req, res) => {
      res.setHeader('content-type', 'application/json');
      if (q === UTIL_QUERY)
        res.end(
          vector([
            [dev('kwok-h100-0000', '1', pod), '60'],
            [dev('kwok-h100-0000', '0', pod), '46.5'],
            [dev('kwok-a100-0002', '4', { GPU_I_PROFILE: '1g.10gb', GPU_I_ID: '1' }), '0.9'],
            [dev('kwok-a100-0002', '4', { GPU_I_PROFILE: '1g.10gb', GPU_I_ID: '2' }), '3'],
            [dev('kwok-l4-0003', '0', { pod_namespace: 'old', pod_name: 'exporter-2-labels' }), '5'],
            [{ Hostname: 'no-gpu-label' }, '1'],
          ]),
        );
      else if (q === FB_USED_QUERY)
        res.end(
          vector([
            [dev('kwok-h100-0000', '0', pod), '311663'],
            [dev('kwok-l4-0003', '0'), 'NaN'],
          ]),
        );
      else if (q === FB_FREE_QUERY) res.end(vector([[dev('kwok-h100-0000', '0', pod), '500']]));
      else res.writeHead(400).end(JSON.stringify({ status: 'error', error: 'unexpected query' }));
    };
    const m = await fetchDcgm(base);
    assert.deepEqual(seen.sort(), [FB_FREE_QUERY, FB_USED_QUERY, UTIL_QUERY].sort());
    assert.deepEqual(m.get('kwok-h100-0000'), {
      devices: [
        { gpu: '0', utilPercent: 46.5, fbUsedMiB: 311663, fbFreeMiB: 500, namespace: 'team', pod: 'train-0' },
        { gpu: '1', utilPercent: 60, namespace: 'team', pod: 'train-0' },
      ],
    });
    assert.deepEqual(m.get('kwok-a100-0002'), {
      devices: [
        { gpu: '4', mig: '1g.10gb #1', utilPercent: 0.9 },
        { gpu: '4', mig: '1g.10gb #2', utilPercent: 3 },
      ],
    });
    assert.deepEqual(
      m.get('kwok-l4-0003'),
      { devices: [{ gpu: '0', utilPercent: 5, namespace: 'old', pod: 'exporter-2-labels' }] },
      'NaN values are dropped; older exporters name the pod pod_namespace/pod_name',
    );
    assert.equal(m.has('no-gpu-label'), false, 'a series without a gpu label is not a device');
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
      res.end(q === UTIL_QUERY ? vector([['n1', '50']]) : q === FB_USED_QUERY ? vector([['n1', '2048']]) : vector([]));
    };
    const p = new DcgmPoller({ intervalMs: 3_600_000 });
    try {
      let updates = 0;
      p.onDidUpdate(() => updates++);
      p.configure(base, false); // a URL but not visible: no polling
      assert.equal(seen.length, 0);
      await p.poll();
      assert.deepEqual(p.get('n1'), { devices: [{ gpu: '0', utilPercent: 50, fbUsedMiB: 2048 }] });
      assert.equal(p.error, undefined);
      fail = true;
      await p.poll();
      assert.equal((p as DcgmPoller).error?.kind, 'server');
      assert.deepEqual(p.get('n1'), { devices: [{ gpu: '0', utilPercent: 50, fbUsedMiB: 2048 }] }, 'last good values are kept');
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
