import type * as vscode from 'vscode';
import { Disposable } from './common/lifecycle';
import { createLogger } from './common/ui/vscodeLog';
import { ClusterConnection } from './cluster/connection';
import { ConnectionController } from './cluster/commands';
import { ConnectionStatusBar } from './cluster/statusBar';
import { ExplorerViews } from './explorer/views';

/** What activate() returns: used by the in-editor test suites and by other extensions. */
export interface KubeMLApi {
  readonly connection: ClusterConnection;
  readonly explorer: ExplorerViews;
  /** Resolves when the first connection attempt has finished. */
  readonly ready: Promise<unknown>;
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
    const explorer = this._register(new ExplorerViews(connection));
    const ready = controller.reconnect();
    this.api = { connection, explorer, ready };
  }
}
