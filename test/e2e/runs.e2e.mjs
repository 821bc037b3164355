// A user launches training of the sample from the command palette, then runs validation of the
// trained model and opens its drift report: screenshots of each result.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { driftFrame, waitForCharts } from './drift.mjs';
import { reach, until } from './waits.mjs';

export const name = 'Launch Training and Run Validation of the sample';

/** Waits for a notification whose text matches `re`; returns its text. */
async function notification(wb, re, timeout) {
  return until(
    `a notification matching ${re}`,
    timeout,
    async () => {
      const texts = await wb.notificationTexts();
      const hit = texts.find((t) => re.test(t));
      if (hit) return hit;
      const failed = texts.find((t) => /Run .* failed|Cannot|not valid|not connected/i.test(t));
      if (failed) throw new Error(`KubeML said: ${failed}`);
      return undefined;
    },
    { state: async () => `notifications: ${(await wb.notificationTexts()).join(' | ') || 'none'}` },
  );
}

export async function scenario(wb, { env, root }) {
  if (!env.KUBECONFIG) throw new Error('this scenario needs the local cluster (scripts/cluster/cluster.sh up)');
  // The sample's artifacts claim (idempotent).
  const apply = spawnSync(
    env.KUBEML_KUBECTL ?? 'kubectl',
    ['--kubeconfig', env.KUBECONFIG, 'apply', '-f', join(root, 'samples/cluster/artifacts.yaml')],
    { encoding: 'utf8' },
  );
  assert.equal(apply.status, 0, apply.stderr);
  await wb.openKubeML();
  await wb.page.waitForFunction(() => !document.querySelector('.sidebar')?.textContent?.includes('Connecting to the cluster'), undefined, {
    timeout: 90_000,
  });

  await wb.runCommand('KubeML: Launch Training');
  // One input box per parameter of samples/kubeml.yaml, its default offered: keep the defaults
  // but fewer trees. Each Enter moves on to the next parameter's box (a new title).
  const input = wb.page.locator('.quick-input-widget input.input');
  const titleOf = () =>
    wb.page
      .locator('.quick-input-widget .quick-input-title')
      .innerText()
      .catch(() => '');
  // shift is used only by validation (its command names it, training's does not): not asked here;
  // were it asked, its box would stay open and the progress notification below would never come.
  const PARAMETERS = ['samples', 'n_estimators', 'max_depth', 'seed'];
  for (const [i, param] of PARAMETERS.entries()) {
    // The box of exactly this parameter, next in the order of samples/kubeml.yaml: a box that shows
    // again can keep the previous title for a moment, so any other title is waited out, not judged
    // (a wrong order still fails: this box never comes, and the error shows the title seen).
    const title = await until(
      `the input box of parameter ${param} (the parameters are asked in the order of samples/kubeml.yaml)`,
      15_000,
      async () => {
        const t = await titleOf();
        return (await input.isVisible()) && new RegExp(`^Launch Training: ${param}\\b`).test(t) ? t : undefined;
      },
      { state: titleOf },
    );
    assert.match(title, new RegExp(`^Launch Training: ${param}\\b`));
    if (i === 0) await wb.screenshot('launch-parameters');
    if (param === 'n_estimators') await input.fill('30');
    await wb.page.keyboard.press('Enter');
    await until(
      `the input box of ${param} to close (Enter accepted ${param})`,
      15_000,
      async () => (await titleOf()) !== title || !(await input.isVisible()),
      { state: titleOf },
    );
  }
  // The run starts: its progress notification says what it is doing.
  await notification(wb, /Training forest-train-\S+/, 60_000);
  await wb.screenshot('training-progress');
  const trained = await notification(wb, /Run forest-train-\S+ succeeded: .*accuracy/, 300_000);
  await wb.screenshot('training-succeeded');
  assert.match(trained, /accuracy 0\.[89]/);

  await wb.runCommand('KubeML: Run Validation');
  const items = await wb.quickPickItems();
  assert.ok(
    items.some((t) => /forest-train-/.test(t)),
    `the finished run is not offered: ${items.join(' | ')}`,
  );
  await wb.screenshot('validation-pick-run');
  await wb.page.keyboard.press('Enter');
  const validated = await notification(wb, /Run forest-val-\S+ succeeded.*Drift detected/, 300_000);
  await wb.screenshot('validation-succeeded');
  assert.match(validated, /current\/accuracy|reference\/accuracy/);

  await wb.page.locator('.notifications-toasts .monaco-button', { hasText: 'Open Drift Report' }).first().click();
  await reach(wb.page.locator('.webview, iframe.webview').first(), 'visible', "the drift report's webview", 30_000);
  // The page has its feature table and has drawn the selected feature's histogram.
  const frame = await driftFrame(wb, { timeout: 30_000 });
  await waitForCharts(frame, ['hist'], 'the histogram of the drift report');
  await wb.screenshot('drift-report');
}
