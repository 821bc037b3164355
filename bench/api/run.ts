// API requests per minute of ONE active run with sync following it (issue "module boundaries",
// item 5). The launcher (RunExecution) and a sync session on the run's pods (SelectedPods, as
// kubeml.sync.followRuns starts it when the run reaches 'running') are driven directly, with the
// defaults the extension uses, against the local cluster.
//
// Method (exact): every request of the code under test goes through a counting HTTPS proxy
// (bench/api/proxy.ts): KubeClient's requests and client-node's exec WebSockets alike. A watch or a
// followed log is one request, counted when it starts. The window is 60 s of the 'running' phase,
// starting 2 s after the sync session's first reconcile settled; no file is edited in it, so sync's
// share is its pod tracking only. Whole-run totals (apply to the end of the run) are recorded too.
// Cross-check (not exact): apiserver_request_total from the API server's /metrics over the same
// window, minus an idle minute measured just before (the cluster's own controllers); other clients
// of the cluster (another engineer's tests) make it noisy, and the API server counts a watch when
// it ends, not when it starts.
//
//   npx tsx bench/api/run.ts --label before|after [--out FILE] [--no-idle]
//   (KUBEML_KUBECONFIG or scripts/cluster/cluster.sh kubeconfig). Merges into bench/results/api-requests.json.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { KubeClient } from '../../src/cluster/client';
import { PodTransport } from '../../src/cluster/stream/transport';
import { Logger, nullSink } from '../../src/common/logging';
import { RunStore } from '../../src/model/runRecords';
import { loadSpec, resolveParams } from '../../src/model/runSpec';
import { RunExecution } from '../../src/runs/launcher';
import { SelectedPods } from '../../src/sync/pods';
import { SyncSession } from '../../src/sync/session';
import { classify, type Seen, startProxy } from './proxy';

const root = join(__dirname, '..', '..');
const WINDOW_S = 60;
const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const label = arg('label') ?? 'current';
const out = arg('out') ?? join(root, 'bench', 'results', 'api-requests.json');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Counts = Record<string, number>;
const tally = (xs: Seen[]): Counts => {
  const c: Counts = {};
  for (const s of xs) c[classify(s)] = (c[classify(s)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(c).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
};

/** apiserver_request_total summed by verb and resource/subresource (non-resource URLs left out). */
async function apiserverCounts(client: KubeClient): Promise<Counts> {
  const text = await (await client.raw('/metrics', { what: 'read the API server metrics', timeoutMs: 30_000 })).text();
  const c: Counts = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!labels.resource) continue;
    const key = `${labels.verb} ${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''}`;
    c[key] = (c[key] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return c;
}
const minus = (a: Counts, b: Counts): Counts => {
  const d: Counts = {};
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const v = (a[k] ?? 0) - (b[k] ?? 0);
    if (v !== 0) d[k] = v;
  }
  return Object.fromEntries(Object.entries(d).sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0])));
};
const sum = (c: Counts) => Object.values(c).reduce((n, v) => n + v, 0);

async function main() {
  const kubeconfig =
    process.env.KUBEML_KUBECONFIG ??
    execFileSync('bash', [join(root, 'scripts/cluster/cluster.sh'), 'kubeconfig'], { encoding: 'utf8' }).trim();
  const admin = new k8s.KubeConfig();
  admin.loadFromFile(kubeconfig);
  const adminClient = new KubeClient(admin);
  const core = admin.makeApiClient(k8s.CoreV1Api);
  const node = await core.readNode({ name: 'kubeml-node' });
  const image = (node.status?.images ?? []).flatMap((i) => i.names ?? []).find((n) => n.startsWith('localhost/kubeml-train:'));
  if (!image) throw new Error('no localhost/kubeml-train image on kubeml-node: run scripts/cluster/cluster.sh up');
  const namespace = `kubeml-api-bench-${Date.now().toString(36)}`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const workspace = mkdtempSync(join(tmpdir(), 'kubeml-api-bench-'));
  cpSync(join(root, 'samples'), workspace, { recursive: true });
  // A run that prints a line a second for longer than the window (the log is followed all along).
  const spec = {
    ...loadSpec(readFileSync(join(workspace, 'kubeml.yaml'), 'utf8')),
    image,
    artifacts: undefined,
    command: ['sh', '-c', 'for i in $(seq 1 85); do echo "step $i"; sleep 1; done'],
  };
  const proxy = await startProxy(admin);
  const client = new KubeClient(proxy.kc);
  let session: SyncSession | undefined;
  try {
    let idle: Counts | undefined;
    if (!process.argv.includes('--no-idle')) {
      const a = await apiserverCounts(adminClient);
      await sleep(WINDOW_S * 1000);
      idle = minus(await apiserverCounts(adminClient), a);
    }
    const t0 = Date.now();
    const run = new RunExecution(
      { kc: proxy.kc, client, store: new RunStore(workspace), log: new Logger(nullSink) },
      { workspace, spec, purpose: 'train', params: resolveParams(spec), namespace },
    );
    let syncStarted: Promise<void> | undefined;
    run.onDidChange((r) => {
      if (r.phase !== 'running' || syncStarted) return;
      // What SyncController.startForRun does (src/sync/commands.ts), with its defaults.
      const s = new SyncSession({
        localRoot: workspace,
        remoteFolder: spec.codePath,
        pods: new SelectedPods(client, r.namespace, r.podSelector, r.container),
        transportFor: (ref) => new PodTransport(proxy.kc, ref),
        log: new Logger(nullSink),
        ignore: spec.exclude,
      });
      session = s;
      syncStarted = s.start().then(() => s.whenSettled());
    });
    const done = run.start();
    for (let i = 0; !syncStarted && i < 3000; i++) await sleep(100);
    if (!syncStarted) throw new Error(`the run did not reach 'running': ${JSON.stringify(run.record.failure ?? run.record.phase)}`);
    await syncStarted;
    await sleep(2000);
    if (run.record.phase !== 'running')
      throw new Error(`the run ended before the window: ${JSON.stringify(run.record.failure ?? run.record.phase)}`);
    const w0 = Date.now();
    const m0 = await apiserverCounts(adminClient);
    await sleep(WINDOW_S * 1000);
    const w1 = Date.now();
    const m1 = await apiserverCounts(adminClient);
    if (run.record.phase !== 'running')
      throw new Error(`the run ended inside the window: ${JSON.stringify(run.record.failure ?? run.record.phase)}`);
    const record = await done;
    session?.dispose();
    const t1 = Date.now();
    if (record.phase !== 'succeeded') throw new Error(`the run failed: ${JSON.stringify(record.failure)}`);
    const inWindow = proxy.seen.filter((s) => s.at >= w0 && s.at < w1);
    const whole = proxy.seen.filter((s) => s.at >= t0 && s.at <= t1);
    const active = minus(m1, m0);
    const result = {
      label,
      commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim(),
      date: new Date().toISOString(),
      window: {
        seconds: +((w1 - w0) / 1000).toFixed(1),
        requests: inWindow.length,
        perMinute: +((inWindow.length * 60_000) / (w1 - w0)).toFixed(1),
        byKind: tally(inWindow),
      },
      wholeRun: { seconds: +((t1 - t0) / 1000).toFixed(1), requests: whole.length, byKind: tally(whole) },
      apiserver: idle
        ? { activeMinute: sum(active), idleMinute: sum(idle), net: sum(active) - sum(idle), netByKind: minus(active, idle) }
        : { activeMinute: sum(active), activeByKind: active },
    };
    console.log(JSON.stringify(result, null, 2));
    const prev = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as { results?: Record<string, unknown> }) : {};
    const doc = {
      name: 'api-requests',
      what: 'API requests of one active run with sync following it: launcher + sync session on the run pods, driven directly with the extension defaults, local cluster',
      method:
        'every request of the code under test counted at a counting HTTPS proxy in front of the API server (a watch or followed log counts once, when it starts); window: 60 s of the running phase, 2 s after the sync session settled, no file edited; cross-check: apiserver_request_total over the window minus an idle minute before it (noisy: other clients, watches counted when they end)',
      script: 'bench/api/run.ts',
      results: { ...(prev.results ?? {}), [label]: result },
    };
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(doc, null, 2) + '\n');
  } finally {
    session?.dispose();
    await proxy.close();
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    rmSync(workspace, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
