// A user opens the Runs view on a workspace that holds run records (two trainings with different
// parameters, a failed one, a validation, a sweep of three trials) and sees them newest first, the
// sweep grouped with its best trial marked, then opens a run's context menu (screenshots of both).
import { strict as assert } from 'node:assert';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reach, settle, until } from './waits.mjs';

export const name = 'Runs view: records newest first, a sweep grouped, the context menu';

function record(id, minutesAgo, over = {}) {
  const created = new Date(Date.now() - minutesAgo * 60_000);
  return {
    version: 1,
    id,
    purpose: 'train',
    name: 'forest',
    namespace: 'default',
    kind: 'Job',
    primary: { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', name: id, namespace: 'default' },
    podSelector: `kubeml.io/run=${id}`,
    container: 'train',
    image: 'localhost/kubeml-train:e2e',
    command: ['python3', 'train.py'],
    params: { samples: 4000, n_estimators: 100, max_depth: 8, seed: 42 },
    createdAt: created.toISOString(),
    startedAt: new Date(created.getTime() + 8_000).toISOString(),
    finishedAt: new Date(created.getTime() + 74_000).toISOString(),
    phase: 'succeeded',
    metrics: { accuracy: 0.912, f1: 0.905 },
    ...over,
  };
}

const RECORDS = [
  record('forest-train-e2e-a', 50, { params: { samples: 4000, n_estimators: 50, max_depth: 8, seed: 42 }, metrics: { accuracy: 0.884 } }),
  record('forest-train-e2e-b', 40),
  record('forest-validate-e2e-c', 35, {
    purpose: 'validate',
    parent: 'forest-train-e2e-b',
    hasDrift: true,
    metrics: { 'current/accuracy': 0.71 },
  }),
  record('forest-train-e2e-d', 30, {
    phase: 'failed',
    params: { samples: 4000, n_estimators: 100, max_depth: 64, seed: 42 },
    metrics: {},
    failure: { reason: 'oom', message: 'The container was OOMKilled (exit 137).', hint: 'Raise resources.memory in kubeml.yaml.' },
  }),
  ...[3, 6, 12].map((depth, i) =>
    record(`forest-train-e2e-s${i + 1}`, 20 - i, {
      params: { samples: 4000, n_estimators: 100, max_depth: depth, seed: 42 },
      metrics: { accuracy: [0.861, 0.903, 0.897][i] },
      sweep: { id: 'depth', trial: i + 1, metric: 'accuracy', direction: 'maximize' },
    }),
  ),
];

export async function scenario(wb, { workspace }) {
  const runs = join(workspace, '.kubeml', 'runs');
  for (const r of RECORDS) {
    mkdirSync(join(runs, r.id), { recursive: true });
    writeFileSync(join(runs, r.id, 'run.json'), JSON.stringify(r, null, 2));
  }
  try {
    await wb.openKubeML();
    await wb.expandView('Runs');
    // Room for the rows (the list shows only what fits): the other views collapsed.
    for (const title of ['Datasets', 'Jobs', 'Queues', 'GPUs', 'Models']) {
      const header = wb.view(title).locator('.pane-header');
      if ((await header.getAttribute('aria-expanded')) === 'true') await header.click();
    }
    const rows = await until(
      "this scenario's records in the Runs view",
      60_000,
      async () => {
        const r = await wb.rows('Runs');
        return r.some((x) => /forest-train-e2e-d/.test(x)) && r.some((x) => /^Sweep depth/.test(x)) ? r : undefined;
      },
      { state: async () => (await wb.rows('Runs')).join(' | ') },
    );
    // Newest first; the sweep is one row (its trials under it), placed by its newest trial. Among this
    // scenario's records: the workspace also holds the real runs of the scenarios before it, newer than these.
    const mine = rows.filter((r) => /-e2e-|^Sweep depth/.test(r));
    assert.match(mine[0], /^Sweep depth/, rows.join(' | '));
    assert.ok(
      rows.some((r) => /forest-train-e2e-s2/.test(r) && /best/i.test(r)) || rows.some((r) => /best accuracy 0\.903 \(#2\)/.test(r)),
      rows.join(' | '),
    );
    assert.ok(
      rows.some((r) => /forest-train-e2e-d/.test(r) && /Failed/.test(r)),
      rows.join(' | '),
    );
    // The side bar widened (its sash dragged).
    const box = await wb.page.locator('.part.sidebar').boundingBox();
    if (box) {
      await wb.page.mouse.move(box.x + box.width - 1, box.y + 300);
      await wb.page.mouse.down();
      await wb.page.mouse.move(box.x + 780, box.y + 300, { steps: 10 });
      await wb.page.mouse.up();
    }
    await wb.page.mouse.move(1200, 600);
    await settle('the side bar settles after the drag (its sash animates)', 500);
    await wb.screenshot('runs-view');
    const row = wb.view('Runs').locator('.monaco-list-row', { hasText: 'forest-train-e2e-b' }).first();
    await row.click({ button: 'right' });
    const item = wb.page.locator('.monaco-menu .action-item', { hasText: 'Delete Run Record' }).first();
    await reach(item, 'visible', 'the Delete Run Record menu item', 15_000);
    await settle('the context menu fades in (a screenshot taken sooner shows it half drawn)', 400);
    await wb.screenshot('runs-view-context-menu');
    await wb.page.keyboard.press('Escape');

    // Re-run with Changed Parameters asks for each parameter, the run's own value prefilled; Escape launches nothing.
    const runA = wb.view('Runs').locator('.monaco-list-row', { hasText: 'forest-train-e2e-a' }).first();
    await wb.contextMenu(runA, 'Re-run with Changed Parameters');
    const input = wb.page.locator('.quick-input-widget input.input');
    const title = wb.page.locator('.quick-input-widget .quick-input-title');
    const boxOf = async (param) =>
      until(`the input box of ${param}`, 20_000, async () => {
        const t = await title.innerText().catch(() => '');
        return (await input.isVisible()) && t.startsWith(`Re-run forest-train-e2e-a: ${param}`) ? input.inputValue() : undefined;
      });
    assert.equal(await boxOf('samples'), '4000');
    await wb.page.keyboard.press('Enter');
    assert.equal(await boxOf('n_estimators'), '50', 'the run had n_estimators=50 (the default is 100)');
    await wb.screenshot('runs-view-rerun-changed-parameters');
    await wb.page.keyboard.press('Escape');
  } finally {
    for (const r of RECORDS) rmSync(join(runs, r.id), { recursive: true, force: true });
  }
}
