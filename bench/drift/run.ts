/**
 * Drift benchmark: a full report on 1,000,000 rows x 20 numeric features (reference and
 * current), against scipy's ks_2samp + wasserstein_distance (and Evidently's DataDriftPreset
 * when it installs) on the same data in the same run; and the panel's chart drawing 100,000
 * points in headless Chromium. Writes bench/results/drift.json.
 *
 *   npx tsx bench/drift/run.ts [--rows N] [--features N] [--reps N] [--anchor-reps N]
 *                              [--evidently-timeout S] [--no-evidently]
 *
 * The anchors run as subprocesses (anchor.py; pip install scipy numpy, and evidently 'pandas<3'
 * for the preset): scipy first, then Evidently once in a process of its own with a time limit,
 * so a slow or hanging Evidently never loses the scipy figures.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { computeDrift, summarizeReference } from '../../src/drift/engine';
import { closeDriftWorkers, driftReport } from '../../src/drift/parallel';
import { sharedFloat64, type Table } from '../../src/drift/table';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROWS = arg('rows', 1_000_000);
const FEATURES = arg('features', 20);
const REPS = arg('reps', 5);
const ANCHOR_REPS = arg('anchor-reps', 3);
const EVIDENTLY_TIMEOUT_S = arg('evidently-timeout', 600);
const EVIDENTLY = !process.argv.includes('--no-evidently');
const root = join(__dirname, '..', '..');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function generate(seed: number, shiftEvery: number): Float64Array[] {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 1) / 4294967297;
  return Array.from({ length: FEATURES }, (_, f) => {
    const col = sharedFloat64(ROWS); // as the readers give columns (shared with worker threads)
    const shift = shiftEvery > 0 && f % shiftEvery === 0 ? 0.2 : 0;
    for (let i = 0; i < ROWS; i++) col[i] = shift + f + Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
    return col;
  });
}

const asTable = (source: string, cols: Float64Array[]): Table => ({
  source,
  rows: ROWS,
  columns: cols.map((values, i) => ({ name: `f${i}`, kind: 'numeric' as const, values })),
  warnings: [],
});

async function benchEngine(ref: Float64Array[], cur: Float64Array[]) {
  // One run first (not counted): the worker thread starts and compiles; then REPS runs.
  await driftReport(asTable('reference', ref), asTable('current', cur));
  const runs: number[] = [];
  const cpu: number[] = [];
  let report;
  for (let r = 0; r < REPS; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage(); // this process: every thread
    report = await driftReport(asTable('reference', ref), asTable('current', cur));
    runs.push((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
  }
  // The same report on one thread, for the record (and to check that both agree).
  const single: number[] = [];
  let one;
  for (let r = 0; r < Math.min(REPS, 3); r++) {
    const t0 = performance.now();
    one = computeDrift(summarizeReference(asTable('reference', ref)), asTable('current', cur));
    single.push((performance.now() - t0) / 1000);
  }
  const strip = (x: object) => JSON.stringify({ ...x, createdAt: '' });
  if (strip(one!) !== strip(report!)) throw new Error('the parallel report differs from the single-thread one');
  return { runs, cpu, single, report: report! };
}

/** Runs anchor.py; resolves with its last line as JSON, or an error (exit, timeout). */
function runAnchor(args: string[], timeoutS: number): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const p = spawn('python3', [join(__dirname, 'anchor.py'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      resolve({ error: `did not finish within ${timeoutS} s` });
    }, timeoutS * 1000);
    p.on('error', (e) => {
      clearTimeout(timer);
      resolve({ error: String(e) });
    });
    p.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return resolve({ error: `exit ${code}: ${(err || out).slice(-500)}` });
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>);
      } catch {
        resolve({ error: `no JSON in its output: ${out.slice(-300)}` });
      }
    });
  });
}

async function benchChart(): Promise<Record<string, unknown>> {
  const esbuild = await import('esbuild');
  const bundle = await esbuild.build({
    entryPoints: [join(root, 'webview/src/chart.ts')],
    bundle: true,
    format: 'iife',
    globalName: 'chart',
    write: false,
    platform: 'browser',
  });
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 400 } });
    await page.setContent('<div id="c" style="width:900px"></div>');
    await page.addScriptTag({ content: bundle.outputFiles[0].text });
    // One chart made (with its axes and legend) and drawn from scratch per run, as the panel
    // does when the data, the selection or the theme changes.
    const runs = await page.evaluate(async () => {
      const n = 100_000;
      const x = new Float64Array(n);
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        x[i] = i;
        y[i] = Math.sin(i / 500) * 0.1 + ((i * 7919) % 1000) / 20000;
      }
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const chart = new (window as any).chart.Chart(document.getElementById('c'));
      const times: number[] = [];
      for (let r = 0; r < 11; r++) {
        const t0 = performance.now();
        chart.lines({ series: [{ label: 'js', x, y, color: '#3794ff' }], threshold: 0.1 });
        await chart.drawn; // uPlot paints in a microtask after the chart is made
        (chart.canvas as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 1, 1); // and the canvas has the pixels
        times.push(performance.now() - t0);
      }
      return times.slice(1);
    });
    return { points: 100_000, runs_ms: runs, median_ms: median(runs), goal_ms: 100, browser: browser.version() };
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  console.log(`[drift bench] generating ${ROWS.toLocaleString()} rows x ${FEATURES} features, twice`);
  const ref = generate(1, 0);
  const cur = generate(2, 4);
  const engine = await benchEngine(ref, cur);
  await closeDriftWorkers();
  const ours = median(engine.runs);
  console.log(
    `[drift bench] KubeML full report: median ${ours.toFixed(3)} s over ${REPS} runs (one thread: ${median(engine.single).toFixed(3)} s)`,
  );

  const dir = mkdtempSync(join(tmpdir(), 'kubeml-drift-bench-'));
  const anchor: Record<string, { median_s?: number; cpu_median_s?: number; error?: string; features?: number[][] }> = {};
  try {
    const write = (name: string, cols: Float64Array[]) => {
      const all = new Float64Array(ROWS * FEATURES);
      cols.forEach((c, i) => all.set(c, i * ROWS));
      writeFileSync(join(dir, name), new Uint8Array(all.buffer));
    };
    write('ref.f8', ref);
    write('cur.f8', cur);
    console.log(`[drift bench] running the scipy anchor (${ANCHOR_REPS} runs)`);
    const files = [join(dir, 'ref.f8'), join(dir, 'cur.f8'), String(ROWS), String(FEATURES)];
    anchor.scipy = (await runAnchor(['scipy', ...files, String(ANCHOR_REPS)], 3600)) as (typeof anchor)['scipy'];
    console.log(`[drift bench] scipy: ${JSON.stringify({ ...anchor.scipy, features: undefined })}`);
    if (EVIDENTLY) {
      console.log(`[drift bench] running Evidently's DataDriftPreset once (limit ${EVIDENTLY_TIMEOUT_S} s)`);
      anchor.evidently = (await runAnchor(['evidently', ...files, '1'], EVIDENTLY_TIMEOUT_S)) as (typeof anchor)['evidently'];
      console.log(`[drift bench] evidently: ${JSON.stringify(anchor.evidently)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Same numbers as scipy? KS statistic exactly, p-value and Wasserstein relatively.
  let agreement: Record<string, number> | undefined;
  const sf = anchor.scipy?.features;
  if (sf) {
    let ksStat = 0;
    let p = 0;
    let w = 0;
    for (const f of engine.report.features) {
      const [s, pv, wd] = sf[Number(f.name.slice(1))];
      ksStat = Math.max(ksStat, Math.abs(f.stats.ks!.statistic - s));
      p = Math.max(p, pv === 0 ? Math.abs(f.stats.ks!.pValue) : Math.abs(f.stats.ks!.pValue - pv) / pv);
      w = Math.max(w, Math.abs(f.stats.wasserstein! - wd) / wd);
    }
    agreement = { max_abs_diff_ks_statistic: ksStat, max_rel_diff_p_value: p, max_rel_diff_wasserstein: w };
    delete anchor.scipy.features;
  }
  let chart: Record<string, unknown>;
  try {
    chart = await benchChart();
  } catch (e) {
    chart = { error: String(e).slice(0, 300) };
  }
  const scipyS = anchor.scipy?.median_s;
  const evidentlyS = anchor.evidently?.median_s;
  const result = {
    benchmark: 'drift',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    data: { rows: ROWS, features: FEATURES, note: 'reference and current, numeric; every 4th feature of current shifted by 0.2 sd' },
    kubeml: {
      what: 'driftReport (summarise the reference, compare; features shared between this thread and a worker thread): KS (auto: asymptotic p), Wasserstein, normed Wasserstein, PSI, JS, histograms per feature',
      runs_s: engine.runs,
      median_s: ours,
      goal_s: 2,
      cpu_s: engine.cpu,
      cpu_median_s: median(engine.cpu),
      single_thread_runs_s: engine.single,
      single_thread_median_s: median(engine.single),
      note: 'one warm-up run before the counted ones (starts the worker thread); the single-thread report is checked to be identical',
      drifted: engine.report.features.filter((f) => f.status === 'drift').map((f) => f.name),
    },
    scipy: anchor.scipy,
    evidently: anchor.evidently,
    ratios: {
      scipy_over_kubeml: scipyS ? scipyS / ours : undefined,
      scipy_cpu_over_kubeml_cpu: anchor.scipy?.cpu_median_s ? anchor.scipy.cpu_median_s / median(engine.cpu) : undefined,
      evidently_over_kubeml: evidentlyS ? evidentlyS / ours : undefined,
      goal: 'scipy_over_kubeml >= 10',
    },
    agreement,
    chart,
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/drift.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(
    JSON.stringify(
      {
        kubeml_s: ours,
        kubeml_cpu_s: median(engine.cpu),
        scipy_cpu_s: anchor.scipy?.cpu_median_s,
        scipy_s: scipyS,
        evidently_s: evidentlyS,
        ratio: result.ratios.scipy_over_kubeml,
        chart_ms: chart.median_ms,
        agreement,
      },
      null,
      2,
    ),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
