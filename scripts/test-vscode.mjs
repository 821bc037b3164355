// test:vscode: runs the mocha suites in test/vscode inside a real VS Code extension host
// (code-server in headless Chromium), with this folder as the extension under development.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runSuiteInCodeServer } from './lib/codeserver.mjs';
import { countsLine, printSuiteRecords, writeLayerResult } from './lib/results.mjs';
import { log, repoRoot } from './lib/setup.mjs';
import { clusterEnv } from './lib/cluster.mjs';

const root = repoRoot();
process.chdir(root);
log('test:vscode', 'building the extension and the suites');
execFileSync('node', ['scripts/build.mjs', '--tests'], { stdio: 'inherit' });

const workspace = mkdtempSync(join(tmpdir(), 'kubeml-ws-'));
cpSync(join(root, 'samples'), workspace, { recursive: true });
const resultsFile = resolve('test-results/vscode.records.json');
rmSync(resultsFile, { force: true });
const env = { ...(await clusterEnv()), KUBEML_TEST_RESULTS: resultsFile };
if (process.env.KUBEML_TEST_GREP) env.KUBEML_TEST_GREP = process.env.KUBEML_TEST_GREP;
log('test:vscode', `workspace ${workspace}; cluster: ${env.KUBECONFIG ?? 'none'}`);
const code = await runSuiteInCodeServer({
  folder: workspace,
  extensionDevelopmentPath: root,
  extensionTestsPath: join(root, 'out/test/vscode/index.js'),
  env,
});
const counts = printSuiteRecords(resultsFile, 'test:vscode');
if (code !== 0 && counts.failed === 0) counts.failed = 1;
writeLayerResult('vscode', counts);
console.log(`test:vscode: ${countsLine(counts)}`);
rmSync(workspace, { recursive: true, force: true });
process.exit(code === 0 && counts.failed === 0 ? 0 : 1);
