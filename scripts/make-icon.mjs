// Renders media/icon.svg to media/icon.png (128x128, transparent corners), the marketplace icon,
// with the same headless Chromium the e2e tests use. Run after editing the SVG: node scripts/make-icon.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from './lib/codeserver.mjs';
import { repoRoot } from './lib/setup.mjs';

const root = repoRoot();
const svg = readFileSync(join(root, 'media', 'icon.svg'), 'utf8');
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 128, height: 128 }, deviceScaleFactor: 1 });
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
  const png = await page.locator('svg').screenshot({ omitBackground: true });
  writeFileSync(join(root, 'media', 'icon.png'), png);
  console.log(`media/icon.png: ${png.length} bytes`);
} finally {
  await browser.close();
}
