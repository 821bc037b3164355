import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  allPodsGpuQuery,
  gpuHours,
  gpuStep,
  idleGpuFinding,
  idleGpuHolders,
  idleHolderLine,
  jobGpuQuery,
  parseGpuRange,
  type PromRangeSeries,
} from './gpuUse';

// Real Prometheus answers (/api/v1/query_range JSON), recorded by test/fixtures/health/capture-gpu.sh from a
// Prometheus scraping scripts/cluster/dcgm_exporter.py with its pod mapping (the pods are described there).
// Expected figures come from the recording itself: Prometheus' own sum() and count() per step, the fleet's GPU
// memory (fleet.py: GFD's H100 80GB 81559 MiB, A100 80GB 81920 MiB, L4 23034 MiB), and the SIGSTOP's time.
const FIX = join(__dirname, '../../../test/fixtures/health');
const load = <T>(f: string): T => JSON.parse(readFileSync(join(FIX, f), 'utf8')) as T;
type Answer = { status: string; data: { resultType: string; result: PromRangeSeries[] } };
const win = load<{ start: number; end: number; step: number; namespace: string }>('gpu-window.json');
const ns = win.namespace;
const job = load<Answer>('gpu-job-range.json');
const all = load<Answer>('gpu-all-range.json');
const PODS = ['real-busy', 'real-idle', 'real-train', 'sim-busy', 'sim-idle'];
/** When real-train's processes were SIGSTOPped (date -u -d 19:11:48 +%s on the recording day). */
const STOPPED_AT = 1796325108;
const nowMs = win.end * 1000;
const step = win.step;

/** Prometheus' own per-step aggregate, summed over the steps: Σ value. */
function promSum(file: string, pod?: string): number {
  const a = load<Answer>(file);
  return a.data.result
    .filter((r) => pod === undefined || r.metric.pod === pod)
    .reduce((s, r) => s + r.values.reduce((x, [, v]) => x + Number(v), 0), 0);
}

describe('gpuUse: PromQL for GPU series by pod', () => {
  it("selects a job's utilisation and memory series by namespace and pods, one matcher per set", () => {
    // The same selector capture-gpu.sh spelt out by hand, and Prometheus answered.
    assert.equal(
      jobGpuQuery(ns, [...PODS].reverse()),
      `{__name__=~"DCGM_FI_DEV_GPU_UTIL|DCGM_FI_DEV_FB_USED|DCGM_FI_DEV_FB_FREE",namespace="${ns}",pod=~"${PODS.join('|')}"}`,
    );
    assert.equal(
      jobGpuQuery('a', ['w-0']),
      '{__name__=~"DCGM_FI_DEV_GPU_UTIL|DCGM_FI_DEV_FB_USED|DCGM_FI_DEV_FB_FREE",namespace="a",pod="w-0"}',
    );
    // A dot in a pod name is a regex metacharacter: escaped, and the backslash escaped in the PromQL string.
    assert.equal(jobGpuQuery('a', ['x.y', 'z']).split(',').pop(), 'pod=~"x\\\\.y|z"}');
    assert.throws(() => jobGpuQuery('a', []), /at least one pod/);
    assert.equal(allPodsGpuQuery(), '{__name__=~"DCGM_FI_DEV_GPU_UTIL|DCGM_FI_DEV_FB_USED|DCGM_FI_DEV_FB_FREE",pod!=""}');
    assert.equal(allPodsGpuQuery(['b', 'a']).split(',').pop(), 'namespace=~"a|b"}');
    assert.equal(gpuStep(6 * 3600), 90);
    assert.equal(gpuStep(600), 15, 'never under the 15 s scrape interval');
  });
});

describe('gpuUse: a range answer as GPU series', () => {
  const series = parseGpuRange(job.data.result, win, (_, pod) => (pod === 'sim-busy' ? 'worker-0' : undefined));

  it('one series per pod and GPU on the query grid, values where Prometheus had them, the labels read', () => {
    assert.equal(job.status, 'success');
    assert.equal(job.data.resultType, 'matrix');
    const n = (win.end - win.start) / step + 1;
    assert.deepEqual(
      series.map((s) => [s.rank ?? s.pod, s.gpu, s.node, s.namespace, s.container]),
      [
        ['real-busy', '0', 'kubeml-node', ns, 'trainer'],
        ['real-idle', '1', 'kubeml-node', ns, 'trainer'],
        ['real-train', '0', 'kubeml-node', ns, 'trainer'],
        ['sim-idle', '0', 'kwok-a100-0002', ns, 'trainer'],
        ['worker-0', '0', 'kwok-h100-0000', ns, 'trainer'],
        ['worker-0', '1', 'kwok-h100-0000', ns, 'trainer'],
      ],
    );
    for (const s of series) {
      assert.equal(s.times.length, n);
      assert.equal(s.times[0], win.start * 1000);
      assert.equal(s.times[n - 1] - s.times[n - 2], step * 1000);
    }
    // Every value of the answer lands at its time, in its series and field.
    for (const r of job.data.result) {
      const s = series.find((x) => x.pod === r.metric.pod && x.gpu === r.metric.gpu && x.node === r.metric.Hostname)!;
      const field =
        r.metric.__name__ === 'DCGM_FI_DEV_GPU_UTIL' ? s.util : r.metric.__name__ === 'DCGM_FI_DEV_FB_USED' ? s.memUsedMiB : undefined;
      if (!field) continue;
      for (const [t, v] of r.values) assert.equal(field[(Number(t) - win.start) / step], Number(v));
      const have = new Set(r.values.map(([t]) => Number(t)));
      for (let i = 0; i < n; i++) if (!have.has(win.start + i * step)) assert.ok(Number.isNaN(field[i]), 'no sample: NaN');
    }
    const by = (pod: string) => series.find((s) => s.pod === pod)!;
    assert.equal(by('sim-busy').memTotalMiB, 81559);
    assert.equal(by('sim-busy').product, 'NVIDIA H100 80GB HBM3');
    assert.equal(by('sim-idle').memTotalMiB, 81920);
    assert.equal(by('real-idle').memTotalMiB, 23034);
    assert.ok(
      [...by('sim-idle').util].every((v) => Number.isNaN(v) || v === 2),
      'the annotated 2%',
    );
  });

  it('GPU-hours held and used: the same as Prometheus sum() and count() per step', () => {
    const h = gpuHours(series);
    const held = (promSum('gpu-job-count.json') * step) / 3600;
    const used = (promSum('gpu-job-util-sum.json') * step) / 3600 / 100;
    assert.ok(held > 0 && used > 0);
    assert.ok(Math.abs(h.held - held) < 1e-9, `${h.held} vs Prometheus ${held}`);
    assert.ok(Math.abs(h.used - used) < 1e-9, `${h.used} vs Prometheus ${used}`);
    assert.deepEqual(gpuHours([]), { held: 0, used: 0 });
  });

  it('ignores series of GPUs no pod holds, and other metrics; reads old exporters’ pod_name/pod_namespace', () => {
    const t = win.start;
    const w = { start: t, end: t + 30, step: 15 };
    const r = parseGpuRange(
      [
        { metric: { __name__: 'DCGM_FI_DEV_GPU_UTIL', gpu: '0', Hostname: 'n', pod: '' }, values: [[t, '5']] },
        { metric: { __name__: 'DCGM_FI_DEV_GPU_TEMP', gpu: '0', Hostname: 'n', pod: 'p', namespace: 'x' }, values: [[t, '50']] },
        {
          metric: {
            __name__: 'DCGM_FI_DEV_GPU_UTIL',
            gpu: '3',
            GPU_I_ID: '2',
            GPU_I_PROFILE: '1g.10gb',
            modelName: 'NVIDIA A100-SXM4-80GB',
            Hostname: 'n',
            pod_name: 'old',
            pod_namespace: 'y',
          },
          values: [
            [t + 15, 'NaN'],
            [t + 30, '7'],
          ],
        },
      ],
      w,
    );
    assert.equal(r.length, 1);
    assert.deepEqual([r[0].pod, r[0].namespace, r[0].gpu, r[0].product], ['old', 'y', '3/2', 'NVIDIA A100-SXM4-80GB MIG 1g.10gb']);
    assert.deepEqual([...r[0].util], [NaN, NaN, 7]);
    assert.equal(r[0].memTotalMiB, undefined, 'no memory series: no total');
  });
});

describe('gpuUse: the idle-GPU finding', () => {
  const series = parseGpuRange(job.data.result, win);

  it('names the GPUs held now under 10% for 10 minutes; a deleted pod no longer holds its GPU', () => {
    const f = idleGpuFinding(series, { now: nowMs });
    assert.ok(f);
    assert.equal(f.kind, 'idle-gpus');
    assert.equal(f.severity, 'warning');
    // Held now: real-idle, real-train, sim-idle, sim-busy x2 (real-busy was deleted during the recording).
    assert.match(f.title, /^holds 3 of its 5 GPUs at 0(\.\d)?% for \d+ min$/);
    assert.deepEqual(f.evidence.map((e) => e.pod).sort(), ['real-idle', 'real-train', 'sim-idle']);
    // The shortest idle run is real-train's, from its SIGSTOP (within the exporter's 10 s window and a 15 s step).
    const train = f.evidence.find((e) => e.pod === 'real-train')!;
    assert.ok(train.time! >= STOPPED_AT * 1000 && train.time! <= (STOPPED_AT + 30) * 1000, new Date(train.time!).toISOString());
    assert.equal(f.title.match(/for (\d+) min/)![1], String(Math.round((win.end * 1000 - train.time!) / 60_000)));
    assert.equal(f.pod, undefined, 'several pods: no single pod');
  });

  it('one idle pod: "holds 1 GPU at 2% for N min", N from its first sample to the last', () => {
    const idle = series.filter((s) => s.pod === 'sim-idle');
    const raw = job.data.result.find((r) => r.metric.pod === 'sim-idle' && r.metric.__name__ === 'DCGM_FI_DEV_GPU_UTIL')!;
    const minutes = Math.round((Number(raw.values.at(-1)![0]) - Number(raw.values[0][0])) / 60);
    const f = idleGpuFinding(idle, { now: nowMs })!;
    assert.equal(f.title, `holds 1 GPU at 2% for ${minutes} min`);
    assert.equal(f.pod, 'sim-idle');
    assert.match(f.evidence[0].line!, /^GPU 0 on kwok-a100-0002: 2% on average, under 10% since \d{4}-/);
  });

  it('follows the thresholds: 1% leaves the 2% GPU out; a longer window than the idle run finds nothing; nothing held, nothing found', () => {
    const f = idleGpuFinding(series, { now: nowMs, idleUtilPercent: 1 })!;
    assert.deepEqual(f.evidence.map((e) => e.pod).sort(), ['real-idle', 'real-train']);
    assert.match(f.title, /^holds 2 of its 5 GPUs at 0% for \d+ min$/);
    assert.equal(idleGpuFinding(series, { now: nowMs, idleForMs: (win.end - win.start + 60) * 1000 }), undefined);
    assert.equal(
      idleGpuFinding(
        series.filter((s) => s.pod === 'sim-busy'),
        { now: nowMs },
      ),
      undefined,
      'busy: no finding',
    );
    assert.equal(idleGpuFinding(series, { now: nowMs + 3600_000 }), undefined, 'an hour later nothing is held any more');
  });
});

describe('gpuUse: who holds idle GPUs', () => {
  const series = parseGpuRange(all.data.result, win).filter((s) => s.namespace === ns);
  const ownerOf = (_: string, pod: string) => (pod.startsWith('sim-') ? 'Job/sim' : 'Job/real');

  it('per owner: GPUs held now and idle, average use, GPU-hours held and wasted (Prometheus counts the samples under 10%)', () => {
    const rows = idleGpuHolders(series, { now: nowMs, ownerOf });
    assert.deepEqual(
      rows.map((r) => [r.owner, r.pods.join(','), r.gpus, r.idleGpus]),
      [
        ['Job/real', 'real-busy,real-idle,real-train', 2, 2],
        ['Job/sim', 'sim-busy,sim-idle', 3, 1],
      ],
    );
    const under = (pods: string[]) => (pods.reduce((s, p) => s + promSum('gpu-job-under10.json', p), 0) * step) / 3600;
    assert.ok(Math.abs(rows[0].wastedGpuHours - under(['real-busy', 'real-idle', 'real-train'])) < 1e-9);
    assert.ok(Math.abs(rows[1].wastedGpuHours - under(['sim-busy', 'sim-idle'])) < 1e-9);
    const held = (pods: string[]) => gpuHours(series.filter((s) => pods.includes(s.pod))).held;
    assert.equal(rows[1].heldGpuHours, held(['sim-busy', 'sim-idle']));
    assert.ok(rows[1].avgUtil > 10 && rows[0].avgUtil < rows[1].avgUtil);
    assert.match(
      idleHolderLine(rows[1]),
      new RegExp(`^${ns} Job/sim: 1 of 3 GPUs idle at 2% for \\d+ min, \\d+\\.\\d\\d GPU-hours wasted$`),
    );
  });

  it('without owners, each pod is its own row; busy pods are not listed', () => {
    const rows = idleGpuHolders(series, { now: nowMs });
    assert.deepEqual(rows.map((r) => r.owner).sort(), ['Pod/real-idle', 'Pod/real-train', 'Pod/sim-idle']);
    const wasted = ((promSum('gpu-job-under10.json', 'sim-idle') * step) / 3600).toFixed(2);
    assert.match(
      idleHolderLine(rows.find((r) => r.owner === 'Pod/sim-idle')!),
      new RegExp(`^${ns} Pod/sim-idle: 1 GPU idle at 2% for \\d+ min, ${wasted} GPU-hours wasted$`),
    );
  });
});
