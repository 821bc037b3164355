/**
 * The experiments feature's editor skin: the Runs view (every run of the workspace, live) and the
 * experiments panel (runs by parameters and metrics, their curves, comparison). It is built on first
 * use like the other features (src/lazy); the launcher itself stays in runs/, which this reaches
 * through KubeML's commands (Re-run, Cancel, Show Logs), never by import.
 */
import type * as vscode from 'vscode';
import type { ClusterConnection } from '../cluster/connection';
import { Disposable } from '../common/lifecycle';
import type { Logger } from '../common/logging';

export class ExperimentsFeature extends Disposable {
  constructor(
    readonly extensionUri: vscode.Uri,
    readonly connection: ClusterConnection,
    readonly log: Logger,
  ) {
    super();
  }
}
