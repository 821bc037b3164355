/**
 * Why Is It Pending? on a pending job of the Jobs view (or a pending run of the Runs view): the pending
 * explanation's sentence and details in a quick pick, with its actions as items. Changes kubeml.yaml can
 * say (gpus, the GPU taint, gpuProduct, queue) become a WorkspaceEdit of the workspace's kubeml.yaml,
 * revealed and left unsaved; blocking workloads are listed (the Queues view revealed), a missing claim is
 * created through Create Missing Claim. The dialog goes through ExplorerPrompts (tests answer it).
 */
import * as vscode from 'vscode';
import { KubeMLError } from '../common/errors';
import { Commands, Views } from '../constants';
import { applySpecEdit } from '../model/pending/specEdits';
import type { PendingAction, PendingExplanation } from '../model/pending';
import type { ExplorerNode } from './model';
import type { ExplorerPrompts } from './commands';
import type { JobsModel } from './jobsModel';

export interface WhyPendingResult {
  /** The job (`namespace/name`). */
  job: string;
  sentence: string;
  details: string[];
  actions: PendingAction[];
  /** The action chosen, if any. */
  chosen?: PendingAction;
  /** What the action did: the kubeml.yaml edited (unsaved) and the line revealed, or why nothing was done. */
  outcome?: { edited?: { uri: string; line: number }; refused?: string; opened?: string };
}

type Item = vscode.QuickPickItem & { action?: PendingAction };

function actionItem(a: PendingAction): Item {
  switch (a.kind) {
    case 'addToleration':
      return {
        label: `$(shield) ${vscode.l10n.t('Tolerate the taint {0}', a.value ? `${a.key}=${a.value}` : a.key)}`,
        description: vscode.l10n.t('{0} node(s) carry it', a.nodes),
        action: a,
      };
    case 'setGpus':
      return { label: `$(circuit-board) ${vscode.l10n.t('Ask for {0} GPU(s)', a.gpus)}`, description: a.resource, action: a };
    case 'setNodeSelector':
      return {
        label: `$(server) ${vscode.l10n.t('Select {0}={1} instead of {2}', a.key, a.to, a.from)}`,
        description: vscode.l10n.t('{0} node(s) have it', a.nodes),
        action: a,
      };
    case 'switchQueue':
      return {
        label: `$(arrow-swap) ${vscode.l10n.t('Switch to queue {0}', a.queue)}`,
        description: vscode.l10n.t('{0} {1} free in {2} ({3})', a.free, a.resource, a.clusterQueue, a.flavor),
        action: a,
      };
    case 'showBlockingWorkloads':
      return {
        label: `$(list-ordered) ${vscode.l10n.t('Show the {0} workload(s) ahead', a.workloads.length)}`,
        ...(a.clusterQueue ? { description: a.clusterQueue } : {}),
        action: a,
      };
    case 'createClaim':
      return { label: `$(database) ${vscode.l10n.t('Create the claim {0}', a.name)}`, action: a };
  }
}

function runIdOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  const o = arg as { runId?: unknown } | null | undefined;
  return typeof o?.runId === 'string' ? o.runId : undefined;
}

export class WhyPending {
  constructor(
    private readonly jobs: JobsModel,
    private readonly prompts: () => ExplorerPrompts,
    /** Opens an object's live YAML (a blocking workload). */
    private readonly openYaml: (ref: { kindId: 'workloads'; namespace: string; name: string }) => Promise<unknown>,
  ) {}

  async run(arg?: unknown): Promise<WhyPendingResult | undefined> {
    const node = arg as ExplorerNode | undefined;
    const ref = typeof node?.data?.ref === 'string' ? node.data.ref : undefined;
    const runId = ref ? undefined : runIdOf(arg);
    const s = ref ? this.jobs.summary(ref) : runId ? this.jobs.summaryOfRun(runId) : undefined;
    if (!s) {
      throw new KubeMLError(
        'not-found',
        runId
          ? vscode.l10n.t('The job of run {0} is not in the Jobs view.', runId)
          : vscode.l10n.t('Run this command on a pending job of the Jobs view.'),
        vscode.l10n.t('Check that its namespace is among the selected ones, then try again.'),
      );
    }
    const job = `${s.namespace}/${s.name}`;
    if (s.state !== 'Pending') {
      void this.prompts().info(vscode.l10n.t('{0} is not pending: it is {1}.', job, s.state));
      return undefined;
    }
    const why: PendingExplanation | undefined = this.jobs.whyPending(s);
    if (!why) {
      void this.prompts().info(
        vscode.l10n.t('{0} is pending, but neither its pods nor Kueue say why yet. Try again in a few seconds, or Describe it.', job),
      );
      return { job, sentence: '', details: [], actions: [] };
    }
    const result: WhyPendingResult = { job, sentence: why.sentence, details: why.details, actions: why.actions };
    const items: Item[] = [
      ...why.actions.map(actionItem),
      ...(why.details.length
        ? [{ label: vscode.l10n.t('Details'), kind: vscode.QuickPickItemKind.Separator } as Item, ...why.details.map((d) => ({ label: d }))]
        : []),
    ];
    const picked = await this.prompts().pick(items, {
      title: why.sentence,
      placeHolder: why.actions.length
        ? vscode.l10n.t('Choose a change that would let {0} start (Escape: none)', s.name)
        : vscode.l10n.t('{0}: nothing in kubeml.yaml would change this; the details follow', s.name),
      matchOnDescription: true,
    });
    if (!picked?.action) return result;
    result.chosen = picked.action;
    result.outcome = await this.apply(picked.action, s.namespace);
    return result;
  }

  private async apply(a: PendingAction, namespace: string): Promise<WhyPendingResult['outcome']> {
    if (a.kind === 'showBlockingWorkloads') {
      await vscode.commands.executeCommand(`${Views.queues}.focus`).then(undefined, () => undefined);
      if (!a.workloads.length) return {};
      const w = await this.prompts().pick(
        a.workloads.map((x) => ({ label: x.name, description: x.namespace, workload: x })),
        {
          title: vscode.l10n.t('The workloads ahead in {0}', a.clusterQueue ?? vscode.l10n.t('the queue')),
          placeHolder: vscode.l10n.t('Open one'),
        },
      );
      if (!w) return {};
      await this.openYaml({ kindId: 'workloads', namespace: w.workload.namespace, name: w.workload.name });
      return { opened: `${w.workload.namespace}/${w.workload.name}` };
    }
    if (a.kind === 'createClaim') {
      await vscode.commands.executeCommand(Commands.createMissingClaims, { namespace: a.namespace ?? namespace, claims: [a.name] });
      return {};
    }
    const uri = await this.specFile();
    if (!uri) {
      const refused = vscode.l10n.t("No kubeml.yaml in this workspace: change the job's own manifest instead.");
      this.prompts().warn(refused);
      return { refused };
    }
    const doc = await vscode.workspace.openTextDocument(uri);
    const edit = applySpecEdit(doc.getText(), a);
    if (!edit.ok) {
      this.prompts().warn(edit.reason);
      return { refused: edit.reason };
    }
    const we = new vscode.WorkspaceEdit();
    we.replace(uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), edit.text);
    if (!(await vscode.workspace.applyEdit(we)))
      throw new KubeMLError('invalid', vscode.l10n.t('VS Code refused the edit of {0}.', vscode.workspace.asRelativePath(uri)));
    // Shown with the changed line selected, not saved: the user reads it, then saves (or undoes).
    const editor = await vscode.window.showTextDocument(doc, { preview: false });
    const line = doc.lineAt(Math.min(edit.line, doc.lineCount - 1)).range;
    editor.selection = new vscode.Selection(line.start, line.end);
    editor.revealRange(line, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    return { edited: { uri: uri.toString(), line: edit.line } };
  }

  /**
   * The kubeml.yaml to change: the active editor's when it is one, else the one at a workspace folder's
   * root (the one Launch Training runs), else a choice among those deeper in the workspace.
   */
  private async specFile(): Promise<vscode.Uri | undefined> {
    const active = vscode.window.activeTextEditor?.document.uri;
    if (active && active.path.endsWith('/kubeml.yaml')) return active;
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      const root = vscode.Uri.joinPath(f.uri, 'kubeml.yaml');
      if (
        await vscode.workspace.fs.stat(root).then(
          () => true,
          () => false,
        )
      )
        return root;
    }
    const found = await vscode.workspace.findFiles('**/kubeml.yaml', '**/node_modules/**', 20);
    if (found.length <= 1) return found[0];
    const picked = await this.prompts().pick(
      found.map((u) => ({ label: vscode.workspace.asRelativePath(u), uri: u })),
      { placeHolder: vscode.l10n.t('Change which kubeml.yaml?') },
    );
    return picked?.uri;
  }
}
