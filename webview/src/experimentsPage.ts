/**
 * The experiments panel page: the runs table (runTable.ts), the curves of the selected runs and a
 * scatter of a parameter against a metric (runCharts.ts). Talks to the host only through
 * src/model/experimentsContract.ts; the table's logic is src/model/experimentsTable.ts, which the
 * host's CSV export shares.
 */
import 'uplot/dist/uPlot.min.css';
import {
  hostMessageProblem,
  isHostMessage,
  type HostMessage,
  type PageMessage,
  type RunInfo,
  type RunStatusName,
  type TableView,
} from '../../src/model/experimentsContract';
import {
  FILTER_STATUSES,
  allColumns,
  scatterPoints,
  columnLabel,
  defaultColumns,
  isMetricColumn,
  isParamColumn,
  viewRows,
} from '../../src/model/experimentsTable';
import { CSS as STYLE } from './experimentsStyle';
import { ColumnChooser, el, emptyState, Growing, plain } from './pageParts';
import { MetricChart, ScatterChart, type PlotRun } from './runCharts';
import { RunTable } from './runTable';

declare function acquireVsCodeApi(): { postMessage(m: PageMessage): void; getState(): unknown; setState(s: unknown): void };
const vscode = acquireVsCodeApi();

/** More curves than this on one chart stop being readable; the rest are named in a note. */
const MAX_PLOTTED = 20;

interface Saved {
  columns?: string[];
  seen?: string[];
  sort?: TableView['sort'];
  text?: string;
  statuses?: RunStatusName[];
  baseline?: string;
  selected?: string[];
  scatter?: { param?: string; metric?: string };
}
const saved = (vscode.getState() as Saved | undefined) ?? {};

let runs: RunInfo[] = [];
const byId = new Map<string, RunInfo>();
let columns: string[] = saved.columns ?? [];
const seen = new Set<string>(saved.seen ?? []);
let sort = saved.sort;
let text = saved.text ?? '';
let statuses: RunStatusName[] = saved.statuses ?? [];
let baseline = saved.baseline;
let selected = new Set<string>(saved.selected ?? []);
let scatterChoice = saved.scatter ?? {};
let rows: RunInfo[] = [];
let loaded = false;
let firstTableMs: number | undefined;
let firstChartMs: number | undefined;
/** Curves of runs the host sent (by run, then metric). */
const curves = new Map<string, Map<string, { steps: Growing; values: Growing }>>();
const requested = new Set<string>();
const charts = new Map<string, MetricChart>();
let scatter: ScatterChart | undefined;

const table = new RunTable(
  {
    rows: () => rows,
    columns: () => columns,
    sort: () => sort,
    baseline: () => (baseline ? byId.get(baseline) : undefined),
    selected: () => selected,
    now: () => Date.now(),
  },
  {
    onSort: (column) => {
      sort = sort?.column === column ? { column, descending: !sort.descending } : { column, descending: isMetricColumn(column) };
      refreshTable();
    },
    onSelect: (ids) => select(ids, false),
    onBaseline: (id) => setBaseline(id),
  },
);

function save(): void {
  vscode.setState({
    columns,
    seen: [...seen],
    sort,
    text,
    statuses,
    baseline,
    selected: [...selected],
    scatter: scatterChoice,
  } satisfies Saved);
}

function currentView(): TableView {
  return { columns, ...(sort ? { sort } : {}), filter: { text, statuses }, ...(baseline ? { baseline } : {}) };
}

/** New parameters and metrics (a live run's first metric) show up as columns once; a column the user hid stays hidden. */
function adoptColumns(): void {
  const all = allColumns(runs);
  if (columns.length === 0) {
    columns = defaultColumns(runs);
    for (const c of all) seen.add(c);
    return;
  }
  columns = columns.filter((c) => all.includes(c) || !(isMetricColumn(c) || isParamColumn(c)));
  for (const c of all) {
    if (seen.has(c)) continue;
    seen.add(c);
    if (isMetricColumn(c) || isParamColumn(c)) columns.push(c);
  }
}

function refreshTable(): void {
  rows = viewRows(runs, currentView(), Date.now());
  table.refresh();
  updateSummary();
  chooser.render();
  save();
  if (firstTableMs === undefined && runs.length) firstTableMs = performance.now();
  schedulePainted();
}

let tableFrame = 0;
function scheduleTable(): void {
  if (tableFrame) return;
  tableFrame = requestAnimationFrame(() => {
    tableFrame = 0;
    adoptColumns();
    refreshTable();
    drawScatter();
  });
}

function updateSummary(): void {
  const s = document.getElementById('summary');
  if (s) s.textContent = `${runs.length} run${runs.length === 1 ? '' : 's'}, ${rows.length} shown, ${selected.size} selected`;
  const b = document.getElementById('baseline-note');
  const base = baseline ? byId.get(baseline) : undefined;
  if (b) {
    b.hidden = !base;
    b.textContent = base
      ? `Baseline: ${base.name}. Deltas are against it: ▲ better, ▼ worse (lower is better for losses and errors). Press B on a row to pin or unpin.`
      : '';
  }
  const pin = document.getElementById('pin');
  if (pin) pin.textContent = base ? 'Clear baseline' : 'Pin baseline';
}

/** Runs the host asked to select before the page knew them (Compare right after a launch): selected when they arrive. */
let pendingSelect = new Set<string>();

function select(ids: readonly string[], fromHost: boolean): void {
  if (fromHost) pendingSelect = new Set(ids.filter((id) => !byId.has(id)));
  selected = new Set(ids.filter((id) => byId.has(id)));
  if (fromHost && ids[0]) table.focusRun(ids[0], false);
  table.repaint();
  updateSummary();
  save();
  vscode.postMessage({ type: 'selection', runIds: [...selected] });
  const live = document.getElementById('live');
  if (live) live.textContent = `${selected.size} run${selected.size === 1 ? '' : 's'} selected`;
  plots();
}

function setBaseline(id: string | undefined): void {
  baseline = id;
  table.refresh();
  updateSummary();
  save();
  const live = document.getElementById('live');
  if (live) live.textContent = id ? `${byId.get(id)?.name ?? id} is the baseline` : 'No baseline';
}

/** The runs to plot: the selected ones in table order (then any filtered out), at most MAX_PLOTTED. */
function plotted(): RunInfo[] {
  // By id, and each run's newest info: the table's rows can hold a run's previous object until it is redrawn
  // (a live run's update replaces it in `runs`), which plotted it twice.
  const inRows = rows.filter((r) => selected.has(r.id)).map((r) => byId.get(r.id) ?? r);
  const shown = new Set(inRows.map((r) => r.id));
  const rest = runs.filter((r) => selected.has(r.id) && !shown.has(r.id));
  return [...inRows, ...rest];
}

function curveOf(runId: string, metric: string) {
  const c = curves.get(runId)?.get(metric);
  return c ? { steps: c.steps.view(), values: c.values.view() } : undefined;
}

/** Remakes the curve charts once on the next frame, however many curves arrived meanwhile. */
let plotsFrame = 0;
function plots(): void {
  if (plotsFrame) return;
  plotsFrame = requestAnimationFrame(() => {
    plotsFrame = 0;
    plotsNow();
  });
}

/** Remakes the curve charts for the selection (asking the host for curves it has not sent). */
function plotsNow(): void {
  const box = document.getElementById('curves');
  const note = document.getElementById('curves-note');
  if (!box || !note) return;
  const chosen = plotted();
  const shown = chosen.slice(0, MAX_PLOTTED);
  const missing = shown.filter((r) => !requested.has(r.id)).map((r) => r.id);
  for (const id of missing) requested.add(id);
  if (missing.length) vscode.postMessage({ type: 'need', runIds: missing });
  const metrics: string[] = [];
  for (const r of shown) for (const m of curves.get(r.id)?.keys() ?? []) if (!metrics.includes(m)) metrics.push(m);
  for (const [m, c] of charts) {
    if (!metrics.includes(m)) {
      c.destroy();
      charts.delete(m);
      box.querySelector(`[data-metric="${CSS.escape(m)}"]`)?.remove();
    }
  }
  const loading = shown.some((r) => !curves.has(r.id));
  note.textContent =
    chosen.length === 0
      ? 'Select runs in the table to plot their curves: click, Ctrl+click or Shift+click a row, or press Space on a focused row.'
      : metrics.length === 0
        ? loading
          ? 'Loading the curves…'
          : `No metric yet: ${shown.length === 1 ? 'this run has' : 'these runs have'} not reported a metric. A run reports one by printing a line like KUBEML_RESULT {"type":"metric","name":"loss","value":0.42,"step":3}; its curve grows here while it trains.`
        : chosen.length > MAX_PLOTTED
          ? `Plotting the first ${MAX_PLOTTED} of ${chosen.length} selected runs (in table order).`
          : '';
  for (const m of metrics) {
    let c = charts.get(m);
    if (!c) {
      const block = el('section', { class: 'plot', 'data-metric': m, 'aria-label': `Curves of ${m}` });
      const head = el('header');
      head.append(el('h3', {}, m));
      head.append(
        plain('Export PNG', () => {
          const canvas = charts.get(m)?.canvas;
          if (canvas) vscode.postMessage({ type: 'exportPng', metric: m, dataUrl: canvas.toDataURL('image/png') });
        }),
      );
      const div = el('div', { class: 'chart', role: 'group', 'aria-label': `${m} by step` });
      block.append(head, div);
      box.append(block);
      c = new MetricChart(div, m, chartPainted);
      charts.set(m, c);
    }
    const withMetric: PlotRun[] = shown
      .filter((r) => curves.get(r.id)?.has(m))
      .map((r) => ({ id: r.id, label: r.name, curve: curveOf(r.id, m)! }));
    c.set(withMetric);
  }
}

function chartPainted(): void {
  if (firstChartMs === undefined) firstChartMs = performance.now();
  schedulePainted();
}

let paintedQueued = false;
function schedulePainted(): void {
  if (paintedQueued) return;
  paintedQueued = true;
  queueMicrotask(() => {
    paintedQueued = false;
    const plottedNow: Array<{ runId: string; metric: string; points: number; lastStep: number }> = [];
    for (const [metric, c] of charts)
      for (const runId of c.runIds) {
        const p = c.pointsOf(runId);
        if (p) plottedNow.push({ runId, metric, points: p.points, lastStep: p.lastStep });
      }
    vscode.postMessage({
      type: 'painted',
      rows: rows.length,
      runs: runs.length,
      selected: [...selected],
      ...(baseline ? { baseline } : {}),
      plotted: plottedNow,
      ...(firstTableMs !== undefined ? { firstTableMs } : {}),
      ...(firstChartMs !== undefined ? { firstChartMs } : {}),
    });
  });
}

function drawScatter(): void {
  const box = document.getElementById('scatter');
  const px = document.getElementById('scatter-param') as HTMLSelectElement | null;
  const py = document.getElementById('scatter-metric') as HTMLSelectElement | null;
  const note = document.getElementById('scatter-note');
  if (!box || !px || !py || !note) return;
  const params = allColumns(runs).filter(isParamColumn).map(columnLabel);
  const metrics = allColumns(runs).filter(isMetricColumn).map(columnLabel);
  const fill = (s: HTMLSelectElement, names: string[], want: string | undefined) => {
    if (s.options.length !== names.length || [...s.options].some((o, i) => o.value !== names[i]))
      s.replaceChildren(...names.map((n) => el('option', { value: n }, n)));
    s.value = want && names.includes(want) ? want : (names[0] ?? '');
  };
  const differs = params.find((p) => new Set(runs.map((r) => String(r.params[p]))).size > 1);
  fill(px, params, scatterChoice.param ?? differs);
  fill(py, metrics, scatterChoice.metric);
  const param = px.value;
  const metric = py.value;
  scatter ??= new ScatterChart(box);
  const { points, categories } = scatterPoints(rows, param, metric);
  note.textContent =
    !param || !metric
      ? 'The scatter needs runs with parameters and metrics.'
      : points.length === 0
        ? `No shown run has both ${param} and ${metric}.`
        : `${points.length} run${points.length === 1 ? '' : 's'} (those shown in the table).`;
  scatter.set(points, param, metric, categories);
}

const chooser = new ColumnChooser(
  () => ({ all: allColumns(runs), shown: columns }),
  (next) => {
    columns = next;
    refreshTable();
  },
);

function layout(): void {
  const app = document.getElementById('app')!;
  app.replaceChildren();
  const header = el('header');
  header.append(el('h1', {}, 'Experiments'), el('span', { class: 'summary', id: 'summary', role: 'status' }));
  header.append(plain('Export CSV', () => vscode.postMessage({ type: 'exportCsv', view: currentView() }), 'export-csv'));
  app.append(header);
  if (runs.length === 0) {
    const empty = emptyState();
    app.append(empty, el('div', { 'aria-live': 'polite', id: 'live', class: 'visually-hidden' }));
    updateSummary();
    return;
  }
  const bar = el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Table' });
  const search = el('input', {
    type: 'search',
    id: 'filter',
    placeholder: 'Filter: name, id, lr=0.1…',
    'aria-label': 'Filter runs by name or parameter',
  });
  search.value = text;
  search.addEventListener('input', () => {
    text = search.value;
    refreshTable();
    drawScatter();
  });
  bar.append(search);
  const group = el('span', { role: 'group', 'aria-label': 'Show only runs that are' });
  for (const st of FILTER_STATUSES) {
    const b = el('button', { class: 'toggle', 'aria-pressed': String(statuses.includes(st)), 'data-status': st }, st);
    b.addEventListener('click', () => {
      statuses = statuses.includes(st) ? statuses.filter((x) => x !== st) : [...statuses, st];
      b.setAttribute('aria-pressed', String(statuses.includes(st)));
      refreshTable();
      drawScatter();
    });
    group.append(b);
  }
  bar.append(group, chooser.button);
  bar.append(
    plain(
      'Pin baseline',
      () => {
        const id = table.focusedId();
        setBaseline(baseline ? undefined : id);
      },
      'pin',
    ),
  );
  app.append(bar, chooser.panel, el('p', { class: 'note', id: 'baseline-note', hidden: '' }), table.root);
  app.append(
    el(
      'p',
      { class: 'note' },
      'Arrows move, Space selects or unselects, Enter selects only this run, Shift+arrows extend, Ctrl+A selects all shown, B pins the baseline.',
    ),
  );
  app.append(
    el('h2', {}, 'Curves of the selected runs'),
    el('p', { class: 'note', id: 'curves-note' }),
    el('div', { class: 'charts', id: 'curves' }),
  );
  const sc = el('section', { 'aria-label': 'Parameter against metric' });
  const controls = el('div', { class: 'toolbar' });
  const px = el('select', { id: 'scatter-param', 'aria-label': 'Parameter (x axis)' });
  const py = el('select', { id: 'scatter-metric', 'aria-label': 'Metric (y axis)' });
  px.addEventListener('change', () => {
    scatterChoice = { ...scatterChoice, param: px.value };
    save();
    drawScatter();
  });
  py.addEventListener('change', () => {
    scatterChoice = { ...scatterChoice, metric: py.value };
    save();
    drawScatter();
  });
  controls.append(el('label', { for: 'scatter-param' }, 'Parameter'), px, el('label', { for: 'scatter-metric' }, 'Metric'), py);
  controls.append(
    plain('Export PNG', () => {
      const c = scatter?.canvas;
      if (c) vscode.postMessage({ type: 'exportPng', metric: `${px.value}-vs-${py.value}`, dataUrl: c.toDataURL('image/png') });
    }),
  );
  sc.append(el('h2', {}, 'Parameter against metric'), controls, el('p', { class: 'note', id: 'scatter-note' }));
  sc.append(el('div', { class: 'chart', id: 'scatter', role: 'group', 'aria-label': 'Parameter against metric across runs' }));
  app.append(sc, el('div', { 'aria-live': 'polite', id: 'live', class: 'visually-hidden' }));
  scatter?.destroy();
  scatter = undefined;
  for (const c of charts.values()) c.destroy();
  charts.clear();
}

function receive(m: HostMessage): void {
  if (m.type === 'runs') {
    const hadRuns = runs.length > 0;
    runs = [...m.runs];
    byId.clear();
    for (const r of runs) byId.set(r.id, r);
    if (baseline && !byId.has(baseline)) baseline = undefined;
    adoptColumns();
    if (!loaded || hadRuns !== runs.length > 0) layout();
    loaded = true;
    rows = viewRows(runs, currentView(), Date.now());
    refreshTable();
    drawScatter();
    const want = m.select?.length ? m.select : selected.size ? [...selected] : runs[0] ? [runs[0].id] : [];
    select(want, true);
  } else if (m.type === 'run') {
    const known = byId.has(m.run.id);
    byId.set(m.run.id, m.run);
    runs = known ? runs.map((r) => (r.id === m.run.id ? m.run : r)) : [m.run, ...runs];
    if (!known && runs.length === 1) {
      layout();
      adoptColumns();
      select([m.run.id], true);
    } else if (!known && pendingSelect.delete(m.run.id)) select([...selected, m.run.id], false);
    scheduleTable();
  } else if (m.type === 'series') {
    const map = new Map<string, { steps: Growing; values: Growing }>();
    for (const s of m.series) map.set(s.metric, { steps: Growing.of(s.steps), values: Growing.of(s.values) });
    curves.set(m.runId, map);
    if (selected.has(m.runId)) plots();
  } else if (m.type === 'append') {
    const per = curves.get(m.runId);
    if (!per) return; // its curves have not been asked for: they come whole with `series`
    let c = per.get(m.metric);
    const isNew = !c;
    if (!c) per.set(m.metric, (c = { steps: new Growing(), values: new Growing() }));
    c.steps.pushAll(m.steps);
    c.values.pushAll(m.values);
    const chart = charts.get(m.metric);
    if (isNew || !chart || !chart.runIds.includes(m.runId)) {
      if (selected.has(m.runId)) plots();
    } else chart.append(m.runId, m.steps, m.values, curveOf(m.runId, m.metric)!);
  } else if (m.type === 'select') {
    select(m.runIds, true);
  } else if (m.type === 'exportCsv') {
    vscode.postMessage({ type: 'exportCsv', view: currentView() });
  } else if (m.type === 'error') {
    document.getElementById('app')!.replaceChildren(el('h1', {}, 'Experiments'), el('p', { class: 'problem', role: 'alert' }, m.message));
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
    note.textContent = `KubeML sent the experiments page something it cannot show: ${hostMessageProblem(e.data) ?? 'off the contract'}.`;
    document.getElementById('app')!.prepend(note);
  }
});
let resizing = 0;
window.addEventListener('resize', () => {
  cancelAnimationFrame(resizing);
  resizing = requestAnimationFrame(() => {
    for (const c of charts.values()) c.resize();
    drawScatter();
    table.repaint();
  });
});
// A theme change recolours the canvases (they read the colours once per chart).
const repaint = () => {
  plots();
  drawScatter();
};
new MutationObserver(repaint).observe(document.body, {
  attributes: true,
  attributeFilter: ['class', 'data-vscode-theme-kind', 'data-vscode-theme-id'],
});
vscode.postMessage({ type: 'ready' });
