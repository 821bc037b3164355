/**
 * The Job panel page (issue #16): a job's GPU utilisation and memory over time per rank and GPU
 * (gpuCharts.ts, live), the GPU-hours it held and used, the doctor's findings and the ranks. Talks to
 * the host only through src/model/health/panelContract.ts; every text from data goes in as textContent.
 */
import 'uplot/dist/uPlot.min.css';
import {
  JOB_WINDOWS_MS,
  gpuHoursText,
  hostMessageProblem,
  isHostMessage,
  windowLabel,
  type GpuAppend,
  type HostMessage,
  type PageMessage,
  type PanelJob,
} from '../../src/model/health/panelContract';
import type { Finding, GpuSeries } from '../../src/model/health/types';
import { GpuChart, type ChartLine } from './gpuCharts';
import { CSS as STYLE } from './jobStyle';
import { el, plain } from './pageParts';

declare function acquireVsCodeApi(): { postMessage(m: PageMessage): void; getState(): unknown; setState(s: unknown): void };
const vscode = acquireVsCodeApi();

/**
 * A series' values that live points extend: the received array is kept as it is (no copy when a window
 * arrives), and grows by doubling on the first append that does not fit.
 */
class Growing {
  private buf: Float64Array;
  length: number;
  constructor(a: Float64Array = new Float64Array(0)) {
    this.buf = a;
    this.length = a.length;
  }
  pushAll(a: ArrayLike<number>): void {
    if (this.length + a.length > this.buf.length) {
      const next = new Float64Array(Math.max(64, this.buf.length * 2, this.length + a.length));
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
    }
    for (let i = 0; i < a.length; i++) this.buf[this.length++] = a[i];
  }
  view(): Float64Array {
    return this.buf.subarray(0, this.length);
  }
}

interface Live {
  readonly meta: Omit<GpuSeries, 'times' | 'util' | 'memUsedMiB'>;
  readonly times: Growing;
  readonly util: Growing;
  readonly mem: Growing;
}

let job: PanelJob | undefined;
let series = new Map<string, Live>();
let stepMs = 15_000;
let windowMs = 3_600_000;
let gpuKnown = false;
let gpuProblem: { message: string; todo?: string } | undefined;
let jobProblem: { message: string; todo?: string } | undefined;
/** performance.now() when the last `gpu` message arrived: the draw time runs from there. */
let gpuArrived: number | undefined;
let drawMs: number | undefined;
let drawnAt: number | undefined;
let util: GpuChart | undefined;
let mem: GpuChart | undefined;

const keyOf = (pod: string, gpu: string) => `${pod}\u0000${gpu}`;

const ICONS: Record<Finding['severity'], string> = { error: '⊗', warning: '⚠', info: 'ℹ' };

function layout(): void {
  const app = document.getElementById('app')!;
  const header = el('header');
  header.append(el('h1', { id: 'title' }), el('span', { class: 'summary', id: 'summary', role: 'status' }));
  const windows = el('span', { role: 'group', 'aria-label': 'Time window', id: 'windows' });
  for (const ms of JOB_WINDOWS_MS) {
    const b = el('button', { class: 'toggle', type: 'button', 'aria-pressed': 'false', 'data-window': String(ms) }, windowLabel(ms));
    b.addEventListener('click', () => {
      if (ms === windowMs) return;
      windowMs = ms;
      pressWindows();
      vscode.postMessage({ type: 'window', windowMs: ms });
    });
    windows.append(b);
  }
  header.append(
    windows,
    plain('Export CSV', () => vscode.postMessage({ type: 'exportCsv' }), 'export-csv'),
  );
  app.replaceChildren(
    header,
    el('p', { class: 'hours', id: 'gpu-hours' }),
    el('h2', { id: 'findings-head' }, 'Findings'),
    el('ul', { class: 'findings', id: 'findings', 'aria-labelledby': 'findings-head' }),
    el('h2', {}, 'GPU use per rank'),
    el('div', { id: 'gpu-note', 'aria-live': 'polite' }),
  );
  // Hidden by visibility, not display, until there is something to draw: the charts keep their width (gpuCharts.ts).
  const charts = el('div', { class: 'charts', id: 'charts' });
  const u = el('section', { 'aria-label': 'GPU utilisation' });
  const uDiv = el('div', { class: 'chart', id: 'util-chart', role: 'group', 'aria-label': 'GPU utilisation (%) over time' });
  u.append(el('h3', {}, 'Utilisation (%)'), uDiv);
  const m = el('section', { 'aria-label': 'GPU memory used' });
  const mDiv = el('div', { class: 'chart', id: 'mem-chart', role: 'group', 'aria-label': 'GPU memory used (MiB) over time' });
  m.append(el('h3', {}, 'Memory used (MiB)'), mDiv);
  charts.append(u, m);
  app.append(
    charts,
    el('h2', { id: 'ranks-head' }, 'Ranks'),
    el('table', { class: 'ranks', id: 'ranks', 'aria-labelledby': 'ranks-head' }),
    el('div', { 'aria-live': 'polite', id: 'live', class: 'visually-hidden' }),
  );
  util?.destroy();
  mem?.destroy();
  util = new GpuChart(uDiv, { title: 'GPU utilisation', unit: '%', yMax: 100 }, () => scheduleCharts(true));
  mem = new GpuChart(mDiv, { title: 'GPU memory used', unit: 'MiB' }, () => scheduleCharts(true));
}

function pressWindows(): void {
  for (const b of document.querySelectorAll<HTMLButtonElement>('#windows button'))
    b.setAttribute('aria-pressed', String(Number(b.dataset.window) === windowMs));
}

function renderJob(): void {
  if (!job) return;
  if (!document.getElementById('title')) layout();
  const gpus = job.ranks.reduce((n, r) => n + r.gpus, 0);
  document.getElementById('title')!.textContent = `${job.kind} ${job.namespace}/${job.name}`;
  document.getElementById('summary')!.textContent =
    `${job.ranks.length} rank${job.ranks.length === 1 ? '' : 's'}, ${gpus} GPU${gpus === 1 ? '' : 's'}, last ${windowLabel(job.windowMs)}`;
  windowMs = job.windowMs;
  pressWindows();
  const hours = document.getElementById('gpu-hours')!;
  const h = job.gpuHours;
  hours.textContent = h
    ? `GPU-hours: ${gpuHoursText(h)}`
    : gpus === 0
      ? 'GPU-hours: none (this job holds no GPUs)'
      : 'GPU-hours: unknown (no GPU series)';
  hours.classList.toggle('low', !!h && h.held > 0 && h.used / h.held < 0.1);
  renderFindings(job.findings);
  renderRanks();
}

function time(ms: number | undefined): string {
  return ms === undefined ? '' : new Date(ms).toLocaleString();
}

function renderFindings(findings: readonly Finding[]): void {
  const list = document.getElementById('findings')!;
  document.getElementById('findings-head')!.textContent = `Findings (${findings.length})`;
  if (findings.length === 0) {
    list.replaceChildren(el('li', { class: 'note' }, 'No findings: the doctor sees nothing wrong with this job now.'));
    return;
  }
  const order = { error: 0, warning: 1, info: 2 };
  const sorted = [...findings].sort((a, b) => order[a.severity] - order[b.severity]);
  list.replaceChildren(
    ...sorted.map((f) => {
      const li = el('li', { class: `finding ${f.severity}`, 'data-kind': f.kind });
      li.append(el('span', { class: 'icon', 'aria-hidden': 'true' }, ICONS[f.severity]));
      const title = el('div', { class: 'title' });
      title.append(el('span', { class: 'visually-hidden' }, `${f.severity}: `), document.createTextNode(f.title));
      li.append(title);
      if (f.rank) {
        const rank = f.rank;
        const line = el('div');
        const b = el('button', { class: 'link', type: 'button', 'aria-label': `Show the logs of ${rank}` }, rank);
        b.addEventListener('click', () => vscode.postMessage({ type: 'showLogs', rank }));
        line.append(document.createTextNode('Rank: '), b);
        if (f.pod) line.append(document.createTextNode(` (pod ${f.pod})`));
        li.append(line);
      }
      if (f.evidence.length) {
        const ev = el('ul', { class: 'evidence', 'aria-label': 'Evidence' });
        for (const e of f.evidence.slice(0, 5)) {
          const item = el('li');
          const who = [e.rank, e.pod && e.pod !== f.pod ? `pod ${e.pod}` : undefined].filter(Boolean).join(', ');
          const at = time(e.time);
          if (at || who) item.append(document.createTextNode(`${[at, who].filter(Boolean).join(' · ')}${e.line ? ': ' : ''}`));
          if (e.line) item.append(el('code', {}, e.line));
          ev.append(item);
        }
        li.append(ev);
      }
      if (f.advice) li.append(el('p', { class: 'advice' }, f.advice));
      return li;
    }),
  );
}

function renderRanks(): void {
  if (!job) return;
  const table = document.getElementById('ranks')!;
  const head = el('tr');
  for (const [h, cls] of [
    ['Rank', ''],
    ['Pod', ''],
    ['Node', ''],
    ['Phase', ''],
    ['Restarts', 'num'],
    ['GPUs', 'num'],
    ['', ''],
  ])
    head.append(el('th', { scope: 'col', ...(cls ? { class: cls } : {}) }, h));
  const rows = job.ranks.map((r) => {
    const tr = el('tr');
    const pod = el('button', { class: 'link', type: 'button', 'aria-label': `Reveal pod ${r.pod} in the Jobs view` }, r.pod);
    pod.addEventListener('click', () => vscode.postMessage({ type: 'revealPod', pod: r.pod }));
    const podCell = el('td');
    podCell.append(pod);
    const logs = plain('Logs', () => vscode.postMessage({ type: 'showLogs', rank: r.rank }));
    logs.setAttribute('aria-label', `Show the logs of ${r.rank}`);
    const logsCell = el('td');
    logsCell.append(logs);
    tr.append(
      el('th', { scope: 'row' }, r.rank),
      podCell,
      el('td', {}, r.node ?? '–'),
      el('td', {}, r.phase),
      el('td', { class: 'num' }, String(r.restarts)),
      el('td', { class: 'num' }, String(r.gpus)),
      logsCell,
    );
    return tr;
  });
  table.replaceChildren(el('thead'), el('tbody'));
  table.firstElementChild!.append(head);
  table.lastElementChild!.append(...rows);
}

/** What the GPU section says instead of (or above) the charts, if anything. */
function gpuNote(): { text: string; todo?: string; problem: boolean } | undefined {
  if (gpuProblem) return { text: gpuProblem.message, todo: gpuProblem.todo, problem: true };
  if (!job) return undefined;
  const gpus = job.ranks.reduce((n, r) => n + r.gpus, 0);
  if (series.size === 0 && gpus === 0)
    return { text: 'This job holds no GPUs: none of its ranks requests nvidia.com/gpu, so there is no GPU use to show.', problem: false };
  if (!gpuKnown) return { text: 'Reading the GPU series…', problem: false };
  if (series.size === 0)
    return {
      text: `No GPU samples for this job's pods in the last ${windowLabel(windowMs)}.`,
      todo: "dcgm-exporter labels a GPU's series with the pod that holds it only when its Kubernetes pod mapping is on; check that it is, and that Prometheus scrapes it.",
      problem: false,
    };
  return undefined;
}

function lines(pick: (l: Live) => Growing): ChartLine[] {
  const rankIndex = new Map(job?.ranks.map((r, i) => [r.rank, i]) ?? []);
  const podIndex = new Map(job?.ranks.map((r, i) => [r.pod, i]) ?? []);
  const perRank = new Map<number, number>();
  let extra = job?.ranks.length ?? 0;
  const out: ChartLine[] = [];
  for (const s of series.values()) {
    const ri = (s.meta.rank !== undefined ? rankIndex.get(s.meta.rank) : undefined) ?? podIndex.get(s.meta.pod) ?? extra++;
    const gi = perRank.get(ri) ?? 0;
    perRank.set(ri, gi + 1);
    out.push({
      label: `${s.meta.rank ?? s.meta.pod} · GPU ${s.meta.gpu}`,
      rankIndex: ri,
      gpuIndex: gi,
      times: s.times.view(),
      values: pick(s).view(),
    });
  }
  return out;
}

let chartFrame = 0;
/** Draws the charts on the next frame (at most once per frame, however many appends arrived). */
function scheduleCharts(remake = false): void {
  if (remake) remakeNext = true;
  if (chartFrame) return;
  chartFrame = requestAnimationFrame(() => {
    chartFrame = 0;
    drawCharts(remakeNext);
    remakeNext = false;
  });
}
let remakeNext = false;

function drawCharts(remake: boolean): void {
  if (!util || !mem) return;
  const note = gpuNote();
  const box = document.getElementById('gpu-note')!;
  const charts = document.getElementById('charts')!;
  if (note) {
    const p = el('div', { class: note.problem ? 'problem-box' : 'note', ...(note.problem ? { role: 'alert' } : {}) });
    p.append(el('p', { class: note.problem ? 'problem' : '' }, note.text));
    if (note.todo) p.append(el('p', {}, note.todo));
    box.replaceChildren(p);
  } else box.replaceChildren();
  const show = !note || (!note.problem && series.size > 0);
  charts.classList.toggle('unshown', !show);
  if (!show) {
    util.destroy();
    mem.destroy();
    rendered();
    return;
  }
  const totals = [...series.values()].map((s) => s.meta.memTotalMiB);
  const memMax = totals.every((t) => t !== undefined && t > 0) ? Math.max(...(totals as number[])) : undefined;
  util.set(
    lines((s) => s.util),
    stepMs,
    remake,
  );
  mem.set(
    lines((s) => s.mem),
    stepMs,
    remake,
    memMax,
  );
  void Promise.all([util.drawn, mem.drawn]).then(() => {
    drawnAt = performance.now();
    if (gpuArrived !== undefined) {
      drawMs = drawnAt - gpuArrived;
      gpuArrived = undefined;
    }
    rendered();
  });
}

let renderedQueued = false;
function rendered(): void {
  if (renderedQueued) return;
  renderedQueued = true;
  queueMicrotask(() => {
    renderedQueued = false;
    let points = 0;
    for (const s of series.values()) points += s.times.length;
    const note = gpuNote();
    vscode.postMessage({
      type: 'rendered',
      ranks: job?.ranks.length ?? 0,
      findings: job?.findings.length ?? 0,
      series: util && !document.getElementById('charts')?.classList.contains('unshown') ? series.size : 0,
      points,
      drawnPoints: util?.drawnPoints ?? 0,
      ...(drawnAt !== undefined ? { drawnAt } : {}),
      ...(drawMs !== undefined ? { drawMs } : {}),
      ...(note ? { note: note.todo ? `${note.text} ${note.todo}` : note.text } : {}),
    });
  });
}

function takeSeries(all: readonly GpuSeries[]): void {
  series = new Map();
  for (const s of all) {
    const { times, util: u, memUsedMiB, ...meta } = s;
    series.set(keyOf(s.pod, s.gpu), { meta, times: new Growing(times), util: new Growing(u), mem: new Growing(memUsedMiB) });
  }
}

function append(points: readonly GpuAppend[]): void {
  let fresh = false;
  for (const p of points) {
    const k = keyOf(p.pod, p.gpu);
    let s = series.get(k);
    if (!s) {
      const r = job?.ranks.find((x) => x.pod === p.pod);
      s = {
        meta: { pod: p.pod, gpu: p.gpu, ...(r ? { rank: r.rank } : {}) },
        times: new Growing(),
        util: new Growing(),
        mem: new Growing(),
      };
      series.set(k, s);
      fresh = true;
    }
    s.times.pushAll(p.times);
    s.util.pushAll(p.util);
    s.mem.pushAll(p.memUsedMiB);
  }
  // Samples older than the window fall off the left (copied down once they are a quarter of the buffer).
  for (const [k, s] of series) {
    const t = s.times.view();
    if (t.length === 0) continue;
    const cut = t[t.length - 1] - windowMs;
    let from = 0;
    while (from < t.length && t[from] < cut) from++;
    if (from > 0 && from >= t.length / 4)
      series.set(k, {
        meta: s.meta,
        times: new Growing(t.slice(from)),
        util: new Growing(s.util.view().slice(from)),
        mem: new Growing(s.mem.view().slice(from)),
      });
  }
  scheduleCharts(fresh);
}

function receive(m: HostMessage): void {
  if (m.type === 'job') {
    job = m.job;
    jobProblem = undefined;
    stepMs = m.job.stepMs;
    renderJob();
    scheduleCharts();
  } else if (m.type === 'gpu') {
    gpuArrived = performance.now();
    gpuKnown = true;
    gpuProblem = undefined;
    windowMs = m.windowMs;
    stepMs = m.stepMs;
    takeSeries(m.series);
    if (!job) return;
    // Drawn now rather than on the next frame: the window's data replaces the charts whole.
    cancelAnimationFrame(chartFrame);
    chartFrame = 0;
    drawCharts(true);
  } else if (m.type === 'append') {
    append(m.points);
  } else if (m.type === 'error') {
    if (m.scope === 'gpu') {
      gpuProblem = { message: m.message, ...(m.todo ? { todo: m.todo } : {}) };
      gpuKnown = true;
      series = new Map();
      if (job) drawCharts(true);
    } else {
      jobProblem = { message: m.message, ...(m.todo ? { todo: m.todo } : {}) };
      const box = el('div', { class: 'problem-box', role: 'alert' });
      box.append(el('p', { class: 'problem' }, jobProblem.message));
      if (jobProblem.todo) box.append(el('p', {}, jobProblem.todo));
      document.getElementById('app')!.replaceChildren(el('h1', {}, 'Job health'), box);
      util?.destroy();
      mem?.destroy();
      util = mem = undefined;
      rendered();
    }
  }
}

const style = document.createElement('style');
style.setAttribute('nonce', document.getElementById('app')?.dataset.nonce ?? '');
style.textContent = STYLE;
document.head.append(style);
window.addEventListener('message', (e: MessageEvent) => {
  if (isHostMessage(e.data)) receive(e.data);
  else if (e.data && typeof e.data === 'object') {
    const note = document.getElementById('problem') ?? el('p', { class: 'problem', id: 'problem', role: 'alert' });
    note.textContent = `KubeML sent the Job panel something it cannot show: ${hostMessageProblem(e.data) ?? 'off the contract'}.`;
    document.getElementById('app')!.prepend(note);
  }
});
// A theme change recolours the canvases (they read the colours once per chart).
new MutationObserver(() => scheduleCharts(true)).observe(document.body, {
  attributes: true,
  attributeFilter: ['class', 'data-vscode-theme-kind', 'data-vscode-theme-id'],
});
document.getElementById('app')!.replaceChildren(el('p', { class: 'note' }, 'Loading the job…'));
vscode.postMessage({ type: 'ready' });
