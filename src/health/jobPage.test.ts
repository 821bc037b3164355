/**
 * The Job panel page (webview/src/jobPage.ts) in headless Chromium, built as scripts/build.mjs builds it,
 * driven through its message contract as the host drives it: what it sends back for the keyboard and the
 * mouse, that data is shown as text, and its empty states. (In VS Code: test/vscode/jobPanel.test.ts.)
 */
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { PageMessage, PanelJob } from '../model/health/panelContract';
import type { GpuSeries } from '../model/health/types';
import { panelJob } from './panelData';
import { FixtureJobProvider } from './panelFixtures';

const CHROMIUM = '/usr/bin/chromium';
const root = join(__dirname, '..', '..');
const STUB = `window.__sent = []; window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__sent.push(m), getState: () => undefined, setState: () => {} });`;

type Plain = Omit<GpuSeries, 'times' | 'util' | 'memUsedMiB'> & { times: number[]; util: number[]; memUsedMiB: number[] };
const plain = (s: readonly GpuSeries[]): Plain[] =>
  s.map((x) => ({ ...x, times: [...x.times], util: [...x.util], memUsedMiB: [...x.memUsedMiB] }));

const describeIf = existsSync(CHROMIUM) ? describe : describe.skip;

describeIf(`Job panel page in headless Chromium (skipped when ${CHROMIUM} is missing)`, function () {
  this.timeout(120_000);
  let browser: Browser;
  let js = '';
  let css = '';

  before(async () => {
    const esbuild = await import('esbuild');
    const out = await esbuild.build({
      entryPoints: [join(root, 'webview/src/jobPage.ts')],
      bundle: true,
      write: false,
      outdir: join(root, 'out', 'jobpage-test'),
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      logLevel: 'silent',
    });
    js = out.outputFiles.find((f) => f.path.endsWith('.js'))!.text;
    css = out.outputFiles.find((f) => f.path.endsWith('.css'))!.text;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });

  after(async () => {
    await browser?.close();
  });

  async function openPage(job: PanelJob, series?: readonly GpuSeries[]): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.setContent(`<!DOCTYPE html><html><head><style>${css}</style></head><body><div id="app" data-nonce="n"></div></body></html>`);
    await page.evaluate(STUB);
    await page.addScriptTag({ content: js });
    await page.evaluate(
      ({ job, series }) => {
        window.postMessage({ type: 'job', job }, '*');
        if (series)
          window.postMessage(
            {
              type: 'gpu',
              series: series.map((s) => ({
                ...s,
                times: Float64Array.from(s.times),
                util: Float64Array.from(s.util),
                memUsedMiB: Float64Array.from(s.memUsedMiB),
              })),
              windowMs: job.windowMs,
              stepMs: job.stepMs,
            },
            '*',
          );
      },
      { job, series: series ? plain(series) : undefined },
    );
    return page;
  }

  const sent = (page: Page) => page.evaluate(() => (window as unknown as { __sent: PageMessage[] }).__sent);
  const lastRendered = async (page: Page, ok: (r: Extract<PageMessage, { type: 'rendered' }>) => boolean) => {
    const h = await page.waitForFunction(
      (src) => {
        const ok = new Function('r', `return (${src})(r)`) as (r: unknown) => boolean;
        return (window as unknown as { __sent: Array<{ type: string }> }).__sent.filter((m) => m.type === 'rendered' && ok(m)).at(-1);
      },
      ok.toString(),
      { timeout: 30_000 },
    );
    return (await h.jsonValue()) as Extract<PageMessage, { type: 'rendered' }>;
  };

  it('is said ready, draws every GPU, and every button is reached by Tab and acts on Enter', async () => {
    const p = new FixtureJobProvider({
      ranks: 2,
      gpusPerRank: 2,
      now: 3_600_000,
      findings: [{ kind: 'hung', severity: 'error', title: 'worker-0 stopped', rank: 'worker-0', pod: 'fixture-worker-0', evidence: [] }],
    });
    const page = await openPage(panelJob(p.snapshot(), 3_600_000), await p.gpu(3_600_000, 15_000));
    const r = await lastRendered(page, (x) => x.series === 4);
    assert.deepEqual([r.ranks, r.findings, r.points], [2, 1, 4 * 241]);
    assert.equal((await sent(page))[0].type, 'ready');
    const reached: string[] = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      reached.push(
        await page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? ''),
      );
    }
    for (const want of [
      '15 min',
      '6 h',
      'Export CSV',
      'Show the logs of worker-0',
      'GPU utilisation: Left and Right move between times',
      'Reveal pod fixture-master-0 in the Jobs view',
    ])
      assert.ok(reached.includes(want), `Tab does not reach "${want}": ${reached.join(' | ')}`);
    // From the finding's rank, Enter asks for its logs; from the 6 h button, Enter asks for the window.
    await page.focus('button[aria-label="Show the logs of worker-0"]');
    await page.keyboard.press('Enter');
    await page.focus('button[data-window="21600000"]');
    await page.keyboard.press('Enter');
    await page.focus('button[aria-label="Reveal pod fixture-worker-0 in the Jobs view"]');
    await page.keyboard.press('Enter');
    const acts = (await sent(page)).filter((m) => m.type !== 'rendered' && m.type !== 'ready');
    assert.deepEqual(acts, [
      { type: 'showLogs', rank: 'worker-0' },
      { type: 'window', windowMs: 21_600_000 },
      { type: 'revealPod', pod: 'fixture-worker-0' },
    ]);
    assert.equal(await page.getAttribute('button[data-window="21600000"]', 'aria-pressed'), 'true');
    await page.close();
    p.dispose();
  });

  it('shows names, titles and log lines from the cluster as text, never as HTML', async () => {
    const evil = '<img src=x onerror="window.__xss=1"><b>bold</b>';
    const p = new FixtureJobProvider({
      ranks: 1,
      gpusPerRank: 1,
      now: 900_000,
      findings: [{ kind: 'collective', severity: 'warning', title: evil, rank: evil, advice: evil, evidence: [{ line: evil, time: 1 }] }],
    });
    const page = await openPage(panelJob({ ...p.snapshot(), name: evil }, 900_000), await p.gpu(900_000, 15_000));
    await lastRendered(page, (x) => x.series === 1);
    assert.equal(await page.evaluate(() => document.querySelectorAll('img, b').length), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    assert.ok((await page.textContent('#findings'))!.includes(evil));
    assert.ok((await page.textContent('#title'))!.includes(evil));
    await page.close();
    p.dispose();
  });

  it('says the job holds no GPUs, or what went wrong reading them and what to do, and keeps the findings', async () => {
    const none = new FixtureJobProvider({ ranks: 2, gpusPerRank: 0 });
    const a = await openPage(panelJob(none.snapshot(), 3_600_000));
    const ra = await lastRendered(a, (x) => x.note !== undefined);
    assert.match(ra.note!, /This job holds no GPUs/);
    assert.match((await a.textContent('#gpu-hours'))!, /none \(this job holds no GPUs\)/);
    await a.close();
    const p = new FixtureJobProvider({
      ranks: 1,
      gpusPerRank: 1,
      findings: [{ kind: 'oom', severity: 'error', title: 'master-0 was OOMKilled', evidence: [] }],
    });
    const b = await openPage(panelJob(p.snapshot(), 3_600_000));
    await b.evaluate(() =>
      window.postMessage(
        { type: 'error', scope: 'gpu', message: 'Prometheus at http://prom:9090 answered 503.', todo: 'Check that it runs.' },
        '*',
      ),
    );
    const rb = await lastRendered(b, (x) => /503/.test(x.note ?? ''));
    assert.equal(rb.note, 'Prometheus at http://prom:9090 answered 503. Check that it runs.');
    assert.equal(rb.findings, 1);
    assert.equal(await b.getAttribute('#gpu-note [role="alert"]', 'class'), 'problem-box');
    await b.close();
    none.dispose();
    p.dispose();
  });

  it('grows the charts with live points and says when something off the contract arrives', async () => {
    const p = new FixtureJobProvider({ ranks: 1, gpusPerRank: 1, now: 900_000 });
    const page = await openPage(panelJob(p.snapshot(), 900_000), await p.gpu(900_000, 15_000));
    await lastRendered(page, (x) => x.points === 61);
    await page.evaluate(() =>
      window.postMessage(
        {
          type: 'append',
          points: [
            {
              pod: 'fixture-master-0',
              gpu: '0',
              times: Float64Array.of(915_000),
              util: Float64Array.of(5),
              memUsedMiB: Float64Array.of(9),
            },
          ],
        },
        '*',
      ),
    );
    await lastRendered(page, (x) => x.points === 62);
    await page.evaluate(() =>
      window.postMessage({ type: 'gpu', series: [{ pod: 'p', gpu: '0', times: [1] }], windowMs: 1, stepMs: 1 }, '*'),
    );
    await page.waitForSelector('#problem');
    assert.match(
      (await page.textContent('#problem'))!,
      /cannot show: GPU series 1 does not carry its times, util and memUsedMiB as Float64Array/,
    );
    await page.close();
    p.dispose();
  });
});
