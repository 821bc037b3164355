/**
 * Logging without a `vscode` import: the sink is injected (an OutputChannel in the editor,
 * the console in tests and the CLI). Secrets are redacted before anything is written.
 */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export interface LogSink {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const SECRET_PATTERNS: Array<[RegExp, string]> = [
  // Authorization headers and bearer tokens.
  [/(authorization["']?\s*[:=]\s*["']?)(bearer|basic)\s+[^\s"',}]+/gi, '$1$2 <redacted>'],
  [/\bbearer\s+[A-Za-z0-9._~+/=-]{8,}/gi, 'Bearer <redacted>'],
  // kubeconfig fields and query parameters that carry credentials.
  [/((?:token|password|client-key-data|client-certificate-data|id-token|refresh-token|access-token)["']?\s*[:=]\s*["']?)[^\s"',}]+/gi, '$1<redacted>'],
  // JWTs anywhere.
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, '<redacted-jwt>'],
];

export function redact(text: string): string {
  let out = text;
  for (const [re, replacement] of SECRET_PATTERNS) {
    out = out.replace(re, replacement);
  }
  return out;
}

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

export const consoleSink: LogSink = {
  trace: (m) => console.debug(m),
  debug: (m) => console.debug(m),
  info: (m) => console.info(m),
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
};

export const nullSink: LogSink = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
