import { Writable } from 'node:stream';
import * as vscode from 'vscode';
import { k8s } from '../cluster/k8s';
import { KubeMLError, messageOf } from '../common/errors';
import { type Logger } from '../common/logging';
import { type ClusterConnection } from '../cluster/connection';
import { type KubeObject } from '../cluster/informerState';
import { browserPodManifest, deleteObject } from './actions';
import { type ExplorerNode } from './model';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Lists a dataset's files through a short-lived pod that mounts its claim read-only, shows the
 * listing in an editor, and deletes the pod (it also ends by itself after an hour).
 */
export async function browseDataset(connection: ClusterConnection, node: ExplorerNode & { name: string }, log: Logger): Promise<void> {
  const client = connection.client;
  const kc = connection.kubeConfig;
  if (!client || !kc || !node.namespace) throw new KubeMLError('unreachable', vscode.l10n.t('Not connected to a cluster.'));
  const image = vscode.workspace.getConfiguration('kubeml').get<string>('datasets.browseImage') || 'busybox:1.36';
  const ns = node.namespace;
  const claim = (node.data?.claim as string | undefined) ?? node.name;
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Browsing {0}', claim), cancellable: true }, async (progress, token) => {
    const m = browserPodManifest(ns, claim, image);
    const { name: _n, ...metadata } = m.metadata;
    const pod = await client.json<KubeObject>(`/api/v1/namespaces/${encodeURIComponent(ns)}/pods`, { method: 'POST', body: { ...m, metadata }, what: `create a pod to browse ${claim}`, timeoutMs: 15_000 });
    const podName = pod.metadata.name;
    try {
      progress.report({ message: vscode.l10n.t('waiting for pod {0}', podName) });
      const end = Date.now() + 120_000;
      for (;;) {
        if (token.isCancellationRequested) return;
        const p = await client.json<KubeObject>(`/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${podName}`, { what: `read pod ${podName}`, timeoutMs: 10_000 });
        const st = p.status as { phase?: string; containerStatuses?: Array<{ state?: { waiting?: { reason?: string; message?: string } } }> } | undefined;
        if (st?.phase === 'Running') break;
        const waiting = st?.containerStatuses?.[0]?.state?.waiting;
        if (st?.phase === 'Failed' || /ErrImagePull|ImagePullBackOff|InvalidImageName/.test(waiting?.reason ?? '')) {
          throw new KubeMLError('server', vscode.l10n.t('The browse pod could not start: {0}', `${waiting?.reason ?? st?.phase} ${waiting?.message ?? ''}`), vscode.l10n.t('Set kubeml.datasets.browseImage to an image the cluster can pull.'));
        }
        if (Date.now() > end) throw new KubeMLError('timeout', vscode.l10n.t('The browse pod did not start within 2 minutes (the claim may be in use read-write elsewhere).'));
        await sleep(1000);
      }
      progress.report({ message: vscode.l10n.t('listing files') });
      let out = '';
      let err = '';
      const sink = (fn: (s: string) => void) => new Writable({ write: (chunk: Buffer, _e, cb) => (fn(chunk.toString('utf8')), cb()) });
      await new Promise<void>((resolve, reject) => {
        new (k8s().Exec)(kc)
          .exec(ns, podName, 'browse', ['sh', '-c', 'cd /data && ls -laR . 2>&1 | head -n 20000'], sink((s) => (out += s)), sink((s) => (err += s)), null, false, () => resolve())
          .then((ws) => ws.on('close', () => resolve()))
          .catch(reject);
      });
      const doc = await vscode.workspace.openTextDocument({ language: 'plaintext', content: `# ${ns}/${claim} (read-only mount, via pod ${podName})\n${out}${err ? `\n# stderr:\n${err}` : ''}` });
      await vscode.window.showTextDocument(doc, { preview: true });
    } finally {
      deleteObject(client, 'pods', ns, podName).catch((e: unknown) => log.warn(`could not delete browse pod ${podName}: ${messageOf(e)}`));
    }
  });
}
