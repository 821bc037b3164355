import * as vscode from 'vscode';
import type { ClusterConnection } from '../cluster/connection';
import { Disposable } from '../common/lifecycle';
import { messageOf } from '../common/errors';
import type { Logger } from '../common/logging';
import { Commands } from '../constants';
import { HARDENING_MODES, type HardeningMode } from './hardening';
import type { LintDiagnostics } from './diagnostics';
import { DryRunner, type DryRunResult } from './dryRun';
import type { Severity } from './types';

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

/**
 * "KubeML: Validate Against Cluster": a server-side dry run of the active manifest, the API
 * server's errors shown as diagnostics (source kubeml-cluster) on the fields they name. They are
 * cleared by the next edit of the document.
 */
export class LintCommands extends Disposable {
  readonly collection: vscode.DiagnosticCollection;

  constructor(
    private readonly connection: ClusterConnection,
    private readonly diagnostics: LintDiagnostics,
    private readonly log: Logger,
  ) {
    super();
    this.collection = this._register(vscode.languages.createDiagnosticCollection('kubeml-cluster'));
    this._register(vscode.commands.registerCommand(Commands.validateAgainstCluster, (uri?: vscode.Uri) => this.validate(uri)));
    this._register(vscode.commands.registerCommand(Commands.setLintHardening, (mode?: unknown) => this.setHardening(mode)));
    this._register(
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length) this.collection.delete(e.document.uri);
      }),
    );
  }

  /** Runs the dry run; resolves with what the server said (undefined when nothing could be sent). */
  /** kubeml.lint.hardening for this workspace (a quick pick without an argument); resolves with the mode set. */
  async setHardening(mode?: unknown): Promise<HardeningMode | undefined> {
    let chosen = HARDENING_MODES.find((m) => m === mode);
    if (!chosen) {
      const labels: Record<HardeningMode, string> = {
        fold: vscode.l10n.t('Fold: one information per file counts them'),
        show: vscode.l10n.t('Show: every hardening suggestion as its own finding'),
        off: vscode.l10n.t('Off: hide them (errors still show)'),
      };
      const current = vscode.workspace.getConfiguration('kubeml').get<string>('lint.hardening');
      const pick = await vscode.window.showQuickPick(
        HARDENING_MODES.map((m) => ({ label: labels[m], description: m === current ? vscode.l10n.t('current') : undefined, mode: m })),
        { title: vscode.l10n.t('Security-context and resource-limit suggestions in this workspace') },
      );
      chosen = pick?.mode;
    }
    if (!chosen) return undefined;
    const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await vscode.workspace.getConfiguration('kubeml').update('lint.hardening', chosen, target);
    return chosen;
  }

  async validate(uri?: vscode.Uri): Promise<DryRunResult | undefined> {
    const document = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
    if (!document) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Open a Kubernetes manifest to validate it against the cluster.'));
      return undefined;
    }
    const client = this.connection.state.kind === 'connected' ? this.connection.client : undefined;
    if (!client) {
      const select = vscode.l10n.t('Select Context');
      void vscode.window
        .showErrorMessage(vscode.l10n.t('KubeML is not connected to a cluster, so it cannot validate against one.'), select)
        .then((pick) => {
          if (pick === select) void vscode.commands.executeCommand(Commands.selectContext);
        });
      return undefined;
    }
    const runner = new DryRunner(client, this.connection.defaultNamespace);
    try {
      const result = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: vscode.l10n.t('Validating against {0} (server-side dry run)', client.server),
          cancellable: true,
        },
        (_progress, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
          return runner.run(document.getText(), abort.signal);
        },
      );
      this.diagnostics.analyze(document);
      this.collection.set(
        document.uri,
        result.findings.map((f) => {
          const d = new vscode.Diagnostic(
            new vscode.Range(document.positionAt(f.start), document.positionAt(f.end)),
            f.message,
            SEVERITY[f.severity],
          );
          d.source = 'kubeml-cluster';
          d.code = f.ruleId;
          return d;
        }),
      );
      const rejected = result.outcomes.filter((o) => !o.ok && o.head);
      const accepted = result.outcomes.filter((o) => o.ok);
      this.log.info(`dry run of ${document.uri.fsPath}: ${result.outcomes.map((o) => o.summary).join(' | ')}`);
      if (rejected.length === 0) {
        void vscode.window.showInformationMessage(
          vscode.l10n.t(
            'The cluster would accept all {0} object(s) in {1}.',
            accepted.length,
            vscode.workspace.asRelativePath(document.uri),
          ),
        );
      } else {
        void vscode.window.showWarningMessage(
          vscode.l10n.t(
            'The cluster would reject {0} of {1} object(s): see the Problems view.',
            rejected.length,
            rejected.length + accepted.length,
          ),
        );
      }
      return result;
    } catch (e) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Validate Against Cluster failed: {0}', messageOf(e)));
      return undefined;
    }
  }
}
