import * as vscode from 'vscode';
import { safeUrl } from '../common/redact';
import { Disposable } from '../common/lifecycle';
import { Commands } from '../constants';
import { type ClusterConnection, type ConnectionState } from './connection';

/** Shows the current context and namespaces; a click switches context. */
export class ConnectionStatusBar extends Disposable {
  private readonly item = this._register(vscode.window.createStatusBarItem('kubeml.connection', vscode.StatusBarAlignment.Left, 10));

  constructor(private readonly connection: ClusterConnection) {
    super();
    this.item.name = vscode.l10n.t('KubeML Cluster');
    this.item.command = Commands.selectContext;
    this._register(connection.onDidChange((s) => this.render(s)));
    this.render(connection.state);
    this.item.show();
  }

  private render(state: ConnectionState): void {
    const scope = this.connection.scope;
    const ns = scope.all ? vscode.l10n.t('all namespaces') : scope.names.join(', ');
    this.item.backgroundColor = undefined;
    switch (state.kind) {
      case 'none':
        this.item.text = `$(cloud) ${vscode.l10n.t('No cluster')}`;
        this.item.tooltip = state.message;
        this.item.command = Commands.selectKubeconfig;
        return;
      case 'connecting':
        this.item.text = `$(sync~spin) ${state.context}`;
        this.item.tooltip = vscode.l10n.t('Connecting to {0}', safeUrl(state.server));
        break;
      case 'connected':
        this.item.text = `$(cloud) ${state.context} · ${ns}`;
        this.item.tooltip = vscode.l10n.t(
          '{0}\n{1}, Kubernetes {2}\nNamespaces: {3}\nClick to switch context.',
          state.context,
          safeUrl(state.server),
          state.version,
          ns,
        );
        break;
      default:
        this.item.text = `$(warning) ${state.context}`;
        this.item.tooltip = state.message;
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    }
    this.item.command = Commands.selectContext;
  }
}
