import * as vscode from 'vscode';
import { Disposable } from './common/lifecycle';
import { createLogger } from './common/ui/vscodeLog';
import { ClusterConnection } from './cluster/connection';
import { ConnectionController } from './cluster/commands';
import { ConnectionStatusBar } from './cluster/statusBar';
import { Views } from './constants';
import type { ExplorerViews } from './explorer/views';
import type { ExplorerNode } from './explorer/model';
import type { DriftCommands } from './drift/commands';
import type { SyncController } from './sync/commands';
import type { LintDiagnostics } from './lint/diagnostics';
import type { LintCommands } from './lint/commands';
import type { RunCommands, RunSync } from './runs/commands';
import type { ExperimentsFeature } from './experiments/commands';
import type { QueuesFeature } from './queues/commands';
import type { HealthFeature } from './health/commands';
import { LazyFeatures, whenYamlIsOpen, type FeatureFactories } from './lazy/vscodeFeatures';
import { LazyTreeProvider } from './lazy/vscodeTree';

/**
 * What activate() returns: used by the in-editor test suites and by other extensions. The
 * features load on first use (src/lazy): reading one of their properties loads it.
 */
export interface KubeMLApi {
  readonly connection: ClusterConnection;
  readonly explorer: ExplorerViews;
  /** Resolves when the first connection attempt has finished. */
  readonly ready: Promise<unknown>;
  /** File sync into pods (Start Sync / Stop Sync; startForRun for the launcher). */
  readonly sync: SyncController;
  /** The drift panels (Open Drift Report). */
  readonly drift: DriftCommands;
  /** Manifest diagnostics and Validate Against Cluster. */
  readonly lint: { readonly diagnostics: LintDiagnostics; readonly commands: LintCommands };
  /** The run launcher (Launch Training, Run Validation, Re-run, Cancel, Show Logs). */
  readonly runs: RunCommands;
  /** The Runs view and the experiments panel. */
  readonly experiments: ExperimentsFeature;
  /** The Queues view (Kueue). */
  readonly queues: QueuesFeature;
  /** Job health: the Job panel, the doctor's findings, idle GPUs. */
  readonly health: HealthFeature;
}

interface Features {
  explorer: ExplorerViews;
  lint: KubeMLApi['lint'];
  runs: RunCommands;
  sync: SyncController;
  drift: DriftCommands;
  experiments: ExperimentsFeature;
  queues: QueuesFeature;
  health: HealthFeature;
}

/**
 * The composition root: every long-lived object is built here, once, and owned by this.
 * Activation builds only the connection, its commands and status bar, the four (empty) tree
 * views and a thin handler per command; each feature's code is a bundle of its own that loads
 * when it is first needed (src/lazy/vscodeFeatures.ts). Activation time is measured by bench/activation.
 */
export class Extension extends Disposable {
  readonly api: KubeMLApi;

  constructor(context: vscode.ExtensionContext) {
    super();
    const { logger, channel } = createLogger();
    this._register(channel);
    const connection = this._register(new ClusterConnection(logger.child('cluster')));
    const controller = this._register(new ConnectionController(context, connection, logger, channel));
    this._register(new ConnectionStatusBar(connection));

    // The views exist from activation on; the explorer loads when one asks for its children.
    const views = new Map<string, { provider: LazyTreeProvider<ExplorerNode>; view: vscode.TreeView<ExplorerNode> }>();
    for (const id of Object.values(Views)) {
      if (id === Views.runs || id === Views.queues) continue; // the experiments and queues features' (below)
      const provider = new LazyTreeProvider<ExplorerNode>(() => features.get('explorer'));
      // The same options as ExplorerViews asks for (it gets this view handed over below).
      views.set(id, {
        provider,
        view: vscode.window.createTreeView(id, { treeDataProvider: provider, showCollapseAll: true, canSelectMany: false }),
      });
    }
    const handOver = (id: string, options: vscode.TreeViewOptions<ExplorerNode>) => {
      const made = views.get(id);
      if (!made) return vscode.window.createTreeView(id, options);
      made.provider.attach(options.treeDataProvider);
      return made.view;
    };

    // The Runs view loads the experiments feature when it first asks for its children.
    const runsProvider = this._register(new LazyTreeProvider<unknown>(() => features.get('experiments')));
    const runsView = this._register(
      vscode.window.createTreeView(Views.runs, { treeDataProvider: runsProvider, showCollapseAll: true, canSelectMany: true }),
    );

    // The Queues view loads the queues feature when it first asks for its children.
    const queuesProvider = this._register(new LazyTreeProvider<unknown>(() => features.get('queues')));
    const queuesView = this._register(
      vscode.window.createTreeView(Views.queues, { treeDataProvider: queuesProvider, showCollapseAll: true, canSelectMany: false }),
    );

    const factories: FeatureFactories<Features> = {
      explorer: (m) => this._register(new m.ExplorerViews(connection, logger.child('explorer'), handOver)),
      lint: (m) => {
        const diagnostics = this._register(new m.LintDiagnostics(connection, logger.child('lint')));
        return { diagnostics, commands: this._register(new m.LintCommands(connection, diagnostics, logger.child('lint'))) };
      },
      runs: (m) => {
        // Sync follows launched runs; it loads when a run starts it (a run never synced has nothing to stop).
        const runSync: RunSync = {
          startForRun: async (target) => features.get('sync').startForRun(target),
          stopForRun: (runId) => features.peek('sync')?.stopForRun(runId),
        };
        const runs = this._register(new m.RunCommands(connection, logger.child('runs'), runSync));
        this._register(new m.RunStatusBar(runs));
        // Job health follows the jobs of the runs this window follows (status-bar warning, findings in the Jobs view).
        const followRuns = () => {
          const jobs = [...runs.active.values()]
            .map((r) => r.record)
            .filter((r) => r.phase === 'running')
            .map((r) => ({ kind: r.kind, namespace: r.namespace, name: r.primary.name }));
          if (jobs.length || features.peek('health')) features.get('health').followRuns(jobs);
        };
        this._register(runs.onDidChangeRuns(followRuns));
        return runs;
      },
      sync: (m) => {
        const sync = this._register(new m.SyncController(connection, logger));
        this._register(new m.SyncStatusBar(sync));
        return sync;
      },
      drift: (m) => this._register(new m.DriftCommands(context.extensionUri, connection)),
      experiments: (m) =>
        this._register(
          new m.ExperimentsFeature(context.extensionUri, connection, logger.child('experiments'), {
            runsView: { view: runsView, attach: (p) => runsProvider.attach(p) },
            followedHere: (id) => features.peek('runs')?.active.has(id) ?? false,
          }),
        ),
      queues: (m) =>
        this._register(
          new m.QueuesFeature(connection, logger.child('queues'), { view: queuesView, attach: (p) => queuesProvider.attach(p) }),
        ),
      health: (m) => {
        const health = this._register(new m.HealthFeature(context.extensionUri, connection, logger.child('health')));
        // The findings of a followed job show under it in the Jobs view too.
        health.onDidChangeFindings((e) => features.peek('explorer')?.setJobFindings(e.job, e.findings));
        return health;
      },
    };
    const contributed = (
      (context.extension.packageJSON as { contributes?: { commands?: Array<{ command: string }> } }).contributes?.commands ?? []
    ).map((c) => c.command);
    const features = this._register(new LazyFeatures<Features>(factories, contributed, logger));
    // Until the explorer owns them (it disposes them then), the views are this one's.
    this._register({ dispose: () => features.peek('explorer') || views.forEach((v) => (v.view.dispose(), v.provider.dispose())) });

    // The linter loads right after activation once a YAML document is open, not during it.
    this._register(
      whenYamlIsOpen(() => {
        try {
          features.get('lint');
        } catch {
          // Logged by get(); the diagnostics stay off.
        }
      }),
    );

    // Connect right after activation, not during it: the first connection loads the Kubernetes
    // client (dist/k8s.js), which activation should not wait for.
    const ready = new Promise<void>((resolve) => setImmediate(resolve)).then(() => controller.reconnect());
    this.api = {
      connection,
      ready,
      get explorer() {
        return features.get('explorer');
      },
      get sync() {
        return features.get('sync');
      },
      get drift() {
        return features.get('drift');
      },
      get lint() {
        return features.get('lint');
      },
      get runs() {
        return features.get('runs');
      },
      get experiments() {
        return features.get('experiments');
      },
      get queues() {
        return features.get('queues');
      },
      get health() {
        return features.get('health');
      },
    };
  }
}
