// Page object for the VS Code workbench (code-server) as a user sees it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { inPage, reach } from './waits.mjs';

export class Workbench {
  constructor(page, screenshotDir) {
    this.page = page;
    this.screenshotDir = screenshotDir;
    mkdirSync(screenshotDir, { recursive: true });
  }

  async waitForReady() {
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
    await this.page.locator('.activitybar').waitFor({ timeout: 60_000 });
  }

  /** Clicks the KubeML icon in the activity bar (or leaves the container open if it is). */
  async openKubeML() {
    const item = this.page.locator('.activitybar .action-item a[aria-label^="KubeML"]').first();
    await item.waitFor({ timeout: 60_000 });
    const checked = await item.evaluate((el) => el.closest('.action-item')?.classList.contains('checked'));
    if (!checked) await item.click();
    // The pointer leaves the activity bar: its hover would cover the views in the screenshots.
    await this.page.mouse.move(900, 500);
    await this.page.locator('.sidebar .composite.title', { hasText: 'KubeML' }).first().waitFor({ timeout: 30_000 });
  }

  /** The pane of a view in the side bar, by its title (Datasets, Jobs, GPUs, Models). */
  view(title) {
    return this.page
      .locator('.sidebar .pane')
      .filter({ has: this.page.locator('.pane-header h3.title', { hasText: new RegExp(`^${title}$`, 'i') }) });
  }

  async viewTitles() {
    return this.page.locator('.sidebar .pane-header h3.title').allInnerTexts();
  }

  async expandView(title) {
    const header = this.view(title).locator('.pane-header');
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
  }

  /** Visible rows of a view's tree, as their accessible labels. */
  async rows(title) {
    return this.view(title)
      .locator('.monaco-list-row')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? r.textContent ?? ''));
  }

  /** Opens a tree row's context menu and chooses the item with this text, as a user does. */
  async contextMenu(row, text) {
    const item = this.page.locator('.monaco-menu .action-item', { hasText: text }).first();
    // A tree that re-renders the row (a live update) closes a menu that just opened: a user
    // right-clicks again, and so does this, twice at most; then it says what the menu held.
    let seen = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      await row.click({ button: 'right' });
      const shown = await item.waitFor({ state: 'visible', timeout: 5_000 }).then(
        () => true,
        () => false,
      );
      if (shown) break;
      seen = await this.page.locator('.monaco-menu .action-item').allInnerTexts();
      await this.page.keyboard.press('Escape');
    }
    await reach(item, 'visible', `the context menu item "${text}" (the menu held: ${seen.join(' | ') || 'nothing'})`, 5_000);
    await item.hover();
    await item.locator('.action-menu-item').click();
    // A chosen item closes the menu. A menu that opened while the workbench was busy can miss
    // that click: it stays open with the item focused then, and Enter chooses it as a keyboard
    // user would.
    const closed = await item.waitFor({ state: 'hidden', timeout: 2_000 }).then(
      () => true,
      () => false,
    );
    if (!closed) {
      await this.page.keyboard.press('Enter');
      await reach(item, 'hidden', `the context menu to close after choosing "${text}" (clicked, then Enter)`, 10_000);
    }
  }

  /**
   * Waits until the views of the side bar have left their loading state: every expanded view
   * shows rows, its empty message or its welcome text, and none says "Connecting to the cluster".
   */
  async waitForViewsShown(timeout = 30_000) {
    await inPage(this.page, 'every expanded KubeML view to show its rows, empty message or welcome text', timeout, () => {
      const panes = [...document.querySelectorAll('.sidebar .pane')].filter(
        (p) => p.querySelector('.pane-header')?.getAttribute('aria-expanded') === 'true',
      );
      return (
        panes.length > 0 &&
        panes.every((p) => {
          const text = p.querySelector('.pane-body')?.innerText.trim() ?? '';
          return text.length > 0 && !text.includes('Connecting to the cluster');
        })
      );
    });
  }

  /** Runs a command from the command palette by its title, as a user types it. */
  async runCommand(title) {
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget input.input');
    await input.waitFor({ timeout: 10_000 });
    await input.fill(`>${title}`);
    const row = this.page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
    await row.waitFor({ timeout: 10_000 });
    await this.page.keyboard.press('Enter');
  }

  async quickPickItems() {
    const rows = this.page.locator('.quick-input-widget .monaco-list-row');
    await rows.first().waitFor({ timeout: 15_000 });
    return rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? e.textContent ?? ''));
  }

  async notificationTexts() {
    return this.page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts();
  }

  /** Switches the colour theme from the command palette, as a user does, and waits for the workbench to wear it. */
  async colorTheme(theme, workbenchClass) {
    // The palette ranks "Browse Color Themes in Marketplace" first: click the command itself.
    await this.page.keyboard.press('F1');
    await this.page.locator('.quick-input-widget input.input').fill('>Preferences: Color Theme');
    const command = this.page.locator('.quick-input-widget .monaco-list-row[aria-label^="Preferences: Color Theme"]').first();
    await reach(command, 'visible', 'the command "Preferences: Color Theme" in the palette', 10_000);
    await command.click();
    await inPage(this.page, 'the theme picker to list the themes with its input focused', 15_000, () => {
      const input = document.querySelector('.quick-input-widget input.input[placeholder^="Select Color Theme"]');
      return !!input && document.activeElement === input && document.querySelectorAll('.quick-input-widget .monaco-list-row').length > 0;
    });
    await this.page.keyboard.type(theme);
    const row = this.page.locator('.quick-input-widget .monaco-list-row', { hasText: theme }).first();
    await reach(row, 'visible', `the theme "${theme}" in the picker`, 10_000);
    await row.click();
    await reach(this.page.locator('.quick-input-widget'), 'hidden', 'the theme picker to close', 10_000);
    await inPage(
      this.page,
      `the workbench in ${theme} (class ${workbenchClass})`,
      15_000,
      (cls) => document.querySelector('.monaco-workbench')?.classList.contains(cls),
      workbenchClass,
    );
  }

  async screenshot(name) {
    const path = join(this.screenshotDir, `${name}.png`);
    await this.page.screenshot({ path });
    return path;
  }
}
