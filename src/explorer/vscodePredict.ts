import * as vscode from 'vscode';
import { safeUrl } from '../common/redact';
import { KubeMLError } from '../common/errors';
import { type HttpInit, httpFetch, type HttpResponse, networkReason } from '../cluster/http';
import { type ClusterConnection } from '../cluster/connection';
import { type PortForwardHandle } from '../cluster/stream/portForward';
import { predictorPod } from './actions';
import { type ExplorerNode } from './model';

type Fetched = { res: HttpResponse; text: string } | { error: string };

async function tryFetch(url: string, init: HttpInit, ms: number): Promise<Fetched> {
  const ac = new AbortController();
  const t = setTimeout(() => ac.abort(), ms);
  try {
    const res = await httpFetch(url, { ...init, signal: ac.signal });
    return { res, text: await res.text() };
  } catch (e) {
    const err = e as { name?: string; message?: string; cause?: { message?: string; code?: string } };
    return { error: err.name === 'AbortError' ? `no answer within ${ms / 1000} s` : networkReason(e) };
  } finally {
    clearTimeout(t);
  }
}

/** The request body: the active JSON editor, else a JSON file the user picks. */
async function requestBody(): Promise<string | undefined> {
  const ed = vscode.window.activeTextEditor;
  if (ed && (ed.document.languageId === 'json' || ed.document.languageId === 'jsonc' || ed.document.fileName.endsWith('.json')))
    return ed.document.getText();
  const uris = await vscode.window.showOpenDialog({
    title: vscode.l10n.t('JSON request for the model'),
    filters: { JSON: ['json'] },
    canSelectMany: false,
  });
  if (!uris?.[0]) return undefined;
  return Buffer.from(await vscode.workspace.fs.readFile(uris[0])).toString('utf8');
}

/**
 * The base URL of an InferenceService from here: its status URL when that answers, else a
 * port-forward to its running predictor pod's serving port.
 */
export async function modelBaseUrl(
  connection: ClusterConnection,
  node: ExplorerNode & { name: string },
  forward: (namespace: string, pod: string, port: number) => Promise<PortForwardHandle>,
): Promise<{ base: string; via: 'url' | 'port-forward' }> {
  const client = connection.client;
  if (!client || !node.namespace)
    throw new KubeMLError('unreachable', vscode.l10n.t('Not connected to a cluster.'), vscode.l10n.t('Select a context, then Retry.'));
  const url = (node.data?.url as string | undefined)?.replace(/\/+$/, '');
  if (url && !('error' in (await tryFetch(url, { method: 'GET' }, 2000)))) return { base: url, via: 'url' };
  const pod = await predictorPod(client, node.namespace, node.name);
  return { base: (await forward(node.namespace, pod.name, pod.port)).url, via: 'port-forward' };
}

/**
 * Sends a test prediction to an InferenceService (KServe v1 protocol; v2 when v1 answers 404)
 * through its URL, or through a port-forward to its predictor when the URL cannot be reached,
 * and shows the answer in an editor (which it resolves with).
 */
export async function testPrediction(
  connection: ClusterConnection,
  node: ExplorerNode & { name: string },
  forward: (namespace: string, pod: string, port: number) => Promise<PortForwardHandle>,
): Promise<vscode.TextEditor | undefined> {
  const body = await requestBody();
  if (body === undefined) return undefined;
  try {
    JSON.parse(body);
  } catch (e) {
    throw new KubeMLError(
      'invalid',
      vscode.l10n.t('The request is not valid JSON: {0}', (e as Error).message),
      vscode.l10n.t('Fix the JSON, then try again.'),
    );
  }
  const { base } = await modelBaseUrl(connection, node, forward);
  const init = { method: 'POST', headers: { 'Content-Type': 'application/json' }, body };
  let url = `${base}/v1/models/${encodeURIComponent(node.name)}:predict`;
  let got = await tryFetch(url, init, 30_000);
  if (!('error' in got) && got.res.status === 404) {
    url = `${base}/v2/models/${encodeURIComponent(node.name)}/infer`;
    got = await tryFetch(url, init, 30_000);
  }
  if ('error' in got)
    throw new KubeMLError(
      'unreachable',
      vscode.l10n.t('The model server at {0} did not answer ({1}).', url, got.error),
      vscode.l10n.t('Check that the predictor runs and is Ready, then try again.'),
    );
  let content = got.text;
  try {
    content = JSON.stringify(JSON.parse(got.text), null, 2);
  } catch {
    // Not JSON: show as is.
  }
  const doc = await vscode.workspace.openTextDocument({
    language: 'jsonc',
    content: `// ${got.res.status} ${got.res.statusText} from POST ${safeUrl(url)}\n${content}\n`,
  });
  return vscode.window.showTextDocument(doc, { preview: true });
}
