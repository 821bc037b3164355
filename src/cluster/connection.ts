import { type KubeConfig } from '@kubernetes/client-node';
import { Disposable, Emitter } from '../common/lifecycle';
import { KubeMLError, messageOf } from '../common/errors';
import { type Logger } from '../common/logging';
import { KubeClient } from './client';
import { contextNamespace, loadKubeconfig } from './kubeconfig';

export type ConnectionState =
  | { kind: 'none'; message: string }
  | { kind: 'connecting'; context: string; server: string }
  | { kind: 'connected'; context: string; server: string; version: string }
  | { kind: 'unreachable' | 'unauthorized' | 'error'; context: string; server: string; message: string; error: KubeMLError };

/** "All namespaces", or an explicit set the user chose. */
export type NamespaceScope = { all: true } | { all: false; names: string[] };

export interface ConnectionSettings {
  kubeconfig?: string;
  env: Record<string, string | undefined>;
  /** Context chosen in KubeML (not written back to the user's kubeconfig). */
  context?: string;
  namespaces?: NamespaceScope;
}

/**
 * Owns the kubeconfig, the chosen context and namespaces, and whether the cluster answers.
 * Plain Node: the editor skin feeds it settings and shows its state.
 */
export class ClusterConnection extends Disposable {
  private readonly _onDidChange = this._register(new Emitter<ConnectionState>());
  readonly onDidChange = this._onDidChange.event;

  private _state: ConnectionState = { kind: 'none', message: 'Not loaded yet.' };
  private _kc: KubeConfig | undefined;
  private _client: KubeClient | undefined;
  private _files: string[] = [];
  private _scope: NamespaceScope = { all: false, names: ['default'] };
  private generation = 0;

  constructor(private readonly log: Logger) {
    super();
  }

  get state(): ConnectionState {
    return this._state;
  }
  get client(): KubeClient | undefined {
    return this._client;
  }
  get kubeConfig(): KubeConfig | undefined {
    return this._kc;
  }
  get files(): readonly string[] {
    return this._files;
  }
  get contexts(): string[] {
    return this._kc?.contexts.map((c) => c.name) ?? [];
  }
  get currentContext(): string | undefined {
    return this._kc?.currentContext || undefined;
  }
  get scope(): NamespaceScope {
    return this._scope;
  }
  /** The context's own namespace (kubectl's default for it). */
  get defaultNamespace(): string {
    return this._kc && this.currentContext ? contextNamespace(this._kc, this.currentContext) : 'default';
  }

  private setState(state: ConnectionState): void {
    this._state = state;
    this._onDidChange.fire(state);
  }

  /** (Re)reads the kubeconfig and probes the cluster. Never throws: failures become states. */
  async connect(settings: ConnectionSettings, signal?: AbortSignal): Promise<ConnectionState> {
    const gen = ++this.generation;
    let loaded;
    try {
      loaded = loadKubeconfig({ setting: settings.kubeconfig, env: settings.env });
    } catch (e) {
      this._kc = undefined;
      this._client = undefined;
      this._files = [];
      this.log.warn(messageOf(e));
      this.setState({ kind: 'none', message: messageOf(e) });
      return this._state;
    }
    const kc = loaded.kc;
    if (settings.context && kc.contexts.some((c) => c.name === settings.context)) {
      kc.setCurrentContext(settings.context);
    }
    if (!kc.currentContext || !kc.getContextObject(kc.currentContext)) {
      kc.setCurrentContext(kc.contexts[0].name);
    }
    this._kc = kc;
    this._files = loaded.files;
    this._client = new KubeClient(kc);
    this._scope = settings.namespaces ?? { all: false, names: [contextNamespace(kc, kc.currentContext)] };
    const context = kc.currentContext;
    const server = this._client.server;
    this.setState({ kind: 'connecting', context, server });
    this.log.info(`Connecting to context "${context}" at ${server} (kubeconfig: ${loaded.files.join(', ')})`);
    try {
      const v = await this._client.version(8000, signal);
      if (gen !== this.generation) return this._state;
      this.log.info(`Connected to ${server}: Kubernetes ${v.gitVersion}`);
      this.setState({ kind: 'connected', context, server, version: v.gitVersion });
    } catch (e) {
      if (gen !== this.generation) return this._state;
      const err = KubeMLError.is(e) ? e : new KubeMLError('unknown', messageOf(e));
      const kind =
        err.kind === 'unauthorized' ? 'unauthorized' : err.kind === 'unreachable' || err.kind === 'timeout' ? 'unreachable' : 'error';
      this.log.warn(`Cannot use context "${context}": ${err.userMessage}`);
      this.setState({ kind, context, server, message: err.userMessage, error: err });
    }
    return this._state;
  }

  /** Namespaces to list in, or undefined for all namespaces (cluster-wide list). */
  namespacesToList(): string[] | undefined {
    return this._scope.all ? undefined : this._scope.names;
  }
}
