import * as vscode from 'vscode';
import type { ClusterConnection } from '../cluster/connection';
import { Disposable, toDisposable } from '../common/lifecycle';
import { messageOf } from '../common/errors';
import type { Logger } from '../common/logging';
import { vscodeSettings } from '../common/ui/vscodeConfig';
import { ClusterLintData } from './cluster';
import { lintSettings, type LintSettings } from './settings';
import { IncrementalLinter, looksLikeKubernetes, type LintConfig } from './engine';
import { classifyFile, lintByKind, worthLinting, type Classified } from './fileKind';
import { primeInSlices } from './sliced';
import { ruleMeta } from './rules';
import { foldHardening, HARDENING_RULE } from './hardening';
import { Commands } from '../constants';
import { bundledValidator } from './schema/bundled';
import { chooseKubernetesVersion } from './schema/versions';
import type { SchemaValidator } from './schema/validator';
import type { Finding, Severity } from './types';

const SOURCE = 'kubeml';
/** How long one lint of a file in the editor may take. */
const LINT_BUDGET_MS = 3000;
const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

function readSettings(): LintSettings {
  return lintSettings(vscodeSettings());
}

/**
 * Manifest diagnostics in the editor: lints every open YAML document that holds Kubernetes
 * objects (and kubeml.yaml), debounced on edits, re-parsing only the YAML documents that
 * changed; offers the rules' fixes as quick fixes.
 */
export class LintDiagnostics extends Disposable implements vscode.CodeActionProvider {
  static readonly providedCodeActionKinds = [vscode.CodeActionKind.QuickFix];

  readonly collection: vscode.DiagnosticCollection;
  readonly cluster: ClusterLintData;
  private readonly linters = new Map<string, IncrementalLinter>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly findings = new Map<string, { version: number; findings: Finding[] }>();
  private settings = readSettings();
  /** Bundled validators by Kubernetes version; undefined when the bundle could not be read. */
  private readonly bundledValidators = new Map<string, SchemaValidator | undefined>();

  constructor(
    private readonly connection: ClusterConnection,
    private readonly log: Logger,
  ) {
    super();
    this.collection = this._register(vscode.languages.createDiagnosticCollection(SOURCE));
    this.cluster = this._register(new ClusterLintData(() => (connection.state.kind === 'connected' ? connection.client : undefined), log));
    const subs: vscode.Disposable[] = [];
    vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0), this, subs);
    vscode.workspace.onDidChangeTextDocument(
      (e) => e.contentChanges.length && this.schedule(e.document, this.settings.debounceMs),
      this,
      subs,
    );
    vscode.workspace.onDidCloseTextDocument((d) => this.forget(d.uri), this, subs);
    vscode.workspace.onDidChangeConfiguration(
      (e) => {
        if (e.affectsConfiguration('kubeml.lint') || e.affectsConfiguration('yaml.schemas')) {
          this.settings = readSettings();
          this.relintAll();
        }
      },
      this,
      subs,
    );
    vscode.extensions.onDidChange(() => this.relintAll(), this, subs);
    subs.push(
      vscode.languages.registerCodeActionsProvider([{ language: 'yaml' }, { pattern: '**/*.{yaml,yml}' }], this, {
        providedCodeActionKinds: LintDiagnostics.providedCodeActionKinds,
      }),
    );
    this._register(toDisposable(() => subs.forEach((s) => s.dispose())));
    this._register(connection.onDidChange(() => this.cluster.reset()));
    this._register(this.cluster.onDidChange(() => this.relintAll()));
    this._register(toDisposable(() => this.timers.forEach((t) => clearTimeout(t))));
    vscode.workspace.textDocuments.forEach((d) => this.schedule(d, 0));
  }

  /** Lints a document now (the tests and Validate Against Cluster use it); returns its findings. */
  analyze(document: vscode.TextDocument): Finding[] {
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    if (!this.shouldLint(document)) {
      this.forget(document.uri);
      return [];
    }
    let linter = this.linters.get(key);
    if (!linter) this.linters.set(key, (linter = new IncrementalLinter()));
    const started = Date.now();
    let findings: Finding[];
    try {
      // Templates masked (no helm in the extension host), patches partial, kubeml.yaml by its own schema (fileKind.ts).
      findings = lintByKind(linter, this.kindOf(document), document.getText(), this.config(document)).findings;
    } catch (e) {
      this.log.error(`linting ${document.uri.fsPath} failed`, e);
      findings = [];
    }
    const ms = Date.now() - started;
    if (ms > 200) this.log.debug(`linted ${document.uri.fsPath} in ${ms} ms`);
    // Security and resource suggestions fold into one information unless the workspace asks otherwise.
    const shown = foldHardening(findings, this.settings.hardening).shown;
    this.findings.set(key, { version: document.version, findings: shown });
    this.collection.set(
      document.uri,
      shown.map((f) => this.toDiagnostic(document, f)),
    );
    return shown;
  }

  private shouldLint(d: vscode.TextDocument): boolean {
    if (!this.settings.enable || (d.uri.scheme !== 'file' && d.uri.scheme !== 'untitled' && d.uri.scheme !== 'vscode-remote')) return false;
    const isKubeml = /(^|[\\/])kubeml\.ya?ml$/.test(d.fileName);
    if (d.languageId !== 'yaml' && !isKubeml && !/\.ya?ml$/i.test(d.fileName)) return false;
    return worthLinting(this.kindOf(d), () => looksLikeKubernetes(d.getText()));
  }

  /** What the file is (template, patch, kustomization, kubeml.yaml, ...); untitled documents are plain manifests. */
  private kindOf(d: vscode.TextDocument): Classified {
    return d.uri.scheme === 'untitled' ? { kind: 'manifest' } : classifyFile(d.fileName, d.getText());
  }

  /**
   * The bundled schema of the Kubernetes version to check against (kubeml.lint.kubernetesVersion, else
   * the connected cluster's), read on the first lint rather than at activation (it keeps activation cheap).
   */
  private bundled(): SchemaValidator | undefined {
    const state = this.connection.state;
    const version = chooseKubernetesVersion(this.settings.kubernetesVersion, state.kind === 'connected' ? state.version : undefined);
    if (!this.bundledValidators.has(version)) {
      let v: SchemaValidator | undefined;
      try {
        v = bundledValidator(version);
      } catch (e) {
        this.log.error('manifest schema checks are off', e);
      }
      this.bundledValidators.set(version, v);
    }
    return this.bundledValidators.get(version);
  }

  private config(d: vscode.TextDocument): LintConfig {
    const s = this.settings;
    const schema = s.schemaValidation === 'on' || (s.schemaValidation === 'auto' && !redHatValidatesKubernetes(d));
    return {
      rules: s.rules,
      schema,
      bundledSchema: schema ? this.bundled() : undefined,
      clusterSchema: schema ? this.cluster.clusterSchema(s.clusterSchema) : undefined,
      facts: {
        pvcNames: (ns) => this.cluster.pvcNames(ns),
        defaultNamespace: this.connection.kubeConfig ? this.connection.defaultNamespace : undefined,
      },
      maxFileBytes: s.maxFileBytes,
      timeBudgetMs: LINT_BUDGET_MS,
      generation: this.cluster.generation,
      kubemlSpec: /(^|[\\/])kubeml\.ya?ml$/.test(d.fileName),
    };
  }

  private toDiagnostic(d: vscode.TextDocument, f: Finding): vscode.Diagnostic {
    const range = new vscode.Range(d.positionAt(f.start), d.positionAt(f.end));
    const diag = new vscode.Diagnostic(range, f.message, SEVERITY[f.severity]);
    diag.source = SOURCE;
    diag.code = f.ruleId;
    return diag;
  }

  private schedule(d: vscode.TextDocument, delay: number): void {
    const key = d.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.analyzeInSlices(d).catch((e) => this.log.error('lint failed', messageOf(e)));
      }, delay),
    );
  }

  /**
   * analyze(), with a big file's documents parsed one per turn of the event loop first (sliced.ts),
   * so that the extension host is never blocked for the whole parse. An edit meanwhile stops it (its
   * own timer lints the new text), keeping what was parsed.
   */
  private async analyzeInSlices(d: vscode.TextDocument): Promise<void> {
    const key = d.uri.toString();
    if (this.shouldLint(d)) {
      let linter = this.linters.get(key);
      if (!linter) this.linters.set(key, (linter = new IncrementalLinter()));
      const version = d.version;
      const stale = () => d.isClosed || d.version !== version || this.linters.get(key) !== linter || this.timers.has(key);
      await primeInSlices(linter, d.getText(), { maxFileBytes: this.settings.maxFileBytes, budgetMs: LINT_BUDGET_MS, stale });
      if (stale()) return;
    }
    this.analyze(d);
  }

  private relintAll(): void {
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 50);
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.linters.delete(key);
    this.findings.delete(key);
    this.collection.delete(uri);
  }

  provideCodeActions(
    document: vscode.TextDocument,
    range: vscode.Range | vscode.Selection,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const entry = this.findings.get(document.uri.toString());
    if (!entry || entry.version !== document.version) return [];
    const actions: vscode.CodeAction[] = [];
    const ours = context.diagnostics.filter((d) => d.source === SOURCE);
    for (const f of entry.findings) {
      const fr = new vscode.Range(document.positionAt(f.start), document.positionAt(f.end));
      if (!fr.intersection(range) && !fr.contains(range)) continue;
      const diag = ours.find((d) => d.code === f.ruleId && d.range.isEqual(fr));
      for (const fix of f.fixes ?? []) {
        const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        action.edit = new vscode.WorkspaceEdit();
        for (const e of fix.edits)
          action.edit.replace(document.uri, new vscode.Range(document.positionAt(e.start), document.positionAt(e.end)), e.newText);
        action.isPreferred = fix.preferred;
        if (diag) action.diagnostics = [diag];
        actions.push(action);
      }
      if (f.ruleId === HARDENING_RULE) {
        const offer = (title: string, mode: 'show' | 'off') => {
          const a = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
          a.command = { command: Commands.setLintHardening, title, arguments: [mode] };
          if (diag) a.diagnostics = [diag];
          actions.push(a);
        };
        offer(vscode.l10n.t('Show the hardening suggestions in this workspace'), 'show');
        offer(vscode.l10n.t('Turn hardening suggestions off in this workspace'), 'off');
      }
      if (ruleMeta(f.ruleId) && f.ruleId !== 'yaml-syntax') {
        const off = new vscode.CodeAction(vscode.l10n.t('Disable {0} for this file', f.ruleId), vscode.CodeActionKind.QuickFix);
        off.edit = new vscode.WorkspaceEdit();
        off.edit.insert(document.uri, new vscode.Position(0, 0), `# kubeml-lint-disable-file ${f.ruleId}\n`);
        if (diag) off.diagnostics = [diag];
        actions.push(off);
      }
    }
    return actions;
  }
}

/**
 * True when the Red Hat YAML extension is installed and set to validate this file against the
 * Kubernetes schema (`yaml.schemas` maps "kubernetes" to a glob that matches it): KubeML then
 * leaves schema findings to it (setting kubeml.lint.schemaValidation: auto).
 */
export function redHatValidatesKubernetes(d: vscode.TextDocument): boolean {
  if (!vscode.extensions.getExtension('redhat.vscode-yaml')) return false;
  const yaml = vscode.workspace.getConfiguration('yaml', d.uri);
  if (yaml.get<boolean>('validate', true) === false) return false;
  const schemas = yaml.get<Record<string, string | string[]>>('schemas', {});
  for (const [schema, globs] of Object.entries(schemas)) {
    if (schema !== 'kubernetes' && !/kubernetes-json-schema|yannh\/kubernetes|instrumenta\/kubernetes/.test(schema)) continue;
    for (const glob of Array.isArray(globs) ? globs : [globs]) {
      if (vscode.languages.match({ pattern: glob.startsWith('/') || glob.includes('*') ? glob : `**/${glob}` }, d) > 0) return true;
    }
  }
  return false;
}
