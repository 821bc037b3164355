import * as vscode from 'vscode';
import { Disposable } from '../common/lifecycle';
import { Commands } from '../constants';
import { type SyncController, type SyncOverview } from './commands';

/** Sync state at a glance: idle, syncing (with the number of files pending), waiting (no pod in sync), error. Hidden when no sync runs. */
export class SyncStatusBar extends Disposable {
  private readonly item = this._register(vscode.window.createStatusBarItem('kubeml.sync', vscode.StatusBarAlignment.Left, 9));

  constructor(controller: SyncController) {
    super();
    this.item.name = vscode.l10n.t('KubeML Sync');
    this.item.command = Commands.showLog;
    this._register(controller.onDidChange((o) => this.render(o)));
    this.render(controller.overview);
  }

  private render(o: SyncOverview): void {
    const s = o.status;
    if (o.sessions === 0 || !s || s.kind === 'stopped') {
      this.item.hide();
      return;
    }
    this.item.backgroundColor = undefined;
    const stop = vscode.l10n.t('Stop it with "KubeML: Stop Sync". Click for the log.');
    switch (s.kind) {
      case 'starting':
        this.item.text = `$(sync~spin) ${vscode.l10n.t('Sync: starting')}`;
        this.item.tooltip = stop;
        break;
      case 'syncing':
        this.item.text = `$(sync~spin) ${vscode.l10n.t('Sync: {0} pending', s.pending)}`;
        this.item.tooltip = `${vscode.l10n.t('Sending changes to {0} pod(s).', s.pods)}\n${stop}`;
        break;
      case 'idle':
        this.item.text = `$(check) ${vscode.l10n.t('Sync')}`;
        this.item.tooltip = `${vscode.l10n.t('{0} pod(s) in sync.', s.pods)}\n${stop}`;
        break;
      case 'waiting':
        // No pod is in sync (a run's pod finished, or its container is not running): say so, not "in sync".
        this.item.text = `$(circle-slash) ${s.ended ? vscode.l10n.t('Sync: pod finished') : vscode.l10n.t('Sync: no pod running')}`;
        this.item.tooltip = `${vscode.l10n.t('No pod is in sync: {0}.', s.detail)}\n${stop}`;
        break;
      case 'error':
        this.item.text = `$(error) ${vscode.l10n.t('Sync error')}`;
        this.item.tooltip = `${s.message}\n${stop}`;
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
        break;
    }
    this.item.show();
  }
}
