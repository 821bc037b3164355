// A user opens the KubeML container, sees its six views, and runs KubeML commands from the
// command palette.
import { strict as assert } from 'node:assert';
import { inPage, reach } from './waits.mjs';

export const name = 'KubeML container, its six views and the command palette';

export async function scenario(wb) {
  await wb.openKubeML();
  for (const title of ['Datasets', 'Jobs', 'Runs', 'Queues', 'GPUs', 'Models']) {
    await wb.view(title).waitFor({ timeout: 30_000 });
  }
  const titles = (await wb.viewTitles()).map((t) => t.trim().toLowerCase());
  for (const t of ['datasets', 'jobs', 'runs', 'queues', 'gpus', 'models'])
    assert.ok(titles.includes(t), `view ${t} missing: ${titles.join(', ')}`);
  // Activation and the first connection attempt finish: the views leave "Connecting…".
  await wb.page.waitForFunction(() => !document.querySelector('.sidebar')?.textContent?.includes('Connecting to the cluster'), undefined, {
    timeout: 90_000,
  });
  await wb.waitForViewsShown();
  await wb.screenshot('kubeml-container');

  // Show Log from the palette opens the KubeML output channel.
  await wb.runCommand('KubeML: Show Log');
  const panel = wb.page.locator('.part.panel');
  await reach(panel, 'visible', 'the panel with the output', 15_000);
  // The output view shows the KubeML channel once its editor has lines of the log.
  await inPage(wb.page, 'the KubeML log lines in the output panel', 15_000, () => {
    const p = document.querySelector('.part.panel');
    const lines = [...(p?.querySelectorAll('.monaco-editor .view-lines .view-line') ?? [])].map((l) => l.textContent ?? '').join('');
    return /KubeML/.test(p?.innerText ?? '') && lines.trim().length > 0;
  });
  await wb.screenshot('show-log');
  const outputText = await panel.innerText();
  assert.match(outputText, /KubeML/, 'the output panel does not show the KubeML channel');

  // Select Context lists the contexts of the kubeconfig (or says there is none).
  await wb.runCommand('KubeML: Select Context');
  const contexts = wb.page
    .locator('.quick-input-widget', { has: wb.page.locator('.quick-input-title', { hasText: 'Select Kubernetes Context' }) })
    .locator('.monaco-list-row')
    .first();
  const none = wb.page.locator('.notifications-toasts .notification-list-item-message', { hasText: 'No kubeconfig with contexts' }).first();
  await reach(contexts.or(none).first(), 'visible', 'the list of contexts (or the note that there is none)', 15_000);
  await wb.screenshot('select-context');
  await wb.page.keyboard.press('Escape');
}
