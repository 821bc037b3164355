/**
 * The experiments feature's editor skin: the Runs view (every run of the workspace, live) and the
 * experiments panel (runs by parameters and metrics, their curves, comparison). It is built on first
 * use like the other features (src/lazy); the launcher itself stays in runs/, which this reaches
 * through KubeML's commands (Re-run, Cancel, Show Logs), never by import.
 */
import * as vscode from 'vscode';
import type { ClusterConnection } from '../cluster/connection';
import { Disposable } from '../common/lifecycle';
import type { Logger } from '../common/logging';
import { RunsView, type RunsViewHandle } from './views';
import { followRunning, TensorBoardRuns } from './tensorboardRuns';
import { Commands } from '../constants';
import { RunStore } from '../model/runRecords';
import { ExperimentsPanel, saveDialog, type SavePrompt } from './panel';
import { runIdsOfArgs } from './panelData';

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
  /** The experiments panel while it is open (one at a time). */
  panel: ExperimentsPanel | undefined;
  /** Where exports go (tests answer it themselves). */
  savePrompt: SavePrompt = saveDialog;

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
    this._register(
      vscode.commands.registerCommand(Commands.openExperiments, (...args: unknown[]) => this.openExperiments(runIdsOfArgs(args))),
    );
    this._register(vscode.commands.registerCommand(Commands.compareRuns, (...args: unknown[]) => this.compare(args)));
  }

  /**
   * Opens the panel (or brings it forward) with these runs selected and plotted; none: every run,
   * the newest selected. Returns the panel (for tests).
   */
  openExperiments(select: readonly string[]): ExperimentsPanel {
    if (this.panel) {
      this.panel.reveal();
      if (select.length) this.panel.select(select);
      return this.panel;
    }
    const folders = vscode.workspace.workspaceFolders ?? [];
    const sources = folders.map((f) => ({ store: new RunStore(f.uri.fsPath), ...(folders.length > 1 ? { folder: f.name } : {}) }));
    const panel = (this.panel = this._register(
      new ExperimentsPanel(this.extensionUri, sources, select, this.log, (k, n) => this.savePrompt(k, n)),
    ));
    panel.onDidDispose(() => {
      if (this.panel === panel) this.panel = undefined;
    });
    return panel;
  }

  /** Compare Selected: the Runs view passes (clicked, selected[]). */
  private compare(args: unknown[]): ExperimentsPanel | undefined {
    const ids = runIdsOfArgs(args);
    if (ids.length === 0) {
      void vscode.window.showInformationMessage(
        vscode.l10n.t('Select two or more runs in the Runs view (Ctrl+click), then choose Compare Selected.'),
      );
      return undefined;
    }
    return this.openExperiments(ids);
  }
}
