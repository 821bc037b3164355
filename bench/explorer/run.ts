// Explorer benchmark (issue 4): connect -> first render of the Jobs and GPUs trees, watch-event ->
// tree latency, heap held by the caches; anchors measured in the same run: the wall time of
// `kubectl get jobs -A -o json` and `kubectl get nodes -o json`.
//
//   KUBEML_GPU_NODES=1000 bash scripts/cluster/cluster.sh up     # the fleet the goals assume
//   NODE_OPTIONS=--expose-gc npx tsx bench/explorer/run.ts [--jobs 5000] [--runs 5] [--events 100]
//
// Writes bench/results/explorer.json. Jobs are created (suspended, so no pods) in namespace
// kubeml-bench when fewer exist; they are kept for the next run (--cleanup deletes the namespace).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/cluster/client';
import { type ConnectionState } from '../../src/cluster/connection';
import { ResourceCacheRegistry } from '../../src/cluster/read/informerRegistry';
import { Emitter } from '../../src/common/lifecycle';
import { Logger, nullSink } from '../../src/common/logging';
import { GpusModel } from '../../src/explorer/gpusModel';
import { JobsModel } from '../../src/explorer/jobsModel';
import { type ExplorerNode, type TreeModel } from '../../src/explorer/model';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const JOBS = arg('jobs', 5000);
const RUNS = arg('runs', 5);
const EVENTS = arg('events', 100);
const NS = 'kubeml-bench';
const root = join(__dirname, '..', '..');

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const round = (x: number) => Math.round(x * 10) / 10;
// Heap figures need a full collection before each reading: expose gc even when run through npm.
setFlagsFromString('--expose-gc');
const gcFn = runInNewContext('gc') as (() => void) | undefined;
const gc = () => gcFn?.();

function kubeconfigPath(): string {
  if (process.env.KUBEML_KUBECONFIG) return process.env.KUBEML_KUBECONFIG;
  const r = spawnSync('bash', [join(root, 'scripts/cluster/cluster.sh'), 'kubeconfig'], { encoding: 'utf8' });
  return r.stdout.trim();
}

function kubectl(): string {
  for (const p of [process.env.KUBECTL, '/usr/bin/kubectl', '/usr/local/bin/kubectl']) if (p && existsSync(p)) return p;
  return 'kubectl';
}

async function ensureJobs(client: KubeClient): Promise<number> {
  await client
    .json('/api/v1/namespaces', { method: 'POST', body: { metadata: { name: NS } }, what: 'create the bench namespace' })
    .catch(() => undefined);
  const have = await client.json<{ items: unknown[]; metadata: { remainingItemCount?: number } }>(`/apis/batch/v1/namespaces/${NS}/jobs`, {
    what: 'count jobs',
    query: { limit: 1 },
  });
  const existing = have.items.length + (have.metadata.remainingItemCount ?? 0);
  const missing = Math.max(0, JOBS - existing);
  let next = existing;
  const worker = async () => {
    while (next < JOBS) {
      const i = next++;
      await client
        .json(`/apis/batch/v1/namespaces/${NS}/jobs`, {
          method: 'POST',
          what: 'create a bench job',
          timeoutMs: 30_000,
          body: {
            metadata: { name: `bench-${String(i).padStart(5, '0')}`, labels: { 'kubeml.io/bench': 'explorer' } },
            spec: {
              suspend: true,
              parallelism: 1 + (i % 4),
              template: {
                spec: {
                  restartPolicy: 'Never',
                  containers: [{ name: 'train', image: 'busybox', resources: { limits: { 'nvidia.com/gpu': String(1 + (i % 8)) } } }],
                },
              },
            },
          },
        })
        .catch(() => undefined);
    }
  };
  if (missing > 0) {
    console.log(`creating ${missing} jobs in ${NS}...`);
    await Promise.all(Array.from({ length: 16 }, worker));
  }
  return JOBS;
}

function connectionOf(kc: KubeConfig) {
  const state: ConnectionState = {
    kind: 'connected',
    context: kc.currentContext,
    server: kc.getCurrentCluster()?.server ?? '',
    version: 'bench',
  };
  return { state, namespacesToList: () => undefined, onDidChange: new Emitter<ConnectionState>().event };
}

/** What the tree does on first show: the roots, then the children of every expanded node. */
function render(model: TreeModel): number {
  let rows = 0;
  const walk = (nodes: ExplorerNode[], depth: number) => {
    rows += nodes.length;
    if (depth > 1) return;
    for (const n of nodes)
      if (n.row.collapsible === 'expanded' || (depth === 0 && n.row.collapsible === 'collapsed')) walk(model.children(n), depth + 1);
  };
  walk(model.roots(), 0);
  return rows;
}

async function firstRender(kc: KubeConfig): Promise<{
  jobsMs: number;
  gpusMs: number;
  jobRows: number;
  gpuRows: number;
  heapMB: number;
  registry: ResourceCacheRegistry;
  jobs: JobsModel;
}> {
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const client = new KubeClient(kc);
  const registry = new ResourceCacheRegistry(() => client, new Logger(nullSink));
  const deps = { registry, connection: connectionOf(kc) };
  const jobs = new JobsModel(deps);
  const gpus = new GpusModel(deps);
  const t0 = performance.now();
  jobs.setVisible(true);
  gpus.setVisible(true);
  let jobsMs = 0;
  let gpusMs = 0;
  let jobRows = 0;
  let gpuRows = 0;
  await Promise.all([
    jobs.whenSynced().then(() => {
      jobRows = render(jobs);
      jobsMs = performance.now() - t0;
    }),
    gpus.whenSynced().then(() => {
      gpuRows = render(gpus);
      gpusMs = performance.now() - t0;
    }),
  ]);
  gc();
  const heapMB = (process.memoryUsage().heapUsed - heap0) / 1024 / 1024;
  return { jobsMs, gpusMs, jobRows, gpuRows, heapMB, registry, jobs };
}

async function eventLatency(kc: KubeConfig, jobs: JobsModel): Promise<number[]> {
  const client = new KubeClient(kc);
  const out: number[] = [];
  // Make the job rows exist, as when the Pending group is expanded.
  const pending = jobs.roots().find((n) => n.id === 'group:Pending');
  if (pending) jobs.children(pending);
  for (let i = 0; i < EVENTS; i++) {
    const name = `bench-${String(i % JOBS).padStart(5, '0')}`;
    const id = `job:jobs:${NS}/${name}`;
    const seen = new Promise<number>((resolve) => {
      const sub = jobs.onDidChange((nodes) => {
        if (!nodes || nodes.some((n) => n.id === id || n.id === 'group:Pending')) {
          sub.dispose();
          resolve(performance.now());
        }
      });
    });
    const t0 = performance.now();
    await client.json(`/apis/batch/v1/namespaces/${NS}/jobs/${name}`, {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { metadata: { labels: { 'kubeml.io/bench-tick': String(Date.now()) } } },
      what: 'label a bench job',
    });
    out.push((await seen) - t0);
  }
  return out;
}

function timeCommand(args: string[]): number {
  const t0 = performance.now();
  execFileSync(kubectl(), args, {
    env: { ...process.env, KUBECONFIG: kubeconfigPath() },
    maxBuffer: 1 << 30,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath());
  const client = new KubeClient(kc);
  await ensureJobs(client);
  const nodes = await client.json<{ items: unknown[]; metadata: { remainingItemCount?: number } }>('/api/v1/nodes', {
    what: 'count nodes',
    query: { limit: 1 },
  });
  const nodeCount = nodes.items.length + (nodes.metadata.remainingItemCount ?? 0);
  const jobsRender: number[] = [];
  const gpusRender: number[] = [];
  const kubectlJobs: number[] = [];
  const kubectlNodes: number[] = [];
  const heaps: number[] = [];
  let latencies: number[] = [];
  let rows = { jobs: 0, gpus: 0 };
  for (let run = 0; run < RUNS; run++) {
    kubectlJobs.push(timeCommand(['get', 'jobs', '-A', '-o', 'json']));
    kubectlNodes.push(timeCommand(['get', 'nodes', '-o', 'json']));
    const r = await firstRender(kc);
    jobsRender.push(r.jobsMs);
    gpusRender.push(r.gpusMs);
    heaps.push(r.heapMB);
    rows = { jobs: r.jobRows, gpus: r.gpuRows };
    if (run === RUNS - 1) latencies = await eventLatency(kc, r.jobs);
    r.jobs.dispose();
    r.registry.dispose();
    console.log(
      `run ${run + 1}/${RUNS}: jobs ${Math.round(r.jobsMs)} ms, gpus ${Math.round(r.gpusMs)} ms, heap ${round(r.heapMB)} MB; kubectl jobs ${Math.round(kubectlJobs[run])} ms, nodes ${Math.round(kubectlNodes[run])} ms`,
    );
  }
  const result = {
    benchmark: 'explorer',
    date: new Date().toISOString(),
    node: process.version,
    gcExposed: typeof gcFn === 'function',
    cluster: { nodes: nodeCount, jobs: JOBS, namespace: NS },
    runs: RUNS,
    firstRenderMs: {
      jobs: round(median(jobsRender)),
      gpus: round(median(gpusRender)),
      samples: { jobs: jobsRender.map(round), gpus: gpusRender.map(round) },
    },
    renderedRows: rows,
    anchors: { kubectlGetJobsAllMs: round(median(kubectlJobs)), kubectlGetNodesMs: round(median(kubectlNodes)) },
    ratios: {
      jobsRenderVsKubectl: round((median(jobsRender) / median(kubectlJobs)) * 100) / 100,
      gpusRenderVsKubectl: round((median(gpusRender) / median(kubectlNodes)) * 100) / 100,
    },
    eventToTreeMs: {
      p50: round(pct(latencies, 50)),
      p95: round(pct(latencies, 95)),
      events: latencies.length,
      note: 'from sending a PATCH to the model firing the change of the job node (coalescing window 50 ms included)',
    },
    cacheHeapMB: round(median(heaps)),
    goals: {
      firstRenderNoSlowerThanKubectl: median(jobsRender) <= median(kubectlJobs) && median(gpusRender) <= median(kubectlNodes),
      eventToTreeP95Under200ms: pct(latencies, 95) < 200,
      cacheUnder150MB: median(heaps) < 150,
    },
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/explorer.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(result, null, 2));
  if (process.argv.includes('--cleanup'))
    await client.raw(`/api/v1/namespaces/${NS}`, { method: 'DELETE', what: 'delete the bench namespace' });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
