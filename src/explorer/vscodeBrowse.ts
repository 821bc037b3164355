import { StringDecoder } from 'node:string_decoder';
import { Writable } from 'node:stream';
import * as vscode from 'vscode';
import { k8s } from '../cluster/k8s';
import { KubeMLError, messageOf } from '../common/errors';
import { type Logger } from '../common/logging';
import { type ClusterConnection } from '../cluster/connection';
import { type KubeObject } from '../cluster/read/informerState';
import { nodeUsingClaim } from '../cluster/read/objects';
import { browserPodManifest } from '../cluster/stream/claimPod';
import { Settings as S } from '../common/settings';
import { setting } from '../common/ui/vscodeConfig';
import { deleteObject } from '../cluster/write/objects';
import { type ExplorerNode } from './model';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type PodStatus = {
  phase?: string;
  conditions?: Array<{ type?: string; status?: string; reason?: string; message?: string }>;
  containerStatuses?: Array<{ state?: { waiting?: { reason?: string; message?: string } } }>;
};

/**
 * Lists a dataset's files through a short-lived pod that mounts its claim read-only, shows the
 * listing in an editor, and deletes the pod (it also ends by itself after an hour). Resolves with
 * the editor, or undefined when cancelled.
 */
export async function browseDataset(
  connection: ClusterConnection,
  node: ExplorerNode & { name: string },
  log: Logger,
): Promise<vscode.TextEditor | undefined> {
  const client = connection.client;
  const kc = connection.kubeConfig;
  if (!client || !kc || !node.namespace)
    throw new KubeMLError('unreachable', vscode.l10n.t('Not connected to a cluster.'), vscode.l10n.t('Select a context, then Retry.'));
  const image = setting(S.browseImage);
  const ns = node.namespace;
  const claim = (node.data?.claim as string | undefined) ?? node.name;
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Browsing {0}', claim), cancellable: true },
    async (progress, token) => {
      // A ReadWriteOnce volume in use can only be mounted again on the node that has it.
      const onNode = await nodeUsingClaim(client, ns, claim).catch(() => undefined);
      const m = browserPodManifest(ns, claim, image, onNode);
      const { name: _n, ...metadata } = m.metadata;
      const pod = await client.json<KubeObject>(`/api/v1/namespaces/${encodeURIComponent(ns)}/pods`, {
        method: 'POST',
        body: { ...m, metadata },
        what: `create a pod to browse ${claim} in ${ns}`,
        timeoutMs: 15_000,
      });
      const podName = pod.metadata.name;
      try {
        progress.report({ message: vscode.l10n.t('waiting for pod {0}', podName) });
        const end = Date.now() + 120_000;
        let lastReason = '';
        for (;;) {
          if (token.isCancellationRequested) return undefined;
          const p = await client.json<KubeObject>(`/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${podName}`, {
            what: `read pod ${podName}`,
            timeoutMs: 10_000,
          });
          const st = p.status as PodStatus | undefined;
          if (st?.phase === 'Running') break;
          const waiting = st?.containerStatuses?.[0]?.state?.waiting;
          if (st?.phase === 'Failed' || /ErrImagePull|ImagePullBackOff|InvalidImageName|ErrImageNeverPull/.test(waiting?.reason ?? '')) {
            throw new KubeMLError(
              'server',
              vscode.l10n.t('The browse pod could not start: {0}', `${waiting?.reason ?? st?.phase} ${waiting?.message ?? ''}`.trim()),
              vscode.l10n.t('Set kubeml.datasets.browseImage to an image the cluster can pull (it needs sh and ls).'),
            );
          }
          const unscheduled = st?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
          lastReason = unscheduled?.message ?? waiting?.reason ?? st?.phase ?? '';
          if (lastReason) progress.report({ message: vscode.l10n.t('waiting for pod {0}: {1}', podName, lastReason) });
          if (Date.now() > end) {
            throw new KubeMLError(
              'timeout',
              vscode.l10n.t('The browse pod did not start within 2 minutes ({0}).', lastReason || vscode.l10n.t('no reason given')),
              vscode.l10n.t('The claim may be mounted read-write on another node, or unbound; check its events (Describe).'),
            );
          }
          await sleep(1000);
        }
        progress.report({ message: vscode.l10n.t('listing files') });
        const out: string[] = [];
        const err: string[] = [];
        const sink = (to: string[]) => {
          const d = new StringDecoder('utf8');
          return new Writable({
            write: (chunk: Buffer, _e, cb) => (to.push(d.write(chunk)), cb()),
            final: (cb) => (to.push(d.end()), cb()),
          });
        };
        const stdout = sink(out);
        const stderr = sink(err);
        let status: { status?: string; message?: string } | undefined;
        await new Promise<void>((resolve, reject) => {
          new (k8s().Exec)(kc)
            .exec(ns, podName, 'browse', ['sh', '-c', 'cd /data && ls -laR . 2>&1 | head -n 20000'], stdout, stderr, null, false, (s) => {
              status = s as typeof status;
              resolve();
            })
            .then((ws) => ws.on('close', () => resolve()))
            .catch((e: unknown) =>
              reject(
                new KubeMLError(
                  'unreachable',
                  vscode.l10n.t(
                    'Could not list the files of {0} through pod {1}: {2}',
                    claim,
                    podName,
                    (e as { message?: string })?.message ?? messageOf(e),
                  ),
                  vscode.l10n.t('You need RBAC access to pods/exec in {0}.', ns),
                ),
              ),
            );
        });
        stdout.end();
        stderr.end();
        if (status?.status === 'Failure') err.push(`\n${status.message ?? ''}`);
        const doc = await vscode.workspace.openTextDocument({
          language: 'plaintext',
          content: `# ${ns}/${claim} (read-only mount, via pod ${podName})\n${out.join('')}${err.join('').trim() ? `\n# stderr:\n${err.join('')}` : ''}`,
        });
        return await vscode.window.showTextDocument(doc, { preview: true });
      } finally {
        deleteObject(client, 'pods', ns, podName).catch((e: unknown) =>
          log.warn(`could not delete browse pod ${podName}: ${messageOf(e)}`),
        );
      }
    },
  );
}
