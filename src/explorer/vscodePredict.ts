import * as vscode from 'vscode';
import { KubeMLError } from '../common/errors';
import { type ClusterConnection } from '../cluster/connection';
import { type PortForwardHandle } from '../cluster/portForward';
import { predictorPod } from './actions';
import { type ExplorerNode } from './model';

async function tryFetch(url: string, init: RequestInit, ms: number): Promise<Response | undefined> {
  const ac = new AbortController();
  const t = setTimeout(() => ac.abort(), ms);
  try {
    return await fetch(url, { ...init, signal: ac.signal });
  } catch {
    return undefined;
  } finally {
    clearTimeout(t);
  }
}

/** The request body: the active JSON editor, else a JSON file the user picks. */
async function requestBody(): Promise<string | undefined> {
  const ed = vscode.window.activeTextEditor;
  if (ed && (ed.document.languageId === 'json' || ed.document.fileName.endsWith('.json'))) return ed.document.getText();
  const uris = await vscode.window.showOpenDialog({ title: vscode.l10n.t('JSON request for the model'), filters: { JSON: ['json'] }, canSelectMany: false });
  if (!uris?.[0]) return undefined;
  return Buffer.from(await vscode.workspace.fs.readFile(uris[0])).toString('utf8');
}

/**
 * Sends a test prediction to an InferenceService (KServe v1 protocol, then v2) through its URL,
 * or through a port-forward to its predictor when the URL cannot be reached, and shows the answer.
 */
export async function testPrediction(
  connection: ClusterConnection,
  node: ExplorerNode & { name: string },
  forward: (namespace: string, pod: string, port: number) => Promise<PortForwardHandle>,
): Promise<void> {
  const body = await requestBody();
  if (body === undefined) return;
  try {
    JSON.parse(body);
  } catch (e) {
    throw new KubeMLError('invalid', vscode.l10n.t('The request is not valid JSON: {0}', (e as Error).message), vscode.l10n.t('Fix the JSON, then try again.'));
  }
  const client = connection.client;
  if (!client) throw new KubeMLError('unreachable', vscode.l10n.t('Not connected to a cluster.'));
  let base = node.data?.url as string | undefined;
  if (!base || !(await tryFetch(base, { method: 'GET' }, 2000))) {
    const pod = await predictorPod(client, node.namespace!, node.name);
    base = (await forward(node.namespace!, pod, 8080)).url;
  }
  const init = { method: 'POST', headers: { 'Content-Type': 'application/json' }, body };
  let res = await tryFetch(`${base}/v1/models/${node.name}:predict`, init, 30_000);
  if (res?.status === 404) res = await tryFetch(`${base}/v2/models/${node.name}/infer`, init, 30_000);
  if (!res) throw new KubeMLError('unreachable', vscode.l10n.t('{0} did not answer.', base));
  const text = await res.text();
  let content = text;
  try {
    content = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // Not JSON: show as is.
  }
  const doc = await vscode.workspace.openTextDocument({ language: 'json', content: `// ${res.status} ${res.statusText} from ${res.url}\n${content}\n` });
  await vscode.window.showTextDocument(doc, { preview: true });
}
