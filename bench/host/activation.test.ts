import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { EXTENSION_ID } from '../../src/constants';

/**
 * One sample of the activation benchmark: in a fresh extension host with an empty folder
 * (no activation event has fired), time `activate()` of the installed build: loading the
 * bundle plus running activate(). Appends the sample to $KUBEML_BENCH_OUT.
 */
describe('activation sample', () => {
  it('activates the installed KubeML once', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, 'KubeML is not installed');
    assert.equal(ext.isActive, false, 'KubeML was already active: an activation event fired, so the sample would be meaningless');
    const t0 = performance.now();
    await ext.activate();
    const ms = performance.now() - t0;
    fs.appendFileSync(
      process.env.KUBEML_BENCH_OUT!,
      JSON.stringify({
        activateMs: ms,
        ...phases(ext.id),
        loaded: loadedFiles(ext.extensionPath),
        extensionPath: ext.extensionPath,
        vscode: vscode.version,
      }) + '\n',
    );
  });
});

/**
 * Where the time went, from the extension host's own performance marks (1 ms resolution): loading
 * the bundle (require) and the activate() call. The rest of activateMs is the host's: among other
 * things it waits for the extension's storage (a round trip to the window) while the bundle loads.
 */
function phases(id: string): { codeLoadMs?: number; activateCallMs?: number } {
  const marks =
    (
      globalThis as { MonacoPerformanceMarks?: { getMarks(): Array<{ name: string; startTime: number }> } }
    ).MonacoPerformanceMarks?.getMarks() ?? [];
  const at = (what: string) => marks.filter((m) => m.name === `code/extHost/${what}/${id}`).pop()?.startTime;
  const span = (from?: number, to?: number) => (from !== undefined && to !== undefined ? to - from : undefined);
  return {
    codeLoadMs: span(at('willLoadExtensionCode'), at('didLoadExtensionCode')),
    activateCallMs: span(at('willActivateExtension'), at('didActivateExtension')),
  };
}

/** The extension's files that Node has loaded so far: what activation itself required. */
function loadedFiles(root: string): string[] {
  return Object.keys(require.cache)
    .filter((f) => f.startsWith(root + '/'))
    .map((f) => f.slice(root.length + 1))
    .sort();
}
