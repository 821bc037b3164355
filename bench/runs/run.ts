// Benchmark of the run launcher (issue 5): time from the command to the training process starting in
// the pod, code upload included, beside `kubectl apply` + `kubectl cp` of the same workspace (and
// `kubectl exec` to release it) in the same run. Writes bench/results/runs.json.
//   npx tsx bench/runs/run.ts   (KUBEML_KUBECONFIG or scripts/cluster/cluster.sh kubeconfig; RUNS=5)
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { KubeClient } from '../../src/cluster/client';
import { Logger, nullSink } from '../../src/common/logging';
import { generateRun, READY_FILE, STARTED_LINE, toYaml } from '../../src/runs/generate';
import { RunExecution } from '../../src/runs/launcher';
import { RunStore } from '../../src/model/runRecords';
import { loadSpec, resolveParams } from '../../src/model/runSpec';

const root = join(__dirname, '..', '..');
const RUNS = Number(process.env.RUNS ?? 5);
// The anchor uses the cluster's own kubectl (same version as the API server), not whatever is on PATH.
const CLUSTER_KUBECTL = join(homedir(), '.cache/kubeml/bin/k8s-v1.33.13/kubectl');
const KUBECTL = process.env.KUBECTL ?? (existsSync(CLUSTER_KUBECTL) ? CLUSTER_KUBECTL : 'kubectl');
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const kubeconfig =
    process.env.KUBEML_KUBECONFIG ??
    execFileSync('bash', [join(root, 'scripts/cluster/cluster.sh'), 'kubeconfig'], { encoding: 'utf8' }).trim();
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const client = new KubeClient(kc);
  const node = await core.readNode({ name: 'kubeml-node' });
  const image = (node.status?.images ?? []).flatMap((i) => i.names ?? []).find((n) => n.startsWith('localhost/kubeml-train:'))!;
  const namespace = `kubeml-runs-bench-${Date.now().toString(36)}`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const workspace = mkdtempSync(join(tmpdir(), 'kubeml-runs-bench-'));
  cpSync(join(root, 'samples'), workspace, { recursive: true });
  // The measured command starts at once: the time is the launcher's, not the model's.
  const spec = {
    ...loadSpec(readFileSync(join(workspace, 'kubeml.yaml'), 'utf8')),
    image,
    artifacts: undefined,
    command: ['python3', '-c', 'print("started")'],
  };
  const store = new RunStore(workspace);
  const kubectl = (args: string[], input?: string) => {
    const r = spawnSync(KUBECTL, ['--kubeconfig', kubeconfig, '-n', namespace, ...args], { input, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const kubeml: number[] = [];
  const anchor: number[] = [];
  const uploads: number[] = [];
  let files = 0;
  try {
    // Warm-up (image in the page cache, API server caches): one of each, not counted.
    for (let i = 0; i <= RUNS; i++) {
      const run = new RunExecution(
        { kc, client, store, log: new Logger(nullSink), pollMs: 100 },
        { workspace, spec, purpose: 'train', params: resolveParams(spec), namespace },
      );
      const rec = await run.start();
      if (rec.phase !== 'succeeded' || run.startedAfterMs === undefined) throw new Error(`run failed: ${JSON.stringify(rec.failure)}`);
      if (i > 0) {
        kubeml.push(run.startedAfterMs);
        uploads.push(rec.upload?.ms ?? 0);
      }
      files = rec.upload?.files ?? 0;
      run.dispose();

      // The anchor: the same Job applied with kubectl, the same workspace copied with kubectl cp,
      // released with kubectl exec; timed to the same started line in the log.
      const id = `anchor-${i}-${Date.now().toString(36)}`;
      const g = generateRun(spec, { runId: id, purpose: 'train', namespace, params: resolveParams(spec) });
      const t0 = Date.now();
      kubectl(['apply', '--server-side', '--field-manager=bench', '-f', '-'], toYaml(g.objects));
      let pod = '';
      for (;;) {
        const out = kubectl([
          'get',
          'pods',
          '-l',
          `kubeml.io/run=${id}`,
          '-o',
          'jsonpath={range .items[*]}{.metadata.name} {.status.phase}{"\\n"}{end}',
        ]).trim();
        const [name, phase] = out.split(' ');
        if (phase === 'Running') {
          pod = name;
          break;
        }
        await sleep(100);
      }
      // kubectl cp copies a folder without ignore files: copy what KubeML would ship (here: all but .kubeml/).
      const stage = mkdtempSync(join(tmpdir(), 'kubeml-anchor-'));
      cpSync(workspace, stage, { recursive: true, filter: (src) => !src.includes('.kubeml') });
      kubectl(['cp', `${stage}/.`, `${pod}:${spec.codePath}`, '-c', g.container]);
      kubectl(['exec', pod, '-c', g.container, '--', 'touch', READY_FILE]);
      for (;;) {
        if (kubectl(['logs', pod, '-c', g.container]).includes(STARTED_LINE)) break;
        await sleep(100);
      }
      if (i > 0) anchor.push(Date.now() - t0);
      rmSync(stage, { recursive: true, force: true });
    }
  } finally {
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    rmSync(workspace, { recursive: true, force: true });
  }
  const result = {
    name: 'runs',
    what: 'time from Launch Training to the training process starting in the pod (code upload included), warm local cluster',
    goalMs: 5000,
    runs: RUNS,
    workspaceFiles: files,
    kubeml: { medianMs: median(kubeml), samplesMs: kubeml, uploadMedianMs: median(uploads) },
    anchor: {
      kubectl: KUBECTL,
      what: 'kubectl apply --server-side + kubectl cp + kubectl exec touch, same Job and workspace',
      medianMs: median(anchor),
      samplesMs: anchor,
    },
    ratio: +(median(kubeml) / median(anchor)).toFixed(3),
    meetsGoal: median(kubeml) < 5000,
    date: new Date().toISOString(),
  };
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'runs.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(result, null, 2));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
