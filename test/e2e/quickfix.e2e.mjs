// A user writes a GPU Job without a GPU limit, sees the red squiggle under the request, opens
// the quick fixes with Ctrl+. and applies "Set the nvidia.com/gpu limit to 1": the squiggle goes.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inPage, reach, until } from './waits.mjs';

export const name = 'A manifest diagnostic and its quick fix, from the keyboard';

const FILE = 'gpu-job.yaml';
// The GPU request is on line 22; its key starts at column 15.
const GPU_JOB = readFileSync(new URL('../fixtures/lint/gpu-job-no-limit.yaml', import.meta.url), 'utf8');

export async function scenario(wb, { workspace }) {
  writeFileSync(join(workspace, FILE), GPU_JOB);
  await wb.page.keyboard.press('Control+P');
  const input = wb.page.locator('.quick-input-widget input.input');
  await reach(input, 'visible', 'the quick open box', 10_000);
  await input.fill(FILE);
  await reach(
    wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: FILE }).first(),
    'visible',
    `${FILE} in quick open`,
    15_000,
  );
  await wb.page.keyboard.press('Enter');
  const squiggle = wb.page.locator('.editor-instance .monaco-editor .squiggly-error').first();
  await reach(squiggle, 'visible', 'the red squiggle under the GPU request', 30_000);

  // The cursor on the request (Go to Line/Column), then the quick fixes.
  await wb.page.keyboard.press('Control+G');
  await reach(input, 'visible', 'the Go to Line box', 10_000);
  await input.fill(':22:15');
  await wb.page.keyboard.press('Enter');
  await reach(wb.page.locator('.quick-input-widget'), 'hidden', 'the Go to Line box to close', 10_000);
  await inPage(wb.page, 'the cursor on line 22', 10_000, () =>
    /Ln 22, Col 15/.test(document.querySelector('#status\\.editor\\.selection')?.textContent ?? ''),
  );
  await wb.page.keyboard.press('Control+.');
  const fix = wb.page.locator('.action-widget .monaco-list-row', { hasText: 'Set the nvidia.com/gpu limit to 1' }).first();
  await reach(fix, 'visible', 'the quick fix "Set the nvidia.com/gpu limit to 1"', 15_000);
  const offered = await wb.page.locator('.action-widget .monaco-list-row').allInnerTexts();
  assert.ok(
    offered.some((t) => t.includes('Disable gpu-limits for this file')),
    `quick fixes offered: ${offered.join(' | ')}`,
  );
  await wb.screenshot('quick-fix');

  // The list holds the pointer while it is open: choose with the keyboard, as a user would.
  await reach(
    wb.page.locator('.action-widget .monaco-list-row.focused', { hasText: 'Set the nvidia.com/gpu limit to 1' }),
    'visible',
    'the limit fix focused, first in the list',
    5_000,
  );
  await wb.page.keyboard.press('Enter');
  await reach(squiggle, 'hidden', 'the squiggle to go once the limit is set', 15_000);
  const text = await until('the limit in the editor', 10_000, async () => {
    const lines = await wb.page.locator('.editor-instance .monaco-editor .view-lines').first().innerText();
    return /limits:[\s\S]*nvidia\.com\/gpu: 1/.test(lines.replace(/\u00a0/g, ' ')) ? lines : undefined;
  });
  assert.ok(text);
  await wb.screenshot('quick-fix-applied');
}
