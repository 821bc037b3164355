import { strict as assert } from 'node:assert';
import { Disposable, disposeAll, Emitter, type IDisposable, toDisposable } from './lifecycle';

/** A Disposable that exposes _register, and logs what it disposes into `log`. */
class Owner extends Disposable {
  register<T extends IDisposable>(d: T): T {
    return this._register(d);
  }
  get disposed(): boolean {
    return this.isDisposed;
  }
}

const logging = (log: string[], name: string): IDisposable => toDisposable(() => log.push(name));

describe('lifecycle: toDisposable and disposeAll', () => {
  it('toDisposable runs its function once, however often it is disposed', () => {
    let n = 0;
    const d = toDisposable(() => n++);
    d.dispose();
    d.dispose();
    assert.equal(n, 1);
  });

  it('disposeAll disposes every item even when some throw, and rethrows the one error', () => {
    const log: string[] = [];
    const boom = new Error('boom');
    assert.throws(
      () =>
        disposeAll([
          logging(log, 'a'),
          toDisposable(() => {
            throw boom;
          }),
          logging(log, 'c'),
        ]),
      (e) => e === boom,
    );
    assert.deepEqual(log, ['a', 'c']);
  });

  it('disposeAll gathers several errors into an AggregateError, in order', () => {
    const e1 = new Error('one');
    const e2 = new Error('two');
    assert.throws(
      () =>
        disposeAll([
          toDisposable(() => {
            throw e1;
          }),
          toDisposable(() => {
            throw e2;
          }),
        ]),
      (e) => e instanceof AggregateError && e.errors[0] === e1 && e.errors[1] === e2,
    );
  });
});

describe('lifecycle: Disposable', () => {
  it('disposes its children in reverse order of registration, once', () => {
    const log: string[] = [];
    const owner = new Owner();
    owner.register(logging(log, 'first'));
    owner.register(logging(log, 'second'));
    owner.register(logging(log, 'third'));
    assert.deepEqual(log, []);
    owner.dispose();
    assert.deepEqual(log, ['third', 'second', 'first']);
    owner.dispose();
    assert.deepEqual(log, ['third', 'second', 'first'], 'a second dispose does nothing');
    assert.equal(owner.disposed, true);
  });

  it('_register returns what it was given', () => {
    const owner = new Owner();
    const d = toDisposable(() => undefined);
    assert.equal(owner.register(d), d);
    owner.dispose();
  });

  it('disposes at once what is registered after dispose', () => {
    const log: string[] = [];
    const owner = new Owner();
    owner.dispose();
    owner.register(logging(log, 'late'));
    assert.deepEqual(log, ['late']);
  });

  it('a child that throws does not keep the others alive; the error reaches the caller', () => {
    const log: string[] = [];
    const owner = new Owner();
    owner.register(logging(log, 'a'));
    owner.register(
      toDisposable(() => {
        throw new Error('child failed');
      }),
    );
    owner.register(logging(log, 'c'));
    assert.throws(() => owner.dispose(), /child failed/);
    assert.deepEqual(log, ['c', 'a']);
  });

  it('disposes nested owners depth-first with their parent', () => {
    const log: string[] = [];
    const parent = new Owner();
    const child = parent.register(new Owner());
    child.register(logging(log, 'grandchild'));
    parent.register(logging(log, 'sibling'));
    parent.dispose();
    assert.deepEqual(log, ['sibling', 'grandchild']);
    assert.equal(child.disposed, true);
  });
});

describe('lifecycle: Emitter', () => {
  it('calls listeners in subscription order with the value and their thisArg', () => {
    const em = new Emitter<number>();
    const seen: string[] = [];
    const self = { name: 'ctx' };
    em.event((v) => seen.push(`a${v}`));
    em.event(function (this: typeof self, v) {
      seen.push(`${this.name}${v}`);
    }, self);
    em.fire(1);
    em.fire(2);
    assert.deepEqual(seen, ['a1', 'ctx1', 'a2', 'ctx2']);
  });

  it('stops calling a listener once its subscription is disposed, and only that subscription', () => {
    const em = new Emitter<string>();
    const seen: string[] = [];
    const fn = (v: string) => seen.push(v);
    const first = em.event(fn);
    em.event(fn);
    em.fire('x');
    first.dispose();
    em.fire('y');
    assert.deepEqual(seen, ['x', 'x', 'y'], 'the same function subscribed twice is two subscriptions');
    assert.equal(em.hasListeners, true);
  });

  it('pushes the subscription into the given disposables', () => {
    const em = new Emitter<void>();
    const bag: IDisposable[] = [];
    let n = 0;
    em.event(() => n++, undefined, bag);
    assert.equal(bag.length, 1);
    disposeAll(bag);
    em.fire();
    assert.equal(n, 0);
    assert.equal(em.hasListeners, false);
  });

  it('a listener added during fire hears the next event, not the current one', () => {
    const em = new Emitter<number>();
    const seen: string[] = [];
    let added = false;
    em.event((v) => {
      seen.push(`first${v}`);
      if (!added) {
        added = true;
        em.event((w) => seen.push(`late${w}`));
      }
    });
    em.fire(1);
    em.fire(2);
    assert.deepEqual(seen, ['first1', 'first2', 'late2']);
  });

  it('a listener that throws does not keep the event from the others, and the failure is reported', () => {
    const em = new Emitter<number>();
    const seen: number[] = [];
    const reported: unknown[][] = [];
    const orig = console.error;
    console.error = (...args: unknown[]) => void reported.push(args);
    try {
      em.event(() => {
        throw new Error('listener broke');
      });
      em.event((v) => seen.push(v));
      em.fire(7);
    } finally {
      console.error = orig;
    }
    assert.deepEqual(seen, [7]);
    assert.equal(reported.length, 1);
    assert.match(String((reported[0][1] as Error).message), /listener broke/);
  });

  it('after dispose it has no listeners, fires to nobody and ignores new subscriptions', () => {
    const em = new Emitter<number>();
    let n = 0;
    em.event(() => n++);
    em.dispose();
    assert.equal(em.hasListeners, false);
    em.fire(1);
    const late = em.event(() => n++);
    em.fire(2);
    assert.equal(n, 0);
    assert.equal(em.hasListeners, false);
    late.dispose();
  });
});
