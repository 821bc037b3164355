// A user opens a drift report from two local CSV files (the open dialog, path typed in), then
// switches the colour theme from the command palette: light, dark and high contrast. The page
// must follow each theme (VS Code's theme class on its body, charts repainted): one screenshot
// per theme. Then Export PNG and Export CSV from the page's buttons, through the save dialog.
import { strict as assert } from 'node:assert';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { answerSaveDialog, dialogListed, PNG_END, waitForFile } from './dialogs.mjs';
import { driftFrame, markCharts, waitForCharts } from './drift.mjs';
import { inPage, reach } from './waits.mjs';

export const name = 'Drift panel in light, dark and high-contrast themes';

const THEMES = [
  { theme: 'Default Light Modern', bodyClass: 'vscode-light', workbenchClass: 'vs', shot: 'drift-light' },
  { theme: 'Default High Contrast', bodyClass: 'vscode-high-contrast', workbenchClass: 'hc-black', shot: 'drift-high-contrast' },
  // Last: the default theme of the e2e run, so that later scenarios are not left in another one.
  { theme: 'Default Dark Modern', bodyClass: 'vscode-dark', workbenchClass: 'vs-dark', shot: 'drift-dark' },
];

/** Answers VS Code's open dialog (the simple one in code-server) by typing the path. */
async function answerOpenDialog(wb, title, path) {
  await reach(
    wb.page.locator('.quick-input-widget .quick-input-title', { hasText: title }),
    'visible',
    `the open dialog "${title}"`,
    15_000,
  );
  await dialogListed(wb, `the open dialog "${title}"`, path.split('/').pop());
  const input = wb.page.locator('.quick-input-widget input.input');
  await input.fill(path);
  assert.equal(await input.inputValue(), path);
  await wb.page.keyboard.press('Enter');
}

export async function scenario(wb, { workspace, root }) {
  for (const f of ['reference.csv', 'current.csv']) copyFileSync(join(root, 'test/fixtures/drift', f), join(workspace, f));
  // KubeML's commands are in the palette once the extension host has loaded it.
  await wb.openKubeML();
  await wb.runCommand('KubeML: Open Drift Report');
  // First question: where the data is (local files, a pod, a claim, Prometheus).
  await reach(
    wb.page.locator('.quick-input-widget .quick-input-title', { hasText: 'where is the data' }),
    'visible',
    'the question where the data is',
    15_000,
  );
  await wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Two local files' }).first().click();
  await answerOpenDialog(wb, 'Reference data', join(workspace, 'reference.csv'));
  await answerOpenDialog(wb, 'Current data', join(workspace, 'current.csv'));
  let frame = await driftFrame(wb, { timeout: 30_000 });

  for (const { theme, bodyClass, workbenchClass, shot } of THEMES) {
    // The charts drawn now: after the switch, the page must have drawn new ones.
    await markCharts(frame, ['hist']);
    // The palette ranks "Browse Color Themes in Marketplace" first: click the command itself.
    await wb.page.keyboard.press('F1');
    await wb.page.locator('.quick-input-widget input.input').fill('>Preferences: Color Theme');
    const command = wb.page.locator('.quick-input-widget .monaco-list-row[aria-label^="Preferences: Color Theme"]').first();
    await reach(command, 'visible', 'the command "Preferences: Color Theme" in the palette', 10_000);
    await command.click();
    // The theme picker replaces the palette: wait until it has listed the themes and has the
    // focus before typing the theme's id (shown as the description of its row, e.g. "Light
    // Modern  Default Light Modern").
    await inPage(wb.page, 'the theme picker to list the themes with its input focused', 15_000, () => {
      const input = document.querySelector('.quick-input-widget input.input[placeholder^="Select Color Theme"]');
      return !!input && document.activeElement === input && document.querySelectorAll('.quick-input-widget .monaco-list-row').length > 0;
    });
    await wb.page.keyboard.type(theme);
    const row = wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: theme }).first();
    await reach(row, 'visible', `the theme "${theme}" in the picker`, 10_000);
    await row.click();
    await reach(wb.page.locator('.quick-input-widget'), 'hidden', 'the theme picker to close', 10_000);
    await inPage(
      wb.page,
      `the workbench in ${theme} (class ${workbenchClass})`,
      15_000,
      (cls) => document.querySelector('.monaco-workbench')?.classList.contains(cls),
      workbenchClass,
    );
    frame = await driftFrame(wb, { timeout: 30_000 });
    await inPage(
      frame,
      `the drift page in ${theme} (body class ${bodyClass})`,
      15_000,
      (cls) => document.body.classList.contains(cls),
      bodyClass,
    );
    await waitForCharts(frame, ['hist'], `the histogram in ${theme}`, { redrawn: true });
    await wb.screenshot(shot);
    // The page paints with the theme: text colour is the theme's foreground, and the charts
    // were repainted with the theme's axis colour (a pixel of the y axis line).
    const seen = await frame.evaluate(() => {
      const fg = getComputedStyle(document.body).getPropertyValue('--vscode-foreground').trim();
      const rows = document.querySelectorAll('#features tbody tr').length;
      const c = document.querySelector('#hist canvas');
      const ctx = c.getContext('2d');
      const data = ctx.getImageData(0, 0, c.width, c.height).data;
      let painted = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
      return { fg, color: getComputedStyle(document.body).color, rows, painted };
    });
    assert.ok(seen.fg, `${theme}: the page has no --vscode-foreground`);
    assert.ok(seen.rows > 0, `${theme}: the feature table is empty`);
    assert.ok(seen.painted > 1000, `${theme}: the histogram is not drawn`);
  }

  // Export PNG: the selected feature's histogram, as the page drew it.
  await frame.locator('vscode-button', { hasText: 'Export PNG' }).click();
  await answerSaveDialog(wb, join(workspace, 'histogram.png'));
  const png = await waitForFile(
    join(workspace, 'histogram.png'),
    'a PNG up to its IEND chunk',
    (b) => b.length > PNG_END.length && b.subarray(-PNG_END.length).equals(PNG_END),
  );
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG signature');
  const canvas = await frame.evaluate(() => {
    const c = document.querySelector('#hist canvas');
    return { width: c.width, height: c.height };
  });
  assert.deepEqual({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) }, canvas, 'the PNG is the histogram canvas');
  assert.ok(png.length > 2000, `a PNG of ${png.length} bytes is too small to hold the chart`);

  // Export CSV: one row per feature, in the table's order.
  const features = await frame.evaluate(() => [...document.querySelectorAll('#features tbody tr')].map((tr) => tr.dataset.feature));
  await frame.locator('vscode-button', { hasText: 'Export CSV' }).click();
  await answerSaveDialog(wb, join(workspace, 'drift.csv'));
  const lines = (b) => b.toString('utf8').split('\n').length - 1;
  const written = await waitForFile(
    join(workspace, 'drift.csv'),
    `a header and ${features.length} feature lines`,
    (b) => lines(b) >= features.length + 1,
  );
  const csv = written.toString('utf8').trim().split('\n');
  assert.match(csv[0], /^feature,kind,status,test,score,threshold,ks_statistic,ks_p_value,wasserstein/);
  assert.deepEqual(
    csv.slice(1).map((l) => l.split(',')[0]),
    features,
  );
  await wb.screenshot('drift-exported');
}
