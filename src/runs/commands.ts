/**
 * The run commands: Launch Training, Run Validation, Re-run, Cancel Run, Show Run Logs, Show Run
 * Manifest. A thin skin over RunExecution (launcher.ts): inputs, progress with cancel,
 * notifications with actions. Launching refuses in an untrusted workspace.
 */
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { redact } from '../common/redact';
import { type ClusterConnection } from '../cluster/connection';
import { Commands } from '../constants';
import { KubeMLError, messageOf } from '../common/errors';
import { Disposable, Emitter } from '../common/lifecycle';
import { type Logger } from '../common/logging';
import { deleteRun } from '../cluster/write/objects';
import { type ModelSource, type RunPurpose } from '../model/runRecords';
import { validationOnlyParameters } from './generate';
import { planRun, RunExecution } from './launcher';
import { RUN_LOG_SCHEME, RunLogDocuments, runLogUri } from './vscodeRunLog';
import { type CreateClaimOptions, createClaims, createMissingClaims, isClaimRequest, missingClaimsOf } from './vscodeCreateClaim';
import { SweepCommands } from './vscodeSweep';
import { isTerminal, type RunRecord, RunStore } from '../model/runRecords';
import { coerceParam, type KubeMLSpec, loadSpec, type ParamValue, resolveParams, SPEC_FILE } from '../model/runSpec';

export const RUN_COMMANDS = {
  launchTraining: Commands.launchTraining,
  runValidation: Commands.runValidation,
  rerun: Commands.rerun,
  cancelRun: Commands.cancelRun,
  showRunLogs: Commands.showRunLogs,
  showRunManifest: Commands.showRunManifest,
  openRawRunLog: Commands.openRawRunLog,
  createMissingClaims: Commands.createMissingClaims,
} as const;

/** Options a caller (a test, a tree item, another extension) may pass instead of answering inputs. */
export interface LaunchOptions {
  /** Parameter values; no input box is shown for those given. */
  readonly params?: Record<string, unknown>;
  /** Take the defaults for the parameters not given, without asking. */
  readonly useDefaults?: boolean;
  /** Resolve with the final record instead of when the run has been started. */
  readonly wait?: boolean;
  /** Re-run: ask for each parameter first, the run's values prefilled (those in `params` are not asked). */
  readonly changeParams?: boolean;
}

interface Workspace {
  readonly folder: string;
  readonly spec: KubeMLSpec;
  readonly specUri: vscode.Uri;
}

/** A run argument: a run id, a record, or a tree item / object with runId or id. */
function runIdOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (typeof arg === 'object' && arg !== null) {
    const o = arg as { runId?: unknown; id?: unknown; version?: unknown; data?: { runId?: unknown } };
    if (typeof o.runId === 'string') return o.runId;
    // A row of the Jobs view that is a KubeML run.
    if (typeof o.data?.runId === 'string') return o.data.runId;
    if (typeof o.id === 'string' && o.version === 1) return o.id;
  }
  return undefined;
}

/**
 * Keeps a running run's pods in sync with the workspace (the sync feature's SyncController; kept
 * structural here so that runs does not load sync).
 */
export interface RunSync {
  startForRun(target: {
    runId: string;
    namespace: string;
    labelSelector: string;
    container?: string;
    localRoot: string;
    remoteFolder: string;
    exclude: readonly string[];
  }): Promise<unknown>;
  stopForRun(runId: string): void;
}

export class RunCommands extends Disposable {
  /** Runs started in this window that have not ended. */
  readonly active = new Map<string, RunExecution>();
  private readonly logDocuments: RunLogDocuments;
  /** Launch Sweep and Cancel Sweep (vscodeSweep.ts). */
  readonly sweeps: SweepCommands;
  private readonly _onDidChangeRuns = this._register(new Emitter<void>());
  readonly onDidChangeRuns = this._onDidChangeRuns.event;

  constructor(
    private readonly connection: ClusterConnection,
    private readonly log: Logger,
    private readonly sync?: RunSync,
  ) {
    super();
    this.logDocuments = this._register(new RunLogDocuments());
    const reg = (id: string, fn: (...args: unknown[]) => unknown) => this._register(vscode.commands.registerCommand(id, fn));
    reg(RUN_COMMANDS.launchTraining, (a?: unknown, o?: unknown) => this.launchTraining(a, o as LaunchOptions | undefined));
    reg(RUN_COMMANDS.runValidation, (a?: unknown, o?: unknown) => this.runValidation(a, o as LaunchOptions | undefined));
    reg(RUN_COMMANDS.rerun, (a?: unknown, o?: unknown) => this.rerun(a, o as LaunchOptions | undefined));
    reg(RUN_COMMANDS.cancelRun, (a?: unknown) => this.cancel(a));
    reg(RUN_COMMANDS.showRunLogs, (a?: unknown) => this.showLogs(a));
    reg(RUN_COMMANDS.showRunManifest, (a?: unknown) => this.showManifest(a));
    reg(RUN_COMMANDS.openRawRunLog, (a?: unknown) => this.openRawLog(a));
    reg(RUN_COMMANDS.createMissingClaims, (a?: unknown, o?: unknown) => this.createClaims(a, o as CreateClaimOptions | undefined));
    this.sweeps = this._register(new SweepCommands(this, connection, log.child('sweep')));
  }

  override dispose(): void {
    // Closing the window stops following runs; they go on in the cluster (their records say so).
    for (const run of this.active.values()) run.dispose();
    super.dispose();
  }

  /** Follows a run started elsewhere (a sweep's trial): the status bar and Cancel Run see it until it ends. */
  track(run: RunExecution): void {
    this.active.set(run.id, run);
    this._onDidChangeRuns.fire();
    run.onDidChange((r) => {
      if (isTerminal(r.phase)) this.active.delete(run.id);
      this._onDidChangeRuns.fire();
    });
  }

  /** The workspace folder holding kubeml.yaml: the one of `arg` (a Uri), else the first that has one. */
  async workspace(arg?: unknown): Promise<Workspace> {
    const candidates: string[] = [];
    if (arg instanceof vscode.Uri) candidates.push(arg.fsPath.endsWith(SPEC_FILE) ? dirname(arg.fsPath) : arg.fsPath);
    for (const f of vscode.workspace.workspaceFolders ?? []) candidates.push(f.uri.fsPath);
    for (const folder of candidates) {
      const file = join(folder, SPEC_FILE);
      const text = await fs.readFile(file, 'utf8').catch(() => undefined);
      if (text === undefined) continue;
      const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file);
      return { folder, spec: loadSpec(open ? open.getText() : text, file), specUri: vscode.Uri.file(file) };
    }
    throw new KubeMLError(
      'not-found',
      vscode.l10n.t('No {0} in this workspace.', SPEC_FILE),
      vscode.l10n.t('Create one (see the sample in samples/kubeml.yaml and schemas/kubeml.schema.json).'),
    );
  }

  store(folder: string): RunStore {
    return new RunStore(folder);
  }

  requireTrust(): void {
    if (!vscode.workspace.isTrusted) {
      throw new KubeMLError(
        'forbidden',
        vscode.l10n.t(
          "KubeML does not launch runs from an untrusted workspace: launching uploads and runs this folder's code on your cluster.",
        ),
        vscode.l10n.t('Trust the folder (Manage Workspace Trust), then try again.'),
      );
    }
  }

  cluster() {
    const { client, kubeConfig } = this.connection;
    if (this.connection.state.kind !== 'connected' || !client || !kubeConfig) {
      throw new KubeMLError(
        'unreachable',
        vscode.l10n.t('KubeML is not connected to a cluster ({0}).', this.connection.state.kind),
        vscode.l10n.t('Select a context, or Retry from the KubeML views.'),
      );
    }
    return { client, kc: kubeConfig };
  }

  /** Asks for each parameter (its default offered) unless given; undefined when the user cancelled. */
  private async askParams(
    spec: KubeMLSpec,
    opts: LaunchOptions,
    previous?: Record<string, ParamValue>,
    rerunOf?: RunRecord,
  ): Promise<Record<string, ParamValue> | undefined> {
    const given: Record<string, unknown> = { ...(opts.params ?? {}) };
    if (!opts.useDefaults) {
      // Training is not asked for what only validation uses (the sample's shift).
      const validationOnly = rerunOf?.purpose === 'validate' ? new Set<string>() : validationOnlyParameters(spec);
      for (const [name, p] of Object.entries(spec.parameters)) {
        if (name in given || validationOnly.has(name)) continue;
        const value = await vscode.window.showInputBox({
          title: rerunOf ? vscode.l10n.t('Re-run {0}: {1}', rerunOf.id, name) : vscode.l10n.t('Launch Training: {0}', name),
          prompt: p.description ? `${p.description} (${p.type})` : p.type,
          value: String(previous?.[name] ?? p.default ?? ''),
          ignoreFocusOut: true,
          validateInput: (v) => {
            const r = coerceParam(p, v);
            return typeof r === 'string' ? r : undefined;
          },
        });
        if (value === undefined) return undefined;
        given[name] = value;
      }
    }
    return resolveParams(spec, given);
  }

  async launchTraining(arg?: unknown, opts: LaunchOptions = {}): Promise<RunRecord | string | undefined> {
    return this.guard(async () => {
      this.requireTrust();
      const ws = await this.workspace(arg);
      const params = await this.askParams(ws.spec, opts);
      if (!params) return undefined;
      return this.launch(ws, 'train', params, undefined, opts);
    });
  }

  async runValidation(arg?: unknown, opts: LaunchOptions = {}): Promise<RunRecord | string | undefined> {
    return this.guard(async () => {
      this.requireTrust();
      const ws = await this.workspace(arg instanceof vscode.Uri ? arg : undefined);
      if (!ws.spec.validation)
        throw new KubeMLError(
          'invalid',
          vscode.l10n.t('{0} has no validation section.', SPEC_FILE),
          vscode.l10n.t('Add validation: with command, reference and current.'),
        );
      const store = this.store(ws.folder);
      let model: ModelSource | undefined;
      let params: Record<string, ParamValue> | undefined;
      const id = runIdOf(arg);
      const uri =
        typeof arg === 'object' && arg !== null && typeof (arg as { modelUri?: unknown }).modelUri === 'string'
          ? (arg as { modelUri: string }).modelUri
          : undefined;
      if (uri) model = { kind: 'uri', uri };
      else if (id) {
        const rec = await store.get(id);
        if (!rec) throw new KubeMLError('not-found', vscode.l10n.t('No run {0} in this workspace.', id));
        model = { kind: 'run', runId: rec.purpose === 'validate' && rec.parent ? rec.parent : rec.id };
        params = rec.params;
      } else {
        const runs = (await store.list()).filter((r) => r.purpose === 'train' && r.phase === 'succeeded');
        const items: Array<vscode.QuickPickItem & { model?: ModelSource; params?: Record<string, ParamValue> }> = runs.map((r) => ({
          label: r.id,
          description: Object.entries(r.metrics)
            .slice(0, 3)
            .map(([k, v]) => `${k} ${typeof v === 'number' ? v.toFixed(3) : v}`)
            .join(' · '),
          detail: r.finishedAt ? vscode.l10n.t('finished {0}', new Date(r.finishedAt).toLocaleString()) : undefined,
          model: { kind: 'run', runId: r.id },
          params: r.params,
        }));
        items.push({
          label: vscode.l10n.t('$(cloud) A deployed model…'),
          detail: vscode.l10n.t('A storage URI such as pvc://claim/path (mounted) or s3://… (passed on as KUBEML_MODEL)'),
        });
        const pick = await vscode.window.showQuickPick(items, {
          title: vscode.l10n.t('Run Validation: which model?'),
          ignoreFocusOut: true,
        });
        if (!pick) return undefined;
        if (pick.model) {
          model = pick.model;
          params = pick.params;
        } else {
          const u = await vscode.window.showInputBox({
            title: vscode.l10n.t('Run Validation: model storage URI'),
            value: 'pvc://',
            ignoreFocusOut: true,
            validateInput: (v) => (/^[a-z0-9]+:\/\/./.test(v) ? undefined : vscode.l10n.t('A URI such as pvc://models/forest')),
          });
          if (!u) return undefined;
          model = { kind: 'uri', uri: u };
        }
      }
      // Validation uses the training run's parameters (seed, shift, ...), overridable by options.
      const resolved = resolveParams(ws.spec, {
        ...Object.fromEntries(Object.entries(params ?? {}).filter(([k]) => k in ws.spec.parameters)),
        ...(opts.params ?? {}),
      });
      return this.launch(ws, 'validate', resolved, model, opts);
    });
  }

  async rerun(arg?: unknown, opts: LaunchOptions = {}): Promise<RunRecord | string | undefined> {
    return this.guard(async () => {
      this.requireTrust();
      const ws = await this.workspace();
      const rec = await this.pickRun(ws.folder, arg, vscode.l10n.t('Re-run which run?'));
      if (!rec) return undefined;
      const recorded = Object.fromEntries(Object.entries(rec.params).filter(([k]) => k in ws.spec.parameters));
      const params = opts.changeParams
        ? await this.askParams(ws.spec, { params: opts.params }, { ...resolveParams(ws.spec, recorded), ...recorded }, rec)
        : resolveParams(ws.spec, { ...recorded, ...(opts.params ?? {}) });
      if (!params) return undefined;
      return this.launch(ws, rec.purpose, params, rec.model, opts);
    });
  }

  async cancel(arg?: unknown): Promise<RunRecord | undefined> {
    return this.guard(async () => {
      const id = runIdOf(arg) ?? (this.active.size === 1 ? [...this.active.keys()][0] : undefined);
      const live = id ? this.active.get(id) : undefined;
      if (live) {
        await live.cancel();
        return live.record;
      }
      const ws = await this.workspace();
      const rec = await this.pickRun(
        ws.folder,
        id,
        vscode.l10n.t('Cancel which run?'),
        (r) => !isTerminal(r.phase) || r.failure?.reason === 'cluster-gone',
      );
      if (!rec) return undefined;
      // A run from an earlier session (or one the cluster lost track of): delete it on the cluster.
      await deleteRun(this.cluster().client, rec.primary, rec.podSelector);
      rec.phase = 'cancelled';
      rec.finishedAt = new Date().toISOString();
      await this.store(ws.folder).save(rec);
      void vscode.window.showInformationMessage(vscode.l10n.t('Run {0} cancelled: its job and pods were deleted.', rec.id));
      return rec;
    });
  }

  /** Opens logs.txt of the readable log in the active editor (or given as a URI). */
  async openRawLog(arg?: unknown): Promise<vscode.TextEditor | undefined> {
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    if (uri?.scheme !== RUN_LOG_SCHEME) return undefined;
    const doc = await vscode.workspace.openTextDocument(this.logDocuments.rawLogUri(uri));
    return vscode.window.showTextDocument(doc, { preview: false });
  }

  async showLogs(arg?: unknown): Promise<vscode.TextEditor | undefined> {
    return this.guard(async () => {
      const ws = await this.workspace();
      const id = runIdOf(arg) ?? (this.active.size ? [...this.active.keys()].pop() : undefined);
      const rec = await this.pickRun(ws.folder, id, vscode.l10n.t('Show the logs of which run?'));
      if (!rec) return undefined;
      // The readable log (results as lines, why it failed); Open Raw Run Log in its title shows logs.txt.
      const doc = await vscode.workspace.openTextDocument(runLogUri(ws.folder, rec.id));
      return vscode.window.showTextDocument(doc, { preview: false });
    });
  }

  /** Create Missing Claim: shows the manifest of a failed run's missing claim, asks, applies it, and offers Re-run. */
  async createClaims(arg?: unknown, opts?: CreateClaimOptions): Promise<string[] | undefined> {
    return this.guard(async () => {
      this.requireTrust();
      const ws = await this.workspace();
      // From Why Is It Pending? on a pending job: its namespace and the claims it waits for.
      if (isClaimRequest(arg)) {
        const created = await createClaims(this.cluster().client, ws.folder, arg, opts);
        if (created.length)
          void vscode.window.showInformationMessage(
            vscode.l10n.t('Created the claim {0} in namespace {1}.', created.join(', '), arg.namespace),
          );
        return created;
      }
      const rec = await this.pickRun(
        ws.folder,
        arg,
        vscode.l10n.t('Create the missing claim of which run?'),
        (r) => missingClaimsOf(r).length > 0,
      );
      if (!rec) return undefined;
      const created = await createMissingClaims(this.cluster().client, ws.folder, rec, opts);
      if (created.length) {
        const rerun = vscode.l10n.t('Re-run');
        void vscode.window
          .showInformationMessage(vscode.l10n.t('Created the claim {0} in namespace {1}.', created.join(', '), rec.namespace), rerun)
          .then((c) => (c === rerun ? vscode.commands.executeCommand(RUN_COMMANDS.rerun, rec.id) : undefined));
      }
      return created;
    });
  }

  /** Opens the YAML that Launch Training would apply (default parameters), to read before launching. */
  async showManifest(arg?: unknown): Promise<vscode.TextEditor | undefined> {
    return this.guard(async () => {
      const ws = await this.workspace(arg instanceof vscode.Uri ? arg : undefined);
      const id = runIdOf(arg);
      if (id) {
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(join(this.store(ws.folder).dir(id), 'manifest.yaml')));
        return vscode.window.showTextDocument(doc);
      }
      const plan = planRun({
        workspace: ws.folder,
        spec: ws.spec,
        purpose: 'train',
        params: resolveParams(ws.spec),
        namespace: ws.spec.namespace ?? this.connection.defaultNamespace,
      });
      const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: plan.yaml });
      return vscode.window.showTextDocument(doc);
    });
  }

  private async pickRun(
    folder: string,
    arg: unknown,
    title: string,
    filter: (r: RunRecord) => boolean = () => true,
  ): Promise<RunRecord | undefined> {
    const store = this.store(folder);
    const id = runIdOf(arg);
    if (id) {
      const rec = this.active.get(id)?.record ?? (await store.get(id));
      if (!rec) throw new KubeMLError('not-found', vscode.l10n.t('No run {0} in this workspace.', id));
      return rec;
    }
    const runs = (await store.list()).filter(filter);
    if (!runs.length)
      throw new KubeMLError('not-found', vscode.l10n.t('No runs in this workspace yet.'), vscode.l10n.t('Launch Training first.'));
    const pick = await vscode.window.showQuickPick(
      runs.map((r) => ({ label: r.id, description: `${r.purpose} · ${r.phase}`, record: r })),
      { title },
    );
    return pick?.record;
  }

  /** Starts the run with progress (cancellable) and, at the end, a notification with actions. */
  private async launch(
    ws: Workspace,
    purpose: RunPurpose,
    params: Record<string, ParamValue>,
    model: ModelSource | undefined,
    opts: LaunchOptions,
  ): Promise<RunRecord | string> {
    const { client, kc } = this.cluster();
    const namespace = ws.spec.namespace ?? this.connection.defaultNamespace;
    const run = new RunExecution(
      { kc, client, store: this.store(ws.folder), log: this.log },
      { workspace: ws.folder, spec: ws.spec, purpose, params, namespace, model, context: this.connection.currentContext },
    );
    this.active.set(run.id, run);
    this._onDidChangeRuns.fire();
    run.onDidChange(() => this._onDidChangeRuns.fire());
    // Once the code is in the pods and the run started, saved files follow it there (all ranks).
    let syncing = false;
    run.onDidChange((r) => {
      if (r.phase !== 'running' || syncing || !this.sync) return;
      syncing = true;
      void this.sync.startForRun({
        runId: r.id,
        namespace: r.namespace,
        labelSelector: r.podSelector,
        container: r.container,
        localRoot: ws.folder,
        remoteFolder: ws.spec.codePath,
        exclude: ws.spec.exclude,
      });
    });
    const title = purpose === 'train' ? vscode.l10n.t('Training {0}', run.id) : vscode.l10n.t('Validating {0}', run.id);
    const done = vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => void run.cancel());
        const say: Record<string, string> = {
          pending: vscode.l10n.t('waiting for the pod…'),
          uploading: vscode.l10n.t('uploading the workspace…'),
          running: vscode.l10n.t('running'),
        };
        let last = '';
        const sub = run.onDidChange((r) => {
          const metrics = Object.entries(r.metrics)
            .slice(-2)
            .map(([k, v]) => `${k} ${typeof v === 'number' ? +v.toFixed(4) : v}`)
            .join(', ');
          const msg = (r.phase === 'pending' && r.queued ? r.queued : (say[r.phase] ?? r.phase)) + (metrics ? ` (${metrics})` : '');
          if (msg !== last) progress.report({ message: (last = msg) });
        });
        try {
          return await run.start();
        } finally {
          sub.dispose();
        }
      },
    );
    const finished = Promise.resolve(done).then((record) => {
      this.sync?.stopForRun(run.id);
      this.active.delete(run.id);
      run.dispose();
      this._onDidChangeRuns.fire();
      void this.notify(ws, record);
      return record;
    });
    return opts.wait ? finished : run.id;
  }

  private async notify(ws: Workspace, r: RunRecord): Promise<void> {
    const showLogs = vscode.l10n.t('Show Logs');
    const drift = vscode.l10n.t('Open Drift Report');
    const validate = vscode.l10n.t('Run Validation');
    const rerun = vscode.l10n.t('Re-run');
    const createClaim = vscode.l10n.t('Create Claim…');
    const actions: string[] = [showLogs];
    if (r.hasDrift) actions.push(drift);
    if (r.purpose === 'train' && r.phase === 'succeeded' && ws.spec.validation && ws.spec.artifacts) actions.push(validate);
    const metrics = Object.entries(r.metrics)
      .slice(0, 4)
      .map(([k, v]) => `${k} ${typeof v === 'number' ? +v.toFixed(4) : v}`)
      .join(', ');
    let choice: string | undefined;
    if (r.phase === 'succeeded') {
      const driftText = r.hasDrift ? (r.datasetDrift ? vscode.l10n.t(' Drift detected.') : vscode.l10n.t(' No dataset drift.')) : '';
      choice = await vscode.window.showInformationMessage(
        vscode.l10n.t('Run {0} succeeded{1}.{2}', r.id, metrics ? `: ${metrics}` : '', driftText),
        ...actions,
      );
    } else if (r.phase === 'cancelled') {
      choice = await vscode.window.showInformationMessage(
        vscode.l10n.t('Run {0} was cancelled; its job and pods were deleted.', r.id),
        showLogs,
      );
    } else {
      if (missingClaimsOf(r).length) actions.unshift(createClaim);
      else if (r.failure?.reason !== 'cluster-gone') actions.push(rerun);
      choice = await vscode.window.showErrorMessage(
        redact(
          vscode.l10n.t('Run {0} failed: {1}', r.id, `${r.failure?.message ?? r.phase}${r.failure?.hint ? ` ${r.failure.hint}` : ''}`),
        ),
        ...actions,
      );
    }
    if (choice === showLogs) await vscode.commands.executeCommand(RUN_COMMANDS.showRunLogs, r.id);
    else if (choice === drift) await vscode.commands.executeCommand(Commands.openDriftReport, { runDir: this.store(ws.folder).dir(r.id) });
    else if (choice === validate) await vscode.commands.executeCommand(RUN_COMMANDS.runValidation, r.id);
    else if (choice === rerun) await vscode.commands.executeCommand(RUN_COMMANDS.rerun, r.id);
    else if (choice === createClaim) await vscode.commands.executeCommand(RUN_COMMANDS.createMissingClaims, r.id);
  }

  /** Runs a command body; a failure becomes one error message (and the command resolves undefined). */
  private async guard<T>(body: () => Promise<T>): Promise<T | undefined> {
    try {
      return await body();
    } catch (e) {
      this.log.warn(messageOf(e));
      const open = vscode.l10n.t('Open {0}', SPEC_FILE);
      const isSpec = KubeMLError.is(e) && e.kind === 'invalid' && e.message.includes(SPEC_FILE);
      void vscode.window.showErrorMessage(messageOf(e), ...(isSpec ? [open] : [])).then(async (c) => {
        if (c === open) {
          const folder = vscode.workspace.workspaceFolders?.[0];
          if (folder) await vscode.window.showTextDocument(vscode.Uri.joinPath(folder.uri, SPEC_FILE));
        }
      });
      return undefined;
    }
  }
}
