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
import { Commands } from '../constants';
import { RunStore } from '../model/runRecords';
import { ExperimentsPanel, saveDialog, type SavePrompt } from './panel';
import { runIdsOfArgs } from './panelData';

export class ExperimentsFeature extends Disposable {
  /** The experiments panel while it is open (one at a time). */
  panel: ExperimentsPanel | undefined;
  /** Where exports go (tests answer it themselves). */
  savePrompt: SavePrompt = saveDialog;

  constructor(
    readonly extensionUri: vscode.Uri,
    readonly connection: ClusterConnection,
    readonly log: Logger,
  ) {
    super();
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
