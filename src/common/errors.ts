/**
 * Errors that reach the user. Each carries what happened and what to do next, so a
 * message box or a tree row can say both.
 */
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
  constructor(
    readonly kind: ClusterErrorKind,
    message: string,
    readonly hint?: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KubeMLError';
  }

  static is(value: unknown): value is KubeMLError {
    return value instanceof KubeMLError || (typeof value === 'object' && value !== null && (value as { tag?: unknown }).tag === 'KubeMLError');
  }

  /** One line for a notification or a tree row: "what happened. What to do." */
  get userMessage(): string {
    return this.hint ? `${this.message} ${this.hint}` : this.message;
  }
}

/** Best-effort extraction of a readable message from anything thrown. */
export function messageOf(e: unknown): string {
  if (KubeMLError.is(e)) {
    return e.userMessage;
  }
  if (e instanceof Error) {
    return e.message;
  }
  return String(e);
}
