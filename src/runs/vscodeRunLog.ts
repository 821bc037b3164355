/**
 * Show Run Logs' document: a read-only virtual document (scheme kubeml-run-log) with the run's log
 * made readable (readableLog.ts), updated while the run writes to logs.txt. Open Raw Run Log, in its
 * editor title, opens logs.txt itself.
 */
import { join } from 'node:path';
import * as vscode from 'vscode';
import { Disposable } from '../common/lifecycle';
import { RunStore } from '../model/runRecords';
import { readableLog } from './readableLog';

export const RUN_LOG_SCHEME = 'kubeml-run-log';

/** kubeml-run-log:/<run id>.log?<workspace folder>: the folder in the query, so that the title is the run's id. */
export function runLogUri(folder: string, runId: string): vscode.Uri {
  return vscode.Uri.from({ scheme: RUN_LOG_SCHEME, path: `/${runId}.log`, query: folder });
}

function parse(uri: vscode.Uri): { folder: string; runId: string } {
  return { folder: uri.query, runId: uri.path.replace(/^\//, '').replace(/\.log$/, '') };
}

export class RunLogDocuments extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly changed = this._register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changed.event;
  private readonly watchers = new Map<string, vscode.Disposable>();

  constructor() {
    super();
    this._register(vscode.workspace.registerTextDocumentContentProvider(RUN_LOG_SCHEME, this));
    // Closed documents stop being watched.
    this._register(
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (d.uri.scheme !== RUN_LOG_SCHEME) return;
        this.watchers.get(d.uri.toString())?.dispose();
        this.watchers.delete(d.uri.toString());
      }),
    );
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const { folder, runId } = parse(uri);
    const store = new RunStore(folder);
    this.watch(uri, store.dir(runId));
    const rec = await store.get(runId);
    if (!rec) return `# KubeML has no record of run ${runId} in ${folder}/.kubeml/runs (deleted?).\n`;
    return readableLog(rec, await store.readLogs(runId));
  }

  /** The raw output as the pod wrote it (logs.txt) for a readable log's URI. */
  rawLogUri(uri: vscode.Uri): vscode.Uri {
    const { folder, runId } = parse(uri);
    return vscode.Uri.file(join(new RunStore(folder).dir(runId), 'logs.txt'));
  }

  private watch(uri: vscode.Uri, dir: string): void {
    const key = uri.toString();
    if (this.watchers.has(key)) return;
    // logs.txt grows while the run lives and run.json changes when it ends: both change the text.
    const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dir), '{logs.txt,run.json}'));
    const fire = () => this.changed.fire(uri);
    this.watchers.set(key, vscode.Disposable.from(w, w.onDidChange(fire), w.onDidCreate(fire)));
  }

  override dispose(): void {
    for (const w of this.watchers.values()) w.dispose();
    this.watchers.clear();
    super.dispose();
  }
}
