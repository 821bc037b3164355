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
    fs.appendFileSync(process.env.KUBEML_BENCH_OUT!, JSON.stringify({ activateMs: ms, extensionPath: ext.extensionPath, vscode: vscode.version }) + '\n');
  });
});
