import * as vscode from 'vscode';
import { Disposable, toDisposable } from '../common/lifecycle';
import { KubeMLError, messageOf } from '../common/errors';
import { type Logger } from '../common/logging';
import { Commands } from '../constants';
import { followLogs, LineBatcher } from '../cluster/logs';
import { startPortForward, type PortForwardHandle } from '../cluster/portForward';
import { LIVE_SCHEME } from '../cluster/yamlDocument';
import { kind, type ResourceKindId } from '../cluster/resources';
import { deleteObject, predictorPod, rerun } from './actions';
import { type ExplorerNode } from './model';
import { volumeMountSnippet } from './rows/datasets';
import { DESCRIBE_SCHEME, LiveDocuments } from './vscodeDocuments';
import { type ExplorerViews } from './views';
import { testPrediction } from './vscodePredict';
import { browseDataset } from './vscodeBrowse';

const JOB_KINDS: readonly ResourceKindId[] = ['jobs', 'trainJobs', 'pytorchJobs', 'rayJobs'];

/** The explorer's actions on tree items (logs, describe, YAML, delete, re-run, port-forward, ...). */
export class ExplorerCommands extends Disposable {
  private readonly docs: LiveDocuments;
  private readonly follows = new Map<string, { abort: AbortController; channel: vscode.OutputChannel }>();
  private readonly forwards = new Set<PortForwardHandle>();

  constructor(
    private readonly explorer: ExplorerViews,
    private readonly log: Logger,
  ) {
    super();
    this.docs = this._register(new LiveDocuments(explorer.connection));
    const reg = (id: string, fn: (node?: ExplorerNode) => unknown) =>
      this._register(
        vscode.commands.registerCommand(id, async (node?: ExplorerNode) => {
          try {
            await fn(node);
          } catch (e) {
            this.log.warn(`${id}: ${messageOf(e)}`);
            void vscode.window.showErrorMessage(messageOf(e));
          }
        }),
      );
    reg(Commands.followLogs, (n) => this.followLogs(this.need(n)));
    reg(Commands.describe, (n) => this.docs.open(DESCRIBE_SCHEME, this.ref(this.need(n))));
    reg(Commands.openYaml, (n) => this.docs.open(LIVE_SCHEME, this.ref(this.need(n))));
    reg(Commands.deleteResource, (n) => this.delete(this.need(n)));
    reg(Commands.rerunJob, (n) => this.rerun(this.need(n)));
    reg(Commands.portForward, (n) => this.portForward(this.need(n)));
    reg(Commands.copyClaimName, (n) => vscode.env.clipboard.writeText(this.need(n).name ?? ''));
    reg(Commands.insertVolumeMount, (n) => this.insertVolumeMount(this.need(n)));
    reg(Commands.browseDataset, (n) => browseDataset(this.explorer.connection, this.need(n), this.log));
    reg(Commands.openModelUrl, (n) => this.openModelUrl(this.need(n)));
    reg(Commands.testPrediction, (n) => testPrediction(this.explorer.connection, this.need(n), (ns, pod, port) => this.forward(ns, pod, port)));
    reg(Commands.filterDatasets, () => this.filter('datasets'));
    reg(Commands.filterJobs, () => this.filter('jobs'));
    reg(Commands.filterGpus, () => this.filter('gpus'));
    reg(Commands.filterModels, () => this.filter('models'));
    this._register(
      toDisposable(() => {
        for (const f of this.follows.values()) {
          f.abort.abort();
          f.channel.dispose();
        }
        for (const h of this.forwards) h.dispose();
      }),
    );
  }

  private need(node: ExplorerNode | undefined): ExplorerNode & { name: string } {
    if (!node?.name) throw new KubeMLError('invalid', vscode.l10n.t('Run this command from a row of the KubeML views.'));
    return node as ExplorerNode & { name: string };
  }

  private ref(n: ExplorerNode & { name: string }) {
    if (!n.kindId) throw new KubeMLError('invalid', vscode.l10n.t('This row is not a Kubernetes object.'));
    return { kindId: n.kindId, namespace: n.namespace, name: n.name };
  }

  private client() {
    const c = this.explorer.connection.client;
    if (!c || this.explorer.connection.state.kind !== 'connected') throw new KubeMLError('unreachable', vscode.l10n.t('Not connected to a cluster.'), vscode.l10n.t('Select a context, then Retry.'));
    return c;
  }

  /** Pods of a job node (all ranks) or the pod itself. */
  private podsOf(n: ExplorerNode & { name: string }): Array<{ namespace: string; name: string; containers: string[] }> {
    if (n.kindId === 'pods') return [{ namespace: n.namespace!, name: n.name, containers: n.containers ?? [] }];
    if (n.kindId && JOB_KINDS.includes(n.kindId)) {
      const ref = (n.data?.ref as string | undefined) ?? `${n.kindId}:${n.namespace}/${n.name}`;
      return this.explorer.models.jobs.podsOf(ref).map((p) => ({
        namespace: p.metadata.namespace!,
        name: p.metadata.name,
        containers: ((p.spec as { containers?: Array<{ name: string }> }).containers ?? []).map((c) => c.name),
      }));
    }
    return [];
  }

  private async followLogs(n: ExplorerNode & { name: string }): Promise<void> {
    const kc = this.explorer.connection.kubeConfig;
    if (!kc) throw new KubeMLError('unreachable', vscode.l10n.t('Not connected to a cluster.'));
    const pods = this.podsOf(n);
    if (pods.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('{0} has no pods yet.', n.name));
      return;
    }
    let container: string | undefined;
    if (pods.length === 1 && pods[0].containers.length > 1) {
      container = await vscode.window.showQuickPick(pods[0].containers, { title: vscode.l10n.t('Container of {0}', pods[0].name) });
      if (!container) return;
    }
    const key = `${n.namespace}/${n.name}${container ? `/${container}` : ''}`;
    this.follows.get(key)?.abort.abort();
    const channel = this.follows.get(key)?.channel ?? vscode.window.createOutputChannel(`KubeML Logs: ${key}`, 'log');
    channel.clear();
    channel.show(true);
    const abort = new AbortController();
    this.follows.set(key, { abort, channel });
    const batcher = new LineBatcher((text) => channel.append(text));
    const many = pods.length > 1;
    await Promise.all(
      pods.map((p) =>
        followLogs(kc, { namespace: p.namespace, pod: p.name, container }, (line) => batcher.push(many ? `[${p.name}] ${line}` : line), abort.signal).catch((e: unknown) => {
          batcher.push(`[kubeml] ${p.name}: ${messageOf(e)}`);
        }),
      ),
    );
    batcher.flush();
    if (!abort.signal.aborted) channel.appendLine(`[kubeml] ${vscode.l10n.t('The log stream ended.')}`);
  }

  private async delete(n: ExplorerNode & { name: string }): Promise<void> {
    const ref = this.ref(n);
    const k = kind(ref.kindId);
    const verb = JOB_KINDS.includes(ref.kindId) ? vscode.l10n.t('Delete (cancel)') : vscode.l10n.t('Delete');
    const pick = await vscode.window.showWarningMessage(
      vscode.l10n.t('Delete {0} {1}?', k.kind, `${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`),
      { modal: true, detail: JOB_KINDS.includes(ref.kindId) ? vscode.l10n.t('Its pods are stopped and removed.') : ref.kindId === 'pvcs' ? vscode.l10n.t('The data on the volume may be lost, depending on its reclaim policy.') : undefined },
      verb,
    );
    if (pick !== verb) return;
    await deleteObject(this.client(), ref.kindId, ref.namespace, ref.name);
    void vscode.window.showInformationMessage(vscode.l10n.t('Deleted {0} {1}.', k.kind, ref.name));
  }

  private async rerun(n: ExplorerNode & { name: string }): Promise<void> {
    const ref = this.ref(n);
    if (!JOB_KINDS.includes(ref.kindId) || !ref.namespace) throw new KubeMLError('invalid', vscode.l10n.t('Only jobs can be re-run.'));
    const created = await rerun(this.client(), ref.kindId, ref.namespace, ref.name);
    void vscode.window.showInformationMessage(vscode.l10n.t('Started {0} {1}.', kind(ref.kindId).kind, created.metadata.name));
  }

  async forward(namespace: string, pod: string, port: number): Promise<PortForwardHandle> {
    const kc = this.explorer.connection.kubeConfig;
    if (!kc) throw new KubeMLError('unreachable', vscode.l10n.t('Not connected to a cluster.'));
    const h = await startPortForward(kc, { namespace, pod, port }, 0, (m) => this.log.warn(m));
    this.forwards.add(h);
    return h;
  }

  private async portForward(n: ExplorerNode & { name: string }): Promise<void> {
    const pods = this.podsOf(n);
    if (pods.length === 0) throw new KubeMLError('not-found', vscode.l10n.t('{0} has no pod to forward to.', n.name));
    const pod = pods.length === 1 ? pods[0] : (await vscode.window.showQuickPick(pods.map((p) => ({ label: p.name, p })), { title: vscode.l10n.t('Pod to forward to') }))?.p;
    if (!pod) return;
    const port = await vscode.window.showInputBox({
      title: vscode.l10n.t('Port in {0}', pod.name),
      value: '6006',
      prompt: vscode.l10n.t('6006 is TensorBoard, 8265 the Ray dashboard, 8080 a model server.'),
      validateInput: (v) => (/^\d{1,5}$/.test(v) && Number(v) > 0 && Number(v) < 65536 ? undefined : vscode.l10n.t('A port number, 1-65535.')),
    });
    if (!port) return;
    const h = await this.forward(pod.namespace, pod.name, Number(port));
    const open = vscode.l10n.t('Open in Browser');
    const stop = vscode.l10n.t('Stop');
    const pick = await vscode.window.showInformationMessage(vscode.l10n.t('Forwarding {0} to {1}:{2}.', h.url, pod.name, port), open, stop);
    if (pick === open) await vscode.env.openExternal(vscode.Uri.parse(h.url));
    if (pick === stop) {
      h.dispose();
      this.forwards.delete(h);
    }
  }

  private async insertVolumeMount(n: ExplorerNode & { name: string }): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const text = volumeMountSnippet(n.name);
    if (!editor) {
      await vscode.env.clipboard.writeText(text);
      void vscode.window.showInformationMessage(vscode.l10n.t('No editor is open: the volume mount snippet was copied to the clipboard.'));
      return;
    }
    await editor.insertSnippet(new vscode.SnippetString(text.replace(/\$/g, '\\$')));
  }

  private async openModelUrl(n: ExplorerNode & { name: string }): Promise<void> {
    const url = n.data?.url as string | undefined;
    if (url && (await reachable(url))) {
      await vscode.env.openExternal(vscode.Uri.parse(url));
      return;
    }
    const pod = await predictorPod(this.client(), n.namespace!, n.name);
    const h = await this.forward(n.namespace!, pod, 8080);
    await vscode.env.openExternal(vscode.Uri.parse(`${h.url}/v1/models/${n.name}`));
  }

  private async filter(key: 'datasets' | 'jobs' | 'gpus' | 'models'): Promise<void> {
    const value = await vscode.window.showInputBox({
      title: vscode.l10n.t('Filter by name'),
      value: this.explorer.models[key].filter,
      prompt: vscode.l10n.t('Part of a name; empty shows everything.'),
    });
    if (value === undefined) return;
    this.explorer.setFilter(key, value);
  }
}

async function reachable(url: string): Promise<boolean> {
  try {
    const ac = new AbortController();
    const t = setTimeout(() => ac.abort(), 2000);
    await fetch(url, { method: 'GET', signal: ac.signal }).finally(() => clearTimeout(t));
    return true;
  } catch {
    return false;
  }
}
