// VS Code's file dialogs (the simple ones in code-server) as a user answers them, and the files they write.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { inPage, settle, until } from './waits.mjs';

/**
 * Waits until VS Code's simple file dialog (code-server's) has listed its folder: its input holds
 * a folder path and its list has rows (with `row`, one containing that text). It fills in the
 * value as it lists, so a path typed before that is overwritten.
 */
export async function dialogListed(wb, what, row) {
  await inPage(
    wb.page,
    `${what} to list its folder${row ? ` (a row "${row}")` : ''}`,
    15_000,
    (row) => {
      const value = document.querySelector('.quick-input-widget input.input')?.value ?? '';
      const rows = [...document.querySelectorAll('.quick-input-widget .monaco-list-row')].map((r) => r.textContent ?? '');
      return value.includes('/') && rows.length > 0 && (!row || rows.some((t) => t.includes(row)));
    },
    row,
  );
}

/** Answers VS Code's save dialog (the simple one in code-server) with a full path. */
export async function answerSaveDialog(wb, path) {
  await dialogListed(wb, 'the save dialog', '..');
  const input = wb.page.locator('.quick-input-widget input.input');
  // code-server's simple dialog keeps rewriting its input for a moment after it has listed; a path
  // typed then is lost (seen in a fresh-clone run: the dialog stayed on the folder). No state of
  // the page says when it is done, so this pause stays, named.
  await settle('the save dialog to finish filling its input after listing', 500);
  await input.fill(path);
  await settle('the save dialog to validate the typed path', 500);
  assert.equal(await input.inputValue(), path);
  await wb.page.keyboard.press('Enter');
}

/** Waits until the file at `path` is there and `complete(bytes)` says all of it is written; returns its bytes. */
export async function waitForFile(path, what, complete, timeout = 15_000) {
  return until(
    `${path} to be written (${what})`,
    timeout,
    () => {
      if (!existsSync(path)) return undefined;
      const bytes = readFileSync(path);
      return complete(bytes) ? bytes : undefined;
    },
    { state: () => (existsSync(path) ? `${readFileSync(path).length} bytes so far` : 'no file') },
  );
}

/** A PNG is complete once it ends with its IEND chunk. */
export const PNG_END = Buffer.from([0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
