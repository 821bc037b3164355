/** Small parts of the experiments page: elements, buttons, growable curves and the column chooser. */
import { columnLabel } from '../../src/model/experimentsTable';

export function el<K extends keyof HTMLElementTagNameMap>(
  name: K,
  attrs: Record<string, string> = {},
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text; // every string from data goes in as text, never as HTML
  return e;
}

/** A plain button in the theme's secondary button colours. */
export function plain(label: string, onClick: () => void, id?: string): HTMLButtonElement {
  const b = el('button', { class: 'plain', type: 'button', ...(id ? { id } : {}) }, label);
  b.addEventListener('click', onClick);
  return b;
}

/** A Float64Array that grows by doubling: live curves take appends without copying per point. */
export class Growing {
  private buf: Float64Array;
  length = 0;
  constructor(capacity = 64) {
    this.buf = new Float64Array(capacity);
  }
  static of(a: Float64Array): Growing {
    const g = new Growing(Math.max(64, a.length * 2));
    g.buf.set(a);
    g.length = a.length;
    return g;
  }
  pushAll(a: ArrayLike<number>): void {
    if (this.length + a.length > this.buf.length) {
      const next = new Float64Array(Math.max(this.buf.length * 2, this.length + a.length));
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
    }
    for (let i = 0; i < a.length; i++) this.buf[this.length++] = a[i];
  }
  /** The points so far (a view: valid until the next push that grows it). */
  view(): Float64Array {
    return this.buf.subarray(0, this.length);
  }
}

/**
 * Choose and order the table's columns: a checkbox per column; the shown ones move up and down
 * with their buttons or with Alt+Up / Alt+Down on the checkbox.
 */
export class ColumnChooser {
  readonly button: HTMLButtonElement;
  readonly panel: HTMLElement;

  constructor(
    private readonly state: () => { all: readonly string[]; shown: readonly string[] },
    private readonly onChange: (shown: string[]) => void,
  ) {
    this.panel = el('div', { class: 'chooser', id: 'columns-chooser', role: 'group', 'aria-label': 'Columns', hidden: '' });
    this.button = el(
      'button',
      { class: 'plain', type: 'button', id: 'columns', 'aria-expanded': 'false', 'aria-controls': 'columns-chooser' },
      'Columns…',
    );
    this.button.addEventListener('click', () => this.toggle());
    this.panel.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        this.toggle(false);
        this.button.focus();
      }
    });
  }

  toggle(open = this.panel.hidden): void {
    this.panel.hidden = !open;
    this.button.setAttribute('aria-expanded', String(open));
    if (open) {
      this.render();
      this.panel.querySelector<HTMLInputElement>('input')?.focus();
    }
  }

  render(focusKey?: string): void {
    if (this.panel.hidden) return;
    // A re-render while a checkbox has the focus (a live run added a metric) keeps it there.
    focusKey ??= this.panel.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.column : undefined;
    const { all, shown } = this.state();
    const hidden = all.filter((c) => !shown.includes(c));
    const ul = el('ul');
    const move = (key: string, by: number) => {
      const next = [...shown];
      const i = next.indexOf(key);
      const j = i + by;
      if (i < 0 || j < 0 || j >= next.length) return;
      [next[i], next[j]] = [next[j], next[i]];
      this.onChange(next);
      this.render(key);
    };
    [...shown, ...hidden].forEach((key, i) => {
      const on = shown.includes(key);
      const id = `col-${i}`;
      const li = el('li');
      const box = el('input', { type: 'checkbox', id, 'data-column': key, 'aria-describedby': 'columns-help' });
      box.checked = on;
      box.addEventListener('change', () => {
        this.onChange(box.checked ? [...shown, key] : shown.filter((c) => c !== key));
        this.render(key);
      });
      box.addEventListener('keydown', (e) => {
        if (on && e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
          e.preventDefault();
          move(key, e.key === 'ArrowUp' ? -1 : 1);
        }
      });
      const kind = key.startsWith('param:') ? ' (parameter)' : key.startsWith('metric:') ? ' (metric)' : '';
      li.append(box, el('label', { for: id, title: `${columnLabel(key)}${kind}` }, `${columnLabel(key)}${kind}`));
      if (on) {
        const up = el('button', { class: 'plain', type: 'button', 'aria-label': `Move ${columnLabel(key)} left` }, '↑');
        const down = el('button', { class: 'plain', type: 'button', 'aria-label': `Move ${columnLabel(key)} right` }, '↓');
        up.disabled = shown.indexOf(key) === 0;
        down.disabled = shown.indexOf(key) === shown.length - 1;
        up.addEventListener('click', () => move(key, -1));
        down.addEventListener('click', () => move(key, 1));
        li.append(up, down);
      }
      ul.append(li);
    });
    this.panel.replaceChildren(
      el(
        'p',
        { class: 'note', id: 'columns-help' },
        'Check the columns to show; Alt+Up and Alt+Down (or the arrows) move a shown column. Escape closes.',
      ),
      ul,
    );
    if (focusKey) this.panel.querySelector<HTMLInputElement>(`input[data-column="${CSS.escape(focusKey)}"]`)?.focus();
  }
}

/** What the page says when the workspace has no runs: what runs are and how to make one. */
export function emptyState(): HTMLElement {
  const empty = el('section', { class: 'empty', id: 'empty' });
  empty.append(
    el('h2', {}, 'No runs yet'),
    el(
      'p',
      {},
      'Runs appear here as soon as they start: launch one with KubeML: Launch Training (Command Palette, or the run button on kubeml.yaml), or from a terminal with kubeml run train.',
    ),
    el(
      'p',
      { class: 'note' },
      'Each run keeps its record in .kubeml/runs/<id>/ of its workspace folder; the table shows its parameters and latest metrics, and the charts its curves while it trains.',
    ),
  );
  return empty;
}
