/**
 * The Job panel's GPU charts at scale (issue #16, item 6): 64 GPUs x 6 hours at 15 s steps (1,441 samples
 * per GPU, about 92,000 points per chart, two charts: utilisation and memory), sent as one `gpu` message
 * to the real page bundle (dist/webview/jobPage.js) in headless Chromium, as structured clones with
 * Float64Arrays (as VS Code's webview transport delivers them). Measured: from the message being posted
 * to both charts drawn (the page's uPlot draw hooks; the page reports the time), median of several runs,
 * each in a fresh page. Not measured: VS Code's own message hop between the extension host and the webview.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fixtureSeries, FixtureJobProvider } from '../../src/health/panelFixtures';
import { panelJob } from '../../src/health/panelData';
import { stepFor } from '../../src/model/health/panelContract';

export interface ChartBenchOptions {
  readonly gpus?: number;
  readonly windowMs?: number;
  readonly stepMs?: number;
  readonly repeats?: number;
  readonly chromium?: string;
  /** Another build of the page (dist/webview/jobPage.js and .css by default), to compare two builds. */
  readonly bundle?: { readonly js: string; readonly css: string };
  /** Writes a screenshot of the last run's page here (PNG), when given. */
  readonly screenshot?: string;
}

export interface ChartFigures {
  readonly gpus: number;
  /** Samples per GPU, and in total per chart. */
  readonly pointsPerGpu: number;
  readonly points: number;
  readonly charts: number;
  /** Points per series after decimation to the pixel columns. */
  readonly drawnPointsPerGpu: number;
  readonly repeats: number;
  /** Message posted to both charts drawn, ms: median and every run. */
  readonly drawMs: number;
  readonly drawMsRuns: readonly number[];
  /** The machine's 1-minute load average and cores when the bench ran: on a loaded machine the wall times grow. */
  readonly loadAverage: number;
  readonly cpus: number;
  readonly goalUnder100ms: boolean;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const STUB = `window.__sent = []; window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__sent.push(m), getState: () => undefined, setState: () => {} });`;

export async function benchCharts(opts: ChartBenchOptions = {}): Promise<ChartFigures> {
  const gpus = opts.gpus ?? 64;
  const windowMs = opts.windowMs ?? 6 * 3_600_000;
  const stepMs = opts.stepMs ?? stepFor(windowMs);
  const repeats = opts.repeats ?? 7;
  const root = join(__dirname, '..', '..');
  if (!existsSync(join(root, 'dist/webview/jobPage.js'))) execFileSync('node', ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
  const bundle = readFileSync(opts.bundle?.js ?? join(root, 'dist/webview/jobPage.js'), 'utf8');
  const css = readFileSync(opts.bundle?.css ?? join(root, 'dist/webview/jobPage.css'), 'utf8');
  // 64 ranks of one GPU each: 64 lines per chart, 64 legend entries (the worst case for the legend).
  const provider = new FixtureJobProvider({ ranks: gpus, gpusPerRank: 1, name: 'bench-ddp', namespace: 'bench' });
  const end = Date.UTC(2026, 11, 1, 12);
  const job = panelJob(provider.snapshot(), windowMs, stepMs);
  const series = Array.from({ length: gpus }, (_, i) => fixtureSeries(i, 0, end, windowMs, stepMs, i === 3));
  const plain = series.map((s) => ({ ...s, times: [...s.times], util: [...s.util], memUsedMiB: [...s.memUsedMiB] }));
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: opts.chromium ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  const runs: number[] = [];
  let drawnPoints = 0;
  try {
    for (let rep = 0; rep < repeats; rep++) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.setContent(
        `<!DOCTYPE html><html><head><style>${css}</style></head><body class="vscode-dark"><div id="app" data-nonce="x"></div></body></html>`,
      );
      await page.evaluate(STUB);
      await page.addScriptTag({ content: bundle });
      // The job first (the host sends it on `ready`), then the series turned into Float64Arrays outside the timing.
      await page.evaluate(
        ({ job, plain }) => {
          window.postMessage({ type: 'job', job }, '*');
          (window as unknown as { __series: unknown }).__series = plain.map((s) => ({
            ...s,
            times: Float64Array.from(s.times),
            util: Float64Array.from(s.util),
            memUsedMiB: Float64Array.from(s.memUsedMiB),
          }));
        },
        { job, plain },
      );
      await page.waitForFunction(() =>
        (window as unknown as { __sent: Array<{ type: string }> }).__sent.some((m) => m.type === 'rendered'),
      );
      const posted = await page.evaluate(
        ({ windowMs, stepMs }) => {
          const w = window as unknown as { __sent: unknown[]; __series: unknown };
          w.__sent.length = 0;
          const at = performance.now();
          window.postMessage({ type: 'gpu', series: w.__series, windowMs, stepMs }, '*');
          return at;
        },
        { windowMs, stepMs },
      );
      const done = await page.waitForFunction(
        (n) => {
          const r = (window as unknown as { __sent: Array<Record<string, unknown>> }).__sent.find(
            (m) => m.type === 'rendered' && m.series === n && m.drawnAt !== undefined,
          );
          return r ?? undefined;
        },
        gpus,
        { timeout: 60_000 },
      );
      const r = (await done.jsonValue()) as { drawnAt: number; drawnPoints: number; points: number };
      if (r.points !== gpus * series[0].times.length)
        throw new Error(`the page holds ${r.points} points, not ${gpus * series[0].times.length}`);
      runs.push(r.drawnAt - posted);
      drawnPoints = r.drawnPoints;
      if (opts.screenshot && rep === repeats - 1) await page.screenshot({ path: opts.screenshot, fullPage: true });
      await page.close();
    }
  } finally {
    await browser.close();
    provider.dispose();
  }
  const drawMs = median(runs);
  const pointsPerGpu = series[0].times.length;
  return {
    gpus,
    pointsPerGpu,
    points: gpus * pointsPerGpu,
    charts: 2,
    drawnPointsPerGpu: drawnPoints,
    repeats,
    drawMs,
    drawMsRuns: runs.map((x) => Math.round(x * 10) / 10),
    loadAverage: Math.round(loadavg()[0] * 100) / 100,
    cpus: cpus().length,
    goalUnder100ms: drawMs < 100,
  };
}

if (require.main === module) {
  const shot = process.argv.find((a) => a.startsWith('--screenshot='));
  void benchCharts(shot ? { screenshot: shot.slice('--screenshot='.length) } : {}).then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
