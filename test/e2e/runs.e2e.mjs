// A user launches training of the sample from the command palette, then runs validation of the
// trained model and opens its drift report: screenshots of each result.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const name = 'Launch Training and Run Validation of the sample';

/** Waits for a notification whose text matches `re`; returns its text. */
async function notification(wb, re, timeout) {
  const end = Date.now() + timeout;
  for (;;) {
    const texts = await wb.notificationTexts();
    const hit = texts.find((t) => re.test(t));
    if (hit) return hit;
    const failed = texts.find((t) => /Run .* failed|Cannot|not valid|not connected/i.test(t));
    if (failed) throw new Error(`KubeML said: ${failed}`);
    if (Date.now() > end) throw new Error(`no notification matching ${re} within ${timeout} ms (have: ${texts.join(' | ')})`);
    await wb.page.waitForTimeout(500);
  }
}

export async function scenario(wb, { env, root }) {
  if (!env.KUBECONFIG) throw new Error('this scenario needs the local cluster (scripts/cluster/cluster.sh up)');
  // The sample's artifacts claim (idempotent).
  const apply = spawnSync(env.KUBEML_KUBECTL ?? 'kubectl', ['--kubeconfig', env.KUBECONFIG, 'apply', '-f', join(root, 'samples/cluster/artifacts.yaml')], { encoding: 'utf8' });
  assert.equal(apply.status, 0, apply.stderr);
  await wb.openKubeML();
  await wb.page.waitForFunction(() => !document.querySelector('.sidebar')?.textContent?.includes('Connecting to the cluster'), undefined, { timeout: 90_000 });

  await wb.runCommand('KubeML: Launch Training');
  // One input box per parameter, its default offered: keep the defaults but fewer trees.
  const input = wb.page.locator('.quick-input-widget input.input');
  for (let i = 0; i < 5; i++) {
    await input.waitFor({ timeout: 15_000 });
    const title = await wb.page.locator('.quick-input-widget .quick-input-title').innerText().catch(() => '');
    if (i === 0) await wb.screenshot('launch-parameters');
    if (/n_estimators/.test(title)) await input.fill('30');
    await wb.page.keyboard.press('Enter');
    await wb.page.waitForTimeout(300);
  }
  await wb.page.waitForTimeout(3000);
  await wb.screenshot('training-progress');
  const trained = await notification(wb, /Run forest-train-\S+ succeeded: .*accuracy/, 300_000);
  await wb.screenshot('training-succeeded');
  assert.match(trained, /accuracy 0\.[89]/);

  await wb.runCommand('KubeML: Run Validation');
  const items = await wb.quickPickItems();
  assert.ok(items.some((t) => /forest-train-/.test(t)), `the finished run is not offered: ${items.join(' | ')}`);
  await wb.screenshot('validation-pick-run');
  await wb.page.keyboard.press('Enter');
  const validated = await notification(wb, /Run forest-val-\S+ succeeded.*Drift detected/, 300_000);
  await wb.screenshot('validation-succeeded');
  assert.match(validated, /current\/accuracy|reference\/accuracy/);

  await wb.page.locator('.notifications-toasts .monaco-button', { hasText: 'Open Drift Report' }).first().click();
  await wb.page.locator('.webview, iframe.webview').first().waitFor({ timeout: 30_000 });
  await wb.page.waitForTimeout(3000);
  await wb.screenshot('drift-report');
}
