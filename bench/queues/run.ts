/**
 * Queues benchmark (issue #15, part 5): 4,000 pending workloads (the visibility API's limit) across 20
 * ClusterQueues rendered in the Queues view's row model, and a change of position reaching the tree.
 *
 *   npm run bench -- queues [--runs 7] [--events 60] [--no-cluster] [--cleanup]
 *
 * Fixture part (src/cluster/read/fakeApiServer.ts plus the visibility API, bench/queues/fixtures.ts):
 *   - model: buildQueuesTree over 4,000 pending workloads plus the walk the skin does (views.ts render);
 *   - source: QueuesSource (informers + visibility API, its default 40 ms settle) from start to the tree
 *     showing all 4,000 pending rows;
 *   - position: a workload moved to the front of its ClusterQueue (its priority raised: a watch event, and the
 *     visibility API answers the new order) to the tree showing it 1st; with the default settle and with 0.
 * Cluster part (the real local cluster; bench/queues/cluster.ts makes the objects first with
 *   `npx tsx bench/queues/cluster.ts setup 4000`): QueuesSource on the real API server from start to the
 *   tree showing every pending workload the visibility API holds, beside the anchors in the same run:
 *   `kubectl get workloads -A -o json` and the visibility API of the 20 ClusterQueues read raw.
 * Writes bench/results/queues.json (medians of --runs).
 */
import { cpus, loadavg } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeClient } from '../../src/cluster/client';
import { Logger, nullSink } from '../../src/common/logging';
import { buildQueuesTree, changedRows, type QueuesInput, type QueuesRow } from '../../src/queues/model';
import { QueuesSource } from '../../src/queues/source';
import type { ClusterQueueLike, WorkloadLike } from '../../src/model/pending/types';
import { cleanupCluster, CQS as REAL_CQS, cqName, NS, realClient, timeKubectlWorkloads, timeVisibilityRaw } from './cluster';
import { clusterQueue, cq, fakeKueue, FIX_NS, localQueue, pendingItem, workload } from './fixtures';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const RUNS = arg('runs', 7);
const EVENTS = arg('events', 60);
const TOTAL = 4000;
const CQS = 20;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : NaN;
};
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
const round = (x: number) => Math.round(x * 10) / 10;
const log = (s: string) => console.error(`[bench queues] ${s}`);

let lastRows: QueuesRow[] = [];
/** What the skin does with the rows on each change (views.ts render): one node per row key, and the nodes to refresh. */
function renderRows(input: QueuesInput): { rows: QueuesRow[]; count: number } {
  const rows = buildQueuesTree(input);
  changedRows(lastRows, rows);
  lastRows = rows;
  const nodes = new Map<string, { key: string; row: QueuesRow }>();
  const visit = (rs: QueuesRow[]) => {
    for (const r of rs) {
      nodes.set(r.key, { key: r.key, row: r });
      visit(r.children);
    }
  };
  visit(rows);
  return { rows, count: nodes.size };
}
const pendingRows = (rows: QueuesRow[], prefix = '') =>
  rows
    .filter((r) => r.kind === 'clusterQueue' && r.label.startsWith(prefix))
    .reduce((n, r) => n + (r.children.find((c) => c.kind === 'pendingGroup')?.children.length ?? 0), 0);

function modelPart() {
  const wls = Array.from({ length: TOTAL }, (_, n) => workload(n, CQS));
  const pending = new Map(
    Array.from({ length: CQS }, (_, i) => [cq(i), wls.filter((_, n) => n % CQS === i).map((w, p) => pendingItem(w, p))]),
  );
  const input: QueuesInput = {
    kueue: true,
    clusterQueues: Array.from({ length: CQS }, (_, i) => clusterQueue(i, TOTAL / CQS)) as unknown as ClusterQueueLike[],
    localQueues: Array.from({ length: CQS }, (_, i) => localQueue(i)) as never,
    workloads: wls as unknown as WorkloadLike[],
    pending,
    namespaces: [FIX_NS],
    now: Date.UTC(2026, 11, 3),
  };
  for (let w = 0; w < 3; w++) renderRows(input); // warm-up (JIT), not counted
  const ms: number[] = [];
  let count = 0;
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    const out = renderRows(input);
    ms.push(performance.now() - t0);
    count = out.count;
    if (pendingRows(out.rows) !== TOTAL) throw new Error(`model: ${pendingRows(out.rows)} pending rows, expected ${TOTAL}`);
  }
  return { ms, rows: count };
}

/** Resolves with the time when a render satisfies `done`. */
function whenRendered(source: QueuesSource, done: (rows: QueuesRow[]) => boolean, timeoutMs = 60_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (sub.dispose(), reject(new Error('the tree did not show it in time'))), timeoutMs);
    const sub = source.onDidChange(() => {
      const { rows } = renderRows(source.snapshot());
      if (done(rows)) {
        const t = performance.now();
        clearTimeout(timer);
        sub.dispose();
        resolve(t);
      }
    });
  });
}

async function sourceFirstRender(client: () => KubeClient, namespaces: readonly string[] | undefined, expected: number, prefix: string) {
  const source = new QueuesSource({ client, namespaces: () => namespaces }, new Logger(nullSink));
  try {
    const t0 = performance.now();
    const shown = whenRendered(source, (rows) => pendingRows(rows, prefix) >= expected, 300_000);
    await source.start();
    return { ms: (await shown) - t0, source };
  } catch (e) {
    source.dispose();
    throw e;
  }
}

async function fixturePart() {
  const first: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const api = fakeKueue(TOTAL, CQS);
    const { ms, source } = await sourceFirstRender(() => api.client, [FIX_NS], TOTAL, 'cq-');
    first.push(ms);
    source.dispose();
  }
  const position: Record<string, { samples: number[]; visibilityReadsPerChange: number }> = {};
  for (const settle of [undefined, 0]) {
    const api = fakeKueue(TOTAL, CQS);
    const source = new QueuesSource({ client: () => api.client, namespaces: () => [FIX_NS], settleMs: settle }, new Logger(nullSink));
    const ready = whenRendered(source, (rows) => pendingRows(rows) >= TOTAL);
    await source.start();
    await ready;
    await new Promise((r) => setTimeout(r, 500));
    const samples: number[] = [];
    const reads0 = api.visibilityReads;
    for (let e = 0; e < EVENTS; e++) {
      const name = cq(e % CQS);
      const order = api.order.get(name)!;
      const moved = order[order.length - 1]!;
      const raised = { ...moved, spec: { ...(moved.spec as object), priority: 1000 + e } };
      api.order.set(name, [raised, ...order.slice(0, -1)]);
      const owner = (moved.metadata.ownerReferences as Array<{ name: string }>)[0]!.name;
      const shown = whenRendered(
        source,
        (rows) =>
          rows.find((r) => r.label === name)!.children.find((c) => c.kind === 'pendingGroup')!.children[0]!.label === `1. Job/${owner}`,
      );
      const t0 = performance.now();
      api.put(raised);
      samples.push((await shown) - t0);
      await new Promise((r) => setTimeout(r, 20));
    }
    position[settle === undefined ? 'defaultSettle' : 'settle0ms'] = {
      samples: samples.map(round),
      visibilityReadsPerChange: round((api.visibilityReads - reads0) / EVENTS),
    };
    source.dispose();
  }
  return { first, position };
}

async function clusterPart() {
  const { kc, client } = realClient();
  const wl = await client.json<{ items: unknown[]; metadata: { remainingItemCount?: number } }>(
    `/apis/kueue.x-k8s.io/v1beta2/namespaces/${NS}/workloads`,
    {
      what: 'count the bench workloads',
      query: { limit: 1 },
    },
  );
  const workloads = wl.items.length + (wl.metadata.remainingItemCount ?? 0);
  if (!workloads) throw new Error(`no workloads in ${NS}: run \`npx tsx bench/queues/cluster.ts setup 4000\` first`);
  const kubectlMs: number[] = [];
  const visMs: number[] = [];
  const firstMs: number[] = [];
  let visible = 0;
  for (let r = 0; r < RUNS; r++) {
    kubectlMs.push(timeKubectlWorkloads());
    const v = await timeVisibilityRaw(kc);
    visMs.push(v.ms);
    visible = v.items;
    const { ms, source } = await sourceFirstRender(() => client, undefined, visible, 'qbench-');
    firstMs.push(ms);
    source.dispose();
    log(
      `cluster run ${r + 1}/${RUNS}: source to tree ${Math.round(ms)} ms; kubectl ${Math.round(kubectlMs[r]!)} ms; visibility raw ${Math.round(v.ms)} ms (${v.items} items)`,
    );
  }
  return { workloads, pendingInVisibility: visible, firstMs, kubectlMs, visMs, cqs: REAL_CQS, first: cqName(0) };
}

async function main() {
  const load = Number(loadavg()[0].toFixed(1));
  log(`model part (${RUNS} runs)`);
  const model = modelPart();
  log(`model: median ${round(median(model.ms))} ms for ${model.rows} rows`);
  log('fixture part: source first render and position changes');
  const fx = await fixturePart();
  const pos = (k: string) => fx.position[k]!.samples;
  log(
    `fixture: source first render median ${round(median(fx.first))} ms; position p95 ${round(pct(pos('defaultSettle'), 95))} ms (settle 0: ${round(pct(pos('settle0ms'), 95))} ms)`,
  );
  let cluster: Awaited<ReturnType<typeof clusterPart>> | { skipped: string } = { skipped: '--no-cluster' };
  if (!process.argv.includes('--no-cluster')) {
    try {
      cluster = await clusterPart();
    } catch (e) {
      cluster = { skipped: (e as Error).message };
      log(`cluster part skipped: ${(e as Error).message}`);
    }
  }
  const doc = {
    benchmark: 'queues',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    load_average_before: load,
    runs: RUNS,
    fixtures: {
      note: 'src/cluster/read/fakeApiServer.ts with the visibility API added (bench/queues/fixtures.ts): 20 ClusterQueues x 200 pending workloads, all in one namespace, each with its Workload (pod sets with cpu, memory, GPUs)',
      pendingWorkloads: TOTAL,
      clusterQueues: CQS,
      modelRenderMs: {
        median: round(median(model.ms)),
        samples: model.ms.map(round),
        rows: model.rows,
        what: 'buildQueuesTree + one node per row (views.ts render)',
      },
      sourceToTreeMs: {
        median: round(median(fx.first)),
        samples: fx.first.map(round),
        what: 'QueuesSource.start() to the render showing all 4,000 pending rows: discovery, list of ClusterQueues, LocalQueues, Workloads, 20 visibility reads, the default 40 ms settle',
      },
      positionChangeToTreeMs: Object.fromEntries(
        Object.entries(fx.position).map(([k, v]) => [
          k,
          {
            p50: round(pct(v.samples, 50)),
            p95: round(pct(v.samples, 95)),
            events: v.samples.length,
            visibilityReadsPerChange: v.visibilityReadsPerChange,
            samples: v.samples,
          },
        ]),
      ),
      positionNote:
        'a Workload update (priority raised) through the watch to the render that shows it 1st in its ClusterQueue; the source waits its settle (default 40 ms) after the first change, reads the visibility API of the ClusterQueue the workload belongs to (and reads it again 1.5 s later in case Kueue reordered late), rebuilds the rows and works out which tree nodes to refresh (views.ts)',
    },
    cluster:
      'skipped' in cluster
        ? cluster
        : {
            note: `the project's local cluster (Kubernetes v1.33 built from its Go modules, Kueue v0.17.0): ${cluster.workloads} suspended Jobs over ${cluster.cqs} ClusterQueues with zero quota (${NS}); the anchors read the same objects in the same run`,
            workloads: cluster.workloads,
            pendingInVisibilityApi: cluster.pendingInVisibility,
            sourceToTreeMs: { median: round(median(cluster.firstMs)), samples: cluster.firstMs.map(round) },
            anchors: {
              kubectlGetWorkloadsAllMs: { median: round(median(cluster.kubectlMs)), samples: cluster.kubectlMs.map(round) },
              visibilityRawAll20Ms: { median: round(median(cluster.visMs)), samples: cluster.visMs.map(round) },
            },
            ratios: {
              sourceVsKubectl: Math.round((median(cluster.firstMs) / median(cluster.kubectlMs)) * 100) / 100,
              sourceVsKubectlPlusVisibility:
                Math.round((median(cluster.firstMs) / (median(cluster.kubectlMs) + median(cluster.visMs))) * 100) / 100,
            },
          },
    goals: {
      render4000Under2s: median(model.ms) < 2000 && median(fx.first) < 2000,
      positionChangeP95Under200ms: pct(pos('defaultSettle'), 95) < 200,
    },
  };
  const out = join(__dirname, '..', 'results', 'queues.json');
  writeFileSync(out, JSON.stringify(doc, null, 2) + '\n');
  log(`wrote ${out}`);
  if (process.argv.includes('--cleanup')) await cleanupCluster(realClient().client, log);
  process.exit(0);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
