import * as vscode from 'vscode';
import { redact } from '../common/redact';
import * as net from 'node:net';
import { Disposable, toDisposable } from '../common/lifecycle';
import { KubeMLError, messageOf } from '../common/errors';
import { type Logger } from '../common/logging';
import { Commands } from '../constants';
import { startPortForward, type PortForwardHandle } from '../cluster/stream/portForward';
import { LIVE_SCHEME } from '../cluster/yamlDocument';
import { kind, type ResourceKindId } from '../cluster/resources';
import { type KubeObject } from '../cluster/read/informerState';
import { deleteObject } from '../cluster/write/objects';
import { parsePortSpec, rerun } from './actions';
import { type ExplorerNode } from './model';
import { volumeMountSnippet } from './rows/datasets';
import { DESCRIBE_SCHEME, LiveDocuments } from './vscodeDocuments';
import { type ExplorerViews } from './views';
import { modelBaseUrl, testPrediction } from './vscodePredict';
import { browseDataset } from './vscodeBrowse';
import { WhyPending } from './vscodeWhyPending';
import { ChannelSink, LogFollow, TerminalSink, type LogPod, type LogSink } from './vscodeLogs';

const JOB_KINDS: readonly ResourceKindId[] = ['jobs', 'trainJobs', 'pytorchJobs', 'rayJobs'];

/**
 * The dialogs the explorer's commands use. Tests in the real VS Code replace them (a modal dialog
 * cannot be answered from the extension host); everything else runs for real.
 */
export interface ExplorerPrompts {
  confirm(message: string, detail: string | undefined, verb: string): Promise<boolean>;
  pick<T extends vscode.QuickPickItem>(items: T[], options: vscode.QuickPickOptions): Promise<T | undefined>;
  input(options: vscode.InputBoxOptions): Promise<string | undefined>;
  info(message: string, ...actions: string[]): Thenable<string | undefined>;
  warn(message: string): void;
  error(message: string): void;
  openExternal(uri: vscode.Uri): Thenable<boolean>;
}

export const vscodePrompts: ExplorerPrompts = {
  confirm: async (message, detail, verb) => (await vscode.window.showWarningMessage(message, { modal: true, detail }, verb)) === verb,
  pick: async (items, options) => vscode.window.showQuickPick(items, options),
  input: async (options) => vscode.window.showInputBox(options),
  info: (message, ...actions) => vscode.window.showInformationMessage(redact(message), ...actions),
  warn: (message) => void vscode.window.showWarningMessage(redact(message)),
  error: (message) => void vscode.window.showErrorMessage(redact(message)),
  openExternal: (uri) => vscode.env.openExternal(uri),
};

export interface FollowOptions {
  /** Where the lines go: the output channel (default) or a terminal. */
  target?: 'channel' | 'terminal';
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** The explorer's actions on tree items (logs, describe, YAML, delete, re-run, port-forward, ...). */
export class ExplorerCommands extends Disposable {
  private readonly docs: LiveDocuments;
  private readonly channels = new Map<string, vscode.OutputChannel>();
  /** Follows by key (`ns/name[/container]` plus the target), for tests and for re-following. */
  readonly follows = new Map<string, LogFollow>();
  /** Active port-forwards, by `ns/pod:port`. */
  readonly forwards = new Map<string, PortForwardHandle>();
  prompts: ExplorerPrompts = vscodePrompts;

  constructor(
    private readonly explorer: ExplorerViews,
    private readonly log: Logger,
  ) {
    super();
    this.docs = this._register(new LiveDocuments(explorer.connection));
    const reg = (id: string, fn: (node?: ExplorerNode, arg?: unknown) => unknown) =>
      this._register(
        vscode.commands.registerCommand(id, async (node?: ExplorerNode, arg?: unknown) => {
          try {
            return await fn(node, arg);
          } catch (e) {
            this.log.warn(`${id}: ${messageOf(e)}`);
            this.prompts.error(messageOf(e));
            return undefined;
          }
        }),
      );
    reg(Commands.followLogs, (n) => this.followLogs(this.need(n), { target: 'channel' }));
    reg(Commands.followLogsInTerminal, (n) => this.followLogs(this.need(n), { target: 'terminal' }));
    reg(Commands.describe, (n) => this.docs.open(DESCRIBE_SCHEME, this.ref(this.need(n))));
    reg(Commands.openYaml, (n) => this.docs.open(LIVE_SCHEME, this.ref(this.need(n))));
    reg(Commands.deleteResource, (n) => this.delete(this.need(n)));
    reg(Commands.rerunJob, (n) => this.rerun(this.need(n)));
    reg(Commands.portForward, (n) => this.portForward(this.need(n)));
    reg(Commands.stopPortForward, () => this.stopPortForward());
    reg(Commands.copyClaimName, (n) => vscode.env.clipboard.writeText(this.need(n).name ?? ''));
    reg(Commands.insertVolumeMount, (n) => this.insertVolumeMount(this.need(n)));
    reg(Commands.browseDataset, (n) => browseDataset(this.explorer.connection, this.need(n), this.log));
    reg(Commands.openModelUrl, (n) => this.openModelUrl(this.need(n)));
    reg(Commands.testPrediction, (n) =>
      testPrediction(this.explorer.connection, this.need(n), (ns, pod, port) => this.forward(ns, pod, port)),
    );
    reg(Commands.filterDatasets, () => this.filter('datasets'));
    reg(Commands.filterJobs, () => this.filter('jobs'));
    reg(Commands.filterGpus, () => this.filter('gpus'));
    reg(Commands.filterModels, () => this.filter('models'));
    const why = new WhyPending(
      explorer.models.jobs,
      () => this.prompts,
      (ref) => this.docs.open(LIVE_SCHEME, ref),
    );
    reg(Commands.whyPending, (n) => why.run(n));
    this._register(
      toDisposable(() => {
        for (const f of this.follows.values()) f.dispose();
        for (const f of this.follows.values()) f.sink.dispose();
        for (const c of this.channels.values()) c.dispose();
        for (const h of this.forwards.values()) h.dispose();
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
    if (!c || this.explorer.connection.state.kind !== 'connected')
      throw new KubeMLError('unreachable', vscode.l10n.t('Not connected to a cluster.'), vscode.l10n.t('Select a context, then Retry.'));
    return c;
  }

  /** Pods of a job node (all ranks), of a model (Deployment or InferenceService), or the pod itself. */
  podsOf(n: ExplorerNode & { name: string }): LogPod[] {
    const toPod = (p: KubeObject): LogPod => {
      const containers = ((p.spec as { containers?: Array<{ name: string }> } | undefined)?.containers ?? []).map((c) => c.name);
      const dflt = p.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
      // One container per pod for "all ranks": the default one, else KServe's, else the first.
      const container =
        containers.length > 1
          ? dflt && containers.includes(dflt)
            ? dflt
            : containers.includes('kserve-container')
              ? 'kserve-container'
              : containers[0]
          : undefined;
      return { namespace: p.metadata.namespace!, name: p.metadata.name, containers, container };
    };
    // A pod row: the caller asks which container when there are several.
    if (n.kindId === 'pods')
      return [
        {
          namespace: n.namespace!,
          name: n.name,
          containers: n.containers ?? [],
          container: (n.containers ?? []).length > 1 ? undefined : n.container,
        },
      ];
    if (n.kindId && JOB_KINDS.includes(n.kindId)) {
      const ref = (n.data?.ref as string | undefined) ?? `${n.kindId}:${n.namespace}/${n.name}`;
      return this.explorer.models.jobs.podsOf(ref).map(toPod);
    }
    if (n.kindId === 'deployments' || n.kindId === 'inferenceServices')
      return this.explorer.models.models.podsOf(n.kindId, n.namespace!, n.name).map(toPod);
    return [];
  }

  private isGroup(n: ExplorerNode): boolean {
    return !!n.kindId && n.kindId !== 'pods';
  }

  /**
   * Follows the logs of a pod, or of all pods (ranks) of a job or model, into an output channel
   * or a terminal. Resolves with the follow once it started (its `done` resolves when it ends).
   */
  async followLogs(n: ExplorerNode & { name: string }, opts: FollowOptions = {}): Promise<LogFollow | undefined> {
    const kc = this.explorer.connection.kubeConfig;
    if (!kc)
      throw new KubeMLError('unreachable', vscode.l10n.t('Not connected to a cluster.'), vscode.l10n.t('Select a context, then Retry.'));
    const pods = this.podsOf(n);
    if (pods.length === 0) {
      void this.prompts.info(vscode.l10n.t('{0} has no pods yet.', n.name));
      return undefined;
    }
    const group = this.isGroup(n);
    let container: string | undefined = pods[0].container;
    if (!group && pods[0].containers.length > 1 && !container) {
      container = (
        await this.prompts.pick(
          pods[0].containers.map((label) => ({ label })),
          { title: vscode.l10n.t('Container of {0}', pods[0].name) },
        )
      )?.label;
      if (!container) return undefined;
    }
    const target = opts.target ?? 'channel';
    const key = `${n.namespace}/${n.name}${!group && container ? `/${container}` : ''}`;
    const fkey = `${target}:${key}`;
    const old = this.follows.get(fkey);
    old?.dispose();
    if (old && old.sink.kind === 'terminal') old.sink.dispose();
    const title = vscode.l10n.t('KubeML Logs: {0}', key);
    let sink: LogSink;
    if (target === 'terminal') {
      sink = new TerminalSink(title);
    } else {
      let channel = this.channels.get(key);
      if (!channel) this.channels.set(key, (channel = vscode.window.createOutputChannel(title, 'log')));
      sink = new ChannelSink(channel);
    }
    sink.show();
    const podsNow = group ? () => this.podsOf(n) : () => [{ ...pods[0], container }];
    // A job that has not finished may still make pods (a later rank, a retry): the follow waits for them.
    const ref = (n.data?.ref as string | undefined) ?? `${n.kindId}:${n.namespace}/${n.name}`;
    const isJob = !!n.kindId && JOB_KINDS.includes(n.kindId);
    const active = isJob ? () => ['Running', 'Pending'].includes(this.explorer.models.jobs.summary(ref)?.state ?? '') : undefined;
    const follow = new LogFollow(kc, sink, podsNow, { prefix: group, watchNewPods: group, active });
    this.follows.set(fkey, follow);
    void follow.done.finally(() => {
      if (this.follows.get(fkey) === follow && sink.kind === 'channel') this.follows.delete(fkey);
    });
    if (sink.onDidClose) {
      const sub = sink.onDidClose(() => {
        sub.dispose();
        if (this.follows.get(fkey) === follow) this.follows.delete(fkey);
      });
    }
    return follow;
  }

  private async delete(n: ExplorerNode & { name: string }): Promise<boolean> {
    const ref = this.ref(n);
    const k = kind(ref.kindId);
    const isJob = JOB_KINDS.includes(ref.kindId);
    const verb = isJob ? vscode.l10n.t('Delete (cancel)') : vscode.l10n.t('Delete');
    const detail = isJob
      ? vscode.l10n.t('Its pods are stopped and removed.')
      : ref.kindId === 'pvcs'
        ? vscode.l10n.t('The data on the volume may be lost, depending on its reclaim policy.')
        : undefined;
    const ok = await this.prompts.confirm(
      vscode.l10n.t('Delete {0} {1}?', k.kind, `${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`),
      detail,
      verb,
    );
    if (!ok) return false;
    await deleteObject(this.client(), ref.kindId, ref.namespace, ref.name);
    void this.prompts.info(vscode.l10n.t('Deleted {0} {1}.', k.kind, ref.name));
    return true;
  }

  private async rerun(n: ExplorerNode & { name: string }): Promise<KubeObject> {
    const ref = this.ref(n);
    if (!JOB_KINDS.includes(ref.kindId) || !ref.namespace) throw new KubeMLError('invalid', vscode.l10n.t('Only jobs can be re-run.'));
    const created = await rerun(this.client(), ref.kindId, ref.namespace, ref.name);
    void this.prompts.info(vscode.l10n.t('Started {0} {1} (a re-run of {2}).', kind(ref.kindId).kind, created.metadata.name, ref.name));
    return created;
  }

  /** A port-forward to a pod's port: an existing one when there is one, else a new one on `localPort` (0: any free port). */
  async forward(namespace: string, pod: string, port: number, localPort = 0): Promise<PortForwardHandle> {
    const key = `${namespace}/${pod}:${port}`;
    const existing = this.forwards.get(key);
    if (existing && !existing.disposed && (localPort === 0 || existing.localPort === localPort)) return existing;
    const kc = this.explorer.connection.kubeConfig;
    if (!kc)
      throw new KubeMLError('unreachable', vscode.l10n.t('Not connected to a cluster.'), vscode.l10n.t('Select a context, then Retry.'));
    const h = await startPortForward(kc, { namespace, pod, port }, localPort, (m) => {
      this.log.warn(m);
      this.prompts.warn(m);
    });
    this.forwards.get(key)?.dispose();
    this.forwards.set(key, h);
    return h;
  }

  private declaredPorts(pod: LogPod): number[] {
    const p = this.explorer.registry.caches.find((c) => c.resource.id === 'pods')?.get(`${pod.namespace}/${pod.name}`);
    const cs = (p?.spec as { containers?: Array<{ ports?: Array<{ containerPort?: number }> }> } | undefined)?.containers ?? [];
    return cs.flatMap((c) => (c.ports ?? []).map((x) => x.containerPort ?? 0)).filter((x) => x > 0);
  }

  /**
   * Port-Forward: asks for the port (`6006`, or `local:remote`), starts forwarding and offers to
   * open it. Resolves with the forward (the notification does not hold the command up).
   */
  private async portForward(n: ExplorerNode & { name: string }): Promise<PortForwardHandle | undefined> {
    const pods = this.podsOf(n);
    if (pods.length === 0)
      throw new KubeMLError(
        'not-found',
        vscode.l10n.t('{0} has no pod to forward to.', n.name),
        vscode.l10n.t('Wait until its pods exist, then try again.'),
      );
    const pod =
      pods.length === 1
        ? pods[0]
        : (
            await this.prompts.pick(
              pods.map((p) => ({ label: p.name, p })),
              { title: vscode.l10n.t('Pod to forward to') },
            )
          )?.p;
    if (!pod) return undefined;
    const declared = this.declaredPorts(pod);
    const spec = await this.prompts.input({
      title: vscode.l10n.t('Port in {0}', pod.name),
      value: String(declared[0] ?? 6006),
      prompt: vscode.l10n.t(
        'A port in the pod (6006 is TensorBoard, 8265 the Ray dashboard, 8080 a model server), or local:remote such as 16006:6006.',
      ),
      validateInput: (v) => (parsePortSpec(v) ? undefined : vscode.l10n.t('A port number, 1-65535, or local:remote.')),
    });
    if (!spec) return undefined;
    const ports = parsePortSpec(spec);
    if (!ports)
      throw new KubeMLError(
        'invalid',
        vscode.l10n.t('{0} is not a port number.', spec),
        vscode.l10n.t('Enter a port, 1-65535, or local:remote.'),
      );
    // The same port locally, as kubectl does, when it is free; an explicit local port must be free.
    const local = ports.local ?? ((await portFree(ports.remote)) ? ports.remote : 0);
    const h = await this.forward(pod.namespace, pod.name, ports.remote, local);
    const open = vscode.l10n.t('Open in Browser');
    const stop = vscode.l10n.t('Stop');
    void Promise.resolve(this.prompts.info(vscode.l10n.t('Forwarding {0} to {1}:{2}.', h.url, pod.name, ports.remote), open, stop)).then(
      async (pick) => {
        if (pick === open) await this.prompts.openExternal(vscode.Uri.parse(h.url));
        if (pick === stop) this.stopForward(h);
      },
    );
    return h;
  }

  private stopForward(h: PortForwardHandle): void {
    h.dispose();
    for (const [k, v] of this.forwards) if (v === h) this.forwards.delete(k);
  }

  private async stopPortForward(): Promise<number> {
    const live = [...this.forwards.values()].filter((h) => !h.disposed);
    if (live.length === 0) {
      void this.prompts.info(vscode.l10n.t('No port-forward is running.'));
      return 0;
    }
    const picks = await this.prompts.pick(
      live.map((h) => ({ label: `${h.url} → ${h.target.namespace}/${h.target.pod}:${h.target.port}`, h, picked: live.length === 1 })),
      { title: vscode.l10n.t('Stop Port-Forward'), canPickMany: true } as vscode.QuickPickOptions,
    );
    const chosen = (Array.isArray(picks) ? picks : picks ? [picks] : []) as Array<{ h: PortForwardHandle }>;
    for (const c of chosen) this.stopForward(c.h);
    return chosen.length;
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

  /** Opens the model's URL, or its predictor through a port-forward when the URL does not answer from here. */
  private async openModelUrl(n: ExplorerNode & { name: string }): Promise<string> {
    const { base, via } = await modelBaseUrl(this.explorer.connection, n, (ns, pod, port) => this.forward(ns, pod, port));
    // Through a port-forward, the model's metadata (KServe v1) is the page that shows it is there.
    const url = via === 'url' ? base : `${base}/v1/models/${encodeURIComponent(n.name)}`;
    await this.prompts.openExternal(vscode.Uri.parse(url));
    return url;
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
