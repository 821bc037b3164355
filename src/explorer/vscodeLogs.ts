import * as vscode from 'vscode';
import { type KubeConfig } from '@kubernetes/client-node';
import { KubeMLError, messageOf } from '../common/errors';
import { type IDisposable } from '../common/lifecycle';
import { followLogsWhenStarted, LineBatcher } from '../cluster/stream/logs';

export interface LogPod {
  namespace: string;
  name: string;
  containers: string[];
  /** The container to follow; undefined: the pod's only (or default) container. */
  container?: string;
}

/** Where followed lines go: an output channel or a terminal. Text arrives in batches of whole lines. */
export interface LogSink extends IDisposable {
  readonly kind: 'channel' | 'terminal';
  append(text: string): void;
  show(): void;
  /** A line of our own ("[kubeml] ..."), set apart from the pod's output. */
  note(text: string): void;
  /** Fires when the user closes the sink (the terminal), which stops the follow. */
  onDidClose?: vscode.Event<void>;
}

export class ChannelSink implements LogSink {
  readonly kind = 'channel' as const;
  constructor(readonly channel: vscode.OutputChannel) {
    channel.clear();
  }
  append(text: string): void {
    this.channel.append(text);
  }
  note(text: string): void {
    this.channel.appendLine(`[kubeml] ${text}`);
  }
  show(): void {
    this.channel.show(true);
  }
  dispose(): void {
    // The channel outlives the follow (re-following reuses it); ExplorerCommands disposes it.
  }
}

/** At most this many characters wait for the terminal to open; older text is dropped (with a note). */
const MAX_PENDING_CHARS = 8 * 1024 * 1024;

/**
 * A Pseudoterminal that shows followed log lines (colours of the pods' own output kept). Writes
 * before VS Code opens it are kept (bounded) and written on open; the terminal's scrollback bounds
 * what it holds. Ctrl+C stops following; closing the terminal stops following.
 */
export class LogTerminal implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number | void>();
  private readonly closedByUser = new vscode.EventEmitter<void>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  readonly onDidCloseByUser = this.closedByUser.event;
  private opened = false;
  private pending: string[] = [];
  private pendingChars = 0;
  private dropped = 0;
  /** Set by the follow: what Ctrl+C does. */
  onInterrupt?: () => void;

  open(): void {
    this.opened = true;
    if (this.dropped)
      this.writeEmitter.fire(`\x1b[2m[kubeml] ${this.dropped} characters were dropped before the terminal opened.\x1b[0m\r\n`);
    for (const t of this.pending) this.writeEmitter.fire(t);
    this.pending = [];
    this.pendingChars = 0;
  }

  close(): void {
    this.closedByUser.fire();
  }

  handleInput(data: string): void {
    if (data === '\x03') this.onInterrupt?.();
  }

  write(text: string): void {
    const t = text.replace(/\r?\n/g, '\r\n');
    if (this.opened) {
      this.writeEmitter.fire(t);
      return;
    }
    this.pending.push(t);
    this.pendingChars += t.length;
    while (this.pendingChars > MAX_PENDING_CHARS && this.pending.length > 1) {
      const d = this.pending.shift()!;
      this.pendingChars -= d.length;
      this.dropped += d.length;
    }
  }

  dispose(): void {
    this.writeEmitter.dispose();
    this.closeEmitter.dispose();
    this.closedByUser.dispose();
  }
}

export class TerminalSink implements LogSink {
  readonly kind = 'terminal' as const;
  readonly pty = new LogTerminal();
  readonly terminal: vscode.Terminal;
  readonly onDidClose: vscode.Event<void>;

  constructor(name: string) {
    this.onDidClose = this.pty.onDidCloseByUser;
    this.terminal = vscode.window.createTerminal({ name, pty: this.pty, iconPath: new vscode.ThemeIcon('output') });
  }
  append(text: string): void {
    this.pty.write(text);
  }
  note(text: string): void {
    this.pty.write(`\x1b[2m[kubeml] ${text}\x1b[0m\n`);
  }
  show(): void {
    this.terminal.show(true);
  }
  dispose(): void {
    this.terminal.dispose();
    this.pty.dispose();
  }
}

const COLOURS = [36, 33, 35, 32, 34, 31, 96, 93, 95, 92, 94, 91];

/**
 * Follows the logs of one pod, or of every pod of a job (all ranks: pods that appear later, such
 * as retries or ranks created late, are picked up while the follow runs). Lines go to the sink in
 * batches (100,000 lines become a few dozen appends) and are never held in memory beyond a batch.
 */
export class LogFollow implements IDisposable {
  readonly abort = new AbortController();
  /** Lines handed to the sink (the pods' lines, not our notes). */
  lines = 0;
  private readonly followed = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private readonly batcher: LineBatcher;
  private poll: NodeJS.Timeout | undefined;
  private readonly subs: IDisposable[] = [];
  readonly done: Promise<void>;

  constructor(
    private readonly kc: KubeConfig,
    readonly sink: LogSink,
    private readonly pods: () => LogPod[],
    private readonly opts: { prefix: boolean; watchNewPods: boolean; pollMs?: number; active?: () => boolean },
  ) {
    this.batcher = new LineBatcher((text) => sink.append(text));
    if (sink.onDidClose) this.subs.push(sink.onDidClose(() => this.stop()));
    if (sink instanceof TerminalSink) sink.pty.onInterrupt = () => this.stop(vscode.l10n.t('Stopped following (Ctrl+C).'));
    this.done = this.run();
  }

  private prefix(pod: LogPod, index: number): string {
    if (!this.opts.prefix) return '';
    const c = COLOURS[index % COLOURS.length];
    return this.sink.kind === 'terminal' ? `\x1b[${c}m[${pod.name}]\x1b[0m ` : `[${pod.name}] `;
  }

  private start(pod: LogPod): void {
    const key = `${pod.namespace}/${pod.name}`;
    if (this.followed.has(key)) return;
    this.followed.add(key);
    const index = this.followed.size - 1;
    const pre = this.prefix(pod, index);
    const onLine = pre
      ? (line: string) => (this.lines++, this.batcher.push(pre + line))
      : (line: string) => (this.lines++, this.batcher.push(line));
    const p = followLogsWhenStarted(
      this.kc,
      { namespace: pod.namespace, pod: pod.name, container: pod.container },
      onLine,
      this.abort.signal,
      {
        onWaiting: (m) => {
          this.batcher.flush();
          this.sink.note(vscode.l10n.t('{0} has not started yet ({1}); waiting.', pod.name, m));
        },
      },
    ).then(
      () => {
        if (this.opts.prefix && !this.abort.signal.aborted) {
          this.batcher.flush();
          this.sink.note(vscode.l10n.t('The log of {0} ended.', pod.name));
        }
      },
      (e: unknown) => {
        this.batcher.flush();
        const gone = KubeMLError.is(e) && e.kind === 'not-found';
        this.sink.note(
          gone
            ? vscode.l10n.t('Pod {0} no longer exists: its log cannot be read.', `${pod.namespace}/${pod.name}`)
            : `${pod.name}: ${messageOf(e)}`,
        );
      },
    );
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  private async run(): Promise<void> {
    for (const p of this.pods()) this.start(p);
    if (this.opts.watchNewPods) {
      this.poll = setInterval(() => {
        if (!this.abort.signal.aborted) for (const p of this.pods()) this.start(p);
      }, this.opts.pollMs ?? 2000);
    }
    // Done when every followed pod's stream ended, no new pod came along meanwhile, and the owner
    // (a job that has not finished) will make no more.
    for (;;) {
      while (this.running.size > 0) await Promise.all([...this.running]);
      if (this.abort.signal.aborted || !this.opts.watchNewPods || !this.opts.active?.()) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => (this.abort.signal.removeEventListener('abort', onAbort), resolve()), this.opts.pollMs ?? 2000);
        const onAbort = () => (clearTimeout(t), resolve());
        this.abort.signal.addEventListener('abort', onAbort, { once: true });
      });
      if (!this.abort.signal.aborted) for (const p of this.pods()) this.start(p);
    }
    if (this.poll) clearInterval(this.poll);
    this.batcher.flush();
    if (!this.abort.signal.aborted) this.sink.note(vscode.l10n.t('The log stream ended.'));
  }

  stop(message?: string): void {
    if (this.abort.signal.aborted) return;
    this.abort.abort();
    if (this.poll) clearInterval(this.poll);
    this.batcher.flush();
    if (message) this.sink.note(message);
  }

  dispose(): void {
    this.stop();
    for (const s of this.subs) s.dispose();
  }
}
