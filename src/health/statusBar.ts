import * as vscode from 'vscode';
import { Commands } from '../constants';
import { Disposable } from '../common/lifecycle';
import type { HealthJobRef } from '../model/health/jobPods';
import type { Finding } from '../model/health/types';

const RANK = { error: 0, warning: 1, info: 2 } as const;

/** One status-bar warning while a followed job has a finding (the worst one); a click opens its Job panel. */
export class HealthStatusBar extends Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor() {
    super();
    this.item = this._register(vscode.window.createStatusBarItem('kubeml.health', vscode.StatusBarAlignment.Left, 39));
    this.item.name = vscode.l10n.t('KubeML Job Health');
  }

  /** The text shown now (for tests); undefined when hidden. */
  text: string | undefined;

  show(jobs: ReadonlyArray<{ job: HealthJobRef; findings: readonly Finding[] }>): void {
    const all = jobs
      .flatMap((j) => j.findings.filter((f) => f.severity !== 'info').map((f) => ({ job: j.job, f })))
      .sort((a, b) => RANK[a.f.severity] - RANK[b.f.severity]);
    const worst = all[0];
    if (!worst) {
      this.text = undefined;
      this.item.hide();
      return;
    }
    const subject = worst.f.rank ? `${worst.job.name} ${worst.f.rank}` : worst.job.name;
    this.text = `$(${worst.f.severity === 'error' ? 'error' : 'warning'}) ${subject}: ${worst.f.kind}${all.length > 1 ? ` (+${all.length - 1})` : ''}`;
    this.item.text = this.text;
    this.item.backgroundColor = new vscode.ThemeColor(
      worst.f.severity === 'error' ? 'statusBarItem.errorBackground' : 'statusBarItem.warningBackground',
    );
    const md = new vscode.MarkdownString();
    for (const { job, f } of all.slice(0, 8)) {
      md.appendMarkdown(`**${job.kind} ${job.namespace}/${job.name}**: `);
      md.appendText(f.title);
      md.appendMarkdown('\n\n');
    }
    md.appendText(vscode.l10n.t('Click to open the Job panel.'));
    this.item.tooltip = md;
    this.item.command = { title: vscode.l10n.t('Check Job Health'), command: Commands.checkJobHealth, arguments: [worst.job] };
    this.item.show();
  }
}
