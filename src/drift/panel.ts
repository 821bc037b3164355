/**
 * The drift panel host: a webview with a strict CSP (nonce, no remote content), resources
 * only from dist/webview, and a message queue that waits for the page's `ready`.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { Disposable, Emitter } from '../common/lifecycle';
import { isPageMessage, reportToCsv, type HostMessage, type PageMessage } from '../model/driftContract';
import type { DriftReport, WindowDrift } from '../model/driftReport';

export const DRIFT_VIEW_TYPE = 'kubeml.driftReport';

export class DriftPanel extends Disposable {
  private readonly panel: vscode.WebviewPanel;
  private isReady = false;
  private readonly queue: HostMessage[] = [];
  private readonly _onDidReceive = this._register(new Emitter<PageMessage>());
  readonly onDidReceive = this._onDidReceive.event;
  private readonly _onDidDispose = this._register(new Emitter<void>());
  readonly onDidDispose = this._onDidDispose.event;
  readonly ready: Promise<void>;
  private report: DriftReport;

  constructor(extensionUri: vscode.Uri, title: string, report: DriftReport) {
    super();
    this.report = report;
    const root = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
    this.panel = vscode.window.createWebviewPanel(DRIFT_VIEW_TYPE, title, vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [root],
    });
    let resolveReady!: () => void;
    this.ready = new Promise((r) => (resolveReady = r));
    this.panel.webview.html = this.html(root);
    this._register(
      this.panel.webview.onDidReceiveMessage((m: unknown) => {
        if (!isPageMessage(m)) return; // anything off-contract is ignored
        if (m.type === 'ready') {
          this.isReady = true;
          this.post({ type: 'report', report: this.report });
          for (const q of this.queue.splice(0)) void this.panel.webview.postMessage(q);
          resolveReady();
        } else {
          void this.handle(m);
        }
        this._onDidReceive.fire(m);
      }),
    );
    this._register(this.panel.onDidDispose(() => this.dispose()));
  }

  get visible(): boolean {
    return !this.isDisposed && this.panel.visible;
  }

  /** The report the page shows (the latest one given to it). */
  get shown(): DriftReport {
    return this.report;
  }

  update(report: DriftReport): void {
    const known = this.report.windows.length;
    const sameBase =
      report.features.length === this.report.features.length &&
      report.windows.length > known &&
      report.windows.slice(0, known).every((w, i) => w.label === this.report.windows[i].label);
    this.report = report;
    if (sameBase) for (const w of report.windows.slice(known)) this.post({ type: 'window', window: w });
    else this.post({ type: 'report', report });
  }

  appendWindow(window: WindowDrift): void {
    this.report = { ...this.report, windows: [...this.report.windows, window] };
    this.post({ type: 'window', window });
  }

  private post(m: HostMessage): void {
    if (this.isDisposed) return;
    if (this.isReady) void this.panel.webview.postMessage(m);
    else if (m.type !== 'report') this.queue.push(m);
  }

  private async handle(m: PageMessage): Promise<void> {
    if (m.type === 'exportCsv') {
      const uri = await vscode.window.showSaveDialog({ filters: { CSV: ['csv'] }, saveLabel: vscode.l10n.t('Export CSV') });
      if (uri) await vscode.workspace.fs.writeFile(uri, Buffer.from(reportToCsv(this.report), 'utf8'));
    } else if (m.type === 'exportPng') {
      const uri = await vscode.window.showSaveDialog({ filters: { PNG: ['png'] }, saveLabel: vscode.l10n.t('Export PNG') });
      if (uri) await vscode.workspace.fs.writeFile(uri, Buffer.from(m.dataUrl.slice(m.dataUrl.indexOf(',') + 1), 'base64'));
    }
  }

  private html(root: vscode.Uri): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(root, 'driftPage.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(root, 'driftPage.css'));
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
<title>${escapeHtml(this.panel.title)}</title>
</head>
<body>
<div id="app" data-nonce="${nonce}"></div>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
  }

  /** Closing the tab and dispose() end the same way: onDidDispose fires once, so timers and watchers stop. */
  override dispose(): void {
    if (this.isDisposed) return;
    this._onDidDispose.fire();
    super.dispose();
    this.panel.dispose();
  }
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
