import * as vscode from 'vscode';
import { safeUrl } from '../common/redact';
import { Disposable } from '../common/lifecycle';
import { messageOf } from '../common/errors';
import { type Logger } from '../common/logging';
import { Commands, ContextKeys } from '../constants';
import { Settings } from '../common/ui/vscodeConfig';
import { Settings as S } from '../common/settings';
import { type ClusterConnection, type NamespaceScope } from './connection';
import { checkNamespaceName } from './namespaceName';

const CONTEXT_KEY = 'kubeml.context';
const NAMESPACES_KEY = 'kubeml.namespaces';

/**
 * The editor skin of the connection: reads settings, remembers the chosen context and
 * namespaces (in KubeML's own state: the user's kubeconfig is never rewritten), keeps the
 * `kubeml:connection` context key in step, and owns the connection commands.
 */
export class ConnectionController extends Disposable {
  private connecting: Promise<unknown> | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly connection: ClusterConnection,
    private readonly log: Logger,
    private readonly channel: vscode.OutputChannel,
  ) {
    super();
    this._register(connection.onDidChange((s) => void vscode.commands.executeCommand('setContext', ContextKeys.connection, s.kind)));
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (Settings.affects(e, S.kubeconfig)) void this.reconnect();
      }),
    );
    this._register(vscode.commands.registerCommand(Commands.refresh, () => this.reconnect()));
    this._register(vscode.commands.registerCommand(Commands.showLog, () => this.channel.show(true)));
    this._register(vscode.commands.registerCommand(Commands.selectContext, () => this.selectContext()));
    this._register(vscode.commands.registerCommand(Commands.selectNamespace, () => this.selectNamespace()));
    this._register(vscode.commands.registerCommand(Commands.selectKubeconfig, () => this.selectKubeconfig()));
  }

  private storedScope(): NamespaceScope | undefined {
    const key = `${NAMESPACES_KEY}:${this.connection.currentContext ?? ''}`;
    return this.context.globalState.get<NamespaceScope>(key);
  }

  /** Reads settings and connects; concurrent calls share one attempt. */
  reconnect(): Promise<unknown> {
    const run = async () => {
      const env = { ...process.env };
      // In an untrusted workspace a workspace-level kubeconfig setting is ignored by VS Code
      // (restrictedConfigurations), so only the user's own files are read.
      await this.connection.connect({ kubeconfig: Settings.kubeconfig(), env, context: this.context.globalState.get<string>(CONTEXT_KEY) });
      const scope = this.storedScope();
      if (scope && this.connection.state.kind !== 'none') {
        await this.connection.connect({
          kubeconfig: Settings.kubeconfig(),
          env,
          context: this.connection.currentContext,
          namespaces: scope,
        });
      }
    };
    if (!this.connecting) {
      const attempt = Promise.resolve(
        vscode.window.withProgress({ location: { viewId: 'kubeml.jobs' }, title: vscode.l10n.t('Connecting to the cluster') }, run),
      )
        .catch((e: unknown) => this.log.error('connect failed', e))
        .finally(() => (this.connecting = undefined));
      this.connecting = attempt;
    }
    return this.connecting;
  }

  private async selectContext(): Promise<void> {
    const contexts = this.connection.contexts;
    if (contexts.length === 0) {
      const pick = await vscode.window.showWarningMessage(
        vscode.l10n.t('No kubeconfig with contexts was found.'),
        vscode.l10n.t('Select Kubeconfig File'),
      );
      if (pick) await this.selectKubeconfig();
      return;
    }
    const current = this.connection.currentContext;
    const kc = this.connection.kubeConfig;
    const items = contexts.map((name) => {
      const ctx = kc?.getContextObject(name);
      const cluster = ctx ? kc?.getCluster(ctx.cluster) : undefined;
      return {
        label: name,
        description: name === current ? vscode.l10n.t('current') : undefined,
        detail: [cluster?.server && safeUrl(cluster.server), ctx?.namespace ? `namespace ${ctx.namespace}` : undefined]
          .filter(Boolean)
          .join(' · '),
      };
    });
    const picked = await vscode.window.showQuickPick(items, {
      title: vscode.l10n.t('Select Kubernetes Context'),
      placeHolder: vscode.l10n.t('KubeML uses this context; your kubeconfig file is not changed'),
      matchOnDetail: true,
    });
    if (!picked) return;
    await this.context.globalState.update(CONTEXT_KEY, picked.label);
    await this.reconnect();
  }

  private async selectNamespace(): Promise<void> {
    const client = this.connection.client;
    if (!client || this.connection.state.kind !== 'connected') {
      void vscode.window.showWarningMessage(vscode.l10n.t('Connect to a cluster first.'));
      return;
    }
    let names: string[] = [];
    let listError: string | undefined;
    try {
      const list = await client.json<{ items: Array<{ metadata: { name: string } }> }>('/api/v1/namespaces', {
        what: 'list namespaces',
        timeoutMs: 8000,
      });
      names = list.items.map((n) => n.metadata.name).sort();
    } catch (e) {
      // Users without cluster-wide rights may not list namespaces: let them type one.
      listError = messageOf(e);
    }
    const scope = this.connection.scope;
    const chosen = new Set(scope.all ? [] : scope.names);
    const ALL = vscode.l10n.t('All namespaces');
    const OTHER = vscode.l10n.t('Enter a namespace name…');
    const qp = vscode.window.createQuickPick<vscode.QuickPickItem>();
    qp.title = vscode.l10n.t('Namespaces to show');
    qp.canSelectMany = true;
    qp.placeholder = listError
      ? vscode.l10n.t('Namespaces cannot be listed ({0}); enter one by name.', listError)
      : vscode.l10n.t('Pick one or more, or All namespaces');
    qp.items = [{ label: ALL }, ...names.map((n) => ({ label: n })), { label: OTHER, alwaysShow: true }];
    qp.selectedItems = qp.items.filter((i) => (scope.all ? i.label === ALL : chosen.has(i.label)));
    const result = await new Promise<readonly vscode.QuickPickItem[] | undefined>((resolve) => {
      qp.onDidAccept(() => resolve(qp.selectedItems));
      qp.onDidHide(() => resolve(undefined));
      qp.show();
    });
    qp.dispose();
    if (!result || result.length === 0) return;
    let next: NamespaceScope;
    if (result.some((i) => i.label === ALL)) {
      next = { all: true };
    } else {
      const picked = result.filter((i) => i.label !== OTHER).map((i) => i.label);
      if (result.some((i) => i.label === OTHER)) {
        const typed = await vscode.window.showInputBox({
          title: vscode.l10n.t('Namespace'),
          // A name the cluster does not have is let through with a word (it may be created soon).
          validateInput: (v) => {
            const c = checkNamespaceName(v, listError ? undefined : names);
            if (!c) return undefined;
            return {
              message: c.message,
              severity: c.severity === 'error' ? vscode.InputBoxValidationSeverity.Error : vscode.InputBoxValidationSeverity.Warning,
            };
          },
        });
        if (typed) picked.push(typed);
      }
      if (picked.length === 0) return;
      next = { all: false, names: [...new Set(picked)] };
    }
    await this.context.globalState.update(`${NAMESPACES_KEY}:${this.connection.currentContext ?? ''}`, next);
    await this.reconnect();
  }

  private async selectKubeconfig(): Promise<void> {
    const uris = await vscode.window.showOpenDialog({
      title: vscode.l10n.t('Select Kubeconfig File'),
      canSelectMany: false,
      openLabel: vscode.l10n.t('Use This Kubeconfig'),
    });
    if (!uris?.[0]) return;
    await vscode.workspace.getConfiguration(Settings.section).update(S.kubeconfig.key, uris[0].fsPath, vscode.ConfigurationTarget.Global);
    // The configuration listener reconnects.
  }
}
