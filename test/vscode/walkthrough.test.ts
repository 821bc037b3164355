import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID } from '../../src/constants';
import { type KubeMLApi } from '../../src/extensionMain';

interface Step {
  id: string;
  title: string;
  description: string;
  media: { markdown?: string; image?: string | Record<string, string>; svg?: string };
  completionEvents?: string[];
}
interface Walkthrough {
  id: string;
  title: string;
  steps: Step[];
}

/** `[text](command:id)` and `command:id?args` links in a markdown text. */
const commandLinks = (markdown: string) => [...markdown.matchAll(/\(command:([\w.-]+)/g)].map((m) => m[1]);

describe('The getting-started walkthrough', () => {
  let ext: vscode.Extension<KubeMLApi>;
  let walkthrough: Walkthrough;

  before(async () => {
    const e = vscode.extensions.getExtension<KubeMLApi>(EXTENSION_ID);
    assert.ok(e, `extension ${EXTENSION_ID} is not installed`);
    ext = e;
    await (
      await ext.activate()
    ).ready;
    const all = (ext.packageJSON.contributes.walkthroughs ?? []) as Walkthrough[];
    const found = all.find((w) => w.id === 'gettingStarted');
    assert.ok(found, `no walkthrough gettingStarted among ${JSON.stringify(all.map((w) => w.id))}`);
    walkthrough = found;
  });

  it('goes from connecting a cluster through a run, its results and drift, to syncing code', () => {
    assert.deepEqual(
      walkthrough.steps.map((s) => s.id),
      ['connect', 'explore', 'launch', 'results', 'drift', 'sync'],
    );
    const linksOf = (id: string) => commandLinks(walkthrough.steps.find((s) => s.id === id)!.description);
    assert.ok(linksOf('connect').includes('kubeml.selectContext'));
    assert.ok(linksOf('launch').includes('kubeml.launchTraining'));
    assert.ok(linksOf('results').includes('kubeml.showRunLogs'));
    assert.ok(linksOf('drift').includes('kubeml.runValidation') && linksOf('drift').includes('kubeml.openDriftReport'));
    assert.ok(linksOf('sync').includes('kubeml.startSync'));
  });

  it('ships the media of every step', () => {
    for (const s of walkthrough.steps) {
      assert.ok(s.media.markdown, `step ${s.id} has no markdown media`);
      const file = path.join(ext.extensionPath, s.media.markdown);
      assert.ok(fs.existsSync(file), `step ${s.id}: ${file} does not exist`);
      assert.match(fs.readFileSync(file, 'utf8'), /^# /, `step ${s.id}: ${s.media.markdown} has no heading`);
    }
  });

  it('links only to commands this VS Code has registered, and completes on them', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    const unresolved: string[] = [];
    let links = 0;
    for (const s of walkthrough.steps) {
      const media = s.media.markdown ? fs.readFileSync(path.join(ext.extensionPath, s.media.markdown), 'utf8') : '';
      const completion = (s.completionEvents ?? []).filter((e) => e.startsWith('onCommand:')).map((e) => e.slice('onCommand:'.length));
      for (const id of [...commandLinks(s.description), ...commandLinks(media), ...completion]) {
        links++;
        if (!registered.has(id)) unresolved.push(`${s.id}: ${id}`);
      }
    }
    assert.ok(links >= 10, `only ${links} command links found: the link pattern no longer matches the walkthrough`);
    assert.deepEqual(unresolved, []);
  });

  it('completes its explore step on views that exist', async () => {
    const views = new Set((ext.packageJSON.contributes.views.kubeml as Array<{ id: string }>).map((v) => v.id));
    const onView = walkthrough.steps
      .flatMap((s) => (s.completionEvents ?? []).filter((e) => e.startsWith('onView:')))
      .map((e) => e.slice(7));
    assert.ok(onView.length > 0);
    for (const v of onView) {
      assert.ok(views.has(v), `onView:${v} names no contributed view`);
      // Focusing resolves the view; an unknown id would throw.
      await vscode.commands.executeCommand(`${v}.focus`);
    }
  });
});
