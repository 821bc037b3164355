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
import { RunsView, type RunsViewHandle } from './views';
import { followRunning, TensorBoardRuns } from './tensorboardRuns';

/** What the composition root hands the feature: the Runs view made at activation, and which runs this window follows. */
export interface ExperimentsHost {
  readonly runsView?: RunsViewHandle;
  /** Whether a launcher of this window follows the run (its record is then current; the others' status comes from the cluster). */
  readonly followedHere?: (runId: string) => boolean;
}

export class ExperimentsFeature extends Disposable {
  /** The Runs view (kubeml.runs). */
  readonly runs: RunsView;
  /** The TensorBoard event files of the running runs, followed into their run folders. */
  readonly tensorboard: TensorBoardRuns;

  constructor(
    readonly extensionUri: vscode.Uri,
    readonly connection: ClusterConnection,
    readonly log: Logger,
    host: ExperimentsHost = {},
  ) {
    super();
    this.runs = this._register(new RunsView(connection, log.child('runs'), host.runsView, host.followedHere));
    this.tensorboard = this._register(
      new TensorBoardRuns(
        () => (connection.kubeConfig && connection.client ? { kc: connection.kubeConfig, client: connection.client } : undefined),
        log.child('tensorboard'),
      ),
    );
    this._register(followRunning(this.runs.index, this.tensorboard));
  }
}
