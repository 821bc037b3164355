// A user launches two trainings of the sample with different parameters from the command palette,
// opens the experiments panel, selects both runs with Ctrl+click and watches both curves grow live
// (the launcher appends each metric line it reads to the run's metrics.jsonl), pins one as the
// baseline (B), sorts by accuracy, looks at it in the light and dark themes (screenshots), and
// exports the table to CSV through the save dialog.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { answerSaveDialog, waitForFile } from './dialogs.mjs';
import { launchTraining } from './launch.mjs';
import { inPage, reach, until } from './waits.mjs';

export const name = 'Experiments panel: two runs launched, their curves live, baseline, themes, CSV';

const THEMES = [
  { theme: 'Default Light Modern', bodyClass: 'vscode-light', workbenchClass: 'vs', shot: 'experiments-light' },
  // Last: the default theme of the e2e run, so that later scenarios are not left in another one.
  { theme: 'Default Dark Modern', bodyClass: 'vscode-dark', workbenchClass: 'vs-dark', shot: 'experiments-dark' },
];
/** The sample's curve: test accuracy per stage of the forest (samples/train.py). */
const METRIC = 'test/accuracy';

const runsIn = (workspace) => {
  try {
    return readdirSync(join(workspace, '.kubeml', 'runs'));
  } catch {
    return [];
  }
};

/** Launches one training and returns its run id (the run folder that appeared). */
async function launch(wb, workspace, values) {
  const before = new Set(runsIn(workspace));
  await launchTraining(wb, values);
  return until('the new run folder', 60_000, async () => runsIn(workspace).find((id) => !before.has(id) && id.startsWith('forest-train-')));
}

/** The last step the accuracy chart's text alternative gives for `run` ("<run> at step N is ..."). */
async function lastStep(frame, run) {
  return frame.evaluate(
    ([metric, run]) => {
      const label = document.querySelector(`#curves section.plot[data-metric="${metric}"] .u-wrap`)?.getAttribute('aria-label') ?? '';
      const m = new RegExp(`${run} at step (\\d+) is`).exec(label);
      return m ? Number(m[1]) : -1;
    },
    [METRIC, run],
  );
}

/** The experiments page's frame once its runs table has rows. */
async function experimentsFrame(wb, timeout = 45_000) {
  return until('the experiments page with its runs table', timeout, async () => {
    for (const f of wb.page.frames()) {
      const n = await f.evaluate(() => document.querySelectorAll('#runs .body .row').length).catch(() => 0);
      if (n > 0) return f;
    }
    return undefined;
  });
}

export async function scenario(wb, { workspace, env }) {
  if (!env.KUBECONFIG) throw new Error('this scenario needs the local cluster (scripts/cluster/cluster.sh up)');
  const apply = spawnSync(
    env.KUBEML_KUBECTL ?? 'kubectl',
    ['--kubeconfig', env.KUBECONFIG, 'apply', '-f', join(workspace, 'cluster', 'artifacts.yaml')],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(apply.status, 0, apply.stderr);
  await wb.openKubeML();
  await wb.waitForViewsShown(90_000);
  // Two runs with different parameters, the second launched while the first trains.
  const A = await launch(wb, workspace, { n_estimators: 20, max_depth: 4 });
  const B = await launch(wb, workspace, { n_estimators: 60, max_depth: 8 });
  await wb.runCommand('KubeML: Open Experiments');
  const frame = await experimentsFrame(wb);
  await inPage(
    frame,
    'both launched runs in the table',
    30_000,
    ([a, b]) => {
      const ids = [...document.querySelectorAll('#runs .body .row')].map((r) => r.dataset.run);
      return ids.includes(a) && ids.includes(b);
    },
    [A, B],
  );

  // Click B, Ctrl+click A: both selected, both plotted on the accuracy chart, growing while they train.
  await frame.locator(`#runs .body .row[data-run="${B}"]`).click();
  await frame.locator(`#runs .body .row[data-run="${A}"]`).click({ modifiers: ['Control'] });
  assert.deepEqual(
    await frame.evaluate(() => [...document.querySelectorAll('#runs .body .row[aria-selected="true"]')].map((r) => r.dataset.run).sort()),
    [A, B].sort(),
  );
  // Live: each run's curve reaches a later step than the one first seen, while the panel stays open.
  const first = {};
  for (const run of [A, B]) {
    first[run] = await until(`the first points of ${run} on the ${METRIC} chart`, 180_000, async () => {
      const s = await lastStep(frame, run);
      return s >= 1 ? s : undefined;
    });
  }
  await wb.screenshot('experiments-growing');
  for (const run of [A, B])
    await until(
      `the curve of ${run} to grow past step ${first[run]} (live)`,
      180_000,
      async () => ((await lastStep(frame, run)) > first[run] ? true : undefined),
      { state: async () => `last step ${await lastStep(frame, run)}` },
    );
  await wb.screenshot('experiments-live');
  // Each selected run is one curve (a live run's updates once plotted it twice).
  const legend = await frame.evaluate(
    (m) =>
      [...(document.querySelector(`#curves section.plot[data-metric="${m}"]`)?.querySelectorAll('.u-legend .u-label') ?? [])]
        .map((l) => l.textContent)
        .slice(1),
    METRIC,
  );
  assert.deepEqual([...legend].sort(), [A, B].sort(), `the ${METRIC} chart's legend: ${legend.join(' | ')}`);
  // Both end: the sample runs 12 stages.
  for (const run of [A, B])
    await until(`${run} to reach its last step`, 240_000, async () => ((await lastStep(frame, run)) >= 12 ? true : undefined), {
      state: async () => `last step ${await lastStep(frame, run)}`,
    });

  // B is the baseline (keyboard: B on the focused row); A shows its deltas, signed, as text.
  await frame.locator(`#runs .body .row[data-run="${B}"]`).click({ modifiers: ['Control'] }); // unselect B, focus it
  await frame.locator(`#runs .body .row[data-run="${B}"]`).press('b');
  await frame.locator(`#runs .body .row[data-run="${B}"]`).click({ modifiers: ['Control'] }); // select it again
  const delta = await inPage(
    frame,
    'a delta of accuracy against the baseline in the row of A',
    10_000,
    (a) => {
      const row = document.querySelector(`#runs .body .row[data-run="${a}"]`);
      return [...(row?.querySelectorAll('.delta') ?? [])].map((d) => d.textContent).join(' ') || undefined;
    },
    A,
  );
  assert.match(delta, /[−+]\d/, `the deltas of A say their sign: ${delta}`);
  // Sort by accuracy (its header), highest first.
  await frame.locator(`button.sort[data-column="metric:${METRIC}"]`).click();
  await inPage(
    frame,
    'the accuracy column sorted',
    10_000,
    (m) => document.querySelector(`[role="columnheader"][aria-sort="descending"] button[data-column="metric:${m}"]`),
    METRIC,
  );

  for (const { theme, bodyClass, workbenchClass, shot } of THEMES) {
    await wb.colorTheme(theme, workbenchClass);
    const f = await experimentsFrame(wb);
    await inPage(f, `the experiments page in ${theme}`, 15_000, (cls) => document.body.classList.contains(cls), bodyClass);
    await inPage(f, `the charts repainted in ${theme}`, 15_000, () => {
      const c = document.querySelector('#curves section.plot canvas');
      if (!c || c.width === 0) return false;
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length && n <= 1000; i += 4) if (d[i] > 0) n++;
      return n > 1000;
    });
    await wb.screenshot(shot);
  }

  // Export CSV from the page's button, through the save dialog: the table as shown (sorted by accuracy).
  const shown = await frame.evaluate(() =>
    [...document.querySelectorAll('#runs .body .row')].sort((a, b) => a.dataset.index - b.dataset.index).map((r) => r.dataset.run),
  );
  await frame.locator('#export-csv').click();
  const out = join(workspace, 'experiments.csv');
  await answerSaveDialog(wb, out);
  const csv = (
    await waitForFile(out, `a header and ${shown.length} runs`, (b) => b.toString('utf8').split('\n').length - 1 >= shown.length + 1)
  )
    .toString('utf8')
    .trim()
    .split('\n');
  const head = csv[0].split(',');
  for (const col of ['run', 'status', 'n_estimators', 'max_depth', METRIC, 'test/loss'])
    assert.ok(head.includes(col), `no ${col} in ${csv[0]}`);
  assert.ok(
    head.some((h) => h.startsWith(`Δ ${METRIC} vs ${B}`)),
    `a delta column against the baseline: ${csv[0]}`,
  );
  assert.deepEqual(
    csv.slice(1).map((l) => l.split(',')[0]),
    shown,
    'the CSV lists the runs in the order the table shows them',
  );
  await reach(wb.page.locator('.quick-input-widget'), 'hidden', 'the save dialog to close', 10_000);
  await wb.screenshot('experiments-exported');
}
