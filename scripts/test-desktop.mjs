// npm run test:desktop: the same in-editor suites (test/vscode) on desktop VS Code, through
// @vscode/test-electron, for contributors with a desktop and internet access (it downloads
// VS Code; it cannot run on machines without that, so `npm test` uses code-server instead).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { repoRoot } from './lib/setup.mjs';
import { clusterEnv } from './lib/cluster.mjs';

const root = repoRoot();
process.chdir(root);
execFileSync('node', ['scripts/build.mjs', '--tests'], { stdio: 'inherit' });
const env = await clusterEnv();
try {
  await runTests({
    version: process.env.KUBEML_VSCODE_VERSION ?? '1.100.3',
    extensionDevelopmentPath: root,
    extensionTestsPath: join(root, 'out/test/vscode/index.js'),
    launchArgs: [join(root, 'samples'), '--disable-extensions', '--disable-workspace-trust'],
    extensionTestsEnv: { ...env, KUBEML_TEST_RESULTS: join(root, 'test-results/desktop.records.json') },
  });
} catch (e) {
  console.error(`test:desktop failed: ${e.message ?? e}`);
  process.exit(1);
}
