/**
 * The runs table of the experiments page: an ARIA grid whose rows are virtualized (only the rows in
 * view exist in the DOM, kept by run id so that focus survives scrolling), with sortable column
 * headers (aria-sort), multi-selection (click, Ctrl/Cmd+click, Shift+click; Space, Enter and
 * Shift+arrows on the focused row), and a pinned baseline row whose deltas show in numeric cells.
 */
import type { RunInfo } from '../../src/model/experimentsContract';
import { cellValue, columnLabel, deltaOf, formatCell, isMetricColumn, isParamColumn } from '../../src/model/experimentsTable';

export const ROW_HEIGHT = 24;
const OVERSCAN = 8;

export interface TableModel {
  rows(): readonly RunInfo[];
  columns(): readonly string[];
  sort(): { column: string; descending: boolean } | undefined;
  baseline(): RunInfo | undefined;
  selected(): ReadonlySet<string>;
  now(): number;
}

export interface TableEvents {
  onSort(column: string): void;
  onSelect(ids: string[], focusId: string | undefined): void;
  onBaseline(id: string | undefined): void;
}

function el<K extends keyof HTMLElementTagNameMap>(name: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text; // every string from data goes in as text, never as HTML
  return e;
}

/** A column's width: names and times are wide, numbers narrower. */
export function columnWidth(key: string): number {
  if (key === 'name') return 220;
  if (key === 'created') return 170;
  if (key === 'sweep') return 130;
  if (isMetricColumn(key)) return 150;
  if (isParamColumn(key)) return 110;
  return 96;
}

export class RunTable {
  readonly root: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly head: HTMLElement;
  private readonly body: HTMLElement;
  private readonly pinned: HTMLElement;
  private readonly live = new Map<string, HTMLElement>();
  private focusIndex = 0;
  private anchor: string | undefined;
  private generation = 0;
  private frame = 0;

  constructor(
    private readonly model: TableModel,
    private readonly events: TableEvents,
  ) {
    this.root = el('div', { class: 'grid', role: 'grid', id: 'runs', 'aria-label': 'Runs', 'aria-multiselectable': 'true' });
    this.scroller = el('div', { class: 'scroller' });
    this.head = el('div', { class: 'row head', role: 'row', 'aria-rowindex': '1' });
    this.pinned = el('div', { class: 'pinned', role: 'rowgroup', 'aria-label': 'Baseline' });
    this.body = el('div', { class: 'body', role: 'rowgroup' });
    this.scroller.append(this.head, this.pinned, this.body);
    this.root.append(this.scroller);
    this.scroller.addEventListener('scroll', () => this.schedule());
    this.body.addEventListener('keydown', (e) => this.key(e));
    this.body.addEventListener('click', (e) => this.click(e));
  }

  private headKey = '';

  /** Everything may have changed (rows, columns, sort, baseline): remake the header if it changed, refill the rows in view. */
  refresh(): void {
    this.generation++;
    const cols = this.model.columns();
    const template = cols.map((c) => `${columnWidth(c)}px`).join(' ');
    this.root.style.setProperty('--cols', template);
    this.root.style.setProperty('--width', `${cols.reduce((s, c) => s + columnWidth(c), 0)}px`);
    this.root.setAttribute('aria-rowcount', String(this.model.rows().length + 1));
    this.root.setAttribute('aria-colcount', String(cols.length));
    this.renderHead(cols);
    this.renderPinned(cols);
    const n = this.model.rows().length;
    this.focusIndex = Math.min(this.focusIndex, Math.max(0, n - 1));
    this.body.style.height = `${n * ROW_HEIGHT}px`;
    this.renderRows();
  }

  /** Cells changed (selection, live metrics) but not the rows' order: refill the rows in view. */
  repaint(): void {
    this.generation++;
    this.renderPinned(this.model.columns());
    this.renderRows();
  }

  focusedId(): string | undefined {
    return this.model.rows()[this.focusIndex]?.id;
  }

  /** Moves the focus to this run's row (scrolling it into view). */
  focusRun(id: string, focus = true): void {
    const i = this.model.rows().findIndex((r) => r.id === id);
    if (i >= 0) this.moveFocus(i, focus);
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.renderRows();
    });
  }

  private renderHead(cols: readonly string[]): void {
    const sort = this.model.sort();
    // Remade only when the columns or the sort change: a live run refreshes the table often, and a
    // header remade under the pointer or the keyboard focus loses the click or the focus.
    const key = JSON.stringify([cols, sort?.column, sort?.descending]);
    if (key === this.headKey) return;
    this.headKey = key;
    this.head.replaceChildren(
      ...cols.map((key, i) => {
        const sorted = sort?.column === key ? (sort.descending ? 'descending' : 'ascending') : 'none';
        const cell = el('div', { class: 'cell', role: 'columnheader', 'aria-colindex': String(i + 1), 'aria-sort': sorted });
        const label = columnLabel(key);
        const b = el('button', {
          class: 'sort',
          title: `${label}: sort ${sorted === 'ascending' ? 'descending' : 'ascending'}`,
          'data-column': key,
        });
        b.append(
          el('span', { class: 'label' }, label),
          el('span', { 'aria-hidden': 'true' }, sorted === 'none' ? '' : sorted === 'ascending' ? ' ▲' : ' ▼'),
        );
        b.addEventListener('click', () => this.events.onSort(key));
        cell.append(b);
        return cell;
      }),
    );
  }

  private renderPinned(cols: readonly string[]): void {
    const base = this.model.baseline();
    this.pinned.replaceChildren();
    if (!base) return;
    const row = this.makeRow(base, -1, cols);
    row.classList.add('baseline');
    this.pinned.append(row);
  }

  private renderRows(): void {
    const rows = this.model.rows();
    const cols = this.model.columns();
    const top = this.scroller.scrollTop - this.body.offsetTop;
    const height = this.scroller.clientHeight || 400;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(rows.length - 1, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
    const want = new Set<string>();
    const hadFocus = this.body.contains(document.activeElement);
    for (let i = first; i <= last; i++) want.add(rows[i].id);
    for (const [id, e] of this.live) {
      if (!want.has(id)) {
        e.remove();
        this.live.delete(id);
      }
    }
    for (let i = first; i <= last; i++) {
      const r = rows[i];
      let e = this.live.get(r.id);
      if (!e) {
        e = this.makeRow(r, i, cols);
        this.body.append(e);
        this.live.set(r.id, e);
      } else if (e.dataset.gen !== String(this.generation) || e.dataset.index !== String(i)) {
        // Refilled in place: the row element stays, so a row that has the keyboard focus (or is
        // under the pointer) keeps it while a live run repaints the table several times a second.
        this.fillRow(e, r, i, cols);
      }
    }
    if (hadFocus && !this.body.contains(document.activeElement)) this.rowAt(this.focusIndex)?.focus();
  }

  private rowAt(i: number): HTMLElement | undefined {
    const r = this.model.rows()[i];
    return r ? this.live.get(r.id) : undefined;
  }

  private makeRow(r: RunInfo, i: number, cols: readonly string[]): HTMLElement {
    const row = el('div', { class: 'row', role: 'row' });
    this.fillRow(row, r, i, cols);
    return row;
  }

  private fillRow(row: HTMLElement, r: RunInfo, i: number, cols: readonly string[]): void {
    const selected = this.model.selected().has(r.id);
    const base = this.model.baseline();
    row.setAttribute('aria-selected', String(selected));
    row.dataset.run = r.id;
    row.dataset.index = String(i);
    row.dataset.gen = String(this.generation);
    if (i >= 0) {
      row.setAttribute('aria-rowindex', String(i + 2));
      row.tabIndex = i === this.focusIndex ? 0 : -1;
      row.style.transform = `translateY(${i * ROW_HEIGHT}px)`;
    }
    const cells: HTMLElement[] = [];
    const now = this.model.now();
    cols.forEach((key, c) => {
      const v = cellValue(r, key, now);
      const cell = el('div', { class: 'cell', role: 'gridcell', 'aria-colindex': String(c + 1) });
      if (typeof v === 'number' || key === 'duration') cell.classList.add('num');
      if (key === 'status') cell.classList.add(`status-${r.status}`);
      const text = formatCell(key, v);
      cell.append(el('span', { class: 'v' }, text));
      if (key === 'name' && base?.id === r.id) cell.append(el('span', { class: 'badge' }, 'baseline'));
      if (key === 'name' && r.folder) cell.title = `${r.name} (${r.folder})`;
      if (base && base.id !== r.id) {
        const d = deltaOf(r, base, key);
        if (d) {
          const mark = d.better === undefined ? '' : d.better ? ' ▲' : ' ▼';
          const word = d.better === undefined ? '' : d.better ? ', better' : ', worse';
          cell.append(
            el(
              'span',
              {
                class: `delta ${d.better === undefined ? '' : d.better ? 'better' : 'worse'}`,
                'aria-label': `${d.text} against ${base.name}${word}`,
                title: `${d.text} against the baseline ${base.name}${word}`,
              },
              `${d.text}${mark}`,
            ),
          );
        }
      }
      if (!text && (isMetricColumn(key) || isParamColumn(key))) cell.setAttribute('aria-label', 'none');
      cells.push(cell);
    });
    row.replaceChildren(...cells);
  }

  private moveFocus(i: number, focus = true): void {
    const rows = this.model.rows();
    if (rows.length === 0) return;
    i = Math.max(0, Math.min(rows.length - 1, i));
    this.rowAt(this.focusIndex)?.setAttribute('tabindex', '-1');
    this.focusIndex = i;
    const top = this.body.offsetTop + i * ROW_HEIGHT;
    const headH = this.body.offsetTop;
    if (top < this.scroller.scrollTop + headH) this.scroller.scrollTop = top - headH;
    else if (top + ROW_HEIGHT > this.scroller.scrollTop + this.scroller.clientHeight)
      this.scroller.scrollTop = top + ROW_HEIGHT - this.scroller.clientHeight;
    this.renderRows();
    const e = this.rowAt(i);
    if (e) {
      e.tabIndex = 0;
      if (focus) e.focus({ preventScroll: true });
    }
  }

  private click(e: MouseEvent): void {
    const row = (e.target as HTMLElement).closest<HTMLElement>('.row[data-run]');
    if (!row || row.dataset.index === undefined) return;
    const i = Number(row.dataset.index);
    const id = row.dataset.run!;
    this.moveFocus(i);
    if (e.shiftKey && this.anchor) this.selectRange(this.anchor, id);
    else if (e.ctrlKey || e.metaKey) this.toggle(id);
    else {
      this.anchor = id;
      this.events.onSelect([id], id);
    }
  }

  private toggle(id: string): void {
    const sel = new Set(this.model.selected());
    if (sel.has(id)) sel.delete(id);
    else sel.add(id);
    this.anchor = id;
    this.events.onSelect([...sel], id);
  }

  private selectRange(from: string, to: string): void {
    const rows = this.model.rows();
    const a = rows.findIndex((r) => r.id === from);
    const b = rows.findIndex((r) => r.id === to);
    if (a < 0 || b < 0) return;
    const [lo, hi] = a < b ? [a, b] : [b, a];
    this.events.onSelect(
      rows.slice(lo, hi + 1).map((r) => r.id),
      to,
    );
  }

  private key(e: KeyboardEvent): void {
    const rows = this.model.rows();
    if (rows.length === 0) return;
    const page = Math.max(1, Math.floor(this.scroller.clientHeight / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = {
      ArrowDown: this.focusIndex + 1,
      ArrowUp: this.focusIndex - 1,
      PageDown: this.focusIndex + page,
      PageUp: this.focusIndex - page,
      Home: 0,
      End: rows.length - 1,
    };
    const id = rows[this.focusIndex]?.id;
    if (e.key in moves) {
      e.preventDefault();
      this.moveFocus(moves[e.key]);
      const now = rows[this.focusIndex]?.id;
      if (e.shiftKey && now) this.selectRange(this.anchor ?? id ?? now, now);
    } else if (e.key === ' ' && id) {
      e.preventDefault();
      this.toggle(id);
    } else if (e.key === 'Enter' && id) {
      e.preventDefault();
      this.anchor = id;
      this.events.onSelect([id], id);
    } else if ((e.key === 'a' || e.key === 'A') && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      this.events.onSelect(
        rows.map((r) => r.id),
        id,
      );
    } else if ((e.key === 'b' || e.key === 'B') && !e.ctrlKey && !e.metaKey && id) {
      e.preventDefault();
      this.events.onBaseline(this.model.baseline()?.id === id ? undefined : id);
    }
  }
}
