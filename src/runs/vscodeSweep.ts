/**
 * Launch Sweep and Cancel Sweep: a thin skin over SweepExecution (sweep.ts), registered by
 * RunCommands. Progress with cancel (cancelling it cancels the sweep), refused in an untrusted
 * workspace like Launch Training, and one notification at the end naming the best trial.
 */
import * as vscode from 'vscode';
import { type ClusterConnection } from '../cluster/connection';
import { Commands } from '../constants';
import { KubeMLError, messageOf } from '../common/errors';
import { Disposable } from '../common/lifecycle';
import { type Logger } from '../common/logging';
import { SPEC_FILE } from '../model/runSpec';
import type { SweepRecord } from '../model/sweepRecords';
import { type RunCommands } from './commands';
import { RunExecution } from './launcher';
import { SweepExecution } from './sweep';

export interface SweepLaunchOptions {
  /** Values for the parameters the sweep does not vary (else their defaults). */
  readonly params?: Record<string, unknown>;
  /** Resolve with the final sweep record instead of its id once it started. */
  readonly wait?: boolean;
}

const sweepIdOf = (arg: unknown): string | undefined =>
  typeof arg === 'string'
    ? arg
    : typeof arg === 'object' && arg !== null
      ? ((arg as { sweepId?: string; sweep?: { id?: string } }).sweepId ?? (arg as { sweep?: { id?: string } }).sweep?.id)
      : undefined;

export class SweepCommands extends Disposable {
  /** Sweeps started in this window that have not ended. */
  readonly active = new Map<string, SweepExecution>();

  constructor(
    private readonly runs: RunCommands,
    private readonly connection: ClusterConnection,
    private readonly log: Logger,
  ) {
    super();
    this._register(
      vscode.commands.registerCommand(Commands.launchSweep, (a?: unknown, o?: unknown) => this.launch(a, o as SweepLaunchOptions)),
    );
    this._register(vscode.commands.registerCommand(Commands.cancelSweep, (a?: unknown) => this.cancel(a)));
  }

  override dispose(): void {
    // Closing the window stops the sweep's queue; its running trials go on in the cluster (their records say so).
    for (const s of this.active.values()) s.dispose();
    super.dispose();
  }

  async launch(arg?: unknown, opts: SweepLaunchOptions = {}): Promise<SweepRecord | string | undefined> {
    try {
      this.runs.requireTrust();
      const ws = await this.runs.workspace(arg);
      if (!ws.spec.sweep)
        throw new KubeMLError(
          'invalid',
          vscode.l10n.t('{0} has no sweep section.', SPEC_FILE),
          vscode.l10n.t('Add sweep: with parameters, metric and direction (see schemas/kubeml.schema.json).'),
        );
      const { client, kc } = this.runs.cluster();
      const deps = { kc, client, store: this.runs.store(ws.folder), log: this.log };
      const sweep = new SweepExecution(
        {
          ...deps,
          // Each trial shows in the status bar's active runs, and Cancel Run can stop one trial.
          startRun: (req) => {
            const run = new RunExecution(deps, req);
            this.runs.track(run);
            return run;
          },
        },
        {
          workspace: ws.folder,
          spec: ws.spec,
          namespace: ws.spec.namespace ?? this.connection.defaultNamespace,
          ...(this.connection.currentContext ? { context: this.connection.currentContext } : {}),
          ...(opts.params ? { params: opts.params } : {}),
        },
      );
      this.active.set(sweep.id, sweep);
      const done = vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Sweep {0}', sweep.id), cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => void sweep.cancel());
          let last = '';
          const sub = sweep.onDidChange((r) => {
            const msg = progressText(r);
            if (msg !== last) progress.report({ message: (last = msg) });
          });
          try {
            return await sweep.start();
          } finally {
            sub.dispose();
          }
        },
      );
      const finished = Promise.resolve(done).then((r) => {
        this.active.delete(sweep.id);
        sweep.dispose();
        void this.notify(r);
        return r;
      });
      return opts.wait ? finished : sweep.id;
    } catch (e) {
      this.log.warn(messageOf(e));
      void vscode.window.showErrorMessage(messageOf(e));
      return undefined;
    }
  }

  async cancel(arg?: unknown): Promise<SweepRecord | undefined> {
    let id = sweepIdOf(arg) ?? (this.active.size === 1 ? [...this.active.keys()][0] : undefined);
    if (!id && this.active.size > 1) {
      const pick = await vscode.window.showQuickPick([...this.active.keys()], { title: vscode.l10n.t('Cancel which sweep?') });
      if (!pick) return undefined;
      id = pick;
    }
    const sweep = id ? this.active.get(id) : undefined;
    if (!sweep) {
      void vscode.window.showInformationMessage(
        id ? vscode.l10n.t('Sweep {0} is not running in this window.', id) : vscode.l10n.t('No sweep is running in this window.'),
      );
      return undefined;
    }
    await sweep.cancel();
    return sweep.record;
  }

  private async notify(r: SweepRecord): Promise<void> {
    const showLogs = vscode.l10n.t('Show Best Trial Logs');
    const done = r.trials.filter((t) => t.phase === 'succeeded').length;
    let choice: string | undefined;
    if (r.state === 'cancelled') {
      void vscode.window.showInformationMessage(vscode.l10n.t('Sweep {0} was cancelled after {1} succeeded trial(s).', r.id, done));
      return;
    }
    if (r.best)
      choice = await vscode.window.showInformationMessage(
        vscode.l10n.t(
          'Sweep {0}: {1} of {2} trials succeeded; the best is trial {3} ({4}) with {5} {6}.',
          r.id,
          done,
          r.trials.length,
          r.best.trial + 1,
          r.best.runId,
          r.spec.metric,
          +r.best.value.toFixed(4),
        ),
        showLogs,
      );
    else
      void vscode.window.showErrorMessage(
        vscode.l10n.t('Sweep {0}: no trial reported {1} ({2} of {3} succeeded).', r.id, r.spec.metric, done, r.trials.length),
      );
    if (choice === showLogs && r.best) await vscode.commands.executeCommand(Commands.showRunLogs, r.best.runId);
  }
}

/** "trial 3/8 running · 2 done · best accuracy 0.91 (trial 2)", or why the next trial waits. */
export function progressText(r: SweepRecord): string {
  const running = r.trials.filter(
    (t) => t.phase !== 'queued' && t.phase !== 'waiting' && !['succeeded', 'failed', 'cancelled'].includes(t.phase),
  );
  const ended = r.trials.filter((t) => ['succeeded', 'failed', 'cancelled'].includes(t.phase)).length;
  const waiting = r.trials.find((t) => t.phase === 'waiting');
  const parts = [
    vscode.l10n.t('{0} running, {1} of {2} done', running.length, ended, r.trials.length),
    ...(r.best ? [vscode.l10n.t('best {0} {1} (trial {2})', r.spec.metric, +r.best.value.toFixed(4), r.best.trial + 1)] : []),
    ...(waiting?.detail ? [waiting.detail] : []),
  ];
  return parts.join(' · ');
}
