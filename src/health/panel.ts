/**
 * The Job panel host (issue #16): one webview per job, showing each rank's GPU utilisation and memory
 * over time (live), the GPU-hours held and used, and the doctor's findings. A strict CSP (nonce, no
 * remote content, src/common/webviewHtml.ts), resources only from dist/webview, and messages that wait
 * for the page's `ready`. What it shows comes from a JobHealthProvider (panelData.ts).
 */
import * as vscode from 'vscode';
import { Disposable, Emitter } from '../common/lifecycle';
import { newNonce, webviewHtml } from '../common/webviewHtml';
import {
  DEFAULT_WINDOW_MS,
  isJobWindow,
  isPageMessage,
  stepFor,
  type HostMessage,
  type PageMessage,
  type RenderedState,
} from '../model/health/panelContract';
import type { GpuSeries } from '../model/health/types';
import { appendSeries, gpuErrorOf, jobKey, panelJob, podOfRank, seriesCsv, type JobHealthProvider } from './panelData';

export const JOB_PANEL_VIEW_TYPE = 'kubeml.jobHealth';

/** What the panel's buttons do outside the page; the health feature gives them (the Jobs view, the log follower). */
export interface JobPanelActions {
  revealPod?(namespace: string, pod: string): unknown;
  showLogs?(namespace: string, pod: string, rank: string): unknown;
  /** Where Export CSV goes (default: the save dialog). */
  saveAs?(suggestedName: string): Thenable<vscode.Uri | undefined>;
}

export interface JobPanelOptions {
  /** The window shown first (one of JOB_WINDOWS_MS); default 1 h. */
  readonly windowMs?: number;
  readonly actions?: JobPanelActions;
  /** Failures of the page's requests go here (the KubeML log). */
  readonly warn?: (message: string) => void;
}

const saveDialog = (suggestedName: string) =>
  vscode.window.showSaveDialog({
    filters: { CSV: ['csv'] },
    saveLabel: vscode.l10n.t('Export CSV'),
    defaultUri: vscode.workspace.workspaceFolders?.[0]
      ? vscode.Uri.joinPath(vscode.workspace.workspaceFolders[0].uri, suggestedName)
      : undefined,
  });

export class JobPanel extends Disposable {
  private static readonly panels = new Map<string, JobPanel>();

  /**
   * Opens the panel of the provider's job, or reveals it when it is open already (one panel per job: kind,
   * namespace and name); then the provider given is not used, and stays the caller's to dispose. The panel
   * never disposes its provider: the caller does, on the panel's onDidDispose.
   */
  static open(extensionUri: vscode.Uri, provider: JobHealthProvider, opts: JobPanelOptions = {}): JobPanel {
    const key = jobKey(provider.snapshot());
    const known = JobPanel.panels.get(key);
    if (known && !known.isDisposed) {
      known.reveal();
      return known;
    }
    const p = new JobPanel(extensionUri, provider, opts);
    JobPanel.panels.set(key, p);
    p.onDidDispose(() => {
      if (JobPanel.panels.get(key) === p) JobPanel.panels.delete(key);
    });
    return p;
  }

  /** The open panel of a job (kind/namespace/name), if any. */
  static of(job: { kind: string; namespace: string; name: string }): JobPanel | undefined {
    return JobPanel.panels.get(jobKey(job));
  }

  private readonly panel: vscode.WebviewPanel;
  private isReady = false;
  private windowMs: number;
  private series: readonly GpuSeries[] = [];
  /** Bumped per gpu() read, so that a slow read for an older window never overwrites a newer one. */
  private reading = 0;
  private readonly _onDidReceive = this._register(new Emitter<PageMessage>());
  readonly onDidReceive = this._onDidReceive.event;
  private readonly _onDidDispose = this._register(new Emitter<void>());
  readonly onDidDispose = this._onDidDispose.event;
  private readonly _onDidExport = this._register(new Emitter<vscode.Uri>());
  readonly onDidExport = this._onDidExport.event;
  /** Resolves when the page is ready and has been sent the job. */
  readonly ready: Promise<void>;
  /** What the page said it shows, last. */
  rendered: RenderedState | undefined;
  readonly key: string;

  private constructor(
    extensionUri: vscode.Uri,
    private readonly provider: JobHealthProvider,
    private readonly opts: JobPanelOptions,
  ) {
    super();
    const job = provider.snapshot();
    this.key = jobKey(job);
    this.windowMs = opts.windowMs ?? DEFAULT_WINDOW_MS;
    const root = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
    const title = vscode.l10n.t('Job health: {0}', job.name);
    this.panel = vscode.window.createWebviewPanel(JOB_PANEL_VIEW_TYPE, title, vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [root],
    });
    const webview = this.panel.webview;
    webview.html = webviewHtml({
      cspSource: webview.cspSource,
      nonce: newNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'jobPage.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'jobPage.css')).toString(),
      title,
    });
    let pageReady!: () => void;
    this.ready = new Promise<void>((r) => (pageReady = r));
    this._register(
      webview.onDidReceiveMessage((m: unknown) => {
        if (!isPageMessage(m)) return; // anything off-contract is ignored
        if (m.type === 'ready') {
          this.isReady = true;
          this.sendJob();
          void this.readGpu();
          pageReady();
        } else {
          void this.handle(m).catch((e: unknown) => this.opts.warn?.(`job panel: ${String(e)}`));
        }
        this._onDidReceive.fire(m);
      }),
    );
    this._register(provider.onDidChange(() => this.sendJob()));
    if (provider.onDidAppend)
      this._register(
        provider.onDidAppend((points) => {
          // A GPU the panel does not draw yet (a rank that started after the last read): read the window again.
          if (points.some((p) => !this.series.some((s) => s.pod === p.pod && s.gpu === p.gpu))) {
            void this.readGpu();
            return;
          }
          this.series = appendSeries(this.series, points, this.windowMs);
          this.post({ type: 'append', points });
        }),
      );
    this._register(this.panel.onDidDispose(() => this.dispose()));
  }

  get visible(): boolean {
    return !this.isDisposed && this.panel.visible;
  }

  /** The window shown (ms). */
  get window(): number {
    return this.windowMs;
  }

  /** The GPU series as the host last sent them (with appends): what Export CSV writes. */
  get shownSeries(): readonly GpuSeries[] {
    return this.series;
  }

  reveal(): void {
    this.panel.reveal();
  }

  /** Shows another window (one of JOB_WINDOWS_MS): the page's window buttons, or a command. */
  async setWindow(windowMs: number): Promise<void> {
    if (!isJobWindow(windowMs) || windowMs === this.windowMs) return;
    this.windowMs = windowMs;
    this.sendJob();
    await this.readGpu();
  }

  /** Export CSV: the series shown (with their live points) through the save dialog; resolves with the file written. */
  async exportCsv(): Promise<vscode.Uri | undefined> {
    const name = `${this.provider.snapshot().name}-gpu.csv`.replace(/[^\w.-]+/g, '_');
    const uri = await (this.opts.actions?.saveAs ?? saveDialog)(name);
    if (!uri) return undefined;
    await vscode.workspace.fs.writeFile(uri, Buffer.from(seriesCsv(this.series), 'utf8'));
    this._onDidExport.fire(uri);
    return uri;
  }

  private sendJob(): void {
    this.post({ type: 'job', job: panelJob(this.provider.snapshot(), this.windowMs) });
  }

  /** Reads the window's series and sends them (or what went wrong, and what to do). */
  private async readGpu(): Promise<void> {
    const n = ++this.reading;
    const windowMs = this.windowMs;
    const stepMs = stepFor(windowMs);
    try {
      const series = await this.provider.gpu(windowMs, stepMs);
      if (n !== this.reading || this.isDisposed) return;
      this.series = series;
      this.post({ type: 'gpu', series, windowMs, stepMs });
    } catch (e) {
      if (n !== this.reading || this.isDisposed) return;
      const { message, todo } = gpuErrorOf(e);
      this.post({ type: 'error', scope: 'gpu', message, todo });
    }
  }

  private post(m: HostMessage): void {
    // Before `ready` nothing is sent: the page asks with `ready` and is then sent the job and the series whole.
    if (this.isDisposed || !this.isReady) return;
    void this.panel.webview.postMessage(m);
  }

  private async handle(m: PageMessage): Promise<void> {
    const job = this.provider.snapshot();
    switch (m.type) {
      case 'window':
        return this.setWindow(m.windowMs);
      case 'revealPod':
        if (job.ranks.some((r) => r.pod === m.pod)) await this.opts.actions?.revealPod?.(job.namespace, m.pod);
        return;
      case 'showLogs': {
        const r = podOfRank(job, m.rank);
        if (r) await this.opts.actions?.showLogs?.(job.namespace, r.pod, r.rank);
        return;
      }
      case 'exportCsv':
        await this.exportCsv();
        return;
      case 'rendered': {
        const { type: _type, ...state } = m;
        this.rendered = state;
        return;
      }
    }
  }

  /** Closing the tab and dispose() end the same way: onDidDispose fires once, listeners on the provider stop. */
  override dispose(): void {
    if (this.isDisposed) return;
    this._onDidDispose.fire();
    super.dispose();
    this.panel.dispose();
  }
}
