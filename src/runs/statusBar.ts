import * as vscode from 'vscode';
import { Disposable } from '../common/lifecycle';
import { type RunCommands, RUN_COMMANDS } from './commands';

/** A status bar item while runs started in this window are active: their count and the latest's phase. */
export class RunStatusBar extends Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor(private readonly runs: RunCommands) {
    super();
    this.item = this._register(vscode.window.createStatusBarItem('kubeml.runs', vscode.StatusBarAlignment.Left, 40));
    this.item.name = vscode.l10n.t('KubeML Runs');
    this._register(runs.onDidChangeRuns(() => this.render()));
    this.render();
  }

  private render(): void {
    const active = [...this.runs.active.values()];
    if (!active.length) {
      this.item.hide();
      return;
    }
    const last = active[active.length - 1].record;
    const metric = Object.entries(last.metrics).pop();
    this.item.text =
      active.length === 1
        ? `$(beaker~spin) ${last.id}: ${last.phase}${metric ? ` · ${metric[0]} ${typeof metric[1] === 'number' ? +metric[1].toFixed(3) : metric[1]}` : ''}`
        : `$(beaker~spin) ${vscode.l10n.t('{0} runs', active.length)}`;
    this.item.tooltip = new vscode.MarkdownString(
      active.map((r) => `**${r.record.id}** — ${r.record.purpose}, ${r.record.phase}`).join('\n\n') +
        `\n\n${vscode.l10n.t('Click to show the logs.')}`,
    );
    this.item.command = { title: vscode.l10n.t('Show Logs'), command: RUN_COMMANDS.showRunLogs, arguments: [last.id] };
    this.item.show();
  }
}
