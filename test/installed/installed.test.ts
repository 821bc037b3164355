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

  it('ships the walkthrough media and the string bundle that package.json names', () => {
    const e = ext()!;
    const root = e.extensionPath;
    const l10n = e.packageJSON.l10n as string | undefined;
    assert.equal(l10n, './l10n', 'package.json names no l10n folder');
    const bundle = JSON.parse(fs.readFileSync(path.join(root, l10n, 'bundle.l10n.json'), 'utf8')) as Record<string, string>;
    assert.ok(Object.keys(bundle).length > 0, 'the shipped bundle.l10n.json is empty');
    const steps = (e.packageJSON.contributes.walkthroughs as Array<{ steps: Array<{ id: string; media: { markdown?: string } }> }>).flatMap(
      (w) => w.steps,
    );
    assert.ok(steps.length > 0, 'no walkthrough steps');
    const missing = steps.map((s) => s.media.markdown).filter((m) => !m || !fs.existsSync(path.join(root, m)));
    assert.deepEqual(missing, [], 'walkthrough media not in the .vsix');
  });

  it("ships the images of the README's screenshots", () => {
    const root = ext()!.extensionPath;
    // vsce stores it as readme.md.
    const name = fs.readdirSync(root).find((f) => f.toLowerCase() === 'readme.md');
    assert.ok(name, 'no README in the .vsix');
    const readme = fs.readFileSync(path.join(root, name), 'utf8');
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((l) => !/^\w+:/.test(l));
    assert.ok(images.length > 0, 'the README shows no image');
    assert.deepEqual(
      images.filter((i) => !fs.existsSync(path.join(root, i))),
      [],
      'README images not in the .vsix',
    );
  });

  it("ships package.nls.json, whose texts VS Code puts in place of package.json's placeholders", () => {
    const e = ext()!;
    assert.ok(fs.existsSync(path.join(e.extensionPath, 'package.nls.json')), 'package.nls.json is not in the .vsix');
    const placeholders: string[] = [];
    const walk = (v: unknown, where: string) => {
      if (typeof v === 'string' && /^%[\w.-]+%$/.test(v)) placeholders.push(`${where}: ${v}`);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${where}.${k}`);
    };
    walk(e.packageJSON.contributes, 'contributes');
    assert.deepEqual(placeholders, [], 'placeholders VS Code did not fill');
    const launch = (e.packageJSON.contributes.commands as Array<{ command: string; title: string }>).find(
      (c) => c.command === 'kubeml.launchTraining',
    );
    assert.equal(launch?.title, 'Launch Training');
  });

  it('activates and its views (Datasets, Jobs, Runs, Queues, GPUs, Models) resolve', async () => {
    const api = await ext()!.activate();
    assert.ok(api.connection, 'activate() returned no API');
    await api.ready;
    await vscode.commands.executeCommand('workbench.view.extension.kubeml');
    assert.deepEqual(Object.values(Views), [
      'kubeml.datasets',
      'kubeml.jobs',
      'kubeml.runs',
      'kubeml.queues',
      'kubeml.gpus',
      'kubeml.models',
    ]);
    for (const id of Object.values(Views)) {
      await vscode.commands.executeCommand(`${id}.focus`);
    }
    assert.ok(ext()!.isActive);
  });
});
