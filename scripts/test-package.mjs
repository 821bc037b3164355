// test:package: builds the .vsix, installs it into a fresh code-server with
// --install-extension, and runs test/installed inside that VS Code: the shipped artifact.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runSuiteInCodeServer } from './lib/codeserver.mjs';
import { countsLine, printSuiteRecords, writeLayerResult } from './lib/results.mjs';
import { ensureCodeServer, log, repoRoot } from './lib/setup.mjs';
import { packageVsix } from './package.mjs';

const root = repoRoot();
process.chdir(root);
const vsix = packageVsix(root);
execFileSync('node', ['scripts/build.mjs', '--tests'], { stdio: 'inherit' });
const extensionsDir = mkdtempSync(join(tmpdir(), 'kubeml-ext-'));
log('test:package', `installing ${vsix} into ${extensionsDir}`);
execFileSync(ensureCodeServer(), ['--install-extension', vsix, '--extensions-dir', extensionsDir], { stdio: 'inherit' });
const workspace = mkdtempSync(join(tmpdir(), 'kubeml-empty-'));
const resultsFile = resolve('test-results/package.records.json');
rmSync(resultsFile, { force: true });
const code = await runSuiteInCodeServer({
  folder: workspace,
  extensionsDir,
  // VS Code runs a test suite only for an extension under development: an empty one stands in,
  // and KubeML itself loads from the installed .vsix.
  extensionDevelopmentPath: join(root, 'test/installed/host'),
  extensionTestsPath: join(root, 'out/test/installed/index.js'),
  env: { KUBEML_TEST_RESULTS: resultsFile, KUBEML_EXPECT_EXTENSIONS_DIR: extensionsDir, KUBECONFIG: '/nonexistent/kubeml-no-cluster' },
});
const counts = printSuiteRecords(resultsFile, 'test:package');
if (code !== 0 && counts.failed === 0) counts.failed = 1;
writeLayerResult('package', counts);
console.log(`test:package: ${countsLine(counts)}`);
rmSync(extensionsDir, { recursive: true, force: true });
rmSync(workspace, { recursive: true, force: true });
process.exit(code === 0 && counts.failed === 0 ? 0 : 1);
