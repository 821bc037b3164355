// Integration test of drift inputs (issue 7) against the local cluster and its Prometheus:
// files inside a pod and on a claim, read through exec; drift gauges through query_range.
// KUBEML_KUBECONFIG=$(bash scripts/cluster/cluster.sh kubeconfig) npx mocha --no-config --require tsx/cjs --extension ts --timeout 600000 test/integration/drift.test.ts
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { KubeClient } from '../../src/cluster/client';
import { KubeMLError } from '../../src/common/errors';
import { closeDriftWorkers, driftReport } from '../../src/drift/parallel';
import { DRIFT_GAUGE, driftFromPrometheus, labelValues, modelQuery, queryRange } from '../../src/drift/prometheus';
import { readTableFile } from '../../src/drift/readers';
import { withClaimPod } from '../../src/cluster/stream/claimPod';
import { PodFile, readClaimTables, readClusterTable } from '../../src/drift/remote';
import type { Table } from '../../src/drift/table';
import { PodTransport, type PodRef } from '../../src/cluster/stream/transport';
import { type TestPods, testPods, until } from './syncPods';
import { createHostPathClaim } from '../support/volumes';

const FIX = join(__dirname, '../fixtures/drift');
const FILES = ['reference.csv', 'current.csv', 'reference.parquet', 'current.parquet'];
const PROM = process.env.KUBEML_PROMETHEUS_URL ?? 'http://127.0.0.1:19090';

const sameData = (a: Table, b: Table) => assert.deepEqual({ rows: a.rows, columns: a.columns }, { rows: b.rows, columns: b.columns });

describe('drift inputs on the local cluster', function () {
  this.timeout(300_000);
  let env: TestPods;
  let client: KubeClient;
  const local = new Map<string, Table>();

  before(async () => {
    env = await testPods('kubeml-h-drift');
    client = new KubeClient(env.kc);
    for (const f of FILES) local.set(f, await readTableFile(join(FIX, f)));
  });

  after(async () => {
    await closeDriftWorkers();
    await env?.cleanup();
  });

  describe('files in a pod', () => {
    let pod: PodRef;
    before(async () => {
      pod = await env.createPod('data');
      const t = new PodTransport(env.kc, pod);
      for (const f of FILES) {
        const bytes = readFileSync(join(FIX, f));
        const r = await t.exec(['sh', '-c', 'mkdir -p /tmp/d && cat > "/tmp/d/$1"', 'sh', f], {
          stdin: (async function* () {
            yield bytes;
          })(),
        });
        assert.equal(r.exitCode, 0, r.stderr);
      }
    });

    it('reads CSV and Parquet through exec, the same tables as the local files', async () => {
      for (const f of FILES) {
        const t = await readClusterTable(env.kc, client, { pod, path: `/tmp/d/${f}` });
        assert.equal(t.source, `${pod.namespace}/${pod.name} (container main):/tmp/d/${f}`);
        sameData(t, local.get(f)!);
      }
    });

    it('gives the same report from the pod as from local files', async () => {
      const [ref, cur] = await Promise.all(
        ['reference.parquet', 'current.csv'].map((f) => readClusterTable(env.kc, client, { pod, path: `/tmp/d/${f}` })),
      );
      const fromPod = await driftReport(ref, cur);
      const fromDisk = await driftReport(local.get('reference.parquet')!, local.get('current.csv')!);
      assert.deepEqual(fromPod.features, fromDisk.features);
      assert.equal(fromPod.features.filter((f) => f.status === 'drift').length, 2);
    });

    it('reads exact byte ranges with the image tools (dd or tail/head)', async () => {
      const f = await PodFile.open(new PodTransport(env.kc, pod), '/tmp/d/current.parquet');
      const bytes = readFileSync(join(FIX, 'current.parquet'));
      assert.equal(f.byteLength, bytes.length);
      assert.deepEqual(Buffer.from(await f.slice(1234, 5678)), bytes.subarray(1234, 5678));
    });

    it('names a missing file and the pod', async () => {
      await assert.rejects(
        readClusterTable(env.kc, client, { pod, path: '/tmp/d/nope.csv' }),
        (e: unknown) =>
          KubeMLError.is(e) && e.kind === 'not-found' && /nope\.csv in .*\/data \(container main\): no such file/.test(e.message),
      );
    });
  });

  describe('files on a claim', () => {
    const pv = `kubeml-h-drift-${Date.now().toString(36)}`;
    const hostDir = join('/tmp', pv);
    const claim = () => ({ namespace: env.namespace, name: 'dataset' });

    before(async () => {
      mkdirSync(join(hostDir, 'data'), { recursive: true });
      for (const f of FILES) copyFileSync(join(FIX, f), join(hostDir, 'data', f));
      // A hostPath volume on the real node (this machine), bound to a claim of our namespace.
      await createHostPathClaim(client, {
        namespace: env.namespace,
        claim: 'dataset',
        pv,
        path: hostDir,
        pathType: 'Directory',
        storageClass: '',
        reclaim: 'Retain',
        bindTimeoutMs: 60_000,
      });
    });

    after(async () => {
      await client
        .raw(`/api/v1/namespaces/${env.namespace}/persistentvolumeclaims/dataset`, { method: 'DELETE', what: 'delete claim' })
        .catch(() => undefined);
      await client.raw(`/api/v1/persistentvolumes/${pv}`, { method: 'DELETE', what: 'delete volume' }).catch(() => undefined);
      rmSync(hostDir, { recursive: true, force: true });
    });

    const browsePods = async () =>
      (
        await client.json<{ items: Array<{ metadata: { name: string; deletionTimestamp?: string } }> }>(
          `/api/v1/namespaces/${env.namespace}/pods`,
          { what: 'list pods', query: { labelSelector: 'kubeml.io/browse=dataset' } },
        )
      ).items;

    it('reads files through one short-lived read-only pod, and deletes it', async () => {
      const progress: string[] = [];
      const tables = await readClaimTables(
        env.kc,
        client,
        claim(),
        FILES.map((f) => `data/${f}`),
        { browseImage: env.image, onProgress: (m) => progress.push(m) },
      );
      FILES.forEach((f, i) => {
        sameData(tables[i], local.get(f)!);
        assert.equal(tables[i].source, `${env.namespace}/dataset:data/${f}`);
      });
      assert.match(progress[0], /^waiting for pod kubeml-browse-dataset-\w+ to mount dataset$/);
      assert.deepEqual(
        progress.slice(1),
        FILES.map((f) => `reading data/${f}`),
      );
      await until('the browse pod to go', 60_000, async () => (await browsePods()).every((p) => p.metadata.deletionTimestamp));
    });

    it('mounts the claim read-only', async () => {
      // The browse pod's own mount: a write is refused (the pod is the explorer's Browse Files pod).
      const r = await withClaimPod(client, env.namespace, 'dataset', env.image, (p) =>
        new PodTransport(env.kc, p).exec(['sh', '-c', 'touch /data/x 2>&1; echo $?']),
      );
      assert.match(r.stdout.toString(), /Read-only file system/);
    });

    it('says which file is missing, and still deletes the pod', async () => {
      await assert.rejects(
        readClusterTable(env.kc, client, { claim: claim(), path: 'data/missing.parquet' }, { browseImage: env.image }),
        (e: unknown) => KubeMLError.is(e) && e.kind === 'not-found' && /missing\.parquet/.test(e.message),
      );
      await assert.rejects(
        readClusterTable(env.kc, client, { claim: claim(), path: '../etc/passwd' }, { browseImage: env.image }),
        /not a file path inside claim dataset/,
      );
      await until('the browse pods to go', 60_000, async () => (await browsePods()).every((p) => p.metadata.deletionTimestamp));
    });
  });

  describe('drift gauges in Prometheus', () => {
    before(async function () {
      try {
        await labelValues(PROM, 'model', DRIFT_GAUGE, { timeoutMs: 5000 });
      } catch {
        assert.fail(`Prometheus is not answering at ${PROM}: bash scripts/cluster/cluster.sh up starts it`);
      }
    });

    it('lists the models that export drift gauges', async () => {
      const models = await labelValues(PROM, 'model', DRIFT_GAUGE);
      assert.ok(models.includes('fraud-detector'), models.join(', '));
    });

    it('turns a range query into drift over time that matches instant queries at each step', async () => {
      const end = Math.floor(Date.now() / 1000) - 60;
      const query = modelQuery('fraud-detector');
      const r = await driftFromPrometheus(PROM, query, 1800, { step: 120, end });
      assert.equal(r.windows.length, 16, '30 minutes in steps of 2 minutes, both ends included');
      assert.ok(r.features.length >= 2, r.features.map((f) => f.name).join(', '));
      for (const w of [r.windows[0], r.windows[7], r.windows[15]]) {
        const t = w.start! / 1000;
        const u = new URL('api/v1/query', `${PROM}/`);
        u.searchParams.set('query', query);
        u.searchParams.set('time', String(t));
        const inst = (await (await fetch(u)).json()) as {
          data: { result: Array<{ metric: { feature: string }; value: [number, string] }> };
        };
        const want = Object.fromEntries(inst.data.result.map((x) => [x.metric.feature, Number(x.value[1])]));
        assert.deepEqual(Object.fromEntries(w.features.map((f) => [f.name, f.score])), want, `window at ${w.label}`);
        for (const f of w.features) assert.equal(f.status, f.score! >= 0.1 ? 'drift' : 'ok');
        assert.equal(w.driftedShare, w.features.filter((f) => f.status === 'drift').length / w.features.length);
      }
      const last = r.windows[r.windows.length - 1];
      for (const f of r.features)
        assert.equal(f.score, last.features.find((x) => x.name === f.name)!.score, `${f.name}: the verdict is the latest value's`);
    });

    it('names series by the labels that tell them apart across models', async () => {
      // Features cut to their first letter: "m" (merchant_category, monthly_charges) and "c" (country, contrast) clash across models.
      const query = `label_replace(${DRIFT_GAUGE}, "feature", "$1", "feature", "(.).*")`;
      const end = Math.floor(Date.now() / 1000);
      const series = await queryRange(PROM, query, end - 600, end, 60);
      const r = await driftFromPrometheus(PROM, query, 600, { step: 60, end });
      const count = (f: string) => series.filter((s) => s.metric.feature === f).length;
      assert.ok(
        series.some((s) => count(s.metric.feature) > 1),
        'several models share a feature name',
      );
      const names = r.features.map((f) => f.name).sort();
      const want = series.map((s) => (count(s.metric.feature) > 1 ? `${s.metric.model}/${s.metric.feature}` : s.metric.feature)).sort();
      assert.deepEqual(names, want);
      assert.equal(new Set(names).size, names.length);
    });

    it('says what is wrong with a bad expression or an unreachable Prometheus', async () => {
      await assert.rejects(
        driftFromPrometheus(PROM, 'sum(', 600),
        (e: unknown) => KubeMLError.is(e) && e.kind === 'invalid' && /Prometheus query failed \(HTTP 400\)/.test(e.message),
      );
      await assert.rejects(
        driftFromPrometheus('http://127.0.0.1:9', DRIFT_GAUGE, 600, { timeoutMs: 3000 }),
        (e: unknown) =>
          KubeMLError.is(e) && (e.kind === 'unreachable' || e.kind === 'timeout') && /kubeml\.prometheus\.url/.test(e.hint ?? ''),
      );
    });
  });
});
