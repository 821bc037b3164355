// Launch Training from the command palette as a user does: one input box per parameter of the
// sample's kubeml.yaml, in its order, each default kept unless `values` gives one.
import { until } from './waits.mjs';

export const SAMPLE_TRAINING_PARAMETERS = ['samples', 'n_estimators', 'max_depth', 'seed'];

export async function launchTraining(wb, values = {}) {
  await wb.runCommand('KubeML: Launch Training');
  const input = wb.page.locator('.quick-input-widget input.input');
  const title = () =>
    wb.page
      .locator('.quick-input-widget .quick-input-title')
      .innerText()
      .catch(() => '');
  for (const param of SAMPLE_TRAINING_PARAMETERS) {
    // The box of exactly this parameter: a box shown again can keep the previous title for a moment.
    const t = await until(`the input box of ${param}`, 15_000, async () =>
      (await input.isVisible()) && new RegExp(`^Launch Training: ${param}\\b`).test(await title()) ? title() : undefined,
    );
    if (values[param] !== undefined) await input.fill(String(values[param]));
    await wb.page.keyboard.press('Enter');
    await until(`the box of ${param} to close`, 15_000, async () => (await title()) !== t || !(await input.isVisible()));
  }
}
