// test:e2e: Playwright (playwright-core + Debian's Chromium) drives code-server like a user.
// Every test/e2e/*.e2e.mjs exports `name` and `scenario(workbench)`; each runs on a freshly
// loaded workbench with KubeML under development and the sample workspace. Screenshots go
// to test-results/e2e/.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium, startCodeServer, workbenchUrl } from './lib/codeserver.mjs';
import { countsLine, writeLayerResult } from './lib/results.mjs';
import { log, repoRoot } from './lib/setup.mjs';
import { clusterEnv } from './lib/cluster.mjs';

const root = repoRoot();
process.chdir(root);
execFileSync('node', ['scripts/build.mjs'], { stdio: 'inherit' });
const { Workbench } = await import(pathToFileURL(join(root, 'test/e2e/workbench.mjs')).href);
const only = process.env.KUBEML_E2E_GREP;
const files = readdirSync('test/e2e')
  .filter((f) => f.endsWith('.e2e.mjs'))
  .sort();
const workspace = mkdtempSync(join(tmpdir(), 'kubeml-e2e-ws-'));
cpSync(join(root, 'samples'), workspace, { recursive: true });
const env = await clusterEnv();
const server = await startCodeServer({
  folder: workspace,
  env,
  settings: { 'workbench.colorTheme': process.env.KUBEML_E2E_THEME ?? 'Default Dark Modern' },
});
const browser = await launchChromium();
const counts = { passed: 0, failed: 0, skipped: 0 };
try {
  for (const f of files) {
    const mod = await import(pathToFileURL(resolve('test/e2e', f)).href);
    if (only && !mod.name.includes(only)) continue;
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const wb = new Workbench(page, resolve('test-results/e2e', f.replace(/\.e2e\.mjs$/, '')));
    const t0 = Date.now();
    try {
      // Settings a scenario declares are in the workspace before the workbench loads (a settings
      // file written while it runs is picked up only after a while); no scenario inherits another's.
      const settingsFile = join(workspace, '.vscode', 'settings.json');
      rmSync(settingsFile, { force: true });
      const settings = typeof mod.settings === 'function' ? mod.settings({ env }) : mod.settings;
      if (settings) {
        mkdirSync(join(workspace, '.vscode'), { recursive: true });
        writeFileSync(settingsFile, JSON.stringify(settings, null, 2));
      }
      await page.goto(workbenchUrl(server, { folder: workspace, extensionDevelopmentPath: root }));
      await wb.waitForReady();
      await mod.scenario(wb, { workspace, env, root });
      counts.passed++;
      console.log(`  ✔ ${mod.name} (${Date.now() - t0} ms)`);
    } catch (e) {
      counts.failed++;
      await wb.screenshot('failure').catch(() => {});
      console.log(`  ✘ ${mod.name}\n      ${String(e.stack ?? e).replace(/\n/g, '\n      ')}`);
    } finally {
      await page.close();
    }
  }
} finally {
  await browser.close().catch(() => {});
  await server.stop();
  rmSync(workspace, { recursive: true, force: true });
}
log('test:e2e', `screenshots in ${resolve('test-results/e2e')}`);
writeLayerResult('e2e', counts);
console.log(`test:e2e: ${countsLine(counts)}`);
process.exit(counts.failed > 0 ? 1 : 0);
