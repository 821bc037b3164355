/** The drift panel page: feature table, histograms, drift over time. Talks to the host only through src/model/driftContract.ts. */
import { hostMessageProblem, isHostMessage, shortFeatureName, type HostMessage, type PageMessage } from '../../src/model/driftContract';
import { byDrift, type DriftReport, type FeatureDrift, type WindowDrift } from '../../src/model/driftReport';
import 'uplot/dist/uPlot.min.css';
import { Chart } from './chart';
import { button, divider, registerToolkit } from './toolkit';

declare function acquireVsCodeApi(): { postMessage(m: PageMessage): void; getState(): unknown; setState(s: unknown): void };
const vscode = acquireVsCodeApi();
registerToolkit();

const CSS = `
body { color: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); padding: 0 12px; }
header { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 8px 0; }
header h1 { font-size: 1.2em; margin: 0 8px 0 0; font-weight: 600; }
.summary { flex: 1; color: var(--vscode-descriptionForeground); }
main { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 16px; align-items: start; }
@media (max-width: 800px) { main { grid-template-columns: minmax(0, 1fr); } }
section[aria-label="Features"] { overflow-x: auto; }
[hidden] { display: none !important; }
.note { color: var(--vscode-descriptionForeground); margin: 4px 0 12px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid var(--vscode-editorWidget-border, transparent); white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
/* Names come from data and can be thousands of characters: cut in the table, wrapped elsewhere. */
td.name { max-width: 40ch; overflow: hidden; text-overflow: ellipsis; }
h2, .summary, .warnings li, .problem { overflow-wrap: anywhere; }
tbody tr { cursor: pointer; }
tbody tr:focus { outline: 1px solid var(--vscode-focusBorder); outline-offset: -1px; }
tbody tr[aria-selected="true"] { background: var(--vscode-list-activeSelectionBackground); color: var(--vscode-list-activeSelectionForeground); }
/* High-contrast themes mark the selection with an outline, not a background. */
body.vscode-high-contrast tbody tr[aria-selected="true"], body.vscode-high-contrast-light tbody tr[aria-selected="true"] { outline: 1px dashed var(--vscode-contrastActiveBorder, var(--vscode-focusBorder)); outline-offset: -1px; }
.drift { color: var(--vscode-errorForeground); font-weight: 600; }
.verdict { padding: 1px 8px; border: 1px solid currentColor; border-radius: 10px; font-weight: 600; white-space: nowrap; }
.verdict.ok { color: var(--vscode-testing-iconPassed, var(--vscode-foreground)); }
.skipped { color: var(--vscode-descriptionForeground); }
/* No verdict: the statistic could not be computed on this data; the reason is the cell's title and in Warnings. */
.not-computed { color: var(--vscode-editorWarning-foreground); font-style: italic; }
.chart { width: 100%; min-height: 200px; }
h2 { font-size: 1em; margin: 12px 0 4px; }
/* uPlot's legend and cursor in the theme's colours and font. */
.uplot { font-family: var(--vscode-font-family); color: var(--vscode-foreground); }
.uplot .u-legend { font-size: 0.9em; text-align: left; margin-top: 2px; }
.uplot .u-legend .u-series th { font-weight: normal; }
.uplot .u-legend .u-label { white-space: normal; overflow-wrap: anywhere; }
.visually-hidden { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.uplot .u-select { background: var(--vscode-editor-selectionBackground); opacity: 0.5; }
.uplot .u-cursor-x, .uplot .u-cursor-y { border-color: var(--vscode-descriptionForeground) !important; }
.uplot .u-over:focus { outline: 1px solid var(--vscode-focusBorder); outline-offset: -1px; }
.warnings { color: var(--vscode-editorWarning-foreground); }
`;

const REF = 'var(--vscode-charts-blue)';
/** The y-axis title of drift over time: what the score is. */
const TEST_NAMES: Record<NonNullable<FeatureDrift['test']>, string> = {
  ks: 'KS p-value',
  chi2: 'chi-square p-value',
  wasserstein: 'Wasserstein (normed)',
  js: 'Jensen-Shannon',
  psi: 'PSI',
};
/** Longest feature name shown whole in the table and the live region; in titles and legends. */
const NAME_MAX = 80;
const TITLE_MAX = 160;
const CUR = 'var(--vscode-charts-orange)';
let report: DriftReport | undefined;
let selected: string | undefined;
const charts = new Map<string, Chart>();

/** The chart in the container with this id (made once per container element). */
function chart(id: string): Chart | undefined {
  const el = document.getElementById(id);
  if (!el) return undefined;
  let c = charts.get(id);
  if (!c || c.container !== el) {
    c?.destroy();
    c = new Chart(el);
    charts.set(id, c);
  }
  return c;
}

function el<K extends keyof HTMLElementTagNameMap>(name: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text; // every string from data goes in as text, never as HTML
  return e;
}

const fmt = (x: number | null | undefined) =>
  x === undefined || x === null ? '–' : !Number.isFinite(x) ? String(x) : x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential(2) : x.toFixed(4);

/** Row counts, where the source has rows (Prometheus gauges have none). */
const rowsOf = (n: number) => (n > 0 ? ` (${n} rows)` : '');

function render(): void {
  const app = document.getElementById('app')!;
  app.replaceChildren();
  if (!report) return;
  const r = report;
  const drifted = r.features.filter((f) => f.status === 'drift').length;
  const header = el('header');
  header.append(el('h1', {}, 'Drift report'));
  header.append(
    el(
      'span',
      { class: 'summary', id: 'summary' },
      `${drifted} of ${r.features.length} features drifted (${(r.driftedShare * 100).toFixed(1)}%) — reference ${r.reference.source}${rowsOf(r.reference.rows)}, current ${r.current.source}${rowsOf(r.current.rows)}`,
    ),
  );
  // The verdict: a status label in the theme's error (or passed) colour, not a grey tag that reads as a disabled button.
  header.append(
    el(
      'span',
      { class: `verdict ${r.datasetDrift ? 'drift' : 'ok'}`, role: 'status' },
      r.datasetDrift ? 'Dataset drift' : 'No dataset drift',
    ),
  );
  header.append(button('Export CSV', () => vscode.postMessage({ type: 'exportCsv' })));
  header.append(
    button('Export PNG', () => {
      const c = charts.get('hist')?.canvas;
      if (c && selected) vscode.postMessage({ type: 'exportPng', feature: selected, dataUrl: c.toDataURL('image/png') });
    }),
  );
  app.append(header, divider());
  const main = el('main');
  const left = el('section', { 'aria-label': 'Features' });
  const table = el('table', { role: 'grid', id: 'features' });
  const head = el('tr');
  for (const h of ['Feature', 'Test', 'Score', 'Threshold', 'Status']) head.append(el('th', { scope: 'col' }, h));
  table.append(el('thead'), el('tbody'));
  table.tHead!.append(head);
  // Most drifted first (src/model/driftReport.ts byDrift); the CSV export lists them in the same order.
  const ordered = byDrift(r.features);
  for (const f of ordered) {
    const tr = el('tr', {
      tabindex: f.name === selected ? '0' : '-1',
      'aria-selected': String(f.name === selected),
      'data-feature': f.name,
    });
    tr.append(
      el(
        'td',
        { class: 'name', ...(f.name.length > NAME_MAX ? { title: shortFeatureName(f.name, 2000) } : {}) },
        shortFeatureName(f.name, NAME_MAX),
      ),
      el('td', {}, f.test ?? '–'),
      el('td', { class: 'num' }, fmt(f.score)),
      el('td', { class: 'num' }, fmt(f.threshold)),
      el('td', { class: f.status, ...(f.reason ? { title: f.reason } : {}) }, f.status === 'not-computed' ? 'not computed' : f.status),
    );
    tr.addEventListener('click', () => select(f.name, true));
    table.tBodies[0].append(tr);
  }
  table.addEventListener('keydown', (e) => {
    const names = ordered.map((f) => f.name);
    const i = selected ? names.indexOf(selected) : -1;
    const next =
      e.key === 'ArrowDown' ? i + 1 : e.key === 'ArrowUp' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? names.length - 1 : undefined;
    if (next !== undefined && next >= 0 && next < names.length) {
      e.preventDefault();
      select(names[next], true);
    }
  });
  left.append(table);
  const right = el('section', { 'aria-label': 'Selected feature' });
  right.append(el('h2', { id: 'hist-title' }), el('div', { id: 'hist', class: 'chart', role: 'group' }));
  right.append(el('h2', {}, 'Drift over time (selected feature, dashed: threshold)'));
  if (r.windows.length === 0)
    right.append(
      el('p', { class: 'note', id: 'no-windows' }, 'No drift over time: this report compares the current data as one batch (no windows).'),
    );
  right.append(el('div', { id: 'time', class: 'chart', role: 'group', 'aria-label': 'Drift score per window' }));
  right.append(
    el('h2', {}, 'Share of drifted features over time'),
    el('div', { id: 'share', class: 'chart', role: 'group', 'aria-label': 'Share of drifted features per window' }),
  );
  const warnings = [...r.warnings, ...r.features.flatMap((f) => f.warnings)];
  if (warnings.length) {
    const ul = el('ul', { class: 'warnings' });
    for (const w of warnings.slice(0, 50)) ul.append(el('li', {}, shortFeatureName(w, 400)));
    right.append(el('h2', {}, 'Warnings'), ul);
  }
  main.append(left, right);
  // Read by screen readers when a feature is chosen; not shown (it was the stray text at the bottom left).
  app.append(main, el('div', { 'aria-live': 'polite', id: 'live', class: 'visually-hidden' }));
  draw();
}

function select(name: string, focus: boolean): void {
  selected = name;
  vscode.setState({ selected });
  vscode.postMessage({ type: 'select', feature: name });
  for (const tr of Array.from(document.querySelectorAll<HTMLTableRowElement>('#features tbody tr'))) {
    const on = tr.dataset.feature === name;
    tr.setAttribute('aria-selected', String(on));
    tr.tabIndex = on ? 0 : -1;
    if (on && focus) tr.focus();
  }
  const f = report?.features.find((x) => x.name === name);
  const live = document.getElementById('live');
  if (live && f) live.textContent = `${shortFeatureName(f.name, NAME_MAX)}: ${f.status}, ${f.test ?? ''} ${fmt(f.score)}`;
  draw();
}

function draw(): void {
  if (!report) return;
  const none = report.windows.length === 0;
  if (!none) document.getElementById('no-windows')?.remove();
  for (const id of ['time', 'share']) document.getElementById(id)?.toggleAttribute('hidden', none);
  for (const h of Array.from(document.querySelectorAll('h2'))) if (h.nextElementSibling?.id === 'share') h.toggleAttribute('hidden', none);
  const f: FeatureDrift | undefined = report.features.find((x) => x.name === selected);
  const hist = document.getElementById('hist');
  const title = document.getElementById('hist-title');
  const name = f ? shortFeatureName(f.name, TITLE_MAX) : '';
  if (title) title.textContent = f ? `${name}: reference and current` : 'Select a feature';
  // Gauges from Prometheus carry no samples: no histogram, the drift over time says it all.
  hist?.toggleAttribute('hidden', !!f && !f.histogram);
  if (title && f && !f.histogram) title.textContent = `${name}: no histogram (the source has scores, not samples)`;
  if (hist && f?.histogram) {
    hist.setAttribute('aria-label', `Histogram of ${name}`);
    chart('hist')!.histogram(f.histogram, { reference: REF, current: CUR });
  }
  const ws: WindowDrift[] = report.windows;
  // Windows with a start time (time windows, Prometheus steps) are plotted on a time axis.
  const timed = ws.length > 0 && ws.every((w) => typeof w.start === 'number' && Number.isFinite(w.start) && w.start > 1e11);
  const xs = ws.map((w) => (timed ? w.start! : w.index));
  if (f && !none) {
    const pts = ws.map((w) => w.features.find((x) => x.name === f.name)?.score ?? NaN);
    chart('time')?.lines({
      series: [{ label: shortFeatureName(f.name, NAME_MAX), x: xs, y: pts, color: CUR }],
      threshold: f.threshold ?? undefined,
      yLabel: f.test ? `${TEST_NAMES[f.test]}` : 'score',
      xIsTime: timed,
    });
  }
  if (!none)
    chart('share')?.lines({
      series: [{ label: 'drifted share', x: xs, y: ws.map((w) => w.driftedShare), color: REF }],
      threshold: report.thresholds.driftShare,
      yLabel: 'drifted share',
      yMin: 0,
      yMax: 1,
      xIsTime: timed,
    });
}

function receive(m: HostMessage): void {
  if (m.type === 'report') {
    report = m.report;
    const st = vscode.getState() as { selected?: string } | undefined;
    selected = report.features.find((f) => f.name === (selected ?? st?.selected))?.name ?? byDrift(report.features)[0]?.name;
    render();
  } else if (m.type === 'window' && report) {
    report = { ...report, windows: [...report.windows, m.window] };
    draw();
  } else if (m.type === 'error') {
    document.getElementById('app')!.replaceChildren(el('p', { class: 'warnings problem' }, m.message));
  }
}

/** A message off the contract: say what was wrong instead of leaving the panel blank (or silently stale). */
function refuse(data: unknown, problem: string): void {
  const type = (data as { type?: unknown } | null)?.type;
  if (type === 'window' && report) {
    const note = document.getElementById('problem') ?? el('p', { class: 'warnings problem', id: 'problem', role: 'alert' });
    note.textContent = `A new window of drift over time could not be shown: ${problem}.`;
    document.getElementById('app')!.prepend(note);
    return;
  }
  report = undefined;
  const app = document.getElementById('app')!;
  app.replaceChildren(
    el('h1', {}, 'Drift report'),
    el('p', { class: 'warnings problem', id: 'problem', role: 'alert' }, `KubeML cannot show this drift report: ${problem}.`),
    el(
      'p',
      { class: 'note' },
      'Fix the data it was computed from (or the drift.json file) and open the report again; kubeml drift --json prints the same report in a terminal.',
    ),
  );
}

const style = document.createElement('style');
style.setAttribute('nonce', document.getElementById('app')?.dataset.nonce ?? '');
style.textContent = CSS;
document.head.append(style);
window.addEventListener('message', (e: MessageEvent) => {
  if (isHostMessage(e.data)) receive(e.data);
  else if (e.data && typeof e.data === 'object' && ['report', 'window', 'error'].includes((e.data as { type?: unknown }).type as string))
    refuse(e.data, hostMessageProblem(e.data) ?? "it is not on the panel's contract");
});
// Charts are remade to the new width once per frame while the panel is resized.
let resizing = 0;
window.addEventListener('resize', () => {
  cancelAnimationFrame(resizing);
  resizing = requestAnimationFrame(() => draw());
});
// VS Code changes the body's theme class and the CSS variables when the user switches theme:
// canvases read colours once per paint, so repaint.
new MutationObserver(() => draw()).observe(document.body, {
  attributes: true,
  attributeFilter: ['class', 'data-vscode-theme-kind', 'data-vscode-theme-id'],
});
new MutationObserver(() => draw()).observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
vscode.postMessage({ type: 'ready' });
