/**
 * Drift benchmark: a full report on 1,000,000 rows x 20 numeric features (reference and
 * current), against scipy's ks_2samp + wasserstein_distance (and Evidently's DataDriftPreset
 * when it installs) on the same data in the same run; and the panel's chart drawing 100,000
 * points in headless Chromium. Writes bench/results/drift.json.
 *
 *   npx tsx bench/drift/run.ts [--rows N] [--features N] [--reps N] [--anchor-reps N]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { computeDrift, summarizeReference } from '../../src/drift/engine';
import type { Table } from '../../src/drift/table';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROWS = arg('rows', 1_000_000);
const FEATURES = arg('features', 20);
const REPS = arg('reps', 5);
const ANCHOR_REPS = arg('anchor-reps', 3);
const root = join(__dirname, '..', '..');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function generate(seed: number, shiftEvery: number): Float64Array[] {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 1) / 4294967297;
  return Array.from({ length: FEATURES }, (_, f) => {
    const col = new Float64Array(ROWS);
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

function benchEngine(ref: Float64Array[], cur: Float64Array[]) {
  const runs: number[] = [];
  let report;
  for (let r = 0; r < REPS; r++) {
    const t0 = performance.now();
    report = computeDrift(summarizeReference(asTable('reference', ref)), asTable('current', cur));
    runs.push((performance.now() - t0) / 1000);
  }
  return { runs, report: report! };
}

async function benchChart(): Promise<Record<string, unknown>> {
  const esbuild = await import('esbuild');
  const bundle = await esbuild.build({ entryPoints: [join(root, 'webview/src/chart.ts')], bundle: true, format: 'iife', globalName: 'chart', write: false, platform: 'browser' });
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 400 } });
    await page.setContent('<canvas id="c" style="width:900px;height:300px"></canvas>');
    await page.addScriptTag({ content: bundle.outputFiles[0].text });
    const runs = await page.evaluate(() => {
      const n = 100_000;
      const x = new Float64Array(n);
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        x[i] = i;
        y[i] = Math.sin(i / 500) * 0.1 + ((i * 7919) % 1000) / 20000;
      }
      const canvas = document.getElementById('c') as HTMLCanvasElement;
      const times: number[] = [];
      for (let r = 0; r < 11; r++) {
        const t0 = performance.now();
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        (window as any).chart.drawLineChart(canvas, { series: [{ label: 'js', x, y, color: '#3794ff' }], threshold: 0.1 });
        canvas.getContext('2d')!.getImageData(0, 0, 1, 1); // wait for the drawing
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
  const engine = benchEngine(ref, cur);
  const ours = median(engine.runs);
  console.log(`[drift bench] KubeML full report: median ${ours.toFixed(3)} s over ${REPS} runs`);

  const dir = mkdtempSync(join(tmpdir(), 'kubeml-drift-bench-'));
  let anchor: Record<string, { median_s?: number; error?: string; features?: number[][] }> = {};
  try {
    const write = (name: string, cols: Float64Array[]) => {
      const all = new Float64Array(ROWS * FEATURES);
      cols.forEach((c, i) => all.set(c, i * ROWS));
      writeFileSync(join(dir, name), new Uint8Array(all.buffer));
    };
    write('ref.f8', ref);
    write('cur.f8', cur);
    console.log(`[drift bench] running the scipy anchor (${ANCHOR_REPS} runs) and Evidently if installed`);
    const py = spawnSync('python3', [join(__dirname, 'anchor.py'), join(dir, 'ref.f8'), join(dir, 'cur.f8'), String(ROWS), String(FEATURES), String(ANCHOR_REPS)], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (py.status !== 0) anchor = { scipy: { error: (py.stderr || py.stdout).slice(-500) } };
    else anchor = JSON.parse(py.stdout.trim().split('\n').pop()!);
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
    kubeml: { what: 'summarizeReference + computeDrift: KS (auto: asymptotic p), Wasserstein, normed Wasserstein, PSI, JS, histograms per feature', runs_s: engine.runs, median_s: ours, goal_s: 2, drifted: engine.report.features.filter((f) => f.status === 'drift').map((f) => f.name) },
    scipy: anchor.scipy,
    evidently: anchor.evidently,
    ratios: {
      scipy_over_kubeml: scipyS ? scipyS / ours : undefined,
      evidently_over_kubeml: evidentlyS ? evidentlyS / ours : undefined,
      goal: 'scipy_over_kubeml >= 10',
    },
    agreement,
    chart,
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/drift.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify({ kubeml_s: ours, scipy_s: scipyS, evidently_s: evidentlyS, ratio: result.ratios.scipy_over_kubeml, chart_ms: chart.median_ms, agreement }, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
