// Manifest diagnostics on files nobody here wrote: a Helm template of NVIDIA's GPU operator chart, a
// kustomize patch of its config (a CRD patch without names, scope or versions), and a Kubeflow
// Trainer ClusterTrainingRuntime whose container asks for GPUs the wrong way. The template and the
// patch must show no error; the runtime must show its GPU finding.
import { strict as assert } from 'node:assert';
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { inPage, reach, until } from './waits.mjs';

export const name = 'Manifest diagnostics on a Helm template, a kustomize patch and a ClusterTrainingRuntime';

const UP = 'test/fixtures/lint/upstream';

async function open(wb, path) {
  await wb.page.keyboard.press('Control+P');
  const input = wb.page.locator('.quick-input-widget input.input');
  await reach(input, 'visible', 'the quick open box', 10_000);
  await input.fill(path);
  const base = path.split('/').pop();
  await reach(
    wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: base }).first(),
    'visible',
    `${path} in quick open`,
    15_000,
  );
  await wb.page.keyboard.press('Enter');
  await until(`the editor tab of ${base}`, 15_000, async () =>
    (
      await wb.page
        .locator('.tabs-container .tab.active .label-name')
        .innerText()
        .catch(() => '')
    ).includes(base),
  );
}

/** The Problems panel as rows: { file, severity, text } (files are the rows with a count badge). */
async function problems(wb) {
  return wb.page.locator('.markers-panel .monaco-list-row').evaluateAll((rows) => {
    let file = '';
    const out = [];
    for (const r of rows) {
      const label = r.getAttribute('aria-label') ?? '';
      if (r.querySelector('.file-icon, .monaco-icon-label.file-icon')) {
        file = r.querySelector('.label-name')?.textContent ?? label;
        continue;
      }
      const sev = r.querySelector('.codicon-error') ? 'error' : r.querySelector('.codicon-warning') ? 'warning' : 'info';
      out.push({ file, severity: sev, text: r.textContent ?? label });
    }
    return out;
  });
}

export async function scenario(wb, { workspace, root }) {
  const dest = join(workspace, 'real');
  mkdirSync(dest, { recursive: true });
  cpSync(join(root, UP, 'helm-gpu-operator', 'gpu-operator'), join(dest, 'gpu-operator'), { recursive: true });
  cpSync(join(root, UP, 'kustomize-gpu-operator', 'config'), join(dest, 'gpu-operator-config'), { recursive: true });
  cpSync(join(root, UP, 'corpus', 'kubeflow-trainer', 'synthetic-torch-distributed-gpu.yaml'), join(dest, 'cluster-training-runtime.yaml'));

  // The order matters only for the screenshots; each file's diagnostics are awaited below.
  await open(wb, 'real/gpu-operator/templates/clusterpolicy.yaml');
  await open(wb, 'real/gpu-operator-config/crd/patches/webhook_in_clusterpolicies.yaml');
  await open(wb, 'real/cluster-training-runtime.yaml');

  await wb.runCommand('Focus on Problems View');
  await reach(wb.page.locator('.markers-panel'), 'visible', 'the Problems panel', 15_000);
  // The Problems list is virtual (only rows in view exist in the page): maximized, all of these fit.
  await wb.runCommand('Toggle Maximized Panel');
  // Each file is linted once it is open; the runtime's GPU finding and the template's one info
  // (its values not rendered) say that the linter has looked at both.
  const seen = await until(
    "the ClusterTrainingRuntime's gpu-limits error and the template's helm-template info in Problems",
    60_000,
    async () => {
      const p = await problems(wb);
      const gpu = p.find((x) => /cluster-training-runtime/.test(x.file) && x.severity === 'error' && /gpu-limits/.test(x.text));
      const tmpl = p.find((x) => /clusterpolicy/.test(x.file) && /helm-template/.test(x.text));
      return gpu && tmpl ? p : undefined;
    },
    { state: async () => JSON.stringify(await problems(wb)).slice(0, 2000) },
  );
  await wb.screenshot('problems');
  const errorsIn = (re) => seen.filter((x) => re.test(x.file) && x.severity === 'error');
  assert.deepEqual(errorsIn(/clusterpolicy/), [], 'the Helm template shows an error');
  assert.deepEqual(errorsIn(/webhook_in_clusterpolicies/), [], 'the kustomize patch shows an error');
  assert.ok(
    errorsIn(/cluster-training-runtime/).some((x) => /privileged/.test(x.text)),
    'the privileged container is not reported',
  );

  await wb.runCommand('Toggle Maximized Panel');
  // The editors, as the user sees them: the template and the patch without red squiggles, the runtime with its finding.
  for (const [tab, shot] of [
    ['clusterpolicy.yaml', 'helm-template'],
    ['webhook_in_clusterpolicies.yaml', 'kustomize-patch'],
    ['cluster-training-runtime.yaml', 'cluster-training-runtime'],
  ]) {
    await wb.page.locator('.tabs-container .tab', { hasText: tab }).first().click();
    await inPage(
      wb.page,
      `the editor of ${tab} in front`,
      10_000,
      (t) => document.querySelector('.tabs-container .tab.active')?.textContent?.includes(t),
      tab,
    );
    await wb.screenshot(shot);
  }
  // The finding, as a user reaches it: its row in Problems opens the runtime at the container's GPU limit.
  await wb.page.locator('.markers-panel .monaco-list-row', { hasText: 'gpu-limits' }).first().click();
  await reach(
    wb.page.locator('.editor-instance .monaco-editor .squiggly-error').first(),
    'visible',
    'the red squiggle under the GPU limit in the runtime',
    15_000,
  );
  await wb.screenshot('cluster-training-runtime-finding');
}
