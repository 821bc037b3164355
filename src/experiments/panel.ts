/**
 * The experiments panel host: a webview with a strict CSP (nonce, no remote content), resources
 * only from dist/webview, and messages that wait for the page's `ready`. It reads the run records
 * of every workspace folder, follows the runs that have not ended (liveRuns.ts) and sends their new
 * metric points as they are written.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { Disposable, Emitter } from '../common/lifecycle';
import type { Logger } from '../common/logging';
import { isPageMessage, type HostMessage, type PageMessage, type PaintedState, type RunInfo } from '../model/experimentsContract';
import { tableToCsv } from '../model/experimentsTable';
import { isTerminal, type RunRecord, type RunStore } from '../model/runRecords';
import { RunFolderWatcher, RunFollower } from './liveRuns';
import { latestOf, runInfoOf, seriesOf } from './panelData';

export const EXPERIMENTS_VIEW_TYPE = 'kubeml.experiments';

export interface RunSource {
  readonly store: RunStore;
  /** The workspace folder's name, shown when there are several. */
  readonly folder?: string;
}

/** Where an export goes: the save dialog (tests answer it themselves). */
export type SavePrompt = (kind: 'csv' | 'png', suggestedName: string) => Thenable<vscode.Uri | undefined>;

export const saveDialog: SavePrompt = (kind, suggestedName) =>
  vscode.window.showSaveDialog({
    filters: kind === 'csv' ? { CSV: ['csv'] } : { PNG: ['png'] },
    saveLabel: kind === 'csv' ? vscode.l10n.t('Export CSV') : vscode.l10n.t('Export PNG'),
    defaultUri: vscode.workspace.workspaceFolders?.[0]
      ? vscode.Uri.joinPath(vscode.workspace.workspaceFolders[0].uri, suggestedName)
      : undefined,
  });

interface Known {
  readonly source: RunSource;
  record: RunRecord;
  follower?: RunFollower;
  /** Resolves once the follower has read what the run's metrics.jsonl held when it started. */
  followed?: Promise<void>;
}

export class ExperimentsPanel extends Disposable {
  private readonly panel: vscode.WebviewPanel;
  private isReady = false;
  private readonly queue: HostMessage[] = [];
  private readonly runs = new Map<string, Known>();
  private readonly _onDidReceive = this._register(new Emitter<PageMessage>());
  readonly onDidReceive = this._onDidReceive.event;
  private readonly _onDidDispose = this._register(new Emitter<void>());
  readonly onDidDispose = this._onDidDispose.event;
  private readonly _onDidExport = this._register(new Emitter<vscode.Uri>());
  /** A file Export CSV or Export PNG wrote. */
  readonly onDidExport = this._onDidExport.event;
  /** Resolves when the page is ready and has the runs. */
  readonly ready: Promise<void>;
  /** What the page said it shows, last. */
  painted: PaintedState | undefined;
  private selectOnLoad: string[];

  constructor(
    extensionUri: vscode.Uri,
    private readonly sources: readonly RunSource[],
    select: readonly string[],
    private readonly log: Logger,
    public savePrompt: SavePrompt = saveDialog,
  ) {
    super();
    this.selectOnLoad = [...select];
    const root = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
    this.panel = vscode.window.createWebviewPanel(EXPERIMENTS_VIEW_TYPE, vscode.l10n.t('Experiments'), vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [root],
    });
    const t0 = Date.now();
    const loaded = this.load();
    let pageReady!: () => void;
    const readyPage = new Promise<void>((r) => (pageReady = r));
    this.ready = Promise.all([loaded, readyPage]).then(() => undefined);
    this.panel.webview.html = this.html(root);
    this._register(
      this.panel.webview.onDidReceiveMessage((m: unknown) => {
        if (!isPageMessage(m)) return; // anything off-contract is ignored
        if (m.type === 'ready') {
          void loaded.then(
            () => {
              if (this.isDisposed) return;
              this.isReady = true;
              void this.panel.webview.postMessage({
                type: 'runs',
                runs: this.infos(),
                select: this.selectOnLoad,
                loadMs: Date.now() - t0,
              } satisfies HostMessage);
              for (const q of this.queue.splice(0)) void this.panel.webview.postMessage(q);
              pageReady();
            },
            (e: unknown) => {
              void this.panel.webview.postMessage({ type: 'error', message: `KubeML could not read the run records: ${String(e)}` });
            },
          );
        } else {
          void this.handle(m).catch((e: unknown) => this.log.warn(`experiments panel: ${String(e)}`));
        }
        this._onDidReceive.fire(m);
      }),
    );
    this._register(this.panel.onDidDispose(() => this.dispose()));
  }

  get visible(): boolean {
    return !this.isDisposed && this.panel.visible;
  }

  reveal(): void {
    this.panel.reveal();
  }

  /** Selects these runs on the page (and plots them). */
  select(ids: readonly string[]): void {
    if (!this.isReady) this.selectOnLoad = [...ids];
    else this.post({ type: 'select', runIds: ids });
  }

  /** Asks the page for Export CSV of the table as it shows it (columns, order, filter, sort, baseline). */
  exportCsv(): void {
    this.post({ type: 'exportCsv' });
  }

  /** The rows as the page has them now. */
  infos(): RunInfo[] {
    return [...this.runs.values()]
      .map((k) => runInfoOf(k.record, k.source.folder, k.follower ? latestOf(k.follower.results) : undefined))
      .sort((a, b) => b.created.localeCompare(a.created));
  }

  private async load(): Promise<void> {
    const lists = await Promise.all(this.sources.map(async (source) => ({ source, records: await source.store.list() })));
    for (const { source, records } of lists) {
      for (const record of records) if (!this.runs.has(record.id)) this.runs.set(record.id, { source, record });
      const folderWatch = this._register(
        new RunFolderWatcher(
          source.store,
          records.map((r) => r.id),
        ),
      );
      this._register(folderWatch.onNew((rec) => void this.add(source, rec)));
    }
    // Live runs are followed from now on; the table does not wait for their curves (their latest metrics follow as `run`).
    for (const k of this.runs.values()) if (!isTerminal(k.record.phase)) void this.follow(k);
  }

  private async add(source: RunSource, record: RunRecord): Promise<void> {
    if (this.runs.has(record.id) || this.isDisposed) return;
    const k: Known = { source, record };
    this.runs.set(record.id, k);
    if (!isTerminal(record.phase)) await this.follow(k);
    this.post({ type: 'run', run: this.info(k) });
  }

  private info(k: Known): RunInfo {
    return runInfoOf(k.record, k.source.folder, k.follower ? latestOf(k.follower.results) : undefined);
  }

  /** Reads a live run's metrics so far, then sends each new batch as appends (and its record when it changes). */
  private async follow(k: Known): Promise<void> {
    const f = (k.follower = this._register(new RunFollower(k.source.store, k.record)));
    k.followed = f.check();
    await k.followed;
    if (f.results.length) this.post({ type: 'run', run: this.info(k) });
    this._register(
      f.onMetrics((results) => {
        for (const s of seriesOf(results))
          this.post({ type: 'append', runId: k.record.id, metric: s.metric, steps: s.steps, values: s.values });
        this.post({ type: 'run', run: this.info(k) });
      }),
    );
    this._register(
      f.onRecord((rec) => {
        k.record = rec;
        this.post({ type: 'run', run: this.info(k) });
      }),
    );
    this._register(
      f.onEnded(() => {
        // One more read after the end: the launcher writes the last metrics before the final record.
        void f.check().then(() => f.dispose());
      }),
    );
  }

  private post(m: HostMessage): void {
    if (this.isDisposed) return;
    if (this.isReady) void this.panel.webview.postMessage(m);
    else if (m.type === 'select' || m.type === 'error' || m.type === 'exportCsv') this.queue.push(m);
    // Runs and appends before the page is ready are in the first `runs` message and `need` answers.
  }

  private async handle(m: PageMessage): Promise<void> {
    if (m.type === 'need') {
      for (const id of m.runIds) {
        const k = this.runs.get(id);
        if (!k) continue;
        // A followed run's curves come from what the follower read, so that later appends continue them exactly
        // (nothing awaited between taking them and posting them, so no append falls in between).
        if (k.followed) await k.followed;
        const results = k.follower && !k.follower.stopped ? k.follower.results : await k.source.store.readMetrics(id);
        this.post({ type: 'series', runId: id, series: seriesOf(results) });
      }
    } else if (m.type === 'painted') {
      const { type: _type, ...state } = m;
      this.painted = state;
    } else if (m.type === 'exportCsv') {
      const uri = await this.savePrompt('csv', 'experiments.csv');
      if (uri) {
        await vscode.workspace.fs.writeFile(uri, Buffer.from(tableToCsv(this.infos(), m.view, Date.now()), 'utf8'));
        this._onDidExport.fire(uri);
      }
    } else if (m.type === 'exportPng') {
      const uri = await this.savePrompt('png', `${m.metric.replace(/[^\w.-]+/g, '_')}.png`);
      if (uri) {
        await vscode.workspace.fs.writeFile(uri, Buffer.from(m.dataUrl.slice(m.dataUrl.indexOf(',') + 1), 'base64'));
        this._onDidExport.fire(uri);
      }
    }
  }

  private html(root: vscode.Uri): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(root, 'experimentsPage.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(root, 'experimentsPage.css'));
    const csp = [
      "default-src 'none'",
      `img-src ${webview.cspSource} data:`,
      `style-src ${webview.cspSource} 'nonce-${nonce}'`,
      `font-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>Experiments</title>
</head>
<body>
<div id="app" data-nonce="${nonce}"></div>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
  }

  /** Closing the tab and dispose() end the same way: watchers and followers stop. */
  override dispose(): void {
    if (this.isDisposed) return;
    this._onDidDispose.fire();
    super.dispose();
    this.panel.dispose();
  }
}
