// A user opens the experiments panel from the command palette on a workspace with three runs of the
// sample (two finished with different parameters, one training: its metrics.jsonl grows while the
// scenario runs, as the launcher appends each metric line it reads). They select two runs with
// Ctrl+click, see both curves, pin one as the baseline (B), sort by accuracy, see the live run's
// curve grow, look at it in the light and dark themes (screenshots), and export the table to CSV
// through the save dialog.
import { strict as assert } from 'node:assert';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { answerSaveDialog, waitForFile } from './dialogs.mjs';
import { inPage, reach, until } from './waits.mjs';

export const name = 'Experiments panel: compare two runs, a live curve, baseline, themes, CSV';

const THEMES = [
  { theme: 'Default Light Modern', bodyClass: 'vscode-light', workbenchClass: 'vs', shot: 'experiments-light' },
  // Last: the default theme of the e2e run, so that later scenarios are not left in another one.
  { theme: 'Default Dark Modern', bodyClass: 'vscode-dark', workbenchClass: 'vs-dark', shot: 'experiments-dark' },
];

/** A run folder as the launcher writes it (src/model/runRecords.ts), with its metric curve. */
function writeRun(workspace, id, { phase, params, minutesAgo, duration, curve }) {
  const dir = join(workspace, '.kubeml', 'runs', id);
  mkdirSync(dir, { recursive: true });
  const created = new Date(Date.now() - minutesAgo * 60_000).toISOString();
  const metrics = curve.length ? { accuracy: curve.at(-1).accuracy, loss: curve.at(-1).loss } : {};
  writeFileSync(
    join(dir, 'run.json'),
    JSON.stringify({
      version: 1,
      id,
      purpose: 'train',
      name: id,
      namespace: 'default',
      kind: 'Job',
      primary: { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', name: id, namespace: 'default' },
      podSelector: `kubeml.io/run=${id}`,
      container: 'train',
      image: 'localhost/kubeml-train:sample',
      command: ['python', 'train.py'],
      params,
      createdAt: created,
      startedAt: created,
      ...(duration ? { finishedAt: new Date(Date.parse(created) + duration * 1000).toISOString() } : {}),
      phase,
      metrics,
    }),
  );
  writeFileSync(join(dir, 'metrics.jsonl'), curve.map(lines).join(''));
  return dir;
}

const lines = ({ step, accuracy, loss }) =>
  `${JSON.stringify({ type: 'metric', name: 'accuracy', value: accuracy, step })}\n${JSON.stringify({ type: 'metric', name: 'loss', value: loss, step })}\n`;
const point = (step, speed) => ({
  step,
  accuracy: Number((0.55 + 0.4 * (1 - Math.exp(-step / speed))).toFixed(4)),
  loss: Number((0.1 + 0.9 * Math.exp(-step / speed)).toFixed(4)),
});

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

export async function scenario(wb, { workspace }) {
  const A = 'train-sample-a';
  const B = 'train-sample-b';
  const LIVE = 'train-sample-live';
  writeRun(workspace, A, {
    phase: 'succeeded',
    params: { n_estimators: 20, max_depth: 4 },
    minutesAgo: 30,
    duration: 95,
    curve: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((s) => point(s, 3)),
  });
  writeRun(workspace, B, {
    phase: 'succeeded',
    params: { n_estimators: 80, max_depth: 8 },
    minutesAgo: 20,
    duration: 240,
    curve: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((s) => point(s, 2)),
  });
  const liveDir = writeRun(workspace, LIVE, {
    phase: 'running',
    params: { n_estimators: 40, max_depth: 6 },
    minutesAgo: 1,
    curve: [0, 1].map((s) => point(s, 2.5)),
  });

  await wb.openKubeML();
  await wb.runCommand('KubeML: Open Experiments');
  const frame = await experimentsFrame(wb);
  const ids = await frame.evaluate(() => [...document.querySelectorAll('#runs .body .row')].map((r) => r.dataset.run));
  for (const id of [A, B, LIVE]) assert.ok(ids.includes(id), `${id} is not in the table (${ids.join(', ')})`);

  // Click B, Ctrl+click A: two runs selected, both plotted on each metric's chart.
  await frame.locator(`#runs .body .row[data-run="${B}"]`).click();
  await frame.locator(`#runs .body .row[data-run="${A}"]`).click({ modifiers: ['Control'] });
  await inPage(
    frame,
    'both runs plotted on the accuracy and loss charts',
    15_000,
    ([a, b]) => {
      const names = (m) =>
        [...(document.querySelector(`#curves section.plot[data-metric="${m}"]`)?.querySelectorAll('.u-legend .u-label') ?? [])].map(
          (l) => l.textContent,
        );
      return ['accuracy', 'loss'].every((m) => names(m).includes(a) && names(m).includes(b));
    },
    [A, B],
  );
  assert.deepEqual(
    await frame.evaluate(() => [...document.querySelectorAll('#runs .body .row[aria-selected="true"]')].map((r) => r.dataset.run).sort()),
    [A, B].sort(),
  );

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
  await frame.locator('button.sort[data-column="metric:accuracy"]').click();
  await inPage(frame, 'the accuracy column sorted', 10_000, () =>
    document.querySelector('[role="columnheader"][aria-sort="descending"] button[data-column="metric:accuracy"]'),
  );

  // The live run: select it too (Ctrl+click), then its file grows by one step at a time.
  await frame.locator(`#runs .body .row[data-run="${LIVE}"]`).click({ modifiers: ['Control'] });
  for (let step = 2; step < 8; step++) {
    appendFileSync(join(liveDir, 'metrics.jsonl'), lines(point(step, 2.5)));
    await inPage(
      frame,
      `step ${step} of the live run on the loss chart (its text alternative says where each curve ends)`,
      10_000,
      ([live, step]) =>
        document
          .querySelector('#curves section.plot[data-metric="loss"] .u-wrap')
          ?.getAttribute('aria-label')
          ?.includes(`${live} at step ${step} is`),
      [LIVE, step],
    );
  }
  // Three runs selected, each row once in the table, marked selected.
  const marks = await frame.evaluate(() =>
    [...document.querySelectorAll('#runs .body .row')].map(
      (r) => `${r.dataset.run}=${r.getAttribute('aria-selected')} ${getComputedStyle(r).backgroundColor}`,
    ),
  );
  assert.equal(marks.length, 3, marks.join(' | '));
  for (const id of [A, B, LIVE])
    assert.ok(
      marks.some((m) => m.startsWith(`${id}=true`)),
      `${id} is not marked selected: ${marks.join(' | ')}`,
    );
  assert.equal(new Set(marks.map((m) => m.split(' ').slice(1).join(' '))).size, 1, `selected rows differ in colour: ${marks.join(' | ')}`);
  await wb.screenshot('experiments-live');

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
  for (const col of ['run', 'status', 'n_estimators', 'max_depth', 'accuracy', 'loss'])
    assert.ok(head.includes(col), `no ${col} in ${csv[0]}`);
  assert.ok(
    head.some((h) => h.startsWith(`Δ accuracy vs ${B}`)),
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
