import { strict as assert } from 'node:assert';
import type * as vscode from 'vscode';
import { LazyTreeProvider } from './vscodeTree';

/** A provider like the explorer's: children from a map, change events to its listeners. */
function realProvider(children: Record<string, string[]>) {
  const listeners: Array<(e: string | undefined) => void> = [];
  const provider: vscode.TreeDataProvider<string> = {
    onDidChangeTreeData: ((l: (e: string | undefined) => void) => {
      listeners.push(l);
      return { dispose: () => listeners.splice(listeners.indexOf(l), 1) };
    }) as vscode.Event<string | undefined>,
    getTreeItem: (e) => ({ label: e.toUpperCase() }),
    getChildren: (e) => children[e ?? ''] ?? [],
  };
  return { provider, fire: (e: string | undefined) => listeners.forEach((l) => l(e)), listeners };
}

describe('LazyTreeProvider', () => {
  it('loads the real provider on the first request for children, once, and delegates to it', () => {
    const real = realProvider({ '': ['a', 'b'], a: ['a1'] });
    let loads = 0;
    const lazy: LazyTreeProvider<string> = new LazyTreeProvider<string>(() => {
      loads++;
      lazy.attach(real.provider);
    });
    assert.equal(loads, 0, 'nothing loads before the view asks');
    assert.deepEqual(lazy.getChildren(), ['a', 'b']);
    assert.deepEqual(lazy.getChildren('a'), ['a1']);
    assert.deepEqual(lazy.getTreeItem('a'), { label: 'A' });
    assert.equal(loads, 1);
  });

  it('forwards the real provider change events to the view, including after a re-attach', () => {
    const first = realProvider({});
    const second = realProvider({});
    const lazy = new LazyTreeProvider<string>(() => undefined);
    const seen: Array<string | undefined | null | void | string[]> = [];
    const sub = lazy.onDidChangeTreeData!((e) => seen.push(e));
    lazy.attach(first.provider);
    first.fire('x');
    lazy.attach(second.provider);
    first.fire('stale');
    second.fire(undefined);
    assert.deepEqual(seen, ['x', undefined]);
    assert.equal(first.listeners.length, 0, 'the first provider was unsubscribed');
    sub.dispose();
    second.fire('y');
    assert.deepEqual(seen, ['x', undefined]);
  });

  it('says so when loading did not attach a provider', () => {
    const lazy = new LazyTreeProvider<string>(() => undefined);
    assert.throws(() => lazy.getChildren(), /did not attach/);
  });

  it('passes a load failure on to the view', () => {
    const lazy = new LazyTreeProvider<string>(() => {
      throw new Error('cannot read dist/explorer.js');
    });
    assert.throws(() => lazy.getChildren(), /dist\/explorer\.js/);
  });
});
