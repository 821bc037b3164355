/**
 * Errors that reach the user. Each carries what happened and what to do next, so a
 * message box or a tree row can say both. Secrets (credentials in URLs, tokens, keys) are
 * redacted from both when the error is made, so no popup, row or log line can show them.
 */
import { redact } from './redact';

export type ClusterErrorKind =
  | 'no-config'
  | 'bad-config'
  | 'unreachable'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'invalid'
  | 'gone'
  | 'timeout'
  | 'server'
  | 'unknown';

export class KubeMLError extends Error {
  readonly tag = 'KubeMLError';
  readonly hint?: string;
  constructor(
    readonly kind: ClusterErrorKind,
    message: string,
    hint?: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(redact(message), options);
    this.name = 'KubeMLError';
    this.hint = hint === undefined ? undefined : redact(hint);
  }

  static is(value: unknown): value is KubeMLError {
    return (
      value instanceof KubeMLError || (typeof value === 'object' && value !== null && (value as { tag?: unknown }).tag === 'KubeMLError')
    );
  }

  /** One line for a notification or a tree row: "what happened. What to do." */
  get userMessage(): string {
    return this.hint ? `${this.message} ${this.hint}` : this.message;
  }
}

/** Best-effort extraction of a readable message from anything thrown, with secrets redacted. */
export function messageOf(e: unknown): string {
  if (KubeMLError.is(e)) {
    return redact(e.userMessage);
  }
  if (e instanceof Error) {
    return redact(e.message);
  }
  return redact(String(e));
}
