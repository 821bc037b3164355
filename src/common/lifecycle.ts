/** Anything that can be released. Structurally compatible with vscode.Disposable. */
export interface IDisposable {
  dispose(): void;
}

export function toDisposable(fn: () => void): IDisposable {
  let done = false;
  return {
    dispose() {
      if (!done) {
        done = true;
        fn();
      }
    },
  };
}

export function disposeAll(items: Iterable<IDisposable>): void {
  const errors: unknown[] = [];
  for (const item of items) {
    try {
      item.dispose();
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length === 1) {
    throw errors[0];
  }
  if (errors.length > 1) {
    throw new AggregateError(errors, 'Several disposables failed to dispose');
  }
}

/**
 * Base class for everything that owns resources. Children registered with `_register`
 * are disposed with their owner, in reverse order; anything registered after dispose
 * is disposed at once.
 */
export abstract class Disposable implements IDisposable {
  private readonly _store: IDisposable[] = [];
  private _isDisposed = false;

  protected get isDisposed(): boolean {
    return this._isDisposed;
  }

  protected _register<T extends IDisposable>(value: T): T {
    if (this._isDisposed) {
      value.dispose();
    } else {
      this._store.push(value);
    }
    return value;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    disposeAll(this._store.splice(0).reverse());
  }
}

type Listener<T> = (e: T) => unknown;

/** A minimal event emitter with the same shape as vscode.Event, usable in plain Node. */
export class Emitter<T> implements IDisposable {
  private listeners: Array<{ fn: Listener<T>; thisArg: unknown }> = [];
  private disposed = false;

  readonly event = (fn: Listener<T>, thisArg?: unknown, disposables?: IDisposable[]): IDisposable => {
    const entry = { fn, thisArg };
    if (!this.disposed) {
      this.listeners.push(entry);
    }
    const d = toDisposable(() => {
      this.listeners = this.listeners.filter((l) => l !== entry);
    });
    disposables?.push(d);
    return d;
  };

  fire(value: T): void {
    for (const { fn, thisArg } of [...this.listeners]) {
      try {
        fn.call(thisArg, value);
      } catch (e) {
        // A faulty listener must not break the others.
        console.error('[kubeml] listener failed', e);
      }
    }
  }

  get hasListeners(): boolean {
    return this.listeners.length > 0;
  }

  dispose(): void {
    this.disposed = true;
    this.listeners = [];
  }
}

export type Event<T> = Emitter<T>['event'];
