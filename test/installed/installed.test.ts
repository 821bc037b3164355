import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, Views } from '../../src/constants';
import { type KubeMLApi } from '../../src/extensionMain';

/** Runs against the .vsix installed with `code-server --install-extension`, not the repository. */
describe('The packaged .vsix installed in code-server', () => {
  const ext = () => vscode.extensions.getExtension<KubeMLApi>(EXTENSION_ID);

  it('is installed from the extensions folder, not the development folder', () => {
    const e = ext();
    assert.ok(e, `${EXTENSION_ID} is not installed`);
    const expected = process.env.KUBEML_EXPECT_EXTENSIONS_DIR;
    assert.ok(expected, 'the harness must say where it installed the .vsix');
    assert.ok(e.extensionPath.startsWith(expected), `${e.extensionPath} is not under ${expected}`);
  });

  it('ships only bundles, manifest, media and snippets: no sources, tests, maps or node_modules', () => {
    const root = ext()!.extensionPath;
    const files: string[] = [];
    const walk = (d: string) => {
      for (const f of fs.readdirSync(d)) {
        const p = path.join(d, f);
        if (fs.statSync(p).isDirectory()) walk(p);
        else files.push(path.relative(root, p));
      }
    };
    walk(root);
    const bad = files.filter(
      (f) =>
        /^(src|test|bench|scripts|samples|node_modules|webview\/src)\//.test(f) ||
        f.endsWith('.map') ||
        f.endsWith('.ts') ||
        f.endsWith('.vsix'),
    );
    assert.deepEqual(bad, []);
    assert.ok(files.includes(path.join('dist', 'extension.js')));
  });

  it('activates and its four views resolve', async () => {
    const api = await ext()!.activate();
    assert.ok(api.connection, 'activate() returned no API');
    await api.ready;
    await vscode.commands.executeCommand('workbench.view.extension.kubeml');
    for (const id of Object.values(Views)) {
      await vscode.commands.executeCommand(`${id}.focus`);
    }
    assert.ok(ext()!.isActive);
  });
});
