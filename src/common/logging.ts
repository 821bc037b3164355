/**
 * Logging without a `vscode` import: the sink is injected (an OutputChannel in the editor,
 * the console in tests and the CLI). Secrets are redacted before anything is written.
 */
import { redact } from './redact';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export interface LogSink {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export { redact, safeUrl } from './redact';

export class Logger {
  constructor(
    private readonly sink: LogSink,
    private readonly scope?: string,
  ) {}

  child(scope: string): Logger {
    return new Logger(this.sink, this.scope ? `${this.scope}/${scope}` : scope);
  }

  private format(message: string): string {
    return redact(this.scope ? `[${this.scope}] ${message}` : message);
  }

  trace(message: string): void {
    this.sink.trace(this.format(message));
  }
  debug(message: string): void {
    this.sink.debug(this.format(message));
  }
  info(message: string): void {
    this.sink.info(this.format(message));
  }
  warn(message: string): void {
    this.sink.warn(this.format(message));
  }
  error(message: string, error?: unknown): void {
    const detail = error instanceof Error ? `: ${error.message}` : error !== undefined ? `: ${String(error)}` : '';
    this.sink.error(this.format(message + detail));
  }
}

export const nullSink: LogSink = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
