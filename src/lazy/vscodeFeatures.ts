/* eslint-disable @typescript-eslint/no-require-imports -- deliberate lazy loads */
import * as vscode from 'vscode';
import { Disposable } from '../common/lifecycle';
import { messageOf } from '../common/errors';
import type { Logger } from '../common/logging';
import { FEATURES, featureOfCommand, isCoreCommand, type FeatureName } from './commandTable';
import type * as Explorer from './entries/explorer';
import type * as Lint from './entries/lint';
import type * as Runs from './entries/runs';
import type * as Sync from './entries/sync';
import type * as Drift from './entries/drift';
import type * as Experiments from './entries/experiments';
import type * as Queues from './entries/queues';
import type * as Health from './entries/health';

/** Set by the bundler: each feature ships as its own file next to dist/extension.js. */
declare const KUBEML_SPLIT_FEATURES: boolean | undefined;

export interface FeatureModules {
  explorer: typeof Explorer;
  lint: typeof Lint;
  runs: typeof Runs;
  sync: typeof Sync;
  drift: typeof Drift;
  experiments: typeof Experiments;
  queues: typeof Queues;
  health: typeof Health;
}

// Literal paths and the condition inline, so that the bundler keeps each require as a reference
// to its own file (scripts/build.mjs marks ./<feature>.js external) and drops the other branch;
// unbundled, the entries load directly.
const loaders: { [K in FeatureName]: () => FeatureModules[K] } = {
  explorer: () =>
    typeof KUBEML_SPLIT_FEATURES !== 'undefined' && KUBEML_SPLIT_FEATURES ? require('./explorer.js') : require('./entries/explorer'),
  lint: () => (typeof KUBEML_SPLIT_FEATURES !== 'undefined' && KUBEML_SPLIT_FEATURES ? require('./lint.js') : require('./entries/lint')),
  runs: () => (typeof KUBEML_SPLIT_FEATURES !== 'undefined' && KUBEML_SPLIT_FEATURES ? require('./runs.js') : require('./entries/runs')),
  sync: () => (typeof KUBEML_SPLIT_FEATURES !== 'undefined' && KUBEML_SPLIT_FEATURES ? require('./sync.js') : require('./entries/sync')),
  drift: () => (typeof KUBEML_SPLIT_FEATURES !== 'undefined' && KUBEML_SPLIT_FEATURES ? require('./drift.js') : require('./entries/drift')),
  experiments: () =>
    typeof KUBEML_SPLIT_FEATURES !== 'undefined' && KUBEML_SPLIT_FEATURES ? require('./experiments.js') : require('./entries/experiments'),
  queues: () =>
    typeof KUBEML_SPLIT_FEATURES !== 'undefined' && KUBEML_SPLIT_FEATURES ? require('./queues.js') : require('./entries/queues'),
  health: () =>
    typeof KUBEML_SPLIT_FEATURES !== 'undefined' && KUBEML_SPLIT_FEATURES ? require('./health.js') : require('./entries/health'),
};

/** The code of a feature: compiled and evaluated on the first call, cached by require after that. */
export function featureModule<K extends FeatureName>(name: K): FeatureModules[K] {
  return loaders[name]();
}

/** Builds a feature from its module (the composition root says how). */
export type FeatureFactories<I extends Record<FeatureName, unknown>> = { [K in FeatureName]: (module: FeatureModules[K]) => I[K] };

/**
 * The features of KubeML, each built on first use. At activation every contributed command gets
 * a thin handler; its first call builds the feature that owns the command (src/lazy/commandTable.ts),
 * whose own registration takes the handler's place, and runs the command again with the same
 * arguments. Accessing a feature (the API, a tree view, an open YAML document) builds it too.
 */
export class LazyFeatures<I extends Record<FeatureName, unknown>> extends Disposable {
  private readonly built = new Map<FeatureName, unknown>();
  private readonly shims = new Map<string, vscode.Disposable>();
  private building: FeatureName | undefined;

  constructor(
    private readonly factories: FeatureFactories<I>,
    private readonly commandIds: readonly string[],
    private readonly log: Logger,
  ) {
    super();
    this.registerShims();
    this._register({ dispose: () => this.dropShims() });
  }

  /** The feature if it has been built. */
  peek<K extends FeatureName>(name: K): I[K] | undefined {
    return this.built.get(name) as I[K] | undefined;
  }

  /** The feature, built now if it has not been. Throws when its code cannot be loaded. */
  get<K extends FeatureName>(name: K): I[K] {
    if (this.built.has(name)) return this.built.get(name) as I[K];
    if (this.isDisposed) throw new Error(`KubeML is shutting down; ${name} is not available.`);
    if (this.building === name) throw new Error(`KubeML's ${name} feature needs itself while it is being built.`);
    const outer = this.building;
    this.building = name;
    const started = Date.now();
    // The feature registers its own commands: take every handler away while it is built, then put
    // back those whose command is still free (registerCommand throws for a registered one).
    this.dropShims();
    try {
      const factory = this.factories[name] as (m: FeatureModules[K]) => I[K];
      const feature = factory(featureModule(name));
      this.built.set(name, feature);
      this.log.debug(`loaded ${name} in ${Date.now() - started} ms`);
      return feature;
    } catch (e) {
      this.log.error(`loading ${name} failed`, e);
      throw e;
    } finally {
      this.building = outer;
      // A feature built while another one is (its factory asked for it) leaves that to the outer one.
      if (!outer && !this.isDisposed) this.registerShims();
    }
  }

  private registerShims(): void {
    for (const id of this.commandIds) {
      if (this.shims.has(id) || isCoreCommand(id)) continue;
      try {
        this.shims.set(
          id,
          vscode.commands.registerCommand(id, (...args: unknown[]) => this.runShim(id, args)),
        );
      } catch {
        // A feature built earlier registered it.
      }
    }
  }

  private dropShims(): void {
    for (const d of this.shims.values()) d.dispose();
    this.shims.clear();
  }

  private async runShim(id: string, args: unknown[]): Promise<unknown> {
    const feature = featureOfCommand(id);
    try {
      if (feature) this.get(feature);
      // Not where the table says (or not in it): build them all rather than fail the user.
      if (this.shims.has(id)) for (const f of FEATURES) this.get(f);
    } catch (e) {
      void vscode.window.showErrorMessage(
        vscode.l10n.t(
          'KubeML could not load the code of "{0}": {1}. Reload the window; if it persists, reinstall KubeML.',
          id,
          messageOf(e),
        ),
      );
      return undefined;
    }
    if (this.shims.has(id)) {
      void vscode.window.showErrorMessage(
        vscode.l10n.t('KubeML has no handler for "{0}". Report this as a bug, with the KubeML log (KubeML: Show Log).', id),
      );
      return undefined;
    }
    return vscode.commands.executeCommand(id, ...args);
  }
}

/** Calls `load` once, on the next turn after a YAML document is (or already was) open: the linter's trigger. */
export function whenYamlIsOpen(load: () => void): vscode.Disposable {
  const isYaml = (d: vscode.TextDocument) => d.languageId === 'yaml' || /\.ya?ml$/i.test(d.fileName);
  let scheduled = false;
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    listener?.dispose();
    setImmediate(load);
  };
  let listener: vscode.Disposable | undefined;
  if (vscode.workspace.textDocuments.some(isYaml)) schedule();
  else listener = vscode.workspace.onDidOpenTextDocument((d) => isYaml(d) && schedule());
  return { dispose: () => listener?.dispose() };
}
