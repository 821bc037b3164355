/**
 * KubeML: Open Drift Report. From two local files (a dialog asks for them, or two URIs are
 * passed), from a run folder holding drift.json (or that file), or from a model in the Models
 * view whose run folder is known. The panel follows drift.json as the run writes new windows.
 */
import { promises as fs } from 'node:fs';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import { Commands } from '../constants';
import { Disposable } from '../common/lifecycle';
import { KubeMLError, messageOf } from '../common/errors';
import { isDriftReport } from './contract';
import { computeDrift, summarizeReference } from './engine';
import { readTableFile } from './readers';
import type { DriftReport } from './report';
import { DriftPanel } from './panel';

export async function loadReportFile(path: string): Promise<DriftReport> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (e) {
    throw new KubeMLError('not-found', `No drift report at ${path}.`, 'Run a validation with drift enabled, or open two data files.', undefined, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new KubeMLError('invalid', `${path} is not valid JSON.`, 'The run may still be writing it; try again.', undefined, { cause: e });
  }
  if (!isDriftReport(json)) throw new KubeMLError('invalid', `${path} is not a KubeML drift report (version 1).`);
  return json;
}

export async function compareFiles(reference: string, current: string): Promise<DriftReport> {
  const [ref, cur] = await Promise.all([readTableFile(reference), readTableFile(current)]);
  return computeDrift(summarizeReference(ref), cur);
}

/** A tree item or argument that points at a run: { runDir } or { resourceUri }. */
function runFolderOf(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'object' && arg !== null) {
    const o = arg as { runDir?: unknown; resourceUri?: unknown };
    if (typeof o.runDir === 'string') return vscode.Uri.file(o.runDir);
    if (o.resourceUri instanceof vscode.Uri) return o.resourceUri;
  }
  return undefined;
}

export class DriftCommands extends Disposable {
  readonly panels = new Set<DriftPanel>();

  constructor(private readonly extensionUri: vscode.Uri) {
    super();
    this._register(vscode.commands.registerCommand(Commands.openDriftReport, (a?: unknown, b?: unknown) => this.open(a, b)));
  }

  /** Returns the panel it opened (for tests), or undefined when the user cancelled or it failed. */
  async open(a?: unknown, b?: unknown): Promise<DriftPanel | undefined> {
    try {
      if (a instanceof vscode.Uri && b instanceof vscode.Uri) {
        return this.show(`Drift: ${basename(b.fsPath)}`, await this.progress(() => compareFiles(a.fsPath, b.fsPath)));
      }
      const run = runFolderOf(a);
      if (run) {
        const stat = await fs.stat(run.fsPath).catch(() => undefined);
        const file = stat?.isDirectory() ? join(run.fsPath, 'drift.json') : run.fsPath;
        const panel = this.show(`Drift: ${basename(stat?.isDirectory() ? run.fsPath : join(run.fsPath, '..'))}`, await loadReportFile(file));
        this.follow(panel, file);
        return panel;
      }
      const pick = async (title: string) => (await vscode.window.showOpenDialog({ title, canSelectMany: false, filters: { [vscode.l10n.t('Data')]: ['csv', 'tsv', 'jsonl', 'ndjson'] } }))?.[0];
      const ref = await pick(vscode.l10n.t('Reference data (the baseline)'));
      if (!ref) return undefined;
      const cur = await pick(vscode.l10n.t('Current data (to compare with the reference)'));
      if (!cur) return undefined;
      return this.show(`Drift: ${basename(cur.fsPath)}`, await this.progress(() => compareFiles(ref.fsPath, cur.fsPath)));
    } catch (e) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Cannot open the drift report: {0}', messageOf(e)));
      return undefined;
    }
  }

  private progress<T>(task: () => Promise<T>): Thenable<T> {
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Computing drift…') }, task);
  }

  private show(title: string, report: DriftReport): DriftPanel {
    const panel = this._register(new DriftPanel(this.extensionUri, title, report));
    this.panels.add(panel);
    panel.onDidDispose(() => this.panels.delete(panel));
    return panel;
  }

  /** Re-reads drift.json when the run rewrites it; new windows go to the page as they arrive. */
  private follow(panel: DriftPanel, file: string): void {
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(join(file, '..')), basename(file)));
    const reload = () => {
      loadReportFile(file).then((r) => panel.update(r), () => undefined);
    };
    watcher.onDidChange(reload);
    watcher.onDidCreate(reload);
    panel.onDidDispose(() => watcher.dispose());
  }
}
