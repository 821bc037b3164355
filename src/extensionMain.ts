import type * as vscode from 'vscode';
import { Disposable } from './common/lifecycle';
import { createLogger } from './common/ui/vscodeLog';
import { ClusterConnection } from './cluster/connection';
import { ConnectionController } from './cluster/commands';
import { ConnectionStatusBar } from './cluster/statusBar';
import { ExplorerViews } from './explorer/views';
import { DriftCommands } from './drift/commands';
import { SyncController } from './sync/commands';
import { SyncStatusBar } from './sync/statusBar';
import { LintDiagnostics } from './lint/diagnostics';
import { LintCommands } from './lint/commands';
import { RunCommands } from './runs/commands';
import { RunStatusBar } from './runs/statusBar';

/** What activate() returns: used by the in-editor test suites and by other extensions. */
export interface KubeMLApi {
  readonly connection: ClusterConnection;
  readonly explorer: ExplorerViews;
  /** Resolves when the first connection attempt has finished. */
  readonly ready: Promise<unknown>;
  /** File sync into pods (Start Sync / Stop Sync; startForRun for the launcher). */
  readonly sync: SyncController;
  /** The drift panels (Open Drift Report). */
  readonly drift: DriftCommands;
  /** Manifest diagnostics and Validate Against Cluster. */
  readonly lint: { readonly diagnostics: LintDiagnostics; readonly commands: LintCommands };
  /** The run launcher (Launch Training, Run Validation, Re-run, Cancel, Show Logs). */
  readonly runs: RunCommands;
}

/** The composition root: every long-lived object is built here, once, and owned by this. */
export class Extension extends Disposable {
  readonly api: KubeMLApi;

  constructor(context: vscode.ExtensionContext) {
    super();
    const { logger, channel } = createLogger();
    this._register(channel);
    const connection = this._register(new ClusterConnection(logger.child('cluster')));
    const controller = this._register(new ConnectionController(context, connection, logger, channel));
    this._register(new ConnectionStatusBar(connection));
    const explorer = this._register(new ExplorerViews(connection, logger.child('explorer')));
    // Connect right after activation, not during it: the first connection loads the Kubernetes
    // client (dist/k8s.js), which activation should not wait for.
    const ready = new Promise<void>((resolve) => setImmediate(resolve)).then(() => controller.reconnect());
    const sync = this._register(new SyncController(connection, logger));
    this._register(new SyncStatusBar(sync));
    const drift = this._register(new DriftCommands(context.extensionUri));
    const lintDiagnostics = this._register(new LintDiagnostics(connection, logger.child('lint')));
    const lint = { diagnostics: lintDiagnostics, commands: this._register(new LintCommands(connection, lintDiagnostics, logger.child('lint'))) };
    const runs = this._register(new RunCommands(connection, logger.child('runs'), sync));
    this._register(new RunStatusBar(runs));
    this.api = { connection, explorer, ready, drift, sync, lint, runs };
  }
}
