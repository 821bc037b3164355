// npm run screenshots: the README's screenshots, taken by the e2e scenarios (test/e2e) in a light
// and a dark theme and copied from test-results/e2e/ to media/screenshots/<name>-<light|dark>.png.
// `npm run screenshots -- quick-fix drift-panel` takes only those. The side bar, run and drift
// shots need the local cluster (npm run cluster:up); the quick fix does not.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { clusterKubeconfig } from './lib/cluster.mjs';
import { log, repoRoot } from './lib/setup.mjs';

/** Each README screenshot: the scenario (a part of its name, as KUBEML_E2E_GREP takes it) and the shot it saves. */
const SHOTS = [
  { name: 'side-bar', scenario: 'KubeML container, its six views', dir: 'foundation', shot: 'kubeml-container', cluster: true },
  { name: 'run-progress', scenario: 'Launch Training and Run Validation', dir: 'runs', shot: 'training-progress', cluster: true },
  { name: 'drift-panel', scenario: 'Launch Training and Run Validation', dir: 'runs', shot: 'drift-report', cluster: true },
  { name: 'quick-fix', scenario: 'A manifest diagnostic and its quick fix', dir: 'quickfix', shot: 'quick-fix', cluster: false },
  { name: 'experiments-panel', scenario: 'Experiments panel', dir: 'experiments', shot: 'experiments-live', cluster: true },
  { name: 'job-panel', scenario: 'Job health', dir: 'health', shot: 'job-panel-hung', cluster: true },
];
const THEMES = [
  { id: 'light', theme: 'Default Light Modern' },
  { id: 'dark', theme: 'Default Dark Modern' },
];

const root = repoRoot();
process.chdir(root);
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !SHOTS.some((s) => s.name === w));
if (unknown.length) {
  console.error(`[screenshots] unknown screenshot(s) ${unknown.join(', ')}; known: ${SHOTS.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
const shots = SHOTS.filter((s) => !wanted.length || wanted.includes(s.name));
if (shots.some((s) => s.cluster) && !clusterKubeconfig()) {
  console.error(
    `[screenshots] ${shots
      .filter((s) => s.cluster)
      .map((s) => s.name)
      .join(', ')} need the local cluster, which is not up: run npm run cluster:up first, or ask only for quick-fix`,
  );
  process.exit(2);
}
const out = join(root, 'media', 'screenshots');
mkdirSync(out, { recursive: true });
const failed = [];
for (const { id, theme } of THEMES) {
  // One e2e run per scenario and theme; a scenario that gives several shots runs once.
  for (const scenario of [...new Set(shots.map((s) => s.scenario))]) {
    const mine = shots.filter((s) => s.scenario === scenario);
    for (const s of mine) rmSync(join(root, 'test-results', 'e2e', s.dir, `${s.shot}.png`), { force: true });
    log('screenshots', `${theme}: ${scenario}`);
    const r = spawnSync('node', ['scripts/test-e2e.mjs'], {
      stdio: 'inherit',
      env: { ...process.env, KUBEML_E2E_GREP: scenario, KUBEML_E2E_THEME: theme },
    });
    for (const s of mine) {
      const from = join(root, 'test-results', 'e2e', s.dir, `${s.shot}.png`);
      if (r.status !== 0 || !existsSync(from)) {
        failed.push(
          `${s.name}-${id} (the scenario "${scenario}" ${r.status !== 0 ? `failed with exit code ${r.status}` : `saved no ${s.shot}.png`})`,
        );
        continue;
      }
      copyFileSync(from, join(out, `${s.name}-${id}.png`));
      log('screenshots', `media/screenshots/${s.name}-${id}.png`);
    }
  }
}
if (failed.length) {
  console.error(
    `[screenshots] not taken: ${failed.join('; ')}. The e2e output above says why; screenshots of a failure are in test-results/e2e/.`,
  );
  process.exit(1);
}
