import * as vscode from 'vscode';
import { Disposable } from '../common/lifecycle';
import { messageOf } from '../common/errors';
import { type ClusterConnection } from '../cluster/connection';
import { describe } from '../cluster/read/describe';
import { fetchLiveYaml, LIVE_SCHEME, liveDocumentPath, parseLiveDocumentPath, type LiveRef } from '../cluster/yamlDocument';

export const DESCRIBE_SCHEME = 'kubeml-describe';

/**
 * Read-only virtual documents: the live YAML of an object (kubeml-live:) and its description with
 * events (kubeml-describe:). Each open re-reads the object from the API server.
 */
export class LiveDocuments extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly _onDidChange = this._register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this._onDidChange.event;

  constructor(private readonly connection: ClusterConnection) {
    super();
    this._register(vscode.workspace.registerTextDocumentContentProvider(LIVE_SCHEME, this));
    this._register(vscode.workspace.registerTextDocumentContentProvider(DESCRIBE_SCHEME, this));
  }

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const ref = parseLiveDocumentPath(uri.path);
    const client = this.connection.client;
    if (!ref || !client) return `# ${vscode.l10n.t('Not connected to a cluster.')}\n`;
    const ac = new AbortController();
    const sub = token.onCancellationRequested(() => ac.abort());
    try {
      return uri.scheme === LIVE_SCHEME ? await fetchLiveYaml(client, ref, ac.signal) : await describe(client, ref, ac.signal);
    } catch (e) {
      return `# ${messageOf(e)}\n`;
    } finally {
      sub.dispose();
    }
  }

  async open(scheme: typeof LIVE_SCHEME | typeof DESCRIBE_SCHEME, ref: LiveRef): Promise<vscode.TextEditor> {
    const path = liveDocumentPath(ref);
    const uri = vscode.Uri.from({ scheme, path: scheme === DESCRIBE_SCHEME ? path.replace(/\.yaml$/, '.yaml') : path });
    const doc = await vscode.workspace.openTextDocument(uri);
    this._onDidChange.fire(uri);
    if (scheme === LIVE_SCHEME && doc.languageId !== 'yaml') await vscode.languages.setTextDocumentLanguage(doc, 'yaml');
    return vscode.window.showTextDocument(doc, { preview: true });
  }
}
